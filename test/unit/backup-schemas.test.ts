// Backups and recovery: the workflow inputs, the API's answers as the client reads them (both
// spellings of the completion date, the simulator's optional sizes), dates, and the client's calls
// against the simulator with its error classification.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupEntry, recoveryEntry } from '../../src/activities/backups';
import { toFailure } from '../../src/activities/failures';
import { decide, DEFAULT_POLICY } from '../../src/auth/policy';
import { DbcsClient } from '../../src/cloud/client';
import { CloudApiError } from '../../src/cloud/errors';
import { backupListSchema, recoveryHistorySchema } from '../../src/cloud/schemas';
import { backupListRequestSchema, backupServiceInputSchema, latestCompleted, parseApiDate, recoveryKey, recoveryTargetOf, restoreServiceInputSchema } from '../../src/shared/backups';
import { describeZodError } from '../../src/shared/schemas';
import { operationSummary } from '../../src/shared/summaries';
import type { DbcsSimulator } from '../../src/simulator/server';
import { SIM_PASSWORD, SIM_USER, startSimulator } from '../helpers/harness';

describe('backup inputs', () => {
  const base = { identityDomain: 'dom', serviceName: 'db1' };

  it('backupService: a service, a type (on-demand by default), an optional retention; nothing else', () => {
    expect(backupServiceInputSchema.parse(base)).toEqual({ ...base, type: 'on-demand' });
    expect(backupServiceInputSchema.parse({ ...base, type: 'scheduled', retentionDays: 7 })).toMatchObject({ type: 'scheduled', retentionDays: 7 });
    const bad = backupServiceInputSchema.safeParse({ identityDomain: '', serviceName: '9x', type: 'weekly', retentionDays: 0, extra: 1 });
    expect(bad.success).toBe(false);
    expect(describeZodError(bad.error!)).toMatch(/identityDomain: .*serviceName: .*type: must be one of on-demand, scheduled, pre-patch.*retentionDays: .*unknown field "extra"/);
  });

  it('restoreService: exactly one of latest, tag, timestamp (a readable date)', () => {
    expect(recoveryTargetOf(restoreServiceInputSchema.parse({ ...base, latest: true }))).toEqual({ latest: true });
    expect(recoveryTargetOf(restoreServiceInputSchema.parse({ ...base, tag: 'TAG20261123T181102' }))).toEqual({ tag: 'TAG20261123T181102' });
    expect(recoveryTargetOf(restoreServiceInputSchema.parse({ ...base, timestamp: '23-Nov-2026 18:11:02' }))).toEqual({ timestamp: '23-Nov-2026 18:11:02' });
    for (const wrong of [{}, { latest: true, tag: 'T' }, { tag: 'T', timestamp: '2026-11-23T18:11:02Z' }, { latest: false }, { timestamp: 'last tuesday' }, { tag: 'a b' }]) {
      const r = restoreServiceInputSchema.safeParse({ ...base, ...wrong });
      expect(r.success, JSON.stringify(wrong)).toBe(false);
    }
    expect(describeZodError(restoreServiceInputSchema.safeParse(base).error!)).toBe('latest: give exactly one of latest, tag or timestamp (got 0)');
  });

  it('the CLI list request', () => {
    expect(backupListRequestSchema.parse(base)).toEqual({ ...base, includeRolledOff: false, limit: 100 });
    expect(backupListRequestSchema.safeParse({ ...base, limit: 0 }).success).toBe(false);
  });

  it('static summaries', () => {
    expect(operationSummary('backupService', { ...base, type: 'on-demand' })).toBe('back up db1');
    expect(operationSummary('backupService', { ...base, type: 'pre-patch' })).toBe('back up db1 (pre-patch)');
    expect(operationSummary('restoreService', { ...base, tag: 'TAG1' })).toBe('restore db1 to backup TAG1');
    expect(operationSummary('restoreService', { ...base, latest: true })).toBe('restore db1 to the latest backup');
  });
});

describe('default policy', () => {
  it('lets operators back up; restores (they overwrite the database) are for admins', () => {
    const ask = (groups: string[], operation: string) => decide(DEFAULT_POLICY, { subject: 'u@example.com', groups }, { operation, identityDomain: 'dev' });
    expect(ask(['operators'], 'backupService')).toEqual({ allowed: true, role: 'operator' });
    expect(ask(['operators'], 'restoreService')).toMatchObject({ allowed: false, reason: expect.stringMatching(/may not run restoreService in dev/) });
    expect(ask(['admins'], 'restoreService')).toEqual({ allowed: true, role: 'admin' });
    expect(ask(['viewers'], 'backupService').allowed).toBe(false);
  });
});

describe('API dates', () => {
  it("reads FOG's format (UTC), ISO and HTTP dates; nothing else", () => {
    const t = Date.UTC(2026, 10, 23, 18, 11, 2);
    expect(parseApiDate('23-Nov-2026 18:11:02 UTC')).toBe(t);
    expect(parseApiDate('23-nov-2026 18:11:02')).toBe(t);
    expect(parseApiDate('2026-11-23T18:11:02Z')).toBe(t);
    expect(parseApiDate('Mon, 23 Nov 2026 18:11:02 GMT')).toBe(t);
    expect(parseApiDate('32-Foo-2026 18:11:02')).toBeUndefined();
    // No rolling over into the next month or day (found by the CLI's generated bad input).
    expect(parseApiDate('32-Nov-2026 10:00:00')).toBeUndefined();
    expect(parseApiDate('31-Nov-2026 10:00:00')).toBeUndefined();
    expect(parseApiDate('23-Nov-2026 25:00:00')).toBeUndefined();
    expect(parseApiDate('23-Nov-2026 18:61:00')).toBeUndefined();
    expect(parseApiDate('soon')).toBeUndefined();
    expect(parseApiDate(undefined)).toBeUndefined();
  });
});

