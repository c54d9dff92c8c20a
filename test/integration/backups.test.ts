// backupService and restoreService end to end (real dev server, worker process, simulator over HTTP),
// and the two features built on them: rollingPatch's backupFirst and maintainService's backup schedule.
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BackupResult, BackupServiceInput, RestoreResult, RestoreServiceInput } from '../../src/shared/backups';
import { serviceWorkflowId } from '../../src/shared/contract';
import { detachUpdate, maintainProgressQuery, maintainWorkflowId, setDesiredUpdate, type MaintainResult, type MaintainServiceInput } from '../../src/shared/maintain';
import { progressQuery } from '../../src/shared/messages';
import { rolloutProgressQuery, type RolloutResult, type RollingPatchInput } from '../../src/shared/patching';
import { auditReader, auditTrail, cliEnvFor, cliFor, resultOrDiagnosis, startFileStack, uniqueName, waitUntil, type FileStack, failureOf } from '../helpers/harness';
import { expectReplays, recordHistory } from '../helpers/histories';

const DURATIONS = { backup: 600, recovery: 600, precheck: 200, patch: 600, control: 400 };
let s: FileStack;

beforeAll(async () => {
  s = await startFileStack('backups', { jobDurationMs: DURATIONS });
});
afterAll(() => s?.stop());
beforeEach(() => {
  s.sim.faults.replace({});
  s.sim.configure({ jobDurationMs: DURATIONS });
});

function service(prefix = 'db'): { domain: string; name: string } {
  const domain = uniqueName('bkdom');
  const name = uniqueName(prefix);
  s.sim.seed(domain, [name]);
  return { domain, name };
}

function backup(domain: string, name: string, extra: Partial<BackupServiceInput> = {}): Promise<WorkflowHandle> {
  return s.t.client.workflow.start('backupService', {
    taskQueue: s.taskQueue,
    workflowId: serviceWorkflowId(domain, name),
    workflowIdConflictPolicy: 'FAIL',
    args: [{ identityDomain: domain, serviceName: name, requestedBy: 'test-suite', ...extra }],
  });
}

function restore(domain: string, name: string, target: Partial<RestoreServiceInput>): Promise<WorkflowHandle> {
  return s.t.client.workflow.start('restoreService', {
    taskQueue: s.taskQueue,
    workflowId: serviceWorkflowId(domain, name),
    workflowIdConflictPolicy: 'FAIL',
    args: [{ identityDomain: domain, serviceName: name, requestedBy: 'test-suite', ...target }],
  });
}


const simBackups = (domain: string, name: string) => s.sim.state.instance(domain, name)?.backups ?? [];
const records = async (domain: string, name: string, includeRolledOff = false) => (await auditReader()).listBackups({ identityDomain: domain, serviceName: name, includeRolledOff });
const result = <T>(handle: WorkflowHandle) => resultOrDiagnosis(handle, 60_000, () => s.worker.output) as Promise<T>;

