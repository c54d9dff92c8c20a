// SQL shared by the sections: the events in scope, each service's known states over time, and its
// lives (built → deleted). Parameters of every query: $1 the period's start, $2 its end, $3 the
// domain (NULL: every domain), $4 the services' applications and $5 the prices (JSON, for cost).
import type { ReportScope } from './types';

/** The parameters every report query takes (cost's inputs empty unless given). */
export function scopeParams(scope: ReportScope, cost: { applications?: unknown; perHour?: unknown } = {}): unknown[] {
  return [scope.since.toISOString(), scope.until.toISOString(), scope.domain, JSON.stringify(cost.applications ?? []), JSON.stringify(cost.perHour ?? {})];
}

/** Every parameter is named once here, so each query can use any of them (PostgreSQL must know each one's type). */
export const ARGS_CTE = `args AS (SELECT $1::timestamptz AS since, $2::timestamptz AS until, $3::text AS domain, $4::jsonb AS apps, $5::jsonb AS prices)`;

/** The scope's events: the domain when given, up to the period's end (all history: states carry forward). */
export const inScope = (alias: string) => `${alias}.occurred_at <= $2::timestamptz AND ($3::text IS NULL OR ${alias}.identity_domain = $3::text)`;

/** A number read from JSON text, or NULL when it is not one (a bad detail never fails a report). */
export const num = (textExpr: string) => `(CASE WHEN (${textExpr}) ~ '^-?[0-9]+(\\.[0-9]+)?$' THEN (${textExpr})::float8 END)`;

/** Hours between two timestamptz expressions. */
export const hours = (from: string, to: string) => `(EXTRACT(EPOCH FROM (${to}) - (${from})) / 3600.0)`;

/** Overlap, in hours, of [a, b) with the period [$1, $2). */
export const hoursInPeriod = (a: string, b: string) => `GREATEST(0, ${hours(`GREATEST(${a}, $1::timestamptz)`, `LEAST(${b}, $2::timestamptz)`)})`;

/** The days of the period (UTC), each as its start; a day's figure is the state at its end (or at the period's end, today). */
export const DAYS_CTE = `days AS (SELECT generate_series(date_trunc('day', $1::timestamptz, 'UTC'), $2::timestamptz, interval '1 day') AS day)`;
export const dayText = (expr: string) => `to_char(${expr} AT TIME ZONE 'UTC', 'YYYY-MM-DD')`;

/**
 * `points`: what the trail says of a service at a time, ordered by (at, seq): in the period, plus the
 * last state before it (earlier ones change nothing of the period) and every build and deletion:
 *   born  — its build succeeded: shape and status from that event, storage as the build requested it;
 *   state — the service as an operation saw it before its change (`started`, seq 0) and after it (seq 2);
 *   gone  — deleted (deleteService succeeded, or the maintainer saw it deleted out of band).
 * Rollouts' own events (service '*') are no service's.
 */
export function pointsCtes(): string {
  const st = 'v.st';
  // A summary's numbers are JSON numbers (serviceSummarySchema); anything else reads as unknown.
  const jnum = (j: string) => `(CASE WHEN jsonb_typeof(${j}) = 'number' THEN (${j})::float8 END)`;
  const bearsState = `(jsonb_typeof(e.details->'after') = 'object' OR (e.event = 'started' AND jsonb_typeof(e.details->'before') = 'object'))`;
  const STATE_EVENTS = `e.event IN ('started', 'succeeded', 'failed', 'rolled_back', 'rollback_failed', 'maintenance_ended') AND e.service_name <> '*'`;
  return `
builds AS (
  -- one row per build run (grouped, not a self-join)
  SELECT e.identity_domain AS d, e.service_name AS s, e.run_id,
         min(e.occurred_at) FILTER (WHERE e.event = 'succeeded') AS at, min(e.id) FILTER (WHERE e.event = 'succeeded') AS id,
         max(e.details->>'status') FILTER (WHERE e.event = 'succeeded') AS status, max(e.details->>'shape') FILTER (WHERE e.event = 'succeeded') AS shape,
         max(${num(`e.details->>'usableStorageGb'`)}) FILTER (WHERE e.event = 'requested') AS usable
  FROM audit_events e WHERE e.operation = 'buildService' AND e.event IN ('requested', 'succeeded') AND ${inScope('e')}
  GROUP BY 1, 2, 3
),
carry_at AS (
  -- when each service was last seen before the period: its state then holds at the period's start
  SELECT e.identity_domain AS d, e.service_name AS s, max(e.occurred_at) AS at
  FROM audit_events e WHERE ${STATE_EVENTS} AND ${inScope('e')} AND e.occurred_at < $1::timestamptz AND ${bearsState}
  GROUP BY 1, 2
),
seen AS (
  -- the events whose states count: those of the period, the last one of each service before it, and every deletion
  SELECT e.id, e.identity_domain, e.service_name, e.occurred_at, e.operation, e.event, e.details
  FROM audit_events e WHERE ${STATE_EVENTS} AND ${inScope('e')}
    AND (e.occurred_at >= $1::timestamptz OR (e.operation IN ('deleteService', 'maintainService') AND e.event IN ('succeeded', 'maintenance_ended')))
  UNION
  SELECT e.id, e.identity_domain, e.service_name, e.occurred_at, e.operation, e.event, e.details
  FROM carry_at c JOIN audit_events e ON e.identity_domain = c.d AND e.service_name = c.s AND e.occurred_at = c.at
  WHERE ${STATE_EVENTS} AND ${bearsState}
),
points AS MATERIALIZED (
  SELECT b.d, b.s, b.at, b.id, 1 AS seq, 'born' AS kind, b.status, b.shape, b.usable, NULL::float8 AS fra, NULL::float8 AS additional
  FROM builds b WHERE b.at IS NOT NULL
  UNION ALL
  SELECT e.identity_domain, e.service_name, e.occurred_at, e.id, v.seq, v.kind, ${st}->>'status', ${st}->>'shape',
         ${jnum(`${st}->'usableStorageGb'`)}, ${jnum(`${st}->'fraStorageGb'`)},
         CASE WHEN jsonb_typeof(${st}->'additionalVolumesGb') = 'array'
              THEN (SELECT sum(x::float8) FROM jsonb_array_elements(${st}->'additionalVolumesGb') AS x WHERE jsonb_typeof(x) = 'number') END
  FROM seen e
  CROSS JOIN LATERAL (VALUES
    (0, CASE WHEN e.event = 'started' AND jsonb_typeof(e.details->'before') = 'object' THEN 'state' END, e.details->'before'),
    (2, CASE WHEN jsonb_typeof(e.details->'after') = 'object' THEN 'state'
             WHEN (e.operation = 'deleteService' AND e.event = 'succeeded')
               OR (e.operation = 'maintainService' AND e.event = 'maintenance_ended' AND e.details->>'reason' = 'deleted out of band') THEN 'gone' END,
        CASE WHEN jsonb_typeof(e.details->'after') = 'object' THEN e.details->'after' END)
  ) AS v(seq, kind, st)
  WHERE v.kind IS NOT NULL
)`;
}

