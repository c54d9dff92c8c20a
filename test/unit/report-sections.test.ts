// The report's SQL sections on both backends (embedded PGlite and the run's PostgreSQL), over a
// hand-made trail whose right answers are worked out by hand in the comments. Hours are relative to
// T0 = 2025-03-10 00:00 UTC; the period is T0 to T0 + 24 h unless a test says otherwise.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openAuditStore } from '../../src/audit/open';
import type { SqlAuditStore } from '../../src/audit/sql-store';
import type { AuditEventInput } from '../../src/audit/types';
import { backupsSection } from '../../src/reports/backups';
import { costSection } from '../../src/reports/cost';
import { downtimeSection } from '../../src/reports/downtime';
import { durationsSection } from '../../src/reports/durations';
import { operationsSection } from '../../src/reports/operations';
import { storageSection } from '../../src/reports/storage';
import type { ReportScope } from '../../src/reports/types';
import { uniqueName } from '../helpers/harness';

const T0 = Date.parse('2025-03-10T00:00:00Z');
const H = 3_600_000;
const at = (h: number) => new Date(T0 + h * H);

const summary = (status: string, shape: string, extra: Record<string, unknown> = {}) => ({ status, shape, usableStorageGb: 25, fraStorageGb: 0, ...extra });

/** The trail of one domain: five services, one failed build, as the workflows write it. */
function trail(domain: string): AuditEventInput[] {
  const out: AuditEventInput[] = [];
  let n = 0;
  const run = (service: string, operation: string) => {
    const runId = `run-${++n}`;
    return (event: AuditEventInput['event'], h: number, extra: Partial<AuditEventInput> = {}) =>
      out.push({ idempotencyKey: `${domain}:${runId}:${event}:${extra.step ?? ''}:${h}`, occurredAt: at(h), workflowId: `svc:${domain}:${service}`, runId, operation, identityDomain: domain, serviceName: service, event, ...extra });
  };
  const build = (service: string, shape: string, storage: string, requestedAt: number, builtAt: number, elapsedMs?: number) => {
    const r = run(service, 'buildService');
    r('requested', requestedAt, { details: { shape, usableStorageGb: storage } });
    r('started', requestedAt, { step: 'create' });
    r('succeeded', builtAt, { details: { status: 'Running', shape, ...(elapsedMs ? { elapsedMs } : {}) } });
  };
  const lifecycle = (service: string, state: string, from: string, to: string, startAt: number, endAt: number, elapsedMs: number, shape = 'oc3', vmName?: string) => {
    const r = run(service, 'changeLifecycle');
    const vm = vmName ? { vmName } : {};
    r('requested', startAt, { details: { lifecycleState: state, ...vm } });
    r('started', startAt, { step: state, details: { before: summary(from, shape) } });
    r('succeeded', endAt, { details: { before: summary(from, shape), after: summary(to, shape), elapsedMs } });
  };

  // alpha: built long before; stopped from 6 h (its job's start) to 12 h (the start's success): down
  // 6 of 24 h = 25 %; billed 0-6.5 h and 12-24 h = 18.5 h of oc3. A scale refused at 8 h.
  build('alpha', 'oc3', '25', -48, -47);
  lifecycle('alpha', 'stop', 'Running', 'Stopped', 6, 6.5, 1_800_000);
  lifecycle('alpha', 'start', 'Stopped', 'Running', 11.5, 12, 1_800_000);
  run('alpha', 'scaleService')('refused', 8, { details: { reason: 'not allowed' } });

  // beta: built in the period (12 h, after an hour), restarted 18-19 h (down 1 of 12 h = 8.3333 %),
  // scaled to oc5 with two added volumes at 21 h, a second scale failed at 22.5 h.
  build('beta', 'oc4', '50', 11, 12, 3_600_000);
  const restart = run('beta', 'changeLifecycle');
  restart('requested', 18, { details: { lifecycleState: 'restart' } });
  restart('started', 18, { step: 'restart', details: { before: summary('Running', 'oc4', { usableStorageGb: 50, fraStorageGb: 20 }) } });
  restart('succeeded', 19, { details: { before: summary('Running', 'oc4', { usableStorageGb: 50, fraStorageGb: 20 }), after: summary('Running', 'oc4', { usableStorageGb: 50, fraStorageGb: 20 }), elapsedMs: 3_600_000 } });
  const scale = run('beta', 'scaleService');
  const scaled = summary('Running', 'oc5', { usableStorageGb: 50, fraStorageGb: 20, additionalVolumesGb: [10, 5] });
  scale('requested', 20, { details: { shape: 'oc5', additionalStorage: 15 } });
  scale('started', 20, { step: 'scaleShape', details: { before: summary('Running', 'oc4', { usableStorageGb: 50, fraStorageGb: 20 }) } });
  scale('succeeded', 21, { details: { before: summary('Running', 'oc4', { usableStorageGb: 50, fraStorageGb: 20 }), after: scaled, elapsedMs: 60_000 } });
  const scale2 = run('beta', 'scaleService');
  scale2('requested', 22, { details: { shape: 'oc6' } });
  scale2('started', 22, { step: 'scaleShape', details: { before: scaled } });
  scale2('failed', 22.5, { step: 'waitForScaleShapeJob', details: { before: scaled, error: 'job failed' } });

  // gamma: patched (apply 3 h, health gate passed 5 h) while its maintainer saw it Stopped (4-7 h):
  // down 3-7 h = 4 of 24 h = 16.6667 %.
  build('gamma', 'oc3', '25', -30, -29);
  const patch = run('gamma', 'patchService');
  patch('requested', 2, { details: { patchId: 'p1' } });
  patch('started', 3, { step: 'apply', details: { before: summary('Running', 'oc3') } });
  patch('health_gate_passed', 5, { step: 'healthGate', details: { before: summary('Running', 'oc3'), healthy: true } });
  patch('succeeded', 6, { details: { before: summary('Running', 'oc3'), after: summary('Running', 'oc3'), elapsedMs: 14_400_000 } });
  const maintainGamma = run('gamma', 'maintainService');
  maintainGamma('drift_detected', 4, { details: { drift: ['status'], observed: { status: 'Stopped', shape: 'oc3' } } });
  maintainGamma('drift_resolved', 7, { details: { observed: { status: 'Running', shape: 'oc3' } } });

  // delta: stopped before the period, deleted at 21 h: existed 21 h, all of them down (100 %), never billed.
  build('delta', 'oc3', '25', -50, -49);
  lifecycle('delta', 'stop', 'Running', 'Stopped', -10, -9.5, 1_800_000);
  const del = run('delta', 'deleteService');
  del('requested', 20);
  del('started', 20, { step: 'delete', details: { before: summary('Stopped', 'oc3') } });
  del('succeeded', 21, { details: { before: summary('Stopped', 'oc3'), after: null, elapsedMs: 3_600_000 } });

  // eps: never built in the trail (it existed before it); waited for a human 1-4 h (12.5 %); one VM's
  // stop and start and a drift while Running do not count. Billed 24 h of oc4.
  const maintainEps = run('eps', 'maintainService');
  maintainEps('needs_attention', 1, { details: { failures: 3 } });
  maintainEps('attention_cleared', 4, { details: { how: 'repaired' } });
  lifecycle('eps', 'stop', 'Running', 'Running', 10, 10.5, 1_800_000, 'oc4', 'vm-1');
  lifecycle('eps', 'start', 'Running', 'Running', 11, 11.5, 1_800_000, 'oc4', 'vm-1');
  maintainEps('drift_detected', 14, { details: { drift: ['shape'], observed: { status: 'Running', shape: 'oc3' } } });
  maintainEps('drift_resolved', 15, { details: { observed: { status: 'Running', shape: 'oc4' } } });

  // failbuild: a build that failed and was rolled back: it never existed.
  const failed = run('failbuild', 'buildService');
  failed('requested', 2, { details: { shape: 'oc3', usableStorageGb: '25' } });
  failed('started', 2, { step: 'create' });
  failed('failed', 3, { step: 'waitForCreateJob', details: { error: 'create job failed' } });
  failed('rolled_back', 4, { details: { failedStep: 'waitForCreateJob' } });

  // A rollout's own events (service '*') are operations, not services.
  run('*', 'rollingPatch')('paused', 9, { details: { patchId: 'p1' } });
  return out;
}

