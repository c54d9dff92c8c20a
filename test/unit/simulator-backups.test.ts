// The simulator's backups and recovery (reference §2.8) over real HTTP, on a clock the test drives.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { API_BASE, DbcsSimulator } from '../../src/simulator/server';
import { SIM_PASSWORD, SIM_USER } from '../helpers/harness';

let clock = Date.UTC(2026, 10, 23, 18, 11, 2);
let sim: DbcsSimulator;
const auth = `Basic ${Buffer.from(`${SIM_USER}:${SIM_PASSWORD}`).toString('base64')}`;

async function call(method: string, path: string, body?: unknown) {
  const res = await request(`${sim.url}${path}`, {
    method: method as 'GET',
    headers: { authorization: auth, 'x-id-tenant-name': 'dom', ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.body.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // empty or plain text
  }
  return { status: res.statusCode, headers: res.headers, json, text };
}

const svc = `${API_BASE}/dom/db1`;
type Entry = Record<string, unknown>;
const backups = async () => (await call('GET', `${svc}/backups`)).json.backupList as Entry[];
const recoveries = async () => (await call('GET', `${svc}/backups/recovery/history`)).json.recoveryList as Entry[];
const status = async () => (await call('GET', svc)).json.status;

beforeEach(async () => {
  clock = Date.UTC(2026, 10, 23, 18, 11, 2);
  sim = new DbcsSimulator({ username: SIM_USER, password: SIM_PASSWORD, now: () => clock, jobDurationMs: { backup: 5_000, recovery: 4_000 } });
  await sim.listen();
  sim.seed('dom', ['db1']);
});
afterEach(() => sim.close());

describe('simulator backups', () => {
  it('starts a backup with {} (202, no job), lists it IN PROGRESS, then COMPLETED with dates, tag and sizes', async () => {
    expect(await backups()).toEqual([]);
    const res = await call('POST', `${svc}/backups`, {});
    expect(res.status).toBe(202);
    expect(res.headers.location).toBeUndefined();
    expect(await backups()).toEqual([{ backupStartDate: '23-Nov-2026 18:11:02 UTC', dbTag: 'TAG20261123T181102', status: 'IN PROGRESS', databaseSizeGb: 5, backupSizeGb: 2.5 }]);
    // The service stays Running, but is busy: another change waits.
    expect(await status()).toBe('Running');
    expect((await call('POST', svc, { lifecycleState: 'stop' })).status).toBe(400);
    clock += 5_000;
    expect(await backups()).toEqual([{ backupStartDate: '23-Nov-2026 18:11:02 UTC', backupCompleteDate: '23-Nov-2026 18:11:07 UTC', dbTag: 'TAG20261123T181102', status: 'COMPLETED', databaseSizeGb: 5, backupSizeGb: 2.5 }]);
    expect(sim.stats().jobs.backup).toEqual({ submitted: 1, succeeded: 1, failed: 0 });
    // No job resource for it.
    expect((await call('GET', `${API_BASE}/dom/status/backup/job/10001`)).status).toBe(404);
  });

  it('refuses a body other than {}, a second backup while one runs (400), and a service that is not Running', async () => {
    expect((await call('POST', `${svc}/backups`, { full: true })).status).toBe(400);
    expect((await call('POST', `${svc}/backups`, {})).status).toBe(202);
    const second = await call('POST', `${svc}/backups`, {});
    expect(second.status).toBe(400);
    expect(second.json.message).toMatch(/Only one backup can be in progress at a time: backup TAG20261123T181102/);
    clock += 5_000;
    expect((await call('POST', svc, { lifecycleState: 'stop' })).status).toBe(202);
    clock += 60_000;
    expect((await call('POST', `${svc}/backups`, {})).json.message).toMatch(/Stopped: it can be backed up only when Running/);
    expect((await call('POST', `${API_BASE}/dom/nosuch/backups`, {})).status).toBe(404);
  });

  it('fails a backup by trigger, and lists only the most recent failed one', async () => {
    sim.faults.replace({ triggers: [{ action: 'fail-job', route: 'backup', serviceName: 'db1', message: 'RMAN-03009: failure of backup command', times: 2 }] });
    await call('POST', `${svc}/backups`, {});
    clock += 5_000;
    await call('POST', `${svc}/backups`, {});
    clock += 5_000;
    await call('POST', `${svc}/backups`, {});
    clock += 5_000;
    const list = await backups();
    expect(list.map((b) => [b.dbTag, b.status])).toEqual([
      ['TAG20261123T181107', 'FAILED'],
      ['TAG20261123T181112', 'COMPLETED'],
    ]);
    expect(list[0]!.message).toBe('RMAN-03009: failure of backup command');
  });

  it('counts backups against the recovery area (FRA): one bigger than its free space fails, and a bigger FRA makes room', async () => {
    const instance = sim.state.instance('dom', 'db1')!;
    instance.databaseSizeGb = 40; // backups of 20 GB; the FRA has 43 GB
    for (let i = 0; i < 3; i++) {
      await call('POST', `${svc}/backups`, {});
      clock += 5_000;
    }
    const list = await backups();
    expect(list.map((b) => b.status)).toEqual(['COMPLETED', 'COMPLETED', 'FAILED']);
    expect(list[2]!.message).toMatch(/ORA-19809: limit exceeded for recovery files: backup TAG\S+ needs 20 GB, the recovery area \(FRA\) has 3 GB free of 43 GB/);
    expect((await call('PUT', svc, { additionalStorage: '20', usage: 'fra' })).status).toBe(202);
    clock += 10_000;
    await call('POST', `${svc}/backups`, {});
    clock += 5_000;
    // The failed one stays listed: it is the most recent failed backup.
    expect((await backups()).map((b) => b.status)).toEqual(['COMPLETED', 'COMPLETED', 'FAILED', 'COMPLETED']);
  });

  it('recovers from the latest backup, a tag or a timestamp: Maintenance while it runs, then Running, listed in the history', async () => {
    expect((await call('POST', `${svc}/backups/recovery`, { latest: true })).json.message).toMatch(/no completed backup/);
    await call('POST', `${svc}/backups`, {});
    clock += 5_000;
    const tag = (await backups())[0]!.dbTag as string;
    clock += 60_000;
    for (const body of [{ latest: true }, { tag }, { timestamp: '2026-11-23T18:12:00Z' }, { timestamp: '23-Nov-2026 18:11:30' }, { scn: '1234567' }]) {
      expect((await call('POST', `${svc}/backups/recovery`, body)).status).toBe(202);
      expect(await status()).toBe('Maintenance');
      expect((await call('POST', `${svc}/backups`, {})).status).toBe(400);
      clock += 4_000;
      expect(await status()).toBe('Running');
    }
    const history = await recoveries();
    expect(history).toHaveLength(5);
    expect(history[0]).toEqual({ recoveryStartDate: '23-Nov-2026 18:12:07 UTC', recoveryCompleteDate: '23-Nov-2026 18:12:11 UTC', status: 'COMPLETED', latest: true });
    expect(history[1]).toMatchObject({ status: 'COMPLETED', dbTag: tag });
    expect(history[2]).toMatchObject({ status: 'COMPLETED', timestamp: '2026-11-23T18:12:00Z' });
    expect(history[4]).toMatchObject({ status: 'COMPLETED', scn: '1234567' });
    expect(sim.stats().jobs.recovery).toEqual({ submitted: 5, succeeded: 5, failed: 0 });
  });

  it('validates a recovery request: exactly one of latest, tag, timestamp, scn; a tag or a time with a backup', async () => {
    await call('POST', `${svc}/backups`, {});
    clock += 5_000;
    for (const body of [{}, { latest: true, tag: 'x' }, { latest: false }, { tag: '' }, { timestamp: 'yesterday' }, { scn: 'abc' }, { other: 1 }]) {
      const res = await call('POST', `${svc}/backups/recovery`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    expect((await call('POST', `${svc}/backups/recovery`, { tag: 'TAG19990101T000000' })).json.message).toMatch(/no completed backup with tag TAG19990101T000000/);
    expect((await call('POST', `${svc}/backups/recovery`, { timestamp: '2026-01-01T00:00:00Z' })).json.message).toMatch(/no backup completed at or before 2026-01-01T00:00:00Z/);
    expect(await recoveries()).toEqual([]);
  });

  it('fails a recovery by trigger: listed FAILED with its message, the service Running again', async () => {
    await call('POST', `${svc}/backups`, {});
    clock += 5_000;
    sim.faults.replace({ triggers: [{ action: 'fail-job', route: 'recovery', message: 'ORA-01152: file 1 was not restored from a sufficiently old backup' }] });
    await call('POST', `${svc}/backups/recovery`, { latest: true });
    clock += 4_000;
    expect(await recoveries()).toEqual([expect.objectContaining({ status: 'FAILED', latest: true, message: 'ORA-01152: file 1 was not restored from a sufficiently old backup' })]);
    expect(await status()).toBe('Running');
  });

  it('injects errors on the backup routes, and counts them as mutating calls', async () => {
    sim.faults.replace({ triggers: [{ action: 'error', route: 'backup', status: 503, times: 1 }, { action: 'error', route: 'backups', status: 429, times: 1 }] });
    expect((await call('POST', `${svc}/backups`, {})).status).toBe(503);
    expect((await call('GET', `${svc}/backups`)).status).toBe(429);
    expect((await call('POST', `${svc}/backups`, {})).status).toBe(202);
    expect(sim.stats().routes.backup).toEqual({ calls: 2, statuses: { 202: 1, 503: 1 } });
    expect(sim.stats().mutatingCalls).toBe(2);
  });
});