describe('backupService', () => {
  it('backs up a Running service and records type, status, sizes, start and end', async () => {
    const { domain, name } = service();
    const handle = await backup(domain, name);
    const r = await result<BackupResult>(handle);
    expect(r.backup).toMatchObject({ status: 'COMPLETED', dbTag: expect.stringMatching(/^TAG\d{8}T\d{6}/), databaseSizeGb: 5, backupSizeGb: 2.5 });
    expect(Date.parse(r.backup.completedAt!)).toBeGreaterThanOrEqual(Date.parse(r.backup.startedAt!));
    expect(simBackups(domain, name)).toHaveLength(1);

    const trail = await auditTrail(handle.workflowId);
    expect(trail.map((e) => e.event)).toEqual(['requested', 'started', 'succeeded']);
    expect(trail[2]).toMatchObject({ operation: 'backupService', requestedBy: 'test-suite (unverified)' });
    expect(trail[2]!.details).toMatchObject({ type: 'on-demand', status: 'COMPLETED', dbTag: r.backup.dbTag, databaseSizeGb: 5, backupSizeGb: 2.5, startedAt: r.backup.startedAt, endedAt: r.backup.completedAt });
    expect(await records(domain, name)).toEqual([
      expect.objectContaining({ type: 'on-demand', status: 'COMPLETED', dbTag: r.backup.dbTag, databaseSizeGb: 5, backupSizeGb: 2.5, startedAt: r.backup.startedAt, endedAt: r.backup.completedAt, workflowId: handle.workflowId }),
    ]);
    // The same records through the worker (what `dbaas backup list` uses when the store is the worker's PGlite).
    const viaWorker = await s.t.client.workflow.execute('backupRecords', { taskQueue: s.taskQueue, workflowId: uniqueName('backup-records'), args: [{ identityDomain: domain, serviceName: name }] });
    expect(viaWorker).toEqual(await records(domain, name));
    await recordHistory(handle, 'backupService-success');
  });

  it('fails a backup the API reports FAILED: recorded failed, the workflow names the step and the answer', async () => {
    const { domain, name } = service();
    s.sim.faults.replace({ triggers: [{ action: 'fail-job', route: 'backup', serviceName: name, message: 'RMAN-03009: failure of backup command on ORA_DISK_1' }] });
    const handle = await backup(domain, name);
    const failure = await failureOf(handle);
    expect(failure.message).toMatch(/^backupService of \[.+\] failed at step "waitForBackup": backup TAG\S+ ended FAILED: RMAN-03009: failure of backup command on ORA_DISK_1$/);
    expect(failure.type).toBe('JobFailed');
    const trail = await auditTrail(handle.workflowId);
    expect(trail.map((e) => e.event)).toEqual(['requested', 'started', 'failed']);
    expect(trail[2]).toMatchObject({ step: 'waitForBackup', details: expect.objectContaining({ type: 'JobFailed' }) });
    expect(await records(domain, name)).toEqual([expect.objectContaining({ status: 'FAILED', message: 'RMAN-03009: failure of backup command on ORA_DISK_1' })]);
    await expectReplays(handle, 'backupService-failed');
  });

  it('refuses a second operation on the same service while a backup runs (Temporal refuses the id)', async () => {
    const { domain, name } = service();
    s.sim.configure({ jobDurationMs: { backup: 4_000 } });
    const first = await backup(domain, name);
    await expect(backup(domain, name)).rejects.toBeInstanceOf(WorkflowExecutionAlreadyStartedError);
    await expect(restore(domain, name, { latest: true })).rejects.toBeInstanceOf(WorkflowExecutionAlreadyStartedError);
    await result(first);
    expect(simBackups(domain, name)).toHaveLength(1);
  });

  it('retries a backup POST answered 503 and 429, and starts exactly one backup', async () => {
    const { domain, name } = service();
    s.sim.faults.replace({
      triggers: [
        { action: 'error', route: 'backup', serviceName: name, status: 503, times: 1 },
        { action: 'error', route: 'backup', serviceName: name, status: 429, times: 1 },
      ],
    });
    s.sim.resetStats();
    const r = await result<BackupResult>(await backup(domain, name));
    expect(r.backup.status).toBe('COMPLETED');
    expect(s.sim.stats().routes.backup?.statuses).toEqual({ 202: 1, 429: 1, 503: 1 });
    expect(simBackups(domain, name)).toHaveLength(1);
  });

  it('adopts the backup an earlier attempt started when the answer to its POST was lost', async () => {
    const { domain, name } = service();
    s.sim.faults.replace({ triggers: [{ action: 'drop-after', route: 'backup', serviceName: name, times: 1 }] });
    const handle = await backup(domain, name);
    const r = await result<BackupResult>(handle);
    expect(r.backup.status).toBe('COMPLETED');
    expect(simBackups(domain, name)).toHaveLength(1);
    expect((await auditTrail(handle.workflowId)).find((e) => e.event === 'started')?.details).toMatchObject({ adopted: true });
  });

  it('finishes a backup once when the worker is SIGKILLed while it waits', async () => {
    const { domain, name } = service();
    s.sim.configure({ jobDurationMs: { backup: 6_000 } });
    const handle = await backup(domain, name);
    await waitUntil('the backup wait', () => handle.query(progressQuery), (p) => p.step === 'waitForBackup', 30_000);
    await s.killAndRestartWorker();
    const r = await resultOrDiagnosis(handle, 90_000, () => s.worker.output) as BackupResult;
    expect(r.backup.status).toBe('COMPLETED');
    expect(simBackups(domain, name)).toHaveLength(1);
    expect(s.sim.stats().jobs.backup.submitted).toBeGreaterThanOrEqual(1);
    expect((await auditTrail(handle.workflowId)).map((e) => e.event)).toEqual(['requested', 'started', 'succeeded']);
    expect(await records(domain, name)).toHaveLength(1);
  });

  it('rolls off our records older than the retention at the end of a backup, keeping the newest completed', async () => {
    const { domain, name } = service();
    const store = await auditReader();
    const old = (key: string, daysAgo: number) =>
      store.recordBackup({ recordKey: `old:${domain}:${key}`, workflowId: `old:${key}`, identityDomain: domain, serviceName: name, type: 'scheduled', status: 'COMPLETED', dbTag: `TAG-${key}`, startedAt: new Date(Date.now() - daysAgo * 86_400_000).toISOString(), endedAt: new Date(Date.now() - daysAgo * 86_400_000).toISOString() });
    await old('a', 40);
    await old('b', 10);
    const r = await result<BackupResult>(await backup(domain, name, { retentionDays: 30 }));
    expect(r.rolledOff).toBe(1);
    expect((await records(domain, name)).map((b) => b.dbTag)).toEqual([r.backup.dbTag, 'TAG-b']);
    expect((await records(domain, name, true)).find((b) => b.dbTag === 'TAG-a')?.rolledOffAt).toBeDefined();
    // A shorter retention: the one 10 days old goes too; the fresh ones stay.
    const again = await result<BackupResult>(await backup(domain, name, { retentionDays: 5 }));
    expect(again.rolledOff).toBe(1);
    expect((await records(domain, name)).map((b) => b.dbTag)).toEqual([again.backup.dbTag, r.backup.dbTag]);
  });
});

