// Storage now and its trend: per day, each living service's storage as the trail last knew it at the
// end of that day (carried forward), summed over the fleet.
import { DAYS_CTE, dayText, scopeParams, segmentsCte, timelineSql, type TimelinePart } from './sql';
import type { ReportDb, ReportScope, Row, SectionResult } from './types';

export const storagePart: TimelinePart = {
  ctes: `
${segmentsCte('storage_seg', `p.kind = 'gone' OR p.usable IS NOT NULL OR p.fra IS NOT NULL OR p.additional IS NOT NULL`)},
${DAYS_CTE},
storage_spans AS (
  -- the days whose end falls inside a segment: from_at < day + 1 day <= to_at, clipped to the period
  SELECT GREATEST(date_trunc('day', seg.from_at, 'UTC'), date_trunc('day', $1::timestamptz, 'UTC')) AS lo,
         date_trunc('day', seg.to_at - interval '1 day', 'UTC') AS hi,
         COALESCE(seg.usable, 0) AS usable, COALESCE(seg.fra, 0) AS fra, COALESCE(seg.additional, 0) AS additional
  FROM storage_seg seg WHERE seg.kind <> 'gone' AND seg.to_at > $1::timestamptz
),
storage_deltas AS (
  -- a span adds its storage on its first day and takes it back the day after its last (a running sum
  -- per day then costs one row per span, not one per span and day)
  SELECT lo AS day, 1 AS n, usable, fra, additional FROM storage_spans WHERE lo <= hi
  UNION ALL
  SELECT hi + interval '1 day', -1, -usable, -fra, -additional FROM storage_spans WHERE lo <= hi AND hi < $2::timestamptz
),
storage_rows AS (
  SELECT days.day AS at, ${dayText('days.day')} AS day,
         (sum(COALESCE(sum(d.n), 0)) OVER w)::int AS services,
         round((sum(COALESCE(sum(d.usable), 0)) OVER w)::numeric, 2)::float8 AS "dataGb",
         round((sum(COALESCE(sum(d.fra), 0)) OVER w)::numeric, 2)::float8 AS "fraGb",
         round((sum(COALESCE(sum(d.additional), 0)) OVER w)::numeric, 2)::float8 AS "additionalGb",
         round((sum(COALESCE(sum(d.usable + d.fra + d.additional), 0)) OVER w)::numeric, 2)::float8 AS "totalGb"
  FROM days LEFT JOIN storage_deltas d ON d.day = days.day
  GROUP BY days.day
  WINDOW w AS (ORDER BY days.day)
)`,
  rows: 'storage_rows',
  orderBy: 'r.at',
};

export function storageResult(raw: Row[]): SectionResult {
  const rows = raw.map(({ at: _at, ...r }) => r);
  return {
    name: 'storage',
    title: 'Storage (GB) at the end of each day',
    columns: [
      ['day', 'day'],
      ['services', 'services'],
      ['dataGb', 'data'],
      ['fraGb', 'FRA'],
      ['additionalGb', 'added volumes'],
      ['totalGb', 'total'],
    ],
    rows,
    notes: ['From the audit trail: each service as its last operation left it (a build: the storage it asked for), carried forward; the last day is now.'],
    extra: { now: rows.at(-1) ?? null },
  };
}

export async function storageSection(db: ReportDb, scope: ReportScope): Promise<SectionResult> {
  const { rows } = await db.reportQuery<{ storage: Row[] }>(timelineSql({ storage: storagePart }), scopeParams(scope));
  return storageResult(rows[0]!.storage);
}