const backends: [string, () => Promise<SqlAuditStore>][] = [
  ['pglite', () => openAuditStore({ inMemory: true })],
  ['postgres', () => openAuditStore({ databaseUrl: inject('databaseUrl') })],
];

describe.each(backends)('report sections (%s)', (_name, open) => {
  let store: SqlAuditStore;
  const domain = uniqueName('rep');
  const day: ReportScope = { domain, since: at(0), until: at(24) };

  beforeAll(async () => {
    store = await open();
    // An older store is shuffled: the SQL must not rely on insertion order.
    const events = trail(domain);
    for (const e of [...events].sort((a, b) => a.idempotencyKey.localeCompare(b.idempotencyKey))) await store.record(e);
    // Another domain's events never count.
    for (const e of trail(uniqueName('other'))) await store.record(e);
  });
  afterAll(() => store?.close());

  it('downtime: stop to start, restart, patch apply to health gate with an overlapping Stopped drift, a stop ended by deletion, needs_attention', async () => {
    const s = await downtimeSection(store, day);
    expect(s.rows).toEqual([
      { domain, service: 'delta', existedHours: 21, downHours: 21, downtimePct: 100 },
      { domain, service: 'alpha', existedHours: 24, downHours: 6, downtimePct: 25 },
      { domain, service: 'gamma', existedHours: 24, downHours: 4, downtimePct: 16.6667 },
      { domain, service: 'eps', existedHours: 24, downHours: 3, downtimePct: 12.5 },
      { domain, service: 'beta', existedHours: 12, downHours: 1, downtimePct: 8.3333 },
    ]);
    expect(s.brief?.rows).toHaveLength(5);
  });

  it('downtime: a period inside a stop is all down', async () => {
    const s = await downtimeSection(store, { domain, since: at(7), until: at(11) });
    expect(s.rows.find((r) => r.service === 'alpha')).toEqual({ domain, service: 'alpha', existedHours: 4, downHours: 4, downtimePct: 100 });
    expect(s.rows.find((r) => r.service === 'beta')).toBeUndefined(); // not built yet
  });

  it('operations: runs by outcome and the failure rate', async () => {
    const s = await operationsSection(store, day);
    const row = (operation: string, runs: number, succeeded: number, failed: number, rolledBack: number, refused: number, running: number, failureRatePct: number | null) => ({ operation, runs, succeeded, failed, rolledBack, refused, running, failureRatePct });
    expect(s.rows).toEqual([
      row('changeLifecycle', 5, 5, 0, 0, 0, 0, 0),
      row('scaleService', 3, 1, 1, 0, 1, 0, 50),
      row('buildService', 2, 1, 0, 1, 0, 0, 50),
      row('maintainService', 2, 0, 0, 0, 0, 2, null),
      row('deleteService', 1, 1, 0, 0, 0, 0, 0),
      row('patchService', 1, 1, 0, 0, 0, 0, 0),
      row('rollingPatch', 1, 0, 0, 0, 0, 1, null),
    ]);
  });

  it('durations: mean, median and p90 of elapsedMs, build, scale and patch first', async () => {
    const s = await durationsSection(store, day);
    expect(s.rows).toEqual([
      { operation: 'buildService', succeeded: 1, meanSeconds: 3600, medianSeconds: 3600, p90Seconds: 3600 },
      { operation: 'scaleService', succeeded: 1, meanSeconds: 60, medianSeconds: 60, p90Seconds: 60 },
      { operation: 'patchService', succeeded: 1, meanSeconds: 14400, medianSeconds: 14400, p90Seconds: 14400 },
      // 1800, 1800, 1800, 1800, 3600 s: mean 2160, median 1800, p90 (linear) 1800 + 0.6 × 1800 = 2880.
      { operation: 'changeLifecycle', succeeded: 5, meanSeconds: 2160, medianSeconds: 1800, p90Seconds: 2880 },
      { operation: 'deleteService', succeeded: 1, meanSeconds: 3600, medianSeconds: 3600, p90Seconds: 3600 },
    ]);
    // Nothing succeeded in an empty period: the three are still listed.
    const empty = await durationsSection(store, { domain, since: at(100), until: at(101) });
    expect(empty.rows.map((r) => [r.operation, r.succeeded, r.meanSeconds])).toEqual([
      ['buildService', 0, null],
      ['scaleService', 0, null],
      ['patchService', 0, null],
    ]);
  });

  it('storage: each living service as last seen, carried forward, per day', async () => {
    const s = await storageSection(store, { domain, since: at(-24), until: at(24) });
    // 9 March (state at T0): alpha, gamma, delta 25 GB each, eps 25 GB (its first known state, backwards);
    // beta not built yet. 10 March and now: delta deleted; beta 50 + 20 FRA + 15 added = 85.
    expect(s.rows).toEqual([
      { day: '2025-03-09', services: 4, dataGb: 100, fraGb: 0, additionalGb: 0, totalGb: 100 },
      { day: '2025-03-10', services: 4, dataGb: 125, fraGb: 20, additionalGb: 15, totalGb: 160 },
      { day: '2025-03-11', services: 4, dataGb: 125, fraGb: 20, additionalGb: 15, totalGb: 160 },
    ]);
    expect(s.extra?.now).toEqual(s.rows.at(-1));
  });

  it('cost: billed hours × shape price by application; stopped hours free; unpriced shapes counted, not costed', async () => {
    const prices = { currency: 'EUR', perHour: { oc3: 1, oc4: 2 }, source: 'test', example: false };
    const apps = [
      { d: domain, s: 'alpha', application: 'shop' },
      { d: domain, s: 'beta', application: 'shop' },
      { d: domain, s: 'gamma', application: 'crm' },
    ];
    const s = await costSection(store, day, prices, apps);
    expect(s.rows).toEqual([
      // eps: 24 h of oc4 × 2.
      { application: '(none)', services: 1, billedHours: 24, cost: 48, unpricedHours: 0, unpricedShapes: null, currency: 'EUR' },
      // alpha 18.5 h of oc3; beta 9 h of oc4 (18) and 3 h of oc5 (no price).
      { application: 'shop', services: 2, billedHours: 30.5, cost: 36.5, unpricedHours: 3, unpricedShapes: 'oc5', currency: 'EUR' },
      { application: 'crm', services: 1, billedHours: 24, cost: 24, unpricedHours: 0, unpricedShapes: null, currency: 'EUR' },
    ]);
    expect(s.notes.join(' ')).toContain('No price for shape oc5');
  });

  it('backups: completed records kept at the end of each day, until they roll off; none: says so', async () => {
    const b = (key: string, status: 'COMPLETED' | 'FAILED', endedH: number, size: number) =>
      store.recordBackup({ recordKey: `${domain}:${key}`, workflowId: `svc:${domain}:alpha`, identityDomain: domain, serviceName: 'alpha', type: 'on-demand', status, backupSizeGb: size, startedAt: at(endedH - 0.5).toISOString(), endedAt: at(endedH).toISOString() });
    expect((await backupsSection(store, day)).notes).toEqual(['no backup records']);
    await b('b4', 'COMPLETED', -26, 8);
    await b('b1', 'COMPLETED', -1, 10);
    await b('b2', 'COMPLETED', 5, 12);
    await b('b3', 'FAILED', 6, 99);
    expect(await store.rollOffBackups({ identityDomain: domain, olderThan: at(-2), at: at(3) })).toBe(1); // b4
    const s = await backupsSection(store, { domain, since: at(-24), until: at(24) });
    expect(s.rows).toEqual([
      { day: '2025-03-09', backups: 2, sizeGb: 18 },
      { day: '2025-03-10', backups: 2, sizeGb: 22 },
      { day: '2025-03-11', backups: 2, sizeGb: 22 },
    ]);
  });

  it('every domain at once: the other domain doubles the counts', async () => {
    const all = await operationsSection(store, { domain: null, since: at(0), until: at(24) });
    // Other test files write to the same PostgreSQL, so only this file's domains are compared.
    expect(all.rows.find((r) => r.operation === 'changeLifecycle')!.runs).toBeGreaterThanOrEqual(10);
  });
});
