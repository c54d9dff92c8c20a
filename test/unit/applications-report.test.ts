// The report's cost per application: the application that owns a service (dbaas app add, the store's
// application_services) wins over the application tag of its description; tagged services no application
// owns keep their tag; the rest are (none). And a store without the table (older schema) still reports.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAuditStore } from '../../src/audit/open';
import type { SqlAuditStore } from '../../src/audit/sql-store';
import type { Instance } from '../../src/cloud/schemas';
import { costSection } from '../../src/reports/cost';
import { ownedApplications, withOwnedApplications, type LiveFleet } from '../../src/reports/live';
import { EXAMPLE_PRICES } from '../../src/reports/prices';
import { runReport } from '../../src/reports/runner';
import type { ReportDb, ReportScope } from '../../src/reports/types';
import { insertSeed, seedEvents } from '../../scripts/bench/report-seed';

const NOW = Date.parse('2025-06-01T12:00:00Z');
const o = { domain: 'seeded', services: 4, perService: 30, days: 60, now: NOW };
const scope: ReportScope = { domain: 'seeded', since: new Date(NOW - 30 * 86_400_000), until: new Date(NOW) };
const instances: Instance[] = [
  { service_name: 'db-00000', status: 'Running', version: '12.2.0.1', edition: 'EE', shape: 'oc3', description: 'application:shop' },
  { service_name: 'db-00001', status: 'Running', version: '12.2.0.1', edition: 'EE', shape: 'oc3', description: 'application:shop' },
  { service_name: 'db-00002', status: 'Running', version: '12.2.0.1', edition: 'EE', shape: 'oc3' },
];
const cloud: LiveFleet = { listInstancesVerbose: async () => instances, availablePatches: async () => [] };

let store: SqlAuditStore;
beforeAll(async () => {
  store = await openAuditStore({ inMemory: true });
  await insertSeed(store, seedEvents(o), []);
  await store.upsertApplication('billing', ['https://hooks.example/billing']);
  await store.assignService('billing', { identityDomain: 'seeded', serviceName: 'db-00001' });
  await store.assignService('billing', { identityDomain: 'seeded', serviceName: 'db-00002' });
  await store.assignService('billing', { identityDomain: 'elsewhere', serviceName: 'db-00003' });
});
afterAll(() => store?.close());

describe('cost per application', () => {
  it('groups by the owning application first, the description tag second', async () => {
    const owned = await ownedApplications(store, ['seeded']);
    expect(owned).toEqual([
      { d: 'seeded', s: 'db-00001', application: 'billing' },
      { d: 'seeded', s: 'db-00002', application: 'billing' },
    ]);
    const merged = withOwnedApplications(owned, [
      { d: 'seeded', s: 'db-00000', application: 'shop' },
      { d: 'seeded', s: 'db-00001', application: 'shop' },
    ]);
    expect(merged.map((a) => `${a.s}:${a.application}`).sort()).toEqual(['db-00000:shop', 'db-00001:billing', 'db-00002:billing']);
    const report = await runReport(store, scope, { sections: ['cost'], prices: EXAMPLE_PRICES, cloud });
    expect(report.sections[0]!.rows).toEqual((await costSection(store, scope, EXAMPLE_PRICES, merged)).rows);
    const byApp = Object.fromEntries(report.sections[0]!.rows.map((r) => [r.application, r.services]));
    expect(byApp).toMatchObject({ shop: 1, billing: 2 });
  });

  it('reports from tags alone when the store has no application_services table', async () => {
    const older: ReportDb = {
      reportQuery: async <R,>(text: string, params?: unknown[]) => {
        if (text.includes('application_services')) throw new Error('relation "application_services" does not exist');
        return store.reportQuery<R>(text, params);
      },
    };
    expect(await ownedApplications(older, ['seeded'])).toEqual([]);
    const report = await runReport(older, scope, { sections: ['cost'], prices: EXAMPLE_PRICES, cloud });
    expect(Object.fromEntries(report.sections[0]!.rows.map((r) => [r.application, r.services]))).toMatchObject({ shop: 2 });
  });
});