describe('restoreService', () => {
  it('restores the latest backup, one by tag and to a timestamp; the service is Running after; history read back and recorded', async () => {
    const { domain, name } = service();
    const first = await result<BackupResult>(await backup(domain, name));
    const latest = await restore(domain, name, { latest: true });
    const r1 = await result<RestoreResult>(latest);
    expect(r1).toMatchObject({ target: { latest: true }, status: 'Running', recovery: { status: 'COMPLETED', latest: true } });
    await recordHistory(latest, 'restoreService-success');
    const trail = await auditTrail(latest.workflowId);
    expect(trail.filter((e) => e.operation === 'restoreService').map((e) => e.event)).toEqual(['requested', 'started', 'succeeded']);
    expect(trail.find((e) => e.event === 'succeeded' && e.operation === 'restoreService')?.details).toMatchObject({ target: { latest: true }, recovery: { status: 'COMPLETED', latest: true }, after: { status: 'Running' } });

    const r2 = await result<RestoreResult>(await restore(domain, name, { tag: first.backup.dbTag }));
    expect(r2.recovery).toMatchObject({ status: 'COMPLETED', dbTag: first.backup.dbTag });
    const at = new Date(Date.parse(first.backup.completedAt!) + 1000).toISOString();
    const r3 = await result<RestoreResult>(await restore(domain, name, { timestamp: at }));
    expect(r3.recovery).toMatchObject({ status: 'COMPLETED', timestamp: at });
    expect(s.sim.state.instance(domain, name)?.recoveries).toHaveLength(3);
  });

  it('refuses a service that is not Running before any change, and a tag the API does not know', async () => {
    const { domain, name } = service();
    await result(await backup(domain, name));
    s.sim.state.instance(domain, name)!.status = 'Stopped';
    s.sim.resetStats();
    const stopped = await failureOf(await restore(domain, name, { latest: true }));
    expect(stopped).toMatchObject({ type: 'InvalidState', message: expect.stringMatching(/failed at step "precheck": service \[.+\] is Stopped: it can be restored only when Running/) });
    expect(s.sim.stats().mutatingCalls).toBe(0);
    expect(s.sim.stats().routes.recoveries).toBeUndefined();
    s.sim.state.instance(domain, name)!.status = 'Running';
    const unknown = await failureOf(await restore(domain, name, { tag: 'TAG19990101T000000' }));
    expect(unknown.message).toMatch(/failed at step "startRecovery": .*answered 400: Service \[.+\] has no completed backup with tag TAG19990101T000000/);
  });

  it('fails when the recovery ends FAILED, naming the step and the answer', async () => {
    const { domain, name } = service();
    await result(await backup(domain, name));
    s.sim.faults.replace({ triggers: [{ action: 'fail-job', route: 'recovery', serviceName: name, message: 'ORA-01152: file 1 was not restored from a sufficiently old backup' }] });
    const handle = await restore(domain, name, { latest: true });
    const failure = await failureOf(handle);
    expect(failure.message).toMatch(/failed at step "waitForRecovery": the recovery to the latest backup ended FAILED: ORA-01152/);
    await expectReplays(handle, 'restoreService-failed');
  });
});

