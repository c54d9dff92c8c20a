// The report around its SQL: the runner (one statement for storage, downtime and cost gives what each
// section gives alone), the live sections from a fake cloud, the output formats, the price file and
// the application tag.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAuditStore } from '../../src/audit/open';
import type { SqlAuditStore } from '../../src/audit/sql-store';
import type { Instance } from '../../src/cloud/schemas';
import { applicationOf, withApplicationTag } from '../../src/reports/applications';
import { reportDatabaseUrl } from '../../src/reports/connection';
import { costSection } from '../../src/reports/cost';
import { downtimeSection } from '../../src/reports/downtime';
import type { LiveFleet } from '../../src/reports/live';
import { EXAMPLE_PRICES, loadPrices, PricesFileError } from '../../src/reports/prices';
import { renderCsv, renderJson, renderJsonl, renderText } from '../../src/reports/render';
import { runReport } from '../../src/reports/runner';
import { storageSection } from '../../src/reports/storage';
import { SECTION_NAMES, type ReportScope } from '../../src/reports/types';
import { seedEvents, insertSeed, seedBackups } from '../../scripts/bench/report-seed';

const NOW = Date.parse('2025-06-01T12:00:00Z');
const o = { domain: 'seeded', services: 20, perService: 50, days: 90, now: NOW };
const scope: ReportScope = { domain: 'seeded', since: new Date(NOW - 30 * 86_400_000), until: new Date(NOW) };

const instances: Instance[] = [
  { service_name: 'db-00000', status: 'Running', version: '12.2.0.1', edition: 'EE', shape: 'oc3', usable_storage: 25, fra_storage: 10, additional_volumes: [5], description: 'orders, application:shop' },
  { service_name: 'db-00001', status: 'Stopped', version: '12.2.0.1', edition: 'SE', shape: 'oc4', usable_storage: 50, description: 'no tag' },
  { service_name: 'db-00002', status: 'Running', version: '18.0.0.0', edition: 'EE', shape: 'oc4' },
];
const cloud: LiveFleet = {
  listInstancesVerbose: async () => instances,
  availablePatches: async (_d, name) => (name === 'db-00002' ? [] : [{ patchId: 'p1', releaseVersion: '12.2.0.1.1' }, ...(name === 'db-00000' ? [{ patchId: 'p2', releaseVersion: '12.2.0.1.2' }] : [])]),
};

let store: SqlAuditStore;
beforeAll(async () => {
  store = await openAuditStore({ inMemory: true });
  await insertSeed(store, seedEvents(o), seedBackups(o, 5));
});
afterAll(() => store?.close());

describe('runReport', () => {
  it('gives every section; the shared statement answers as each section alone', async () => {
    const report = await runReport(store, scope, { sections: SECTION_NAMES, prices: EXAMPLE_PRICES, cloud });
    expect(report.sections.map((s) => s.name)).toEqual([...SECTION_NAMES]);
    const byName = Object.fromEntries(report.sections.map((s) => [s.name, s]));
    expect(byName.storage!.rows).toEqual((await storageSection(store, scope)).rows);
    expect(byName.downtime!.rows).toEqual((await downtimeSection(store, scope)).rows);
    expect(byName.cost!.rows).toEqual((await costSection(store, scope, EXAMPLE_PRICES, [{ d: 'seeded', s: 'db-00000', application: 'shop' }])).rows);
    expect(byName.storage!.rows).toHaveLength(31);
    expect(byName.downtime!.rows.length).toBeGreaterThan(0);
    expect(byName.cost!.rows.map((r) => r.application)).toContain('shop');
    expect(byName.inventory!.rows.filter((r) => r.by === 'version')).toEqual([
      { by: 'version', value: '12.2.0.1', databases: 2, storageGb: 90 },
      { by: 'version', value: '18.0.0.0', databases: 1, storageGb: 0 },
    ]);
    expect(byName.patches!.rows).toEqual([
      { patchId: 'p1', releaseVersion: '12.2.0.1.1', unpatched: 2, services: 'db-00000 db-00001' },
      { patchId: 'p2', releaseVersion: '12.2.0.1.2', unpatched: 1, services: 'db-00000' },
    ]);
  });

  it('reads the cloud only for the sections that need it', async () => {
    const report = await runReport(store, scope, { sections: ['operations', 'backups'], prices: EXAMPLE_PRICES });
    expect(report.sections.map((s) => s.name)).toEqual(['backups', 'operations']);
    await expect(runReport(store, scope, { sections: ['cost'], prices: EXAMPLE_PRICES })).rejects.toThrow(/read the cloud/);
  });

  it('prints text tables, one JSON object, one JSON line per section, and CSV', async () => {
    const report = await runReport(store, scope, { sections: ['operations', 'patches'], prices: EXAMPLE_PRICES, cloud });
    const text = renderText(report);
    expect(text).toContain('Operations by type');
    expect(text).toMatch(/changeLifecycle\s+\d+/);
    const json = JSON.parse(renderJson(report)) as Record<string, unknown>;
    expect(Object.keys(json)).toEqual(['domain', 'domains', 'since', 'until', 'patches', 'operations']);
    const lines = renderJsonl(report).split('\n').map((l) => JSON.parse(l) as { section: string });
    expect(lines.map((l) => l.section)).toEqual(['patches', 'operations']);
    const csv = renderCsv(report);
    expect(csv.split('\r\n')[0]).toBe('# section: patches');
    expect(csv).toContain('\r\n\r\n# section: operations\r\noperation,runs,');
    const one = renderCsv({ ...report, sections: [{ ...report.sections[0]!, rows: [{ patchId: 'a,b', releaseVersion: 'say "x"', unpatched: 1, services: null }] }] });
    expect(one).toBe('patchId,releaseVersion,unpatched,services\r\n"a,b","say ""x""",1,');
  });
});