/**
 * Segments of one kind of point: each point holds from its time until the next one of the service.
 * The first point of a service whose story does not start with its build holds from the beginning
 * of time (it existed before the trail says anything of it). `keep` chooses the points that count.
 */
export function segmentsCte(name: string, keep: string): string {
  return `
${name} AS (
  SELECT p.*,
         CASE WHEN p.kind <> 'born' AND row_number() OVER w = 1 THEN '-infinity'::timestamptz ELSE p.at END AS from_at,
         COALESCE(lead(p.at) OVER w, 'infinity'::timestamptz) AS to_at
  FROM points p WHERE ${keep}
  WINDOW w AS (PARTITION BY p.d, p.s ORDER BY p.at, p.seq, p.id)
)`;
}

/**
 * `lives`: when each service existed. A build starts a life and a deletion ends it; a service whose
 * trail does not begin with a build (built before the trail, or by another tool) existed from the
 * beginning of time until its first deletion. A build that never succeeded gives no life.
 */
export function livesCte(): string {
  return `
marks AS (
  SELECT d, s, at, seq, id, kind FROM points WHERE kind IN ('born', 'gone')
  UNION ALL
  SELECT e.identity_domain, e.service_name, '-infinity'::timestamptz, -1, 0::bigint, 'pre'
  FROM audit_events e WHERE e.service_name <> '*' AND ${inScope('e')}
  GROUP BY 1, 2 HAVING min(e.occurred_at) < COALESCE(min(e.occurred_at) FILTER (WHERE e.operation = 'buildService'), 'infinity'::timestamptz)
),
marks_next AS (
  SELECT m.*, lead(m.at) OVER w AS next_at, lead(m.kind) OVER w AS next_kind
  FROM marks m WINDOW w AS (PARTITION BY m.d, m.s ORDER BY m.at, m.seq, m.id)
),
lives AS (
  SELECT d, s, at AS born, COALESCE(next_at, 'infinity'::timestamptz) AS died FROM marks_next
  WHERE kind = 'born' OR (kind = 'pre' AND next_kind IS DISTINCT FROM 'born')
)`;
}

/** One section of the timeline query: its own CTEs (after points and lives), its rows, their order. */
export interface TimelinePart {
  ctes: string;
  /** The CTE holding the section's rows. */
  rows: string;
  /** ORDER BY of those rows, in terms of `r`. */
  orderBy: string;
}

/**
 * The sections built on the timeline (storage, downtime, cost) in one statement: points and lives are
 * computed once and each section's rows come back as a JSON array in a column of its name.
 */
export function timelineSql(parts: Record<string, TimelinePart>): string {
  const names = Object.keys(parts);
  return `
WITH ${ARGS_CTE},
${pointsCtes()},
${livesCte()},
${names.map((n) => parts[n]!.ctes).join(',\n')}
SELECT ${names.map((n) => `(SELECT COALESCE(json_agg(r ORDER BY ${parts[n]!.orderBy}), '[]'::json) FROM ${parts[n]!.rows} r) AS "${n}"`).join(',\n       ')}
FROM args`;
}