describe('rollingPatch with backupFirst', () => {
  it('backs up each service before its patch; a failed backup keeps that service out, the others patch', async () => {
    const domain = uniqueName('bkfleet');
    const names = ['pb-01', 'pb-02', 'pb-03'];
    s.sim.seed(domain, names);
    s.sim.faults.replace({ triggers: [{ action: 'fail-job', route: 'backup', serviceName: 'pb-02', message: 'ORA-19809: limit exceeded for recovery files' }] });
    const input: RollingPatchInput = { identityDomain: domain, patchId: '12201-190416', services: names, maxParallel: 2, healthTimeoutSeconds: 10, backupFirst: true };
    const handle = await s.t.client.workflow.start('rollingPatch', { taskQueue: s.taskQueue, workflowId: uniqueName(`patch:${domain}`), args: [input] });
    const r = (await resultOrDiagnosis(handle, 90_000, () => s.worker.output)) as RolloutResult;
    expect(r.state).toBe('completed');
    expect(r.progress.counts).toEqual({ patched: 2, backup_failed: 1 });
    expect(r.progress.services['pb-02']).toMatchObject({ state: 'backup_failed', error: expect.stringMatching(/backup before the patch failed: .*ORA-19809/) });
    const level = (n: string) => s.sim.state.instance(domain, n)?.patchLevel;
    expect(names.map(level)).toEqual(['12.2.0.1.190416', '12.2.0.1.0', '12.2.0.1.190416']);
    // Each patched service was backed up (type pre-patch) before its patch; the failed one is in the records too.
    for (const n of ['pb-01', 'pb-03']) {
      const [rec] = await records(domain, n);
      expect(rec).toMatchObject({ type: 'pre-patch', status: 'COMPLETED' });
      const patchedAt = s.sim.state.instance(domain, n)!.appliedPatches[0]!.appliedAt;
      expect(Date.parse(rec!.endedAt!)).toBeLessThanOrEqual(patchedAt);
    }
    expect(await records(domain, 'pb-02')).toEqual([expect.objectContaining({ type: 'pre-patch', status: 'FAILED' })]);
    // The trail: the rollout says why pb-02 was left out; pb-02's own trail has the failed backup.
    const trail = await (await auditReader()).query({ identityDomain: domain });
    expect(trail.filter((e) => e.workflowId === handle.workflowId && e.event === 'excluded')).toEqual([expect.objectContaining({ serviceName: '*', details: expect.objectContaining({ service: 'pb-02' }) })]);
    expect(trail.filter((e) => e.serviceName === 'pb-02' && e.operation === 'backupService').map((e) => e.event)).toEqual(['requested', 'started', 'failed']);
    expect((await handle.query(rolloutProgressQuery)).counts.backup_failed).toBe(1);
    await expectReplays(handle, 'rollingPatch-backup-first');
  });
});

