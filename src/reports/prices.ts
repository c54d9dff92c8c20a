// The price of each shape per hour: a JSON file (DBAAS_PRICES_FILE) `{currency, perHour: {oc3: 0.5, …}}`,
// or, without one, the built-in table below. The built-in figures are EXAMPLE PRICES, made up for the
// simulator's shapes (proportional to OCPUs, high-memory shapes 20 % dearer): not Oracle's price list.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { describeZodError } from '../shared/schemas';
import { SHAPES } from '../shared/shapes';

export const pricesFileSchema = z
  .object({
    currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as USD or EUR'),
    perHour: z.record(z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be a shape name such as oc3'), z.number().finite().nonnegative()).refine((m) => Object.keys(m).length > 0, 'must price at least one shape'),
  })
  .strict();
export type PriceTable = z.infer<typeof pricesFileSchema> & { source: string; example: boolean };

/** Example prices per hour (USD): 0.50 per OCPU, high-memory 0.60 per OCPU. Not real prices. */
export const EXAMPLE_PRICES: PriceTable = {
  currency: 'USD',
  perHour: Object.fromEntries(Object.entries(SHAPES).map(([name, s]) => [name, Math.round(s.ocpu * (s.family === 'highmem' ? 0.6 : 0.5) * 100) / 100])),
  source: 'built-in example prices (set DBAAS_PRICES_FILE for real ones)',
  example: true,
};

export class PricesFileError extends Error {}

/** The price table of DBAAS_PRICES_FILE, or the example one; a file that is missing or wrong is an error naming what. */
export function loadPrices(env: NodeJS.ProcessEnv = process.env): PriceTable {
  const file = env.DBAAS_PRICES_FILE;
  if (!file) return EXAMPLE_PRICES;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : err instanceof SyntaxError ? `not valid JSON (${err.message})` : String(err);
    throw new PricesFileError(`DBAAS_PRICES_FILE ${file}: ${reason}`);
  }
  const parsed = pricesFileSchema.safeParse(raw);
  if (!parsed.success) throw new PricesFileError(`DBAAS_PRICES_FILE ${file}: ${describeZodError(parsed.error)}`);
  return { ...parsed.data, source: file, example: false };
}
