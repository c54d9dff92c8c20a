// Backup sizes now and their trend, from our records of backups (the backups table): per day, the
// completed backups that had ended by the end of that day and were not yet rolled off.
import { ARGS_CTE, DAYS_CTE, dayText, scopeParams } from './sql';
import type { ReportDb, ReportScope, Row, SectionResult } from './types';

export function backupsSql(): string {
  return `
WITH ${ARGS_CTE},
${DAYS_CTE},
kept AS (
  SELECT b.backup_size_gb AS size, b.ended_at, COALESCE(b.rolled_off_at, 'infinity'::timestamptz) AS gone_at
  FROM backups b
  WHERE b.status = 'COMPLETED' AND b.ended_at IS NOT NULL AND b.ended_at <= $2 AND ($3::text IS NULL OR b.identity_domain = $3::text)
    AND COALESCE(b.rolled_off_at, 'infinity'::timestamptz) > $1::timestamptz
),
spans AS (
  SELECT k.size,
         GREATEST(date_trunc('day', k.ended_at, 'UTC'), date_trunc('day', $1::timestamptz, 'UTC')) AS lo,
         date_trunc('day', k.gone_at - interval '1 day', 'UTC') AS hi
  FROM kept k
),
deltas AS (
  -- a record counts from the day it ended to the day before it rolled off: +1 then -1 (a running sum per day)
  SELECT lo AS day, 1 AS n, size FROM spans WHERE lo <= hi
  UNION ALL
  SELECT hi + interval '1 day', -1, -size FROM spans WHERE lo <= hi AND hi < $2::timestamptz
),
per_day AS (
  SELECT days.day, COALESCE(sum(x.n), 0) AS n, COALESCE(sum(x.size), 0) AS size
  FROM days LEFT JOIN deltas x ON x.day = days.day GROUP BY days.day
)
SELECT ${dayText('per_day.day')} AS day,
       (sum(per_day.n) OVER w)::int AS backups,
       round((sum(per_day.size) OVER w)::numeric, 2)::float8 AS "sizeGb"
FROM per_day
WINDOW w AS (ORDER BY per_day.day)
ORDER BY per_day.day`;
}

/** Whether the scope has any record of a backup at all (none: the section says so instead of zeros). */
const ANY_SQL =
  `WITH ${ARGS_CTE} SELECT EXISTS (SELECT 1 FROM backups b WHERE (b.started_at IS NULL OR b.started_at <= $2::timestamptz) AND ($3::text IS NULL OR b.identity_domain = $3::text)) AS found FROM args`;

export async function backupsSection(db: ReportDb, scope: ReportScope): Promise<SectionResult> {
  const section: SectionResult = {
    name: 'backups',
    title: 'Backups kept (GB) at the end of each day',
    columns: [
      ['day', 'day'],
      ['backups', 'backups'],
      ['sizeGb', 'size'],
    ],
    rows: [],
    notes: [],
  };
  const any = await db.reportQuery<{ found: boolean }>(ANY_SQL, scopeParams(scope));
  if (!any.rows[0]?.found) {
    section.notes.push('no backup records');
    section.extra = { now: null };
    return section;
  }
  section.rows = (await db.reportQuery<Row>(backupsSql(), scopeParams(scope))).rows;
  section.notes.push('From our records of backups: completed backups until they roll off; the last day is now.');
  section.extra = { now: section.rows.at(-1) ?? null };
  return section;
}