describe('maintainService with backupEveryHours', () => {
  function attach(domain: string, name: string, extra: Partial<MaintainServiceInput> = {}): Promise<WorkflowHandle> {
    return s.t.client.workflow.start('maintainService', {
      taskQueue: s.taskQueue,
      workflowId: maintainWorkflowId(domain, name),
      args: [{ identityDomain: domain, serviceName: name, passIntervalSeconds: 1, ...extra }],
    });
  }

  it('starts a backup when none is recent enough, then none until the next is due', async () => {
    const { domain, name } = service('sched');
    const handle = await attach(domain, name, { desired: { status: 'Running', backupEveryHours: 24 } });
    const first = await waitUntil('a scheduled backup', () => handle.query(maintainProgressQuery), (p) => p.backups?.taken === 1, 60_000);
    // Later passes take none: the newest is younger than 24 h.
    await waitUntil('three more passes', () => handle.query(maintainProgressQuery), (p) => p.counters.passes >= first.counters.passes + 3, 30_000);
    expect(simBackups(domain, name)).toHaveLength(1);
    expect(await records(domain, name)).toEqual([expect.objectContaining({ type: 'scheduled', status: 'COMPLETED' })]);
    // A schedule of ~1 s: due again at once.
    await handle.executeUpdate(setDesiredUpdate, { args: [{ backupEveryHours: 0.0003 }] });
    await waitUntil('a second scheduled backup', () => handle.query(maintainProgressQuery), (p) => (p.backups?.taken ?? 0) >= 2, 60_000);
    await handle.executeUpdate(detachUpdate, { args: [{}] });
    const r = (await resultOrDiagnosis(handle, 60_000, () => s.worker.output)) as MaintainResult;
    expect(r.ended).toBe('detached');
    const trail = await auditTrail(handle.workflowId);
    expect(trail.filter((e) => e.event === 'action_taken').map((e) => e.details?.action)).toEqual(expect.arrayContaining(['backup (scheduled)']));
    await expectReplays(handle, 'maintainService-backup-schedule');
  });

  it('counts a backup the API lists (taken by hand) and takes none while it is recent', async () => {
    const { domain, name } = service('sched');
    const manual = await result<BackupResult>(await backup(domain, name));
    const handle = await attach(domain, name, { desired: { status: 'Running', backupEveryHours: 1 } });
    const p = await waitUntil('three passes', () => handle.query(maintainProgressQuery), (x) => x.counters.passes >= 3, 30_000);
    expect(p.backups).toMatchObject({ taken: 0, lastTag: manual.backup.dbTag });
    expect(simBackups(domain, name)).toHaveLength(1);
    await handle.executeUpdate(detachUpdate, { args: [{}] });
    await handle.result();
  });
});

describe('dbaas backup (the CLI as a real process)', () => {
  it('creates a backup, lists our record of it through the worker, and restores from it', async () => {
    const { domain, name } = service('cli');
    const { cli } = cliFor(() => cliEnvFor(s));
    const created = await cli(['backup', 'create', name, '--domain', domain, '--wait', '-o', 'json']);
    expect(created.code, created.out).toBe(0);
    const result = JSON.parse(created.out.slice(created.out.indexOf('{'))) as { status: string; result: BackupResult };
    expect(result).toMatchObject({ status: 'succeeded', result: { type: 'on-demand', backup: { status: 'COMPLETED', dbTag: expect.stringMatching(/^TAG/) } } });

    // No DATABASE_URL here: the list comes from the worker's store (the backupRecords workflow).
    const listed = await cli(['backup', 'list', name, '--domain', domain, '-o', 'json']);
    expect(listed.code, listed.out).toBe(0);
    const records = JSON.parse(listed.out.slice(listed.out.indexOf('['))) as { dbTag?: string; status: string; type: string }[];
    expect(records).toEqual([expect.objectContaining({ dbTag: result.result.backup.dbTag, status: 'COMPLETED', type: 'on-demand' })]);

    const restored = await cli(['backup', 'restore', name, '--domain', domain, '--tag', result.result.backup.dbTag, '--wait']);
    expect(restored.code, restored.out).toBe(0);
    expect(restored.out).toMatch(new RegExp(`restoreService succeeded: \\[${name}\\] restored to backup ${result.result.backup.dbTag}`));
    // Two targets at once: refused before anything starts.
    const both = await cli(['backup', 'restore', name, '--domain', domain, '--latest', '--tag', 'TAG1']);
    expect(both.code).toBe(2);
    expect(both.out).toContain('give exactly one of latest, tag or timestamp');
  });
});
