// The audit store on both backends: embedded PGlite and the run's PostgreSQL server behave the same.
import { afterAll, describe, expect, inject, it, vi } from 'vitest';
import { openAuditStore } from '../../src/audit/open';
import type { AuditEventInput, AuditStore } from '../../src/audit/types';
import { startPrivatePostgres } from '../../scripts/lib/postgres';
import { uniqueName, waitUntil } from '../helpers/harness';

const backends: [string, () => Promise<AuditStore>][] = [
  ['pglite', () => openAuditStore({ inMemory: true })],
  ['postgres', () => openAuditStore({ databaseUrl: inject('databaseUrl') })],
];

describe.each(backends)('audit store (%s)', (_name, open) => {
  let store: AuditStore;
  afterAll(() => store?.close());

  const event = (workflowId: string, key: string, at: number, extra: Partial<AuditEventInput> = {}): AuditEventInput => ({
    idempotencyKey: `${workflowId}:run:${key}`,
    occurredAt: new Date(at),
    workflowId,
    runId: 'run',
    operation: 'buildService',
    identityDomain: 'dom',
    serviceName: workflowId.split(':').pop()!,
    event: key as AuditEventInput['event'],
    ...extra,
  });

  it('writes an event once, whatever the number of retries', async () => {
    store = await open();
    const wf = `svc:dom:${uniqueName('a')}`;
    expect(await store.record(event(wf, 'requested', 1000, { requestedBy: 'alice', ticket: 'CHG-1', details: { shape: 'oc3' } }))).toBe(true);
    expect(await store.record(event(wf, 'requested', 1000))).toBe(false);
    const rows = await store.query({ workflowId: wf });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ event: 'requested', requestedBy: 'alice', ticket: 'CHG-1', details: { shape: 'oc3' } });
    expect(rows[0]!.occurredAt.getTime()).toBe(1000);
  });

  it('answers in the order events occurred, filtered by service and time', async () => {
    const name = uniqueName('b');
    const wf = `svc:dom:${name}`;
    await store.record(event(wf, 'succeeded', 3000, { jobId: '7' }));
    await store.record(event(wf, 'requested', 1000));
    await store.record(event(wf, 'started', 2000, { jobId: '7' }));
    expect((await store.query({ serviceName: name, identityDomain: 'dom' })).map((e) => e.event)).toEqual(['requested', 'started', 'succeeded']);
    expect((await store.query({ serviceName: name, since: new Date(2000) })).map((e) => e.event)).toEqual(['started', 'succeeded']);
    expect(await store.query({ serviceName: name, identityDomain: 'other' })).toEqual([]);
  });
});

describe.each(backends)('job ends in the audit store (%s)', (_name, open) => {
  it("records each job's bracket once, and reads the kind's newest successful ones: the domain's when it has enough", async () => {
    const store = await open();
    try {
      const kind = `create-${uniqueName('k')}`;
      const end = (identityDomain: string, jobId: string, lowMs: number, outcome: 'succeeded' | 'failed' = 'succeeded') => store.recordJobEnd({ identityDomain, kind, jobId, outcome, lowMs, highMs: lowMs + 100 });
      for (let i = 0; i < 3; i++) await end('other', `o${i}`, 5_000 + i);
      await end('mine', 'm0', 1_000);
      await end('mine', 'm0', 9_999); // a retried wait: the first record stands
      await end('mine', 'm1', 100, 'failed');
      const query = { kind, identityDomain: 'mine', limit: 20, enough: 2, withinDays: 14 };
      // One successful job of its own is not enough: every domain's (failed jobs never count).
      expect((await store.recentJobEnds(query)).map((b) => b.lowMs).sort()).toEqual([1_000, 5_000, 5_001, 5_002]);
      await end('mine', 'm2', 1_100);
      expect(await store.recentJobEnds(query)).toEqual([{ lowMs: 1_100, highMs: 1_200 }, { lowMs: 1_000, highMs: 1_100 }]);
      expect(await store.recentJobEnds({ ...query, limit: 1 })).toEqual([{ lowMs: 1_100, highMs: 1_200 }]);
      expect(await store.recentJobEnds({ ...query, kind: 'never-seen' })).toEqual([]);
    } finally {
      await store.close();
    }
  });
});

describe('audit store on disk (PGlite directory)', () => {
  it('keeps events across a close and reopen', async () => {
    const { mkdtempSync } = await import('node:fs');
    const dir = mkdtempSync(`${(await import('node:os')).tmpdir()}/audit-`);
    const first = await openAuditStore({ pgliteDir: dir });
    await first.record({ idempotencyKey: 'k1', occurredAt: new Date(), workflowId: 'w', runId: 'r', operation: 'buildService', identityDomain: 'd', serviceName: 's', event: 'requested' });
    await first.close();
    const second = await openAuditStore({ pgliteDir: dir });
    expect((await second.query({ workflowId: 'w' })).map((e) => e.idempotencyKey)).toEqual(['k1']);
    await second.close();
  });
});

describe('audit store on a PostgreSQL server that restarts', () => {
  it('keeps the process alive and writes again once the server is back (idle connections lost)', async () => {
    const pg = await startPrivatePostgres();
    const store = await openAuditStore({ databaseUrl: pg.url });
    try {
      const wf = `svc:dom:${uniqueName('r')}`;
      const event = (key: string): AuditEventInput => ({ idempotencyKey: `${wf}:run:${key}`, occurredAt: new Date(), workflowId: wf, runId: 'run', operation: 'buildService', identityDomain: 'dom', serviceName: 'r', event: key as AuditEventInput['event'] });
      expect(await store.record(event('requested'))).toBe(true);
      // An immediate stop ends the pool's idle connection under it: an 'error' event on the pool
      // (unhandled, it crashed the worker), reported as a warning.
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
      pg.crash();
      await waitUntil('the lost connection reported', () => warn.mock.calls.map((c) => String(c[0])), (lines) => lines.some((l) => l.includes('idle PostgreSQL connection lost')), 10_000);
      warn.mockRestore();
      pg.start();
      let written: boolean | undefined;
      for (let attempt = 0; attempt < 20 && written === undefined; attempt++) {
        written = await store.record(event('started')).catch(() => undefined); // the first query may meet the dead connection
      }
      expect(written).toBe(true);
      expect((await store.query({ workflowId: wf })).map((e) => e.event)).toEqual(['requested', 'started']);
    } finally {
      await store.close();
      pg.stop();
    }
  });
});
