// Where the dashboard's figures come from: the services from the live API (as `dbaas view`), runs and
// their progress from Temporal (as `dbaas list`/`status`, with the project's codec), the audit trail
// from the store (DATABASE_URL) or, without one, through the worker's auditTrail workflow (as
// `dbaas audit`), and the report from src/reports (SQL over the store plus the API, as `dbaas report`).
// Read-only: nothing here starts, signals or changes anything but the read-only auditTrail workflow.
import { randomUUID } from 'node:crypto';
import { openAuditStore } from '../audit/open';
import type { SqlAuditStore } from '../audit/sql-store';
import type { AuditRecord } from '../audit/types';
import { DbcsClient } from '../cloud/client';
import { CloudApiError } from '../cloud/errors';
import type { Instance } from '../cloud/schemas';
import { loadPrices, type PriceTable } from '../reports/prices';
import { runReport, type Report } from '../reports/runner';
import type { FleetReportRequest } from '../shared/reports';
import { SECTION_NAMES } from '../reports/types';
import { SEARCH_ATTRIBUTES } from '../shared/contract';
import { connectTemporal, type CliTemporal } from '../starter/temporal';
import { dbcsConfigFromEnv } from '../worker/config';
import type { DashboardData, ReportAnswer, ServiceDetail, ServiceRow } from './model';
import { lastOperations, listRuns, maintainerOf, maintainers, quote, runningNow, runSummary } from './runs';

const TRAIL_LIMIT = 500;

function serviceRow(i: Instance): ServiceRow {
  return { name: i.service_name, status: i.status, shape: i.shape, version: i.version, edition: i.edition, patchLevel: i.patch_level };
}

export interface DashboardSources {
  temporal: CliTemporal;
  cloud: DbcsClient;
  /** The audit store, when DATABASE_URL names one; else the trail is read through the worker. */
  audit?: SqlAuditStore;
  prices: PriceTable;
}

/** Opens every source from the environment (TEMPORAL_*, DBAAS_CODEC_KEY*, DBCS_*, DATABASE_URL, DBAAS_PRICES_FILE). */
export async function openSources(env: NodeJS.ProcessEnv = process.env): Promise<DashboardSources> {
  const prices = loadPrices(env);
  const cloud = new DbcsClient(dbcsConfigFromEnv(env));
  try {
    // The dashboard signs nothing: a token in DBAAS_TOKEN is the CLI's, not for a server process.
    const temporal = await connectTemporal({ ...env, DBAAS_TOKEN: undefined, DBAAS_TOKEN_FILE: undefined });
    const audit = env.DATABASE_URL ? await openAuditStore({ databaseUrl: env.DATABASE_URL }).catch(async (err: unknown) => {
      await temporal.close();
      throw err;
    }) : undefined;
    return { temporal, cloud, audit, prices };
  } catch (err) {
    await cloud.close();
    throw err;
  }
}

export function dashboardData(sources: DashboardSources): DashboardData {
  const { client } = sources.temporal;

  const readTrail = async (domain: string, service: string): Promise<AuditRecord[]> => {
    const filter = { identityDomain: domain, serviceName: service, limit: TRAIL_LIMIT };
    if (sources.audit) return sources.audit.query(filter);
    // The embedded store belongs to the worker's process: ask the worker (read-only workflow).
    const records = (await client.workflow.execute('auditTrail', {
      taskQueue: sources.temporal.taskQueue,
      workflowId: `audit:${domain}:${service}:${randomUUID()}`,
      args: [filter],
      workflowExecutionTimeout: '1m',
    })) as AuditRecord[];
    return records.map((r) => ({ ...r, occurredAt: new Date(r.occurredAt), recordedAt: new Date(r.recordedAt) }));
  };

  return {
    namespace: client.options.namespace,

    async domains() {
      if (!sources.audit) return [];
      const { rows } = await sources.audit.reportQuery<{ d: string }>('SELECT DISTINCT identity_domain AS d FROM audit_events ORDER BY 1 LIMIT 500');
      return rows.map((r) => r.d);
    },

    async services(domain) {
      const [instances, last, maintained] = await Promise.all([sources.cloud.listInstancesVerbose(domain), lastOperations(client, domain), maintainers(client, domain)]);
      return instances
        .map((i) => ({ ...serviceRow(i), maintain: maintained.get(i.service_name), lastOperation: last.get(i.service_name) }))
        .sort((a, b) => a.name.localeCompare(b.name));
    },

    async live(domain) {
      const warnings: string[] = [];
      const now = await runningNow(client, domain, warnings);
      return { at: new Date().toISOString(), ...now, warnings };
    },

    async service(domain, name): Promise<ServiceDetail> {
      const runsQuery = `${SEARCH_ATTRIBUTES.identityDomain.name} = ${quote(domain)} AND ${SEARCH_ATTRIBUTES.serviceName.name} = ${quote(name)}`;
      const [instance, runs, trail, maintain] = await Promise.all([
        sources.cloud.getInstance(domain, name).then(
          (i) => ({ row: serviceRow(i) }),
          (err: unknown) => ({ error: err instanceof CloudApiError && err.isNotFound ? 'not found in the API (deleted, or never built)' : err instanceof Error ? err.message : String(err) }),
        ),
        listRuns(client, runsQuery, 100),
        readTrail(domain, name),
        maintainerOf(client, domain, name),
      ]);
      const summaries = runs.map(runSummary).sort((a, b) => b.startedAt.localeCompare(a.startedAt));
      const lastOperation = summaries.find((r) => r.operation !== 'maintainService');
      return {
        service: 'row' in instance ? { ...instance.row, maintain, lastOperation } : undefined,
        serviceError: 'error' in instance ? instance.error : undefined,
        runs: summaries,
        trail,
      };
    },

    async report(domain, since, until): Promise<ReportAnswer> {
      if (sources.audit) return { report: await runReport(sources.audit, { domain, since, until }, { sections: SECTION_NAMES, prices: sources.prices, cloud: sources.cloud }) };
      // The embedded store belongs to the worker's process: the worker computes it (read-only workflow).
      const request: FleetReportRequest = { domain, since: since.toISOString(), until: until.toISOString(), sections: [...SECTION_NAMES], prices: sources.prices };
      const report = (await client.workflow.execute('fleetReport', { taskQueue: sources.temporal.taskQueue, workflowId: `report:${domain}:${randomUUID()}`, args: [request], workflowExecutionTimeout: '2m' })) as Report;
      return { report };
    },

    async close() {
      await Promise.allSettled([sources.temporal.close(), sources.cloud.close(), sources.audit?.close()]);
    },
  };
}
