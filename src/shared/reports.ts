// What a client asks the worker for when it cannot read the audit store itself (`dbaas report`
// without DATABASE_URL: the embedded PGlite belongs to the worker's process). Workflow-safe.
import { z } from 'zod';
import { identityDomainSchema } from './schemas';

export const REPORT_SECTION_NAMES = ['inventory', 'storage', 'backups', 'patches', 'downtime', 'operations', 'durations', 'cost'] as const;

export const fleetReportRequestSchema = z
  .object({
    /** null: every domain of the audit store. */
    domain: identityDomainSchema.nullable(),
    since: z.string().datetime(),
    until: z.string().datetime(),
    sections: z.array(z.enum(REPORT_SECTION_NAMES)).min(1),
    /** The client's price table (DBAAS_PRICES_FILE is read where the command runs). */
    prices: z.object({ currency: z.string(), perHour: z.record(z.string(), z.number().nonnegative()), source: z.string(), example: z.boolean() }),
  })
  .strict();
export type FleetReportRequest = z.infer<typeof fleetReportRequestSchema>;
