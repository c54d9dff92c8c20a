// auditTrail: reads the audit trail through the worker, for clients that cannot open the store
// themselves (the embedded PGlite belongs to the worker's process). Read-only.
import type { AuditRecord } from '../audit/types';
import { audit } from './activity-proxies';

export interface AuditTrailInput {
  identityDomain?: string;
  serviceName?: string;
  workflowId?: string;
  /** ISO time: only events at or after it. */
  since?: string;
  limit?: number;
}

export async function auditTrail(input: AuditTrailInput): Promise<AuditRecord[]> {
  return audit.queryAudit({ ...input, limit: Math.min(input.limit ?? 500, 2000) });
}
