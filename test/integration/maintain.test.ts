// maintainService: drift correction, recovery, needs_attention (and its retry), pause, setDesired,
// detach, out-of-band delete, and the audit trail of lasting conditions.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../src/audit/types';
import { serviceWorkflowId } from '../../src/shared/contract';
import {
  detachUpdate,
  maintainPauseSignal,
  maintainPauseUpdate,
  maintainProgressQuery,
  maintainResumeUpdate,
  maintainWorkflowId,
  setDesiredSignal,
  setDesiredUpdate,
  type MaintainProgress,
  type MaintainResult,
  type MaintainServiceInput,
} from '../../src/shared/maintain';
import { auditReader, auditTrail, cliEnvFor, cliFor, startFileStack, uniqueName, waitUntil, type FileStack } from '../helpers/harness';
import { expectReplays, recordHistory } from '../helpers/histories';

let s: FileStack;
const DURATIONS = { control: 600, scale: 600 };
beforeAll(async () => {
  s = await startFileStack('maintain', { jobDurationMs: DURATIONS });
});
afterAll(() => s?.stop());
beforeEach(() => {
  s.sim.faults.replace({});
  s.sim.configure({ jobDurationMs: DURATIONS });
});

function service(prefix: string): { domain: string; name: string } {
  const domain = uniqueName('mdom');
  const name = uniqueName(prefix);
  s.sim.seed(domain, [name]);
  return { domain, name };
}

function attach(domain: string, name: string, extra: Partial<MaintainServiceInput> = {}): Promise<WorkflowHandle> {
  return s.t.client.workflow.start('maintainService', {
    taskQueue: s.taskQueue,
    workflowId: maintainWorkflowId(domain, name),
    args: [{ identityDomain: domain, serviceName: name, passIntervalSeconds: 1, healthTimeoutSeconds: 2, ...extra }],
  });
}

