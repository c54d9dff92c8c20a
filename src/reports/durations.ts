// How long operations take: mean, median and p90 of the elapsed time their `succeeded` event carries
// (details.elapsedMs: from the workflow's start to the event), per operation that succeeded in the period.
import { ARGS_CTE, scopeParams } from './sql';
import type { ReportDb, ReportScope, Row, SectionResult } from './types';

/** Always listed, first, even when none succeeded in the period (the issue asks for these three). */
const HEADLINE = ['buildService', 'scaleService', 'patchService'];

export function durationsSql(): string {
  const secs = (x: string) => `round((${x} / 1000.0)::numeric, 1)::float8`;
  return `
WITH ${ARGS_CTE},
took AS (
  SELECT e.operation AS op, (e.details->>'elapsedMs')::float8 AS ms
  FROM audit_events e
  WHERE e.event = 'succeeded' AND e.occurred_at >= $1::timestamptz AND e.occurred_at <= $2::timestamptz AND ($3::text IS NULL OR e.identity_domain = $3::text)
    AND jsonb_typeof(e.details->'elapsedMs') = 'number'
),
ops AS (SELECT unnest($6::text[]) AS op UNION SELECT op FROM took)
SELECT ops.op AS operation, count(took.ms)::int AS succeeded,
       ${secs('avg(took.ms)')} AS "meanSeconds",
       ${secs('percentile_cont(0.5) WITHIN GROUP (ORDER BY took.ms)')} AS "medianSeconds",
       ${secs('percentile_cont(0.9) WITHIN GROUP (ORDER BY took.ms)')} AS "p90Seconds"
FROM ops LEFT JOIN took ON took.op = ops.op
GROUP BY ops.op
ORDER BY array_position($6::text[], ops.op) NULLS LAST, ops.op COLLATE "C"`;
}

export async function durationsSection(db: ReportDb, scope: ReportScope): Promise<SectionResult> {
  const { rows } = await db.reportQuery<Row>(durationsSql(), [...scopeParams(scope), HEADLINE]);
  return {
    name: 'durations',
    title: 'Time to succeed, by operation (seconds)',
    columns: [
      ['operation', 'operation'],
      ['succeeded', 'succeeded'],
      ['meanSeconds', 'mean'],
      ['medianSeconds', 'median'],
      ['p90Seconds', 'p90'],
    ],
    rows,
    notes: ["From each succeeded event's elapsedMs (the workflow's start to its success; a patch's includes its soak)."],
  };
}
