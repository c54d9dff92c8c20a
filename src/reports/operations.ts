// Operations and their failure rates by type: every run with an event in the period, by its outcome.
// A run is refused (the requester check said no), rolled back, failed (failed or rollback_failed),
// succeeded, or still running, the first that holds in that order. The failure rate is
// (failed + rolled back) / (succeeded + failed + rolled back): refusals and running ones are not outcomes
// of the operation itself.
import { ARGS_CTE, scopeParams } from './sql';
import type { ReportDb, ReportScope, Row, SectionResult } from './types';

export function operationsSql(): string {
  return `
WITH ${ARGS_CTE},
runs AS (
  SELECT e.operation AS op, e.run_id,
         bool_or(e.event = 'refused') AS refused,
         bool_or(e.event = 'rolled_back') AS rolled_back,
         bool_or(e.event IN ('failed', 'rollback_failed')) AS failed,
         bool_or(e.event = 'succeeded') AS succeeded
  FROM audit_events e
  WHERE e.occurred_at >= $1::timestamptz AND e.occurred_at <= $2::timestamptz AND ($3::text IS NULL OR e.identity_domain = $3::text)
  GROUP BY e.operation, e.workflow_id, e.run_id
),
outcomes AS (
  SELECT op, CASE WHEN refused THEN 'refused' WHEN rolled_back THEN 'rolled_back' WHEN failed THEN 'failed' WHEN succeeded THEN 'succeeded' ELSE 'running' END AS outcome FROM runs
),
counts AS (
  SELECT op,
         count(*)::int AS runs,
         (count(*) FILTER (WHERE outcome = 'succeeded'))::int AS succeeded,
         (count(*) FILTER (WHERE outcome = 'failed'))::int AS failed,
         (count(*) FILTER (WHERE outcome = 'rolled_back'))::int AS rolled_back,
         (count(*) FILTER (WHERE outcome = 'refused'))::int AS refused,
         (count(*) FILTER (WHERE outcome = 'running'))::int AS running
  FROM outcomes GROUP BY op
)
SELECT op AS operation, runs, succeeded, failed, rolled_back AS "rolledBack", refused, running,
       CASE WHEN succeeded + failed + rolled_back = 0 THEN NULL
            ELSE round((100.0 * (failed + rolled_back) / (succeeded + failed + rolled_back))::numeric, 2)::float8 END AS "failureRatePct"
FROM counts ORDER BY runs DESC, op COLLATE "C"`;
}

export async function operationsSection(db: ReportDb, scope: ReportScope): Promise<SectionResult> {
  const { rows } = await db.reportQuery<Row>(operationsSql(), scopeParams(scope));
  return {
    name: 'operations',
    title: 'Operations by type (runs with an event in the period)',
    columns: [
      ['operation', 'operation'],
      ['runs', 'runs'],
      ['succeeded', 'succeeded'],
      ['failed', 'failed'],
      ['rolledBack', 'rolled back'],
      ['refused', 'refused'],
      ['running', 'running'],
      ['failureRatePct', 'failure %'],
    ],
    rows,
    notes: ['Failure rate: (failed + rolled back) / (succeeded + failed + rolled back); refused and running runs are not counted in it.'],
  };
}