/** Changes the simulated cloud behind the worker's back, through the API itself. */
async function outOfBand(method: 'POST' | 'DELETE', domain: string, name: string, body?: unknown): Promise<void> {
  const res = await fetch(`${s.sim.url}/paas/service/dbcs/api/v1.1/instances/${domain}/${name}`, {
    method,
    headers: { authorization: `Basic ${Buffer.from('dbaas:simulator').toString('base64')}`, 'x-id-tenant-name': domain, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(res.status).toBe(202);
}

const status = (domain: string, name: string) => {
  s.sim.state.advance();
  return s.sim.state.instance(domain, name)?.status;
};

const progress = (handle: WorkflowHandle) => handle.query(maintainProgressQuery);
const failedTries = (x: MaintainProgress) => x.recent.filter((r) => r.outcome === 'failed').map((r) => r.pass);

/** Consecutive failed tries are at least 2^n passes apart, and every pass between them only waited. */
function expectBackoff(p: MaintainProgress, gaps: number[]): void {
  const tries = failedTries(p);
  gaps.forEach((gap, i) => {
    expect(tries[i + 1]! - tries[i]!).toBeGreaterThanOrEqual(gap);
    expect(p.recent.filter((r) => r.pass > tries[i]! && r.pass < tries[i + 1]!).map((r) => r.outcome)).toEqual(Array(tries[i + 1]! - tries[i]! - 1).fill('skipped'));
  });
}
const events = (trail: AuditRecord[], event: string) => trail.filter((e) => e.event === event);

/** A webhook receiver that keeps the events it was sent. */
async function webhook(): Promise<{ url: string; events: string[]; close: () => void }> {
  const events: string[] = [];
  const hook = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      events.push((JSON.parse(body) as { event: string }).event);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/`, events, close: () => hook.close() };
}

async function stopOutOfBand(domain: string, name: string): Promise<void> {
  await outOfBand('POST', domain, name, { lifecycleState: 'stop' });
  await waitUntil('stopped', () => status(domain, name), (st) => st === 'Stopped');
}

describe('maintainService', () => {
  it('starts a service stopped behind its back within two passes, auditing the drift and the action', async () => {
    const { domain, name } = service('drift');
    const handle = await attach(domain, name, { passIntervalSeconds: 2 });
    await waitUntil('first pass', () => handle.query(maintainProgressQuery), (p) => p.counters.passes >= 1);
    await outOfBand('POST', domain, name, { lifecycleState: 'stop' });
    await waitUntil('stopped', () => status(domain, name), (st) => st === 'Stopped');
    const stoppedAtPass = (await handle.query(maintainProgressQuery)).counters.passes;
    const p = await waitUntil('started again', () => handle.query(maintainProgressQuery), (x) => x.recent.some((r) => r.action === 'start' && r.outcome === 'done'), 30_000);
    expect(status(domain, name)).toBe('Running');
    expect(p.recent.find((r) => r.action === 'start')!.pass).toBeLessThanOrEqual(stoppedAtPass + 2);
    // The drift ends at the pass after the start: one event when it began, one when it ended.
    const trail = await waitUntil('drift resolved', async () => (await auditReader()).query({ identityDomain: domain, serviceName: name }), (t) => events(t, 'drift_resolved').length > 0);
    expect(trail.map((e) => `${e.operation}:${e.event}`)).toEqual(expect.arrayContaining(['maintainService:drift_detected', 'changeLifecycle:succeeded', 'maintainService:action_taken', 'maintainService:drift_resolved']));
    expect(events(trail, 'drift_detected')).toHaveLength(1);
    expect(events(trail, 'drift_detected')[0]!.details!.drift).toEqual(['Stopped, should be Running']);
    expect(events(trail, 'drift_resolved')[0]!.details).toMatchObject({ drift: ['Stopped, should be Running'] });
    await handle.executeUpdate(detachUpdate, { args: [{}] });
    await handle.result();
    await recordHistory(handle, 'maintainService-drift');
  });

  it('applies setDesired at the next pass, after a manual operation that holds the service', async () => {
    const { domain, name } = service('desired');
    const handle = await attach(domain, name);
    await waitUntil('first pass', () => handle.query(maintainProgressQuery), (p) => p.counters.passes >= 1);
    s.sim.configure({ jobDurationMs: { control: 5000 } });
    const manual = await s.t.client.workflow.start('changeLifecycle', { taskQueue: s.taskQueue, workflowId: serviceWorkflowId(domain, name), args: [{ identityDomain: domain, serviceName: name, lifecycleState: 'restart' }] });
    await waitUntil('manual restart running', () => status(domain, name), (st) => st === 'Maintenance');
    await expect(handle.executeUpdate(setDesiredUpdate, { args: [{ shape: 'oc99' as never }] })).rejects.toMatchObject({ cause: { message: expect.stringMatching(/shape: must be one of/) } });
    expect(await handle.executeUpdate(setDesiredUpdate, { args: [{ shape: 'oc4' }] })).toMatchObject({ status: 'Running', shape: 'oc4' });
    await manual.result();
    expect(s.sim.state.instance(domain, name)?.shape).toBe('oc3');
    const p = await waitUntil('scaled', () => handle.query(maintainProgressQuery), (x) => x.recent.some((r) => r.action === 'scale shape to oc4' && r.outcome === 'done'), 30_000);
    expect(s.sim.state.instance(domain, name)).toMatchObject({ shape: 'oc4', status: 'Running' });
    expect(p.desired.shape).toBe('oc4');
    // The manual restart finished before the scale began: the scale job came after the control job.
    const jobs = s.sim.state.jobsOf(domain, name).reverse().map((j) => j.requestName);
    expect(jobs.indexOf('control')).toBeLessThan(jobs.indexOf('scale'));
    await handle.executeUpdate(detachUpdate, { args: [{}] });
  });

  it('marks a service whose corrections keep failing needs_attention (contacts told once) and retries only after each back-off', async () => {
    const hook = await webhook();
    try {
      const { domain, name } = service('attn');
      await stopOutOfBand(domain, name);
      s.sim.faults.replace({ triggers: [{ action: 'fail-job', route: 'control', serviceName: name, message: 'ORA-01034: ORACLE not available' }] });
      const handle = await attach(domain, name, { restartLimit: 2, contacts: [{ url: hook.url }] });
      const p = await waitUntil('needs attention', () => progress(handle), (x) => x.state === 'needs_attention' && failedTries(x).length === 2, 60_000);
      expect(p.consecutiveRecoveryFailures).toBe(2);
      // Still failing: one retry once 2^2 passes have gone by, and the service stays needs_attention.
      const q = await waitUntil('retried', () => progress(handle), (x) => failedTries(x).length === 3, 60_000);
      expectBackoff(q, [2, 4]);
      expect(q).toMatchObject({ state: 'needs_attention', consecutiveRecoveryFailures: 3, counters: { failedActions: 3, actions: 0 } });
      await waitUntil('notified', () => hook.events, (c) => c.includes('needs_attention'));
      expect(hook.events.filter((c) => c === 'needs_attention')).toHaveLength(1);
      const trail = await auditTrail(maintainWorkflowId(domain, name));
      expect(events(trail, 'needs_attention')).toHaveLength(1);
      expect(events(trail, 'drift_detected')).toHaveLength(1);
      await handle.executeUpdate(detachUpdate, { args: [{}] });
      expect(((await handle.result()) as MaintainResult).ended).toBe('detached');
      expect(status(domain, name)).toBe('Stopped');
    } finally {
      hook.close();
    }
  });

  it('backs off a correction that keeps failing (a scale) and hands it to a human after restartLimit failures', async () => {
    const { domain, name } = service('scalefail');
    s.sim.faults.replace({ triggers: [{ action: 'fail-job', route: 'scale', serviceName: name, message: 'ORA-00000: shape not available' }] });
    const handle = await attach(domain, name, { restartLimit: 2, desired: { status: 'Running', shape: 'oc5' } });
    // (The pass that asks for attention is recorded in `recent` once its audit write is done.)
    const p = await waitUntil('needs attention', () => progress(handle), (x) => x.state === 'needs_attention' && failedTries(x).length === 2, 60_000);
    expect(p.counters.failedActions).toBe(2);
    // Nothing is tried while a back-off runs: the next try comes 2^n passes after the n-th failure.
    const q = await waitUntil('retried', () => progress(handle), (x) => failedTries(x).length === 3, 60_000);
    expectBackoff(q, [2, 4]);
    expect(q.state).toBe('needs_attention');
    await handle.executeUpdate(detachUpdate, { args: [{}] });
    await handle.result();
  });

  it('hands a service unhealthy past the health timeout to a human at once (no refused restarts), and takes it back once healthy', async () => {
    const { domain, name } = service('failed');
    const instance = s.sim.state.instance(domain, name)!;
    instance.status = 'Failed'; // no API call leads here on demand: the simulated cloud is edited directly
    const before = s.sim.stats().mutatingCalls;
    const handle = await attach(domain, name, { healthTimeoutSeconds: 1 });
    const p = await waitUntil('needs attention', () => handle.query(maintainProgressQuery), (x) => x.state === 'needs_attention' && x.recent.length > 0, 30_000);
    expect(p.counters).toMatchObject({ actions: 0, failedActions: 0 });
    expect(p.recent.at(-1)?.drift.join(' ')).toContain('unhealthy: Failed for longer than the health timeout');
    expect(s.sim.stats().mutatingCalls).toBe(before);
    const trail = await auditTrail(maintainWorkflowId(domain, name));
    expect(trail.filter((e) => e.event === 'needs_attention')).toHaveLength(1);
    expect(trail.find((e) => e.event === 'needs_attention')?.details).toMatchObject({ reason: expect.stringContaining('the API offers no action that repairs a Failed service') });

    instance.status = 'Running'; // someone repaired it
    await waitUntil('maintained again', () => handle.query(maintainProgressQuery), (x) => x.state === 'maintaining', 30_000);
    expect(s.sim.stats().mutatingCalls).toBe(before);
    const after = await waitUntil('cleared', () => auditTrail(maintainWorkflowId(domain, name)), (t) => events(t, 'attention_cleared').length > 0);
    expect(events(after, 'attention_cleared')[0]!.details).toMatchObject({ how: 'healthy, no drift' });
    expect(events(after, 'drift_detected')).toHaveLength(1);
    expect(events(after, 'drift_resolved')).toHaveLength(1);
    await handle.executeUpdate(detachUpdate, { args: [{}] });
    await handle.result();
  });

  it('retries the correction of a healthy service in needs_attention after its back-off: a Stopped service gets its start, and is maintained again', async () => {
    const hook = await webhook();
    try {
      const { domain, name } = service('retry');
      await stopOutOfBand(domain, name);
      s.sim.faults.replace({ triggers: [{ action: 'fail-job', route: 'control', serviceName: name, message: 'ORA-01034: ORACLE not available', times: 1 }] });
      const handle = await attach(domain, name, { restartLimit: 1, contacts: [{ url: hook.url }] });
      const p = await waitUntil('maintained again', () => progress(handle), (x) => x.recent.some((r) => r.action === 'start' && r.outcome === 'done'), 60_000);
      expect(p).toMatchObject({ state: 'maintaining', consecutiveRecoveryFailures: 0, counters: { actions: 1, failedActions: 1 } });
      const [failed, done] = p.recent.filter((r) => r.action === 'start').map((r) => r.pass);
      expect(done! - failed!).toBeGreaterThanOrEqual(2);
      expect(status(domain, name)).toBe('Running');
      await waitUntil('recovered told', () => hook.events, (e) => e.includes('recovered'));
      expect(hook.events.filter((e) => e !== 'action_taken')).toEqual(['needs_attention', 'recovered']);
      const trail = await waitUntil('drift resolved', () => auditTrail(maintainWorkflowId(domain, name)), (t) => events(t, 'drift_resolved').length > 0);
      expect(trail.map((e) => e.event)).toEqual(['drift_detected', 'action_failed', 'needs_attention', 'action_taken', 'attention_cleared', 'drift_resolved']);
      expect(events(trail, 'attention_cleared')[0]!.details).toMatchObject({ how: 'start succeeded' });
      await handle.executeUpdate(detachUpdate, { args: [{}] });
      await handle.result();
      await expectReplays(handle, 'maintainService-attention-retry');
    } finally {
      hook.close();
    }
  });

  it('restarts a service stuck in Maintenance past the health timeout (a recovery restart changeLifecycle accepts)', async () => {
    const { domain, name } = service('stuck');
    s.sim.state.instance(domain, name)!.status = 'Maintenance'; // left there with no job running, as a patch that never came back does
    const handle = await attach(domain, name, { healthTimeoutSeconds: 1 });
    // The pass joins `recent` once its action_taken is written, a moment after the counter moves: wait for both.
    const p = await waitUntil('recovered', () => progress(handle), (x) => x.counters.recoveries === 1 && x.recent.some((r) => r.action === 'restart (recovery)'), 60_000);
    expect(p.recent.find((r) => r.action === 'restart (recovery)')).toMatchObject({ outcome: 'done', drift: ['unhealthy: Maintenance for longer than the health timeout'] });
    expect(p).toMatchObject({ state: 'maintaining', counters: { failedActions: 0 } });
    expect(status(domain, name)).toBe('Running');
    const trail = await (await auditReader()).query({ identityDomain: domain, serviceName: name });
    const restart = trail.filter((e) => e.operation === 'changeLifecycle');
    expect(restart.map((e) => e.event)).toEqual(['requested', 'started', 'succeeded']);
    expect(restart[0]!.details).toMatchObject({ lifecycleState: 'restart', recovery: true });
    await handle.executeUpdate(detachUpdate, { args: [{}] });
    await handle.result();
  });

  it('keeps a pause through an action in flight and through needs_attention: paused passes observe and never act', async () => {
    const { domain, name } = service('pause');
    await stopOutOfBand(domain, name);
    s.sim.configure({ jobDurationMs: { control: 4000 } });
    const handle = await attach(domain, name, { healthTimeoutSeconds: 1, desired: { status: 'Running', shape: 'oc4' } });
    await waitUntil('start under way', () => status(domain, name), (st) => st === 'Maintenance');
    expect(await handle.executeUpdate(maintainPauseUpdate, { args: [{ reason: 'change freeze' }] })).toBe('paused');
    const started = await waitUntil('start done', () => progress(handle), (x) => x.recent.some((r) => r.action === 'start' && r.outcome === 'done'), 30_000);
    // Paused: the shape drift is seen at every pass and nothing is done about it.
    const p = await waitUntil('paused passes', () => progress(handle), (x) => x.counters.passes >= started.counters.passes + 3, 30_000);
    expect(p).toMatchObject({ paused: true, state: 'maintaining', counters: { actions: 1 } });
    expect(p.lastPass).toMatchObject({ drift: ['shape oc3, should be oc4'], outcome: 'skipped' });
    expect(s.sim.state.instance(domain, name)?.shape).toBe('oc3');
    await expect(handle.executeUpdate(maintainPauseUpdate, { args: [{}] })).rejects.toMatchObject({ cause: { message: 'already paused' } });
    await handle.signal(maintainPauseSignal, {}); // ignored: already paused

    // Unhealthy while paused: observed (needs_attention), still paused; healthy again, the drift waits for the resume.
    const instance = s.sim.state.instance(domain, name)!;
    instance.status = 'Failed';
    await waitUntil('needs attention', () => progress(handle), (x) => x.state === 'needs_attention', 30_000);
    instance.status = 'Running';
    const held = await waitUntil('healthy, held', () => progress(handle), (x) => x.lastPass?.observed?.status === 'Running' && x.lastPass.outcome === 'skipped', 30_000);
    expect(held).toMatchObject({ state: 'needs_attention', paused: true, counters: { actions: 1 } });
    expect(await handle.executeUpdate(maintainResumeUpdate, { args: [{}] })).toBe('needs_attention');
    // Resumed: the correction is retried (nothing has failed, so no back-off) and needs_attention ends.
    await waitUntil('scaled after resume', () => s.sim.state.instance(domain, name)?.shape, (shape) => shape === 'oc4', 30_000);
    await waitUntil('maintained again', () => progress(handle), (x) => x.state === 'maintaining', 30_000);
    await expect(handle.executeUpdate(maintainResumeUpdate, { args: [{}] })).rejects.toMatchObject({ cause: { message: 'not paused (maintaining)' } });

    // A pause asked for while in needs_attention is kept too.
    instance.status = 'Failed';
    await waitUntil('needs attention again', () => progress(handle), (x) => x.state === 'needs_attention', 30_000);
    expect(await handle.executeUpdate(maintainPauseUpdate, { args: [{}] })).toBe('paused');
    instance.status = 'Running';
    expect(await waitUntil('maintained, still paused', () => progress(handle), (x) => x.state === 'maintaining', 30_000)).toMatchObject({ paused: true });

    await handle.executeUpdate(detachUpdate, { args: [{ reason: 'done' }] });
    await handle.result();
    const trail = await auditTrail(maintainWorkflowId(domain, name));
    expect(trail.filter((e) => ['paused', 'resumed', 'maintenance_ended'].includes(e.event)).map((e) => e.event)).toEqual(['paused', 'resumed', 'paused', 'maintenance_ended']);
    expect(events(trail, 'needs_attention')).toHaveLength(2);
    expect(events(trail, 'attention_cleared').map((e) => e.details!.how)).toEqual(['scale shape to oc4 succeeded', 'healthy, no drift']);
    expect(events(trail, 'paused')[0]!.details).toMatchObject({ reason: 'change freeze' });
    await expectReplays(handle, 'maintainService-pause-kept');
  });

  it('audits one drift_detected per distinct drift and one drift_resolved when it ends, however many passes it lasts', async () => {
    const { domain, name } = service('lasting');
    await stopOutOfBand(domain, name);
    // Stopped on purpose, with a shape it cannot be scaled to while stopped: the drift lasts.
    const handle = await attach(domain, name, { desired: { status: 'Stopped', shape: 'oc4' } });
    const drifting = (x: MaintainProgress) => x.recent.filter((r) => r.drift.length > 0).length;
    await waitUntil('drift over passes', () => progress(handle), (x) => drifting(x) >= 3);
    await handle.executeUpdate(setDesiredUpdate, { args: [{ shape: 'oc5' }] });
    await waitUntil('changed drift over passes', () => progress(handle), (x) => x.recent.filter((r) => r.drift[0] === 'shape oc3, should be oc5').length >= 3);
    await handle.executeUpdate(setDesiredUpdate, { args: [{ shape: 'oc3' }] });
    const p = await waitUntil('drift resolved', () => progress(handle), (x) => x.desired.shape === 'oc3' && x.lastPass?.drift.length === 0);
    expect(p.drift).toBeUndefined();
    const trail = await waitUntil('resolved audited', () => auditTrail(maintainWorkflowId(domain, name)), (t) => events(t, 'drift_resolved').length > 0);
    expect(trail.map((e) => e.event)).toEqual(['drift_detected', 'desired_changed', 'drift_detected', 'desired_changed', 'drift_resolved']);
    expect(events(trail, 'drift_detected').map((e) => e.details!.drift)).toEqual([['shape oc3, should be oc4'], ['shape oc3, should be oc5']]);
    expect(events(trail, 'drift_resolved')[0]!.details).toMatchObject({ drift: ['shape oc3, should be oc5'], passes: expect.any(Number) });
    expect(events(trail, 'desired_changed')[1]!.details).toMatchObject({ desired: { status: 'Stopped', shape: 'oc3' }, previous: { shape: 'oc5' } });
    await handle.executeUpdate(detachUpdate, { args: [{}] });
    await handle.result();
  });

  it('detach ends the workflow and leaves the service as it is; an out-of-band delete ends it with a clear result', async () => {
    const { domain, name } = service('detach');
    const handle = await attach(domain, name, { desired: { status: 'Running', shape: 'oc3' } });
    await waitUntil('a pass', () => handle.query(maintainProgressQuery), (p) => p.counters.passes >= 2);
    const before = s.sim.stats().mutatingCalls;
    expect(await handle.executeUpdate(detachUpdate, { args: [{ reason: 'handover' }] })).toBe('detaching');
    const result = (await handle.result()) as MaintainResult;
    expect(result).toMatchObject({ ended: 'detached', progress: { state: 'detached' } });
    expect(s.sim.stats().mutatingCalls).toBe(before);
    expect(status(domain, name)).toBe('Running');

    const other = service('gone');
    const h2 = await attach(other.domain, other.name);
    await waitUntil('a pass', () => h2.query(maintainProgressQuery), (p) => p.counters.passes >= 1);
    await outOfBand('DELETE', other.domain, other.name);
    const r2 = (await h2.result()) as MaintainResult;
    expect(r2.ended).toBe('deleted');
    expect(r2.progress.lastPass?.drift).toEqual(['the service was deleted outside the worker']);
  });
});

describe('maintainService across continue-as-new', () => {
  it('continues as new every passesPerRun passes (short runs, cheap to replay), keeping its counters', async () => {
    const { domain, name } = service('short-runs');
    const handle = await s.t.client.workflow.start('maintainService', {
      taskQueue: s.taskQueue,
      workflowId: maintainWorkflowId(domain, name),
      args: [{ identityDomain: domain, serviceName: name, passIntervalSeconds: 1, passesPerRun: 2 }],
    });
    const p = await waitUntil('three runs', () => handle.query(maintainProgressQuery), (x) => x.counters.runs >= 3, 60_000);
    expect(p.counters.passes).toBeGreaterThanOrEqual(4);
    // Each run made its two passes and handed over: no run's history grows with the service's age.
    const current = await handle.describe();
    expect(current.runId).not.toBe(handle.firstExecutionRunId);
    expect(current.historyLength).toBeLessThan(40);
    await handle.executeUpdate(detachUpdate, { args: [{}] });
    await handle.result();
  });

  it('continues as new several times (server suggests it at 30 events) without losing desired state or a pending setDesired', async () => {
    const { startDevServer } = await import('../../scripts/lib/dev-server');
    const { freePort } = await import('../../scripts/lib/postgres');
    const server = await startDevServer({ port: await freePort(), extraArgs: ['--dynamic-config-value', 'limit.historyCount.suggestContinueAsNew=30'] });
    const own = await startFileStack('maintain-can', { jobDurationMs: DURATIONS }, server.address);
    try {
      const domain = uniqueName('cdom');
      const name = uniqueName('can');
      own.sim.seed(domain, [name]);
      const handle = await own.t.client.workflow.start('maintainService', {
        taskQueue: own.taskQueue,
        workflowId: maintainWorkflowId(domain, name),
        args: [{ identityDomain: domain, serviceName: name, passIntervalSeconds: 1, desired: { status: 'Running', minStorageGb: 30 } }],
      });
      await waitUntil('two runs', () => handle.query(maintainProgressQuery), (p) => p.counters.runs >= 2, 60_000);
      await handle.signal(setDesiredSignal, { shape: 'oc5' });
      const p = await waitUntil('scaled in a later run', () => handle.query(maintainProgressQuery), (x) => x.counters.runs >= 3 && own.sim.state.instance(domain, name)?.shape === 'oc5', 90_000);
      expect(p.desired).toEqual({ status: 'Running', minStorageGb: 30, shape: 'oc5' });
      expect(own.sim.state.instance(domain, name)?.usableStorageGb).toBe(30);
      await handle.executeUpdate(detachUpdate, { args: [{}] });
      const result = (await handle.result()) as MaintainResult;
      expect(result.progress.counters.runs).toBeGreaterThanOrEqual(3);
    } finally {
      await own.stop();
      await server.process.stop('SIGTERM');
    }
  });
});

describe('dbaas maintain', () => {
  const { cli } = cliFor(() => cliEnvFor(s));

  it('attaches, lists, changes the desired state, pauses, resumes and detaches', async () => {
    const { domain, name } = service('cli');
    const attach1 = await cli(['maintain', 'attach', name, '--domain', domain, '--interval', '1', '--shape', 'oc3']);
    expect(attach1.code).toBe(0);
    expect((await cli(['maintain', 'attach', name, '--domain', domain])).code).toBe(3);
    expect((await cli(['maintain', 'attach', name, '--domain', domain, '--shape', 'oc99'])).out).toContain('shape: must be one of');
    await waitUntil('listed', async () => JSON.parse((await cli(['maintain', 'list', '--domain', domain, '--json'])).out) as { service: string; state?: string }[], (rows) => rows.some((r) => r.service === name && r.state === 'maintaining'));
    expect((await cli(['maintain', 'scale', name, '--domain', domain, '--min-storage', '40'])).out).toContain('"minStorageGb":40');
    await waitUntil('storage grown', () => s.sim.state.instance(domain, name)?.usableStorageGb, (gb) => gb === 40, 30_000);
    const status = await cli(['maintain', 'status', name, '--domain', domain]);
    expect(status.out).toMatch(/maintaining; desired \{"status":"Running","shape":"oc3","minStorageGb":40\}/);
    expect((await cli(['maintain', 'resume', name, '--domain', domain])).out).toContain('resume refused: not paused');
    expect((await cli(['maintain', 'pause', name, '--domain', domain])).out).toContain('pause: accepted (paused)');
    expect((await cli(['maintain', 'status', name, '--domain', domain])).out).toMatch(/maintaining \(paused: observing, not acting\); desired/);
    expect((await cli(['maintain', 'resume', name, '--domain', domain])).code).toBe(0);
    expect((await cli(['maintain', 'detach', name, '--domain', domain])).out).toContain('no longer maintained');
    expect((await cli(['maintain', 'status', name, '--domain', domain, '--json'])).code).toBe(0);
    expect((await cli(['maintain', 'detach', 'nobody-here', '--domain', domain])).code).toBe(4);
  });
});
