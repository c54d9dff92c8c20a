// scaleService, changeLifecycle and deleteService end to end, with the cloud failing in every way.
import { WorkflowExecutionAlreadyStartedError, type WorkflowHandle, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { serviceWorkflowId } from '../../src/shared/contract';
import { progressQuery } from '../../src/shared/messages';
import type { OperationResult } from '../../src/shared/schemas';
import { auditTrail, resultOrDiagnosis, sampleInput, startFileStack, uniqueName, waitUntil, type FileStack, failureOf } from '../helpers/harness';
import { recordHistory } from '../helpers/histories';

const DOMAIN = 'opsdomain';
let s: FileStack;

beforeAll(async () => {
  s = await startFileStack('ops', { jobDurationMs: { create: 800, delete: 600, scale: 1000, control: 800 } });
});
afterAll(() => s?.stop());
beforeEach(() => {
  s.sim.faults.replace({});
  s.sim.configure({ jobDurationMs: { create: 800, delete: 600, scale: 1000, control: 800 } });
});

function start(type: string, input: { serviceName: string } & Record<string, unknown>): Promise<WorkflowHandleWithFirstExecutionRunId> {
  return s.t.client.workflow.start(type, { taskQueue: s.taskQueue, workflowId: serviceWorkflowId(DOMAIN, input.serviceName), args: [{ identityDomain: DOMAIN, ...input }], workflowIdConflictPolicy: 'FAIL' });
}
const run = async (type: string, input: { serviceName: string } & Record<string, unknown>) => (await (await start(type, input)).result()) as OperationResult;


/** A Running service to operate on, built through buildService. */
async function runningService(prefix: string, rac = false): Promise<string> {
  const name = uniqueName(prefix).slice(0, 15);
  const input = sampleInput(name, {}, DOMAIN);
  if (rac) {
    input.service.edition = 'EE_EP';
    input.service.parameters![0]!.isRac = 'yes';
  }
  await s.t.client.workflow.execute('buildService', { taskQueue: s.taskQueue, workflowId: `build-${name}`, args: [input] });
  return name;
}

const events = async (handle: WorkflowHandleWithFirstExecutionRunId) => (await auditTrail(handle.workflowId)).filter((e) => e.runId === handle.firstExecutionRunId).map((e) => e.event);
const instance = (name: string) => s.sim.state.instance(DOMAIN, name);

describe('scaleService', () => {
  it('scales the shape up and down, auditing before and after', async () => {
    const name = await runningService('up');
    const handle = await start('scaleService', { serviceName: name, shape: 'oc5', requestedBy: 'dba', ticket: 'CHG-2' });
    const up = (await handle.result()) as OperationResult;
    expect(up.before.shape).toBe('oc3');
    expect(up.after?.shape).toBe('oc5');
    expect(instance(name)).toMatchObject({ shape: 'oc5', status: 'Running' });
    const trail = await auditTrail(handle.workflowId);
    expect(trail.map((e) => e.event)).toEqual(['requested', 'started', 'succeeded']);
    expect(trail[2]).toMatchObject({ requestedBy: 'dba (unverified)', ticket: 'CHG-2', details: { before: { shape: 'oc3' }, after: { shape: 'oc5' } } });
    expect(trail[2]!.details!.elapsedMs).toBeGreaterThan(0);
    await recordHistory(handle, 'scaleService-success');
    await run('scaleService', { serviceName: name, shape: 'oc4' });
    expect(instance(name)?.shape).toBe('oc4');
  });

  it('adds storage to the data volume, the FRA volume and as a new volume, and a shape with storage in one request', async () => {
    const name = await runningService('disk');
    await run('scaleService', { serviceName: name, additionalStorage: 100, usage: 'data' });
    await run('scaleService', { serviceName: name, additionalStorage: '20', usage: 'fra' });
    await run('scaleService', { serviceName: name, additionalStorage: 10 });
    const both = await run('scaleService', { serviceName: name, shape: 'oc1m', additionalStorage: 5, usage: 'data' });
    expect(both.jobIds).toHaveLength(2);
    expect(instance(name)).toMatchObject({ usableStorageGb: 130, fraStorageGb: 63, extraVolumesGb: [10], shape: 'oc1m', status: 'Running' });
  });

  it('puts the original shape back when the shape job fails: Running, audit requested → started → failed → rolled_back', async () => {
    const name = await runningService('shfail');
    s.sim.faults.replace({ triggers: [{ action: 'fail-job', route: 'scale', serviceName: name, times: 1, message: 'ORA-27102: out of memory' }] });
    const handle = await start('scaleService', { serviceName: name, shape: 'oc6' });
    const failure = await failureOf(handle);
    expect(failure.message).toContain('step "waitForScaleShapeJob"');
    expect(failure.message).toContain('ORA-27102');
    expect(failure.message).toContain('rolled back');
    expect(instance(name)).toMatchObject({ shape: 'oc3', status: 'Running' });
    expect(await events(handle)).toEqual(['requested', 'started', 'failed', 'rolled_back']);
    const trail = await auditTrail(handle.workflowId);
    // The restoring job is named in the rolled_back event.
    expect((trail.at(-1)!.details!.jobIds as string[]).length).toBe(2);
    await recordHistory(handle, 'scaleService-rolled-back');
  });

  it('reports a failed storage step without reversing it', async () => {
    const name = await runningService('stfail');
    s.sim.faults.replace({ triggers: [{ action: 'fail-job', route: 'scale', serviceName: name, times: 1, message: 'ASM diskgroup DATA is full' }] });
    const handle = await start('scaleService', { serviceName: name, additionalStorage: 50, usage: 'data' });
    const failure = await failureOf(handle);
    expect(failure.message).toContain('step "waitForAddStorageJob"');
    expect(failure.message).toContain('ASM diskgroup DATA is full');
    expect(failure.message).not.toContain('rolled back');
    expect(await events(handle)).toEqual(['requested', 'started', 'failed']);
    expect(instance(name)).toMatchObject({ usableStorageGb: 25, status: 'Running' });
  });
});

describe('changeLifecycle', () => {
  it('stops, starts and restarts a service and confirms each state', async () => {
    const name = await runningService('life');
    const stop = await start('changeLifecycle', { serviceName: name, lifecycleState: 'stop' });
    expect(((await stop.result()) as OperationResult).after?.status).toBe('Stopped');
    expect(instance(name)?.status).toBe('Stopped');
    await recordHistory(stop, 'changeLifecycle-stop');
    expect((await run('changeLifecycle', { serviceName: name, lifecycleState: 'Start' })).after?.status).toBe('Running');
    const restart = await run('changeLifecycle', { serviceName: name, lifecycleState: 'restart' });
    expect(restart).toMatchObject({ before: { status: 'Running' }, after: { status: 'Running' } });
    expect(s.sim.stats().jobs.control.succeeded).toBeGreaterThanOrEqual(3);
  });

  it('stops and starts one VM of a RAC service', async () => {
    const name = await runningService('rac', true);
    const result = await run('changeLifecycle', { serviceName: name, lifecycleState: 'stop', vmName: 'vm-2' });
    expect(result.after?.status).toBe('Running');
    expect(result.vm).toEqual({ vmName: 'vm-2', statusBefore: 'Running', statusAfter: 'Stopped' });
    expect(instance(name)?.nodes.map((n) => n.status)).toEqual(['Running', 'Stopped']);
    await run('changeLifecycle', { serviceName: name, lifecycleState: 'start', vmName: 'vm-2' });
    expect(instance(name)?.nodes.map((n) => n.status)).toEqual(['Running', 'Running']);
  });

  it('reports a failed job with the API answer: audit requested → started → failed', async () => {
    const name = await runningService('lfail');
    s.sim.faults.replace({ triggers: [{ action: 'fail-job', route: 'control', serviceName: name, message: 'ORA-01092: instance terminated' }] });
    const handle = await start('changeLifecycle', { serviceName: name, lifecycleState: 'restart' });
    const failure = await failureOf(handle);
    expect(failure.message).toContain('step "waitForRestartJob"');
    expect(failure.message).toContain('ORA-01092');
    expect(await events(handle)).toEqual(['requested', 'started', 'failed']);
  });
});

describe('deleteService', () => {
  it('deletes with the confirmation and waits until the service is gone', async () => {
    const name = await runningService('del');
    const handle = await start('deleteService', { serviceName: name, confirm: name });
    const result = (await handle.result()) as OperationResult;
    expect(result).toMatchObject({ before: { status: 'Running' }, after: null });
    expect(instance(name)).toBeUndefined();
    expect(await events(handle)).toEqual(['requested', 'started', 'succeeded']);
    await recordHistory(handle, 'deleteService-success');
  });

  it('says when there is nothing to delete', async () => {
    const handle = await start('deleteService', { serviceName: 'never-built', confirm: 'never-built' });
    expect((await failureOf(handle)).message).toContain('no service [never-built]');
  });
});

describe('invalid requests fail before any change reaches the cloud', () => {
  it.each([
    ['an unknown shape', 'scaleService', { shape: 'oc99' }, 'shape: must be one of', 0],
    ['shrinking storage', 'scaleService', { additionalStorage: -50, usage: 'data' }, 'storage can only grow', 0],
    ['usage without storage', 'scaleService', { usage: 'fra' }, 'usage: applies only with additionalStorage', 0],
    ['no change at all', 'scaleService', {}, 'give a shape, an additionalStorage, or both', 0],
    ['the shape it already has', 'scaleService', { shape: 'oc3' }, 'already has shape oc3', 1],
    ['start of a running service', 'changeLifecycle', { lifecycleState: 'start' }, 'cannot start [', 1],
    ['an unknown lifecycle state', 'changeLifecycle', { lifecycleState: 'pause' }, 'lifecycleState: must be stop, start or restart', 0],
    ['an unknown VM', 'changeLifecycle', { lifecycleState: 'stop', vmName: 'vm-7' }, 'has no VM vm-7', 2],
    ['delete without confirmation', 'deleteService', {}, 'confirm: is required', 0],
    ['delete with a wrong confirmation', 'deleteService', { confirm: 'other-db' }, 'confirm: must repeat the service name exactly', 0],
  ])('%s', async (_what, type, extra, message, reads) => {
    const name = await runningService('inv');
    s.sim.resetStats();
    const failure = await failureOf(await start(type, { serviceName: name, ...extra }));
    expect(failure.message).toContain(message);
    const stats = s.sim.stats();
    expect(stats.mutatingCalls).toBe(0);
    expect(stats.totalCalls).toBe(reads);
    expect(instance(name)).toMatchObject({ status: 'Running', shape: 'oc3' });
  });
});

describe('one mutating operation per service', () => {
  it('refuses a second operation on a busy service, and runs operations on two services in parallel', async () => {
    const [a, b] = await Promise.all([runningService('par-a'), runningService('par-b')]);
    s.sim.configure({ jobDurationMs: { scale: 3000, control: 3000 } });
    s.sim.resetStats();
    const results = await Promise.allSettled([start('scaleService', { serviceName: a, shape: 'oc4' }), start('changeLifecycle', { serviceName: a, lifecycleState: 'stop' })]);
    const started = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(started).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect(refused[0]!.reason).toBeInstanceOf(WorkflowExecutionAlreadyStartedError);
    const other = await start('scaleService', { serviceName: b, shape: 'oc4' });
    await (started[0] as PromiseFulfilledResult<WorkflowHandle>).value.result();
    await other.result();
    expect(s.sim.stats().maxConcurrentJobs).toBe(2);
    expect(s.sim.stats().mutatingCalls).toBe(2);
  });
});

describe('with the cloud failing', () => {
  it('reaches the right final state through 30% 5xx/429, lost answers and a worker SIGKILL, without duplicate audit events', async () => {
    const name = await runningService('chaos');
    s.sim.faults.replace({
      all: { errorRate: 0.3, statuses: [500, 503, 429], retryAfterSeconds: 1 },
      triggers: [
        { action: 'drop-after', route: 'scale', serviceName: name, times: 1 },
        { action: 'drop-after', route: 'control', serviceName: name, times: 1 },
        { action: 'drop-after', route: 'delete', serviceName: name, times: 1 },
      ],
      seed: 11,
    });
    s.sim.configure({ jobDurationMs: { scale: 5000 } });
    s.sim.resetStats();
    const handles: WorkflowHandleWithFirstExecutionRunId[] = [];

    const scale = await start('scaleService', { serviceName: name, shape: 'oc5', additionalStorage: 30, usage: 'data' });
    handles.push(scale);
    await waitUntil('the scale job', () => scale.query(progressQuery), (p) => p.step.startsWith('waitFor'), 60_000);
    await s.killAndRestartWorker();
    await resultOrDiagnosis(scale, 100_000, () => s.worker.output);
    expect(instance(name)).toMatchObject({ shape: 'oc5', usableStorageGb: 55, status: 'Running' });
    expect(s.sim.stats().jobs.scale.submitted).toBe(2);

    for (const [lifecycleState, status] of [['stop', 'Stopped'], ['start', 'Running'], ['restart', 'Running']] as const) {
      const h = await start('changeLifecycle', { serviceName: name, lifecycleState });
      handles.push(h);
      await resultOrDiagnosis(h, 100_000, () => s.worker.output);
      expect(instance(name)?.status).toBe(status);
    }
    const del = await start('deleteService', { serviceName: name, confirm: name });
    handles.push(del);
    await resultOrDiagnosis(del, 100_000, () => s.worker.output);
    expect(instance(name)).toBeUndefined();

    const stats = s.sim.stats();
    const injected = Object.values(stats.routes).reduce((n, r) => n + (r.statuses['500'] ?? 0) + (r.statuses['503'] ?? 0) + (r.statuses['429'] ?? 0), 0);
    expect(injected).toBeGreaterThan(5);
    expect(stats.jobs.control.submitted).toBe(3);
    expect(stats.jobs.delete.submitted).toBe(1);
    for (const h of handles) {
      const trail = await auditTrail(h.workflowId);
      const run = trail.filter((e) => e.runId === h.firstExecutionRunId);
      expect(new Set(run.map((e) => e.idempotencyKey)).size).toBe(run.length);
      expect(run.at(-1)?.event).toBe('succeeded');
    }
  });
});
