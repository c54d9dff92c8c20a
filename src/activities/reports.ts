// The fleet report run by the worker, over its own audit store and with its own cloud client, for a
// client that cannot open the store (the embedded PGlite is the worker's). Read-only.
import { ApplicationFailure } from '@temporalio/common';
import type { AuditStore } from '../audit/types';
import type { DbcsClient } from '../cloud/client';
import { runReport, type Report } from '../reports/runner';
import { FAILURE_TYPES } from '../shared/failures';
import { fleetReportRequestSchema, type FleetReportRequest } from '../shared/reports';
import { describeZodError } from '../shared/schemas';

export function createReportActivities(cloud: DbcsClient, getStore: () => Promise<AuditStore>) {
  return {
    async fleetReport(request: FleetReportRequest): Promise<Report> {
      const parsed = fleetReportRequestSchema.safeParse(request);
      if (!parsed.success) throw ApplicationFailure.nonRetryable(`invalid report request: ${describeZodError(parsed.error)}`, FAILURE_TYPES.invalidInput);
      const { domain, since, until, sections, prices } = parsed.data;
      return runReport(await getStore(), { domain, since: new Date(since), until: new Date(until) }, { sections, prices, cloud });
    },
  };
}
