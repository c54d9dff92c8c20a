// `dbaas report` as an operator runs it: a real CLI process against a file's stack (dev server,
// worker, simulator, the run's PostgreSQL as audit store), after a build, a scale and a stop/start.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { cliEnvFor, cliFor, sampleInput, startFileStack, uniqueName, type FileStack } from '../helpers/harness';

const dir = mkdtempSync(path.join(os.tmpdir(), 'dbaas-report-'));
let s: FileStack;
const domain = uniqueName('repdom');
const shop = uniqueName('shop-db');
const plain = uniqueName('plain-db');

const { cli } = cliFor(() => ({ ...cliEnvFor(s), DATABASE_URL: inject('databaseUrl') }));

function specFile(name: string): string {
  const service = structuredClone(sampleInput(name).service) as unknown as Record<string, unknown>;
  for (const p of service.parameters as Record<string, unknown>[]) delete p.adminPassword;
  const file = path.join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(service));
  return file;
}

async function ok(args: string[]): Promise<string> {
  const { code, out } = await cli(args);
  expect(code, out).toBe(0);
  return out;
}

type Rows = Record<string, string | number | null>[];
interface ReportJson {
  domain: string;
  inventory: { rows: Rows; databases: number };
  storage: { rows: Rows; now: Record<string, number> };
  backups: { rows: Rows; notes: string[] };
  patches: { rows: Rows };
  downtime: { rows: Rows };
  operations: { rows: Rows };
  durations: { rows: Rows };
  cost: { rows: Rows; notes: string[] };
}

beforeAll(async () => {
  s = await startFileStack('report');
  await Promise.all([
    ok(['build', specFile(shop), '--domain', domain, '--application', 'shop', '--wait', '--json']),
    ok(['build', specFile(plain), '--domain', domain, '--wait', '--json']),
  ]);
  await ok(['scale', shop, '--domain', domain, '--shape', 'oc4', '--wait', '--json']);
  await ok(['stop', shop, '--domain', domain, '--wait', '--json']);
  await ok(['start', shop, '--domain', domain, '--wait', '--json']);
}, 240_000);

afterAll(() => s?.stop());

describe('dbaas report', () => {
  it('-o json: the inventory, rates, durations, downtime and cost of what the test did', async () => {
    const out = await ok(['report', '--domain', domain, '--since', '1d', '-o', 'json']);
    const r = JSON.parse(out.slice(out.indexOf('{'))) as ReportJson;
    expect(r.domain).toBe(domain);

    const inv = (by: string) => Object.fromEntries(r.inventory.rows.filter((x) => x.by === by).map((x) => [x.value, x.databases]));
    expect(r.inventory.databases).toBe(2);
    expect(inv('version')).toEqual({ '12.2.0.1': 2 });
    expect(inv('shape')).toEqual({ oc3: 1, oc4: 1 });
    expect(inv('edition')).toEqual({ EE: 2 });
    expect(inv('status')).toEqual({ Running: 2 });

    const op = (name: string) => r.operations.rows.find((x) => x.operation === name);
    expect(op('buildService')).toMatchObject({ runs: 2, succeeded: 2, failed: 0, rolledBack: 0, failureRatePct: 0 });
    expect(op('scaleService')).toMatchObject({ runs: 1, succeeded: 1, failureRatePct: 0 });
    expect(op('changeLifecycle')).toMatchObject({ runs: 2, succeeded: 2, failureRatePct: 0 });

    const took = (name: string) => r.durations.rows.find((x) => x.operation === name)!;
    expect(took('buildService').succeeded).toBe(2);
    expect(took('buildService').meanSeconds).toBeGreaterThan(0);
    expect(took('scaleService').succeeded).toBe(1);
    expect(took('patchService')).toMatchObject({ succeeded: 0, meanSeconds: null });

    // Down from the stop's job to the start's success: a few seconds of the hours since the build.
    const down = (name: string) => r.downtime.rows.find((x) => x.service === name)!;
    expect(down(shop).downHours as number).toBeGreaterThan(0);
    expect(down(shop).downtimePct as number).toBeGreaterThan(0);
    expect(down(shop).downtimePct as number).toBeLessThan(100);
    expect(down(plain)).toMatchObject({ downHours: 0, downtimePct: 0 });

    expect(r.storage.now).toMatchObject({ services: 2 });
    expect(r.storage.now.totalGb).toBeGreaterThanOrEqual(50); // 25 GB each as built, more once the API reported FRA
    expect(r.backups.notes).toEqual(['no backup records']);
    // The simulator offers 12.2.0.1 services patches: each is unpatched on both.
    expect(r.patches.rows.length).toBeGreaterThan(0);
    expect(r.patches.rows[0]).toMatchObject({ unpatched: 2 });

    const cost = Object.fromEntries(r.cost.rows.map((x) => [x.application, x]));
    expect(Object.keys(cost).sort()).toEqual(['(none)', 'shop']);
    expect(cost.shop).toMatchObject({ services: 1, currency: 'USD' });
    // A service of a few seconds: billed hours to the second, cost to the cent (maybe 0.00).
    expect(cost.shop!.billedHours as number).toBeGreaterThan(0);
    expect(cost.shop!.cost as number).toBeGreaterThanOrEqual(0);
    expect(r.cost.notes.join(' ')).toContain('EXAMPLE PRICES');
  });

  it('-o csv: one section is plain CSV; all of them come each after its name', async () => {
    const one = await ok(['report', '--domain', domain, '--section', 'operations', '-o', 'csv']);
    const lines = one.trim().split(/\r?\n/);
    expect(lines[0]).toBe('operation,runs,succeeded,failed,rolledBack,refused,running,failureRatePct');
    expect(lines).toContain('buildService,2,2,0,0,0,0,0');
    expect(lines).toContain('changeLifecycle,2,2,0,0,0,0,0');

    const all = await ok(['report', '--domain', domain, '-o', 'csv']);
    for (const name of ['inventory', 'storage', 'backups', 'patches', 'downtime', 'operations', 'durations', 'cost']) expect(all).toContain(`# section: ${name}`);
    expect(all).toMatch(new RegExp(`^${domain},${shop},[0-9.]+,[0-9.]+,[0-9.]+\\r?$`, 'm'));
  });

  it('-o text: readable tables', async () => {
    const text = await ok(['report', '--domain', domain, '--section', 'downtime,operations']);
    expect(text).toContain('Downtime per service');
    expect(text).toContain(shop);
    expect(text).toContain('1 of 2 services were never down');
  });

  it('without DATABASE_URL (the embedded store is the worker\'s): the worker computes the same report', async () => {
    const sections = ['--section', 'operations,durations,inventory', '--since', '1d', '-o', 'json'];
    const direct = JSON.parse((await ok(['report', '--domain', domain, ...sections])).replace(/^[^{]*/, '')) as Record<string, { rows: Rows }>;
    const { code, out } = await cli(['report', '--domain', domain, ...sections], { DATABASE_URL: '' });
    expect(code, out).toBe(0);
    const viaWorker = JSON.parse(out.slice(out.indexOf('{'))) as Record<string, { rows: Rows }>;
    for (const name of ['operations', 'inventory']) expect(viaWorker[name]!.rows, name).toEqual(direct[name]!.rows);
    expect(viaWorker.durations!.rows.map((r) => [r.operation, r.succeeded])).toEqual(direct.durations!.rows.map((r) => [r.operation, r.succeeded]));
  });
});
