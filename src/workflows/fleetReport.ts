// fleetReport: `dbaas report` through the worker, for clients that cannot open the audit store
// themselves (the embedded PGlite belongs to the worker's process). Read-only, like auditTrail.
import type { Report } from '../reports/runner';
import type { FleetReportRequest } from '../shared/reports';
import { reports } from './activity-proxies';

export async function fleetReport(request: FleetReportRequest): Promise<Report> {
  return reports.fleetReport(request);
}
