// The fleet report over a big audit trail: 2,000 services × 50 events (100,000 events over 90 days,
// plus 10,000 backup records) seeded into embedded PGlite and into a private PostgreSQL; the whole
// report (every section, --since 30d) timed 5 times after one warm-up, the median kept; each SQL
// section timed the same way. The cloud is an in-memory fake (2,000 instances answered at once): what
// is measured is the SQL and the assembly, not the API. Goal: under 1 s on both.
import { openAuditStore } from '../../src/audit/open';
import type { SqlAuditStore } from '../../src/audit/sql-store';
import type { Instance } from '../../src/cloud/schemas';
import type { LiveFleet } from '../../src/reports/live';
import { reportDatabaseUrl } from '../../src/reports/connection';
import { EXAMPLE_PRICES } from '../../src/reports/prices';
import { runReport } from '../../src/reports/runner';
import { SECTION_NAMES, type ReportScope, type SectionName } from '../../src/reports/types';
import { findPostgresBin, startPrivatePostgres } from '../lib/postgres';
import type { BenchEnv } from './env';
import { insertSeed, seedBackups, seedEvents, type SeedOptions } from './report-seed';
import { median, round } from './stats';

export interface ReportBackendFigures {
  auditStore: string;
  events: number;
  backups: number;
  seedSeconds: number;
  runs: number;
  /** The whole report, median of `runs`. */
  reportSeconds: number;
  /** Each section alone, median of `runs`. */
  sectionSeconds: Record<string, number>;
}

export interface ReportFigures {
  services: number;
  eventsPerService: number;
  days: number;
  sinceDays: number;
  loadAverage: string;
  backends: ReportBackendFigures[];
}

function fakeCloud(o: SeedOptions): LiveFleet {
  const instances: Instance[] = Array.from({ length: o.services }, (_, i) => ({
    service_name: `db-${String(i).padStart(5, '0')}`,
    status: i % 10 === 0 ? 'Stopped' : 'Running',
    version: i % 3 === 0 ? '18.0.0.0' : '12.2.0.1',
    edition: 'EE',
    shape: ['oc3', 'oc4', 'oc5'][i % 3],
    usable_storage: 25,
    fra_storage: 25,
    description: `bench service application:app-${i % 10}`,
  }));
  return {
    listInstancesVerbose: async () => instances,
    availablePatches: async (_d, name) => (name.endsWith('0') ? [] : [{ patchId: 'p-190416', releaseVersion: '12.2.0.1.190416' }]),
  };
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return (performance.now() - t) / 1000;
}

async function measure(name: string, store: SqlAuditStore, o: SeedOptions, runs: number, sinceDays: number): Promise<ReportBackendFigures> {
  const events = seedEvents(o);
  const backups = seedBackups(o, 5);
  const seedSeconds = await timed(() => insertSeed(store, events, backups));
  const scope: ReportScope = { domain: o.domain, since: new Date(o.now - sinceDays * 86_400_000), until: new Date(o.now) };
  const cloud = fakeCloud(o);
  const report = (sections: readonly SectionName[]) => runReport(store, scope, { sections, prices: EXAMPLE_PRICES, cloud });
  await report(SECTION_NAMES); // warm-up: plans and caches, as a second report in a session would have
  const whole: number[] = [];
  for (let i = 0; i < runs; i++) whole.push(await timed(() => report(SECTION_NAMES)));
  const sectionSeconds: Record<string, number> = {};
  for (const section of SECTION_NAMES) {
    const xs: number[] = [];
    for (let i = 0; i < runs; i++) xs.push(await timed(() => report([section])));
    sectionSeconds[section] = round(median(xs));
  }
  const figures = { auditStore: name, events: events.length, backups: backups.length, seedSeconds: round(seedSeconds, 1), runs, reportSeconds: round(median(whole)), sectionSeconds };
  console.log(`  ${name}: ${events.length} events, report ${figures.reportSeconds} s (median of ${runs}); ${JSON.stringify(sectionSeconds)}`);
  return figures;
}

export async function reports(env: Pick<BenchEnv, 'quick'>): Promise<ReportFigures> {
  const services = Number(process.env.BENCH_REPORT_SERVICES ?? (env.quick ? 100 : 2000));
  const o: SeedOptions = { domain: 'bench', services, perService: 50, days: 90, now: Date.now() };
  const runs = env.quick ? 1 : 5;
  const sinceDays = 30;
  const { readFileSync } = await import('node:fs');
  const loadAverage = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const backends: ReportBackendFigures[] = [];
  const pglite = await openAuditStore({ inMemory: true });
  try {
    backends.push(await measure('embedded PGlite', pglite, o, runs, sinceDays));
  } finally {
    await pglite.close();
  }
  const pg = process.env.BENCH_DATABASE_URL ? { url: process.env.BENCH_DATABASE_URL, stop() {} } : findPostgresBin() ? await startPrivatePostgres() : undefined;
  if (pg) {
    // The report's own session settings, as `dbaas report` connects (src/reports/connection.ts).
    const store = await openAuditStore({ databaseUrl: reportDatabaseUrl(pg.url) });
    try {
      backends.push(await measure('PostgreSQL', store, o, runs, sinceDays));
    } finally {
      await store.close();
      pg.stop();
    }
  }
  return { services, eventsPerService: o.perService, days: o.days, sinceDays, loadAverage, backends };
}