describe('backup answers', () => {
  it('reads backupCompleteDate and backupCompletedDate alike; sizes and message are optional', () => {
    const parsed = backupListSchema.parse({
      backupList: [
        { backupStartDate: '23-Nov-2026 18:11:02 UTC', backupCompleteDate: '23-Nov-2026 18:20:00 UTC', dbTag: 'TAG1', status: 'COMPLETED', databaseSizeGb: 5, backupSizeGb: 2.5 },
        { backupStartDate: '24-Nov-2026 18:11:02 UTC', backupCompletedDate: '24-Nov-2026 18:30:00 UTC', dbTag: 'TAG2', status: 'COMPLETED', unknownField: 1 },
        { dbTag: 'TAG3', status: 'IN PROGRESS' },
      ],
    });
    const entries = parsed.backupList.map(backupEntry);
    expect(entries[0]).toEqual({ dbTag: 'TAG1', status: 'COMPLETED', startedAt: '2026-11-23T18:11:02.000Z', completedAt: '2026-11-23T18:20:00.000Z', databaseSizeGb: 5, backupSizeGb: 2.5 });
    expect(entries[1]).toEqual({ dbTag: 'TAG2', status: 'COMPLETED', startedAt: '2026-11-24T18:11:02.000Z', completedAt: '2026-11-24T18:30:00.000Z' });
    expect(entries[2]).toEqual({ dbTag: 'TAG3', status: 'IN PROGRESS' });
    expect(latestCompleted(entries)?.dbTag).toBe('TAG2');
    expect(backupListSchema.parse({}).backupList).toEqual([]);
    expect(backupListSchema.safeParse({ backupList: [{ status: 'COMPLETED' }] }).success).toBe(false);
  });

  it('reads the recovery history (dbTag, latest, timestamp or scn)', () => {
    const parsed = recoveryHistorySchema.parse({
      recoveryList: [
        { recoveryStartDate: '23-Nov-2026 18:11:02 UTC', recoveryCompleteDate: '23-Nov-2026 18:20:00 UTC', status: 'COMPLETED', latest: true },
        { recoveryStartDate: '24-Nov-2026 18:11:02 UTC', status: 'IN PROGRESS', dbTag: 'TAG1' },
        { status: 'COMPLETED', scn: 123, recoveryCompletedDate: '25-Nov-2026 18:11:02 UTC' },
      ],
    });
    const entries = parsed.recoveryList.map(recoveryEntry);
    expect(entries[0]).toEqual({ status: 'COMPLETED', startedAt: '2026-11-23T18:11:02.000Z', completedAt: '2026-11-23T18:20:00.000Z', latest: true });
    expect(entries[2]).toEqual({ status: 'COMPLETED', completedAt: '2026-11-25T18:11:02.000Z', scn: '123' });
    expect(recoveryKey(entries[1]!)).toBe('2026-11-24T18:11:02.000Z|TAG1|||');
    // The key does not change as the entry's status does.
    expect(recoveryKey({ ...entries[1]!, status: 'COMPLETED' } as never)).toBe(recoveryKey(entries[1]!));
  });
});

describe('DbcsClient backups', () => {
  let sim: DbcsSimulator;
  let client: DbcsClient;
  beforeAll(async () => {
    sim = await startSimulator({ jobDurationMs: { backup: 0, recovery: 0 }, visibilityDelayMs: 0 });
    sim.seed('dom', ['db1']);
    client = new DbcsClient({ baseUrl: sim.url, username: SIM_USER, password: SIM_PASSWORD });
  });
  afterAll(async () => {
    await client.close();
    await sim.close();
  });

  it('starts a backup, lists it, recovers from it and lists the recovery', async () => {
    await client.startBackup('dom', 'db1');
    const [backup] = await client.listBackups('dom', 'db1');
    expect(backup).toMatchObject({ status: 'COMPLETED', dbTag: expect.stringMatching(/^TAG\d{8}T\d{6}/) });
    await client.startRecovery('dom', 'db1', { tag: backup!.dbTag });
    expect(await client.listRecoveries('dom', 'db1')).toEqual([expect.objectContaining({ status: 'COMPLETED', dbTag: backup!.dbTag })]);
  });

  it('keeps the error classification: 5xx and 429 retryable, a refusal final, "in progress" busy', async () => {
    sim.faults.replace({ triggers: [{ action: 'error', route: 'backup', status: 503, times: 1 }, { action: 'error', route: 'backup', status: 429, times: 1 }] });
    for (const status of [503, 429]) {
      const err = (await client.startBackup('dom', 'db1').catch((e: unknown) => e)) as CloudApiError;
      expect(err).toBeInstanceOf(CloudApiError);
      expect([err.status, err.retryable]).toEqual([status, true]);
    }
    sim.faults.replace({});
    const refused = (await client.startRecovery('dom', 'db1', { tag: 'TAG0' }).catch((e: unknown) => e)) as CloudApiError;
    expect([refused.status, refused.retryable]).toEqual([400, false]);
    expect((toFailure(refused) as { type: string }).type).toBe('CloudRejected');
    sim.configure({ jobDurationMs: { backup: 60_000 } });
    await client.startBackup('dom', 'db1');
    const busy = (await client.startBackup('dom', 'db1').catch((e: unknown) => e)) as CloudApiError;
    expect(busy.details.apiMessage).toMatch(/Only one backup can be in progress at a time/);
    expect((toFailure(busy) as { type: string }).type).toBe('CloudBusy');
  });
});
