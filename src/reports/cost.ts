// Cost per application: the hours each service was billed in the period × its shape's price per hour,
// grouped by the service's application tag. Billed: from its build (or the start of the trail) to its
// deletion, at the shape the trail last saw (scales change it), except while Stopped (from a stop's
// success to the next start's success: the compute is not running).
import { NO_APPLICATION } from './applications';
import type { PriceTable } from './prices';
import { hoursInPeriod, scopeParams, segmentsCte, timelineSql, type TimelinePart } from './sql';
import type { ReportDb, ReportScope, Row, SectionResult } from './types';

/** One service's application, as read from the cloud. */
export interface ServiceApplication {
  d: string;
  s: string;
  application: string;
}

// Money to the cent; hours to the second.
const round2 = (x: string) => `round((${x})::numeric, 2)::float8`;
const round4 = (x: string) => `round((${x})::numeric, 4)::float8`;

export const costPart: TimelinePart = {
  ctes: `
${segmentsCte('cost_seg', `p.kind = 'gone' OR p.shape IS NOT NULL`)},
billed AS (
  SELECT d, s, shape, sum(${hoursInPeriod('from_at', 'to_at')}) AS h
  FROM cost_seg WHERE kind <> 'gone' AND status IS DISTINCT FROM 'Stopped'
  GROUP BY d, s, shape
),
apps AS (SELECT x.d, x.s, x.application FROM jsonb_to_recordset($4::jsonb) AS x(d text, s text, application text)),
prices AS (SELECT p.key AS shape, p.value::float8 AS per_hour FROM jsonb_each_text($5::jsonb) AS p),
per_service AS (
  SELECT b.d, b.s, COALESCE(a.application, '${NO_APPLICATION}') AS application, b.shape, b.h, pr.per_hour
  FROM billed b
  LEFT JOIN apps a ON a.d = b.d AND a.s = b.s
  LEFT JOIN prices pr ON pr.shape = b.shape
  WHERE b.h > 0
),
cost_rows AS (
  SELECT application,
         count(DISTINCT (d, s))::int AS services,
         ${round4('sum(h)')} AS "billedHours",
         ${round2('COALESCE(sum(h * per_hour), 0)')} AS cost,
         ${round4('COALESCE(sum(h) FILTER (WHERE per_hour IS NULL), 0)')} AS "unpricedHours",
         string_agg(DISTINCT shape, ' ') FILTER (WHERE per_hour IS NULL) AS "unpricedShapes"
  FROM per_service
  GROUP BY application
)`,
  rows: 'cost_rows',
  orderBy: 'r.cost DESC, r.application COLLATE "C"',
};

export async function costSection(db: ReportDb, scope: ReportScope, prices: PriceTable, applications: ServiceApplication[]): Promise<SectionResult> {
  const { rows } = await db.reportQuery<{ cost: Row[] }>(timelineSql({ cost: costPart }), scopeParams(scope, { applications, perHour: prices.perHour }));
  return costResult(rows[0]!.cost, prices);
}

export function costResult(rows: Row[], prices: PriceTable): SectionResult {
  for (const r of rows) r.currency = prices.currency;
  const notes = [
    'Billed hours: from the build (or the start of the trail) to the deletion, at the shape of the time, not while Stopped; cost = hours × the shape\'s price per hour.',
    `Prices: ${prices.source}${prices.example ? ' — EXAMPLE PRICES, not a real price list' : ''}.`,
    `Application: the application that owns the service (dbaas app add), else the application:NAME tag of its description in the cloud; services with neither, or deleted untagged ones, are ${NO_APPLICATION}.`,
  ];
  const unpriced = [...new Set(rows.flatMap((r) => (typeof r.unpricedShapes === 'string' ? r.unpricedShapes.split(' ') : [])))];
  if (unpriced.length) notes.push(`No price for shape${unpriced.length > 1 ? 's' : ''} ${unpriced.join(', ')}: those hours are counted but not costed.`);
  return {
    name: 'cost',
    title: `Cost per application (${prices.currency})`,
    columns: [
      ['application', 'application'],
      ['services', 'services'],
      ['billedHours', 'billed (h)'],
      ['cost', 'cost'],
      ['currency', 'currency'],
      ['unpricedHours', 'unpriced (h)'],
    ],
    rows,
    notes,
  };
}
