// applicationRecords: `dbaas app create|add|remove|list|show` through the worker, for a CLI without
// DATABASE_URL (the embedded PGlite belongs to the worker's process), like auditTrail and
// backupRecords. The activity validates the request (applicationRequestSchema).
import type { ApplicationRequest, ApplicationResult } from '../shared/applications';
import { audit } from './activity-proxies';

export async function applicationRecords(input: ApplicationRequest): Promise<ApplicationResult> {
  return audit.applicationRecords(input);
}