describe('prices, application tags, the report connection', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'prices-'));
  const file = (name: string, text: string) => {
    const f = path.join(dir, name);
    writeFileSync(f, text);
    return f;
  };

  it('reads DBAAS_PRICES_FILE with zod, or falls back to the example prices', () => {
    expect(loadPrices({})).toBe(EXAMPLE_PRICES);
    expect(EXAMPLE_PRICES.perHour).toMatchObject({ oc3: 0.5, oc4: 1, oc1m: 0.6 });
    expect(loadPrices({ DBAAS_PRICES_FILE: file('ok.json', '{"currency":"EUR","perHour":{"oc3":0.42}}') })).toMatchObject({ currency: 'EUR', perHour: { oc3: 0.42 }, example: false });
    for (const [text, says] of [
      ['{"currency":"euro","perHour":{"oc3":1}}', 'currency'],
      ['{"currency":"EUR","perHour":{"oc3":-1}}', 'perHour.oc3'],
      ['{"currency":"EUR","perHour":{}}', 'at least one shape'],
      ['{"currency":"EUR","perHour":{"oc3":1},"extra":1}', 'extra'],
      ['not json', 'not valid JSON'],
    ]) {
      expect(() => loadPrices({ DBAAS_PRICES_FILE: file('bad.json', text!) })).toThrow(PricesFileError);
      expect(() => loadPrices({ DBAAS_PRICES_FILE: file('bad.json', text!) })).toThrow(says);
    }
    expect(() => loadPrices({ DBAAS_PRICES_FILE: path.join(dir, 'missing.json') })).toThrow('file not found');
  });

  it('finds and writes the application tag in a description', () => {
    expect(applicationOf('orders DB application:shop')).toBe('shop');
    expect(applicationOf('[application=crm-2] nightly')).toBe('crm-2');
    expect(applicationOf('my application is great')).toBeUndefined();
    expect(applicationOf(undefined)).toBeUndefined();
    expect(withApplicationTag(undefined, 'shop')).toBe('application:shop');
    expect(withApplicationTag('orders', 'shop')).toBe('orders application:shop');
    expect(withApplicationTag('orders application:shop', 'shop')).toBe('orders application:shop');
    expect(() => withApplicationTag('application:crm', 'shop')).toThrow('already names application crm');
  });

  it('turns JIT off and gives the sorts room on the report\'s PostgreSQL connections', () => {
    expect(new URL(reportDatabaseUrl('postgres://u@h:5432/db')).searchParams.get('options')).toBe('-c jit=off -c work_mem=64MB');
    expect(new URL(reportDatabaseUrl('postgres://u@h/db?options=-c%20search_path%3Dx')).searchParams.get('options')).toBe('-c search_path=x -c jit=off -c work_mem=64MB');
  });
});
