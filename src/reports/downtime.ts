// Downtime per service as a share of the time it existed in the period. A service is down:
//  - from a stop of the whole service (its job's start) until the next start or restart of the whole
//    service that succeeded, or its deletion;
//  - during a restart of the whole service (its job's start to the operation's end);
//  - from a patch's apply (the service is in Maintenance) until its health gate passed, or the
//    operation ended; the same for a patch rollback;
//  - while its maintainer saw it in another status than Running (drift_detected until the next
//    drift event, drift_resolved, or the maintainer's end), and while it waited for a human
//    (needs_attention until attention_cleared).
// A single VM's stop or restart is not counted (a RAC service keeps serving). Overlaps count once.
import { hours, hoursInPeriod, inScope, scopeParams, timelineSql, type TimelinePart } from './sql';
import type { ReportDb, ReportScope, Row, SectionResult } from './types';

const INF = `'infinity'::timestamptz`;
/** Hours to the second (a stop of a few seconds shows), shares to 4 decimals. */
const round = (x: string, digits: number) => `round((${x})::numeric, ${digits})::float8`;

export const downtimePart: TimelinePart = {
  ctes: `
runs AS (
  SELECT e.identity_domain AS d, e.service_name AS s, e.operation AS op, e.run_id,
         min(e.occurred_at) FILTER (WHERE e.event = 'started') AS started_at,
         min(e.occurred_at) FILTER (WHERE e.event = 'started' AND e.step = 'apply') AS apply_at,
         min(e.occurred_at) FILTER (WHERE e.event = 'health_gate_passed') AS healthy_at,
         max(e.occurred_at) FILTER (WHERE e.event IN ('succeeded', 'failed', 'rolled_back', 'rollback_failed')) AS ended_at,
         min(e.occurred_at) FILTER (WHERE e.event = 'succeeded') AS ok_at,
         max(e.details->>'lifecycleState') FILTER (WHERE e.event = 'requested') AS lc,
         max(e.details->>'vmName') FILTER (WHERE e.event = 'requested') AS vm
  FROM audit_events e WHERE e.operation IN ('changeLifecycle', 'patchService', 'rollbackServicePatch') AND ${inScope('e')}
  GROUP BY 1, 2, 3, 4
),
turns AS (
  SELECT d, s, ok_at AS t, 0 AS ord, 'down' AS kind, COALESCE(started_at, ok_at) AS down_at
  FROM runs WHERE op = 'changeLifecycle' AND lc = 'stop' AND vm IS NULL AND ok_at IS NOT NULL
  UNION ALL
  SELECT d, s, ok_at, 1, 'up', NULL FROM runs WHERE op = 'changeLifecycle' AND lc IN ('start', 'restart') AND vm IS NULL AND ok_at IS NOT NULL
  UNION ALL
  SELECT d, s, at, 1, 'up', NULL FROM points WHERE kind = 'gone'
),
stops AS (
  -- a stop ends at the first start, restart or deletion after it
  SELECT d, s, kind, down_at,
         min(CASE WHEN kind = 'up' THEN t END) OVER (PARTITION BY d, s ORDER BY t, ord ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING) AS up_at
  FROM turns
),
drift AS (
  SELECT e.identity_domain AS d, e.service_name AS s, e.occurred_at AS at, e.event, e.details->'observed'->>'status' AS st,
         lead(e.occurred_at) OVER (PARTITION BY e.identity_domain, e.service_name ORDER BY e.occurred_at, e.id) AS nxt
  FROM audit_events e WHERE e.operation = 'maintainService' AND e.event IN ('drift_detected', 'drift_resolved', 'maintenance_ended') AND ${inScope('e')}
),
attention AS (
  SELECT e.identity_domain AS d, e.service_name AS s, e.occurred_at AS at, e.event,
         lead(e.occurred_at) OVER (PARTITION BY e.identity_domain, e.service_name ORDER BY e.occurred_at, e.id) AS nxt
  FROM audit_events e WHERE e.operation = 'maintainService' AND e.event IN ('needs_attention', 'attention_cleared', 'maintenance_ended') AND ${inScope('e')}
),
raw AS (
  SELECT d, s, down_at AS a, COALESCE(up_at, ${INF}) AS b FROM stops WHERE kind = 'down'
  UNION ALL
  SELECT d, s, started_at, COALESCE(ended_at, ${INF}) FROM runs WHERE op = 'changeLifecycle' AND lc = 'restart' AND vm IS NULL AND started_at IS NOT NULL
  UNION ALL
  SELECT d, s, apply_at, COALESCE(healthy_at, ended_at, ${INF}) FROM runs WHERE op = 'patchService' AND apply_at IS NOT NULL
  UNION ALL
  SELECT d, s, started_at, COALESCE(healthy_at, ended_at, ${INF}) FROM runs WHERE op = 'rollbackServicePatch' AND started_at IS NOT NULL
  UNION ALL
  SELECT d, s, at, COALESCE(nxt, ${INF}) FROM drift WHERE event = 'drift_detected' AND st IS NOT NULL AND st <> 'Running'
  UNION ALL
  SELECT d, s, at, COALESCE(nxt, ${INF}) FROM attention WHERE event = 'needs_attention'
),
iv AS (
  SELECT d, s, GREATEST(a, $1::timestamptz) AS a, LEAST(b, $2::timestamptz) AS b
  FROM raw WHERE b > $1::timestamptz AND a < $2::timestamptz AND b > a
),
downtime_ordered AS (
  SELECT d, s, a, b, max(b) OVER (PARTITION BY d, s ORDER BY a, b ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_end FROM iv
),
islands AS (
  SELECT d, s, a, b, count(*) FILTER (WHERE prev_end IS NULL OR a > prev_end) OVER (PARTITION BY d, s ORDER BY a, b ROWS UNBOUNDED PRECEDING) AS grp FROM downtime_ordered
),
merged AS (SELECT d, s, min(a) AS a, max(b) AS b FROM islands GROUP BY d, s, grp),
down AS (SELECT d, s, sum(${hours('a', 'b')}) AS h FROM merged GROUP BY d, s),
alive AS (SELECT d, s, sum(${hoursInPeriod('born', 'died')}) AS h FROM lives GROUP BY d, s),
downtime_rows AS (
SELECT alive.d AS domain, alive.s AS service,
       ${round('alive.h', 4)} AS "existedHours",
       ${round('COALESCE(down.h, 0)', 4)} AS "downHours",
       ${round('LEAST(100, 100 * COALESCE(down.h, 0) / alive.h)', 4)} AS "downtimePct"
FROM alive LEFT JOIN down ON down.d = alive.d AND down.s = alive.s
WHERE alive.h > 0
)`,
  rows: 'downtime_rows',
  orderBy: 'r."downtimePct" DESC, r.domain COLLATE "C", r.service COLLATE "C"',
};

export async function downtimeSection(db: ReportDb, scope: ReportScope): Promise<SectionResult> {
  const { rows } = await db.reportQuery<{ downtime: Row[] }>(timelineSql({ downtime: downtimePart }), scopeParams(scope));
  return downtimeResult(rows[0]!.downtime);
}

export function downtimeResult(rows: Row[]): SectionResult {
  return {
    name: 'downtime',
    title: 'Downtime per service (share of the hours it existed in the period)',
    columns: [
      ['domain', 'domain'],
      ['service', 'service'],
      ['existedHours', 'existed (h)'],
      ['downHours', 'down (h)'],
      ['downtimePct', 'downtime %'],
    ],
    rows,
    brief: { rows: rows.filter((r) => Number(r.downHours) > 0), note: `${rows.filter((r) => !(Number(r.downHours) > 0)).length} of ${rows.length} services were never down (listed with -o json or csv).` },
    notes: [
      'Down: stopped (from the stop until a start or restart succeeded), restarting, patching (apply until its health gate passed), in another status than Running as its maintainer saw it, or waiting for a human (needs_attention). One VM of a service stopping does not count.',
    ],
  };
}
