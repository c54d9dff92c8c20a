// rollingPatch end to end: batches, health gates, failure policies, control, plan, notifications.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { abortUpdate, approveSignal, approveUpdate, pauseSignal, pauseUpdate, resumeSignal, resumeUpdate, rolloutProgressQuery, type RolloutResult, type RollingPatchInput } from '../../src/shared/patching';
import { auditReader, cliEnvFor, cliFor, startFileStack, uniqueName, waitUntil, type FileStack } from '../helpers/harness';
import { expectReplays, recordHistory } from '../helpers/histories';

const PATCH = '12201-190416';
const LEVEL = '12.2.0.1.190416';
let s: FileStack;
let hooks: { url: string; events: { event: string; [k: string]: unknown }[]; close: () => void };

/** Collects webhook calls; the first `failFirst` calls of each event kind answer 503. */
async function webhookReceiver(failFirst = 0) {
  const events: { event: string }[] = [];
  const attempts = new Map<string, number>();
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const event = JSON.parse(body) as { event: string; rollout: string };
      const key = `${event.rollout}:${event.event}:${JSON.stringify(event)}`;
      const n = (attempts.get(key) ?? 0) + 1;
      attempts.set(key, n);
      if (n <= failFirst) return void res.writeHead(503).end();
      events.push(event);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, events, close: () => server.close() };
}

beforeAll(async () => {
  s = await startFileStack('patch', { jobDurationMs: { precheck: 200, patch: 800 } });
  hooks = (await webhookReceiver()) as typeof hooks;
});
afterAll(async () => {
  hooks?.close();
  await s?.stop();
});
beforeEach(() => {
  s.sim.faults.replace({});
  s.sim.configure({ jobDurationMs: { precheck: 200, patch: 800 } });
});

function fleet(n: number, prefix: string): { domain: string; names: string[] } {
  const domain = uniqueName('fleet');
  const names = Array.from({ length: n }, (_, i) => `${prefix}-${String(i + 1).padStart(2, '0')}`);
  s.sim.seed(domain, names);
  return { domain, names };
}

function start(input: Omit<RollingPatchInput, 'patchId'>): Promise<WorkflowHandle> {
  return s.t.client.workflow.start('rollingPatch', { taskQueue: s.taskQueue, workflowId: uniqueName(`patch:${input.identityDomain}`), args: [{ patchId: PATCH, healthTimeoutSeconds: 10, ...input }] });
}
const level = (domain: string, name: string) => s.sim.state.instance(domain, name)?.patchLevel;
const OLD = '12.2.0.1.0';

/** The rollout's run ends CANCELLED: result() rejects with a CancelledFailure cause. */
async function expectCancelled(handle: WorkflowHandle): Promise<void> {
  const err = await handle.result().then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(WorkflowFailedError);
  expect((err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
  expect((await handle.describe()).status.name).toBe('CANCELLED');
}

/** Rollout-level audit events (serviceName `*`) of one rollout. */
async function rolloutEvents(domain: string, workflowId: string) {
  const trail = await (await auditReader()).query({ identityDomain: domain });
  return trail.filter((e) => e.workflowId === workflowId && e.serviceName === '*' && e.operation === 'rollingPatch');
}

describe('rollingPatch', () => {
  it('patches six services two at a time in three batches, with health gates and notifications', async () => {
    const { domain, names } = fleet(6, 'db');
    s.sim.resetStats();
    const handle = await start({ identityDomain: domain, services: names, maxParallel: 2, contacts: [{ url: hooks.url }] });
    const result = (await handle.result()) as RolloutResult;
    expect(result.state).toBe('completed');
    expect(result.progress.batches).toEqual([names.slice(0, 2), names.slice(2, 4), names.slice(4, 6)]);
    expect(result.progress.counts).toEqual({ patched: 6 });
    for (const n of names) expect(level(domain, n)).toBe(LEVEL);
    const stats = s.sim.stats();
    expect(stats.maxConcurrent.patch).toBe(2);
    expect(stats.jobs.patch.submitted).toBe(6);
    const trail = await (await auditReader()).query({ identityDomain: domain });
    expect(trail.filter((e) => e.event === 'precheck_passed')).toHaveLength(6);
    expect(trail.filter((e) => e.event === 'health_gate_passed')).toHaveLength(6);
    expect(trail.filter((e) => e.operation === 'patchService' && e.event === 'succeeded')).toHaveLength(6);
    await waitUntil('notifications', () => hooks.events.filter((e) => e.rollout === handle.workflowId).map((e) => e.event), (ev) => ev.includes('finished'));
    const mine = hooks.events.filter((e) => e.rollout === handle.workflowId).map((e) => e.event);
    expect(mine.filter((e) => e === 'batch_finished')).toHaveLength(3);
    expect(mine[0]).toBe('started');
    // Every body carries an event id, unique, so a receiver can drop a redelivered duplicate.
    const ids = hooks.events.filter((e) => e.rollout === handle.workflowId).map((e) => e.eventId as string);
    expect(ids.every((id) => typeof id === 'string' && id.startsWith(`${handle.workflowId}/`))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    await recordHistory(handle, 'rollingPatch-success');
    await recordHistory(s.t.client.workflow.getHandle(`svc:${domain}:${names[0]}`), 'patchService-success');
  });

  it('under rollback, an apply failure on the 4th service leaves every service on its original level', async () => {
    const { domain, names } = fleet(6, 'rb');
    s.sim.faults.replace({ triggers: [{ action: 'fail-job', route: 'apply', serviceName: names[3], message: 'OPatch failed with error code 73' }] });
    const handle = await start({ identityDomain: domain, services: names, maxParallel: 2, failurePolicy: 'rollback', contacts: [{ url: hooks.url }] });
    const result = (await handle.result()) as RolloutResult;
    expect(result.state).toBe('rolled_back');
    for (const n of names) expect(level(domain, n)).toBe('12.2.0.1.0');
    expect(result.progress.services[names[3]!]).toMatchObject({ state: 'rolled_back' });
    expect(result.progress.services[names[5]!]).toMatchObject({ state: 'skipped' });
    expect(result.progress.counts).toMatchObject({ rolled_back: 4, skipped: 2 });
    expect(s.sim.stats().jobs.patch.submitted).toBeGreaterThanOrEqual(4 + 3);
    const trail = await (await auditReader()).query({ identityDomain: domain });
    expect(trail.filter((e) => e.operation === 'rollbackServicePatch' && e.event === 'succeeded').map((e) => e.serviceName).sort()).toEqual(names.slice(0, 4).sort());
    const ends = await rolloutEvents(domain, handle.workflowId);
    expect(ends.map((e) => e.event)).toEqual(['rolling_back', 'finished']);
    // The end names its state and every service it rolled back, so their applications' contacts hear of it.
    expect(ends[1]!.details).toMatchObject({ state: 'rolled_back', rolled_back: expect.arrayContaining(names.slice(0, 4)) as unknown });
    await waitUntil('notifications', () => hooks.events.filter((e) => e.rollout === handle.workflowId).map((e) => e.event), (ev) => ev.includes('finished'));
    expect(hooks.events.filter((e) => e.rollout === handle.workflowId).map((e) => e.event)).toEqual(expect.arrayContaining(['failed', 'rolling_back', 'finished']));
    await recordHistory(handle, 'rollingPatch-rolled-back');
    await recordHistory(s.t.client.workflow.getHandle(`svc:${domain}:${names[0]}`), 'rollbackServicePatch-success');
  });

  it('under halt, stops at the failure and leaves the untouched services untouched', async () => {
    const { domain, names } = fleet(6, 'ht');
    s.sim.faults.replace({ triggers: [{ action: 'fail-job', route: 'apply', serviceName: names[3] }] });
    const result = (await (await start({ identityDomain: domain, services: names, maxParallel: 2, failurePolicy: 'halt' })).result()) as RolloutResult;
    expect(result.state).toBe('halted');
    expect(names.map((n) => level(domain, n))).toEqual([LEVEL, LEVEL, LEVEL, '12.2.0.1.0', '12.2.0.1.0', '12.2.0.1.0']);
    expect(result.progress.services[names[4]!]?.state).toBe('skipped');
    expect(s.sim.state.jobsOf(domain, names[4]!).filter((j) => j.requestName === 'patch')).toHaveLength(0);
  });

  it('retries a failing webhook and never waits on a dead one', async () => {
    const flaky = await webhookReceiver(2);
    try {
      const { domain, names } = fleet(2, 'hook');
      const handle = await start({ identityDomain: domain, services: names, maxParallel: 2, contacts: [{ url: flaky.url }, { url: 'http://127.0.0.1:9/dead' }] });
      const result = (await handle.result()) as RolloutResult;
      expect(result.state).toBe('completed');
      const mine = flaky.events.filter((e) => (e as { rollout?: string }).rollout === handle.workflowId).map((e) => e.event);
      expect(mine).toEqual(expect.arrayContaining(['started', 'batch_finished', 'finished']));
    } finally {
      flaky.close();
    }
  });

  it('counts a service that stays unhealthy after its patch as failed (health gate)', async () => {
    const { domain, names } = fleet(2, 'uh');
    s.sim.faults.replace({ triggers: [{ action: 'unhealthy', route: 'apply', serviceName: names[0], leaveStatus: 'Maintenance' }] });
    const result = (await (await start({ identityDomain: domain, services: names, healthTimeoutSeconds: 2, failurePolicy: 'continue', failureBudget: 1 })).result()) as RolloutResult;
    expect(result.state).toBe('completed');
    expect(result.progress.services[names[0]!]?.error).toContain('health gate failed: the service is Maintenance, not Running');
    expect(result.progress.counts).toEqual({ failed: 1, patched: 1 });
  });

  it('plans without changing anything: batches, precheck findings, expected duration', async () => {
    const { domain, names } = fleet(5, 'pl');
    s.sim.faults.replace({ triggers: [{ action: 'precheck-finding', route: 'precheck', serviceName: names[2], message: 'Insufficient disk space on /u01' }] });
    s.sim.resetStats();
    const result = (await (await start({ identityDomain: domain, version: '12.2.0.1', maxParallel: 2, canary: true, dryRun: true, estimatedPatchMinutes: 20 })).result()) as RolloutResult;
    expect(result.state).toBe('planned');
    expect(result.progress.batches).toEqual([[names[0]], [names[1], names[3]], [names[4]]]);
    expect(result.progress.services[names[2]!]).toMatchObject({ state: 'excluded', findings: ['Insufficient disk space on /u01'] });
    expect(result.expectedDurationMinutes).toBe(60);
    expect(s.sim.stats().mutatingCalls).toBe(0);
    for (const n of names) expect(level(domain, n)).toBe('12.2.0.1.0');
  });

  it('pauses after a batch, resumes, asks for approval before each batch, and aborts', async () => {
    const { domain, names } = fleet(6, 'ct');
    const handle = await start({ identityDomain: domain, services: names, maxParallel: 2, approval: 'each' });
    const progress = () => handle.query(rolloutProgressQuery);
    await waitUntil('approval 1', progress, (p) => p.state === 'awaiting_approval' && p.currentBatch === 0);
    await expect(handle.executeUpdate(resumeUpdate, { args: [{}] })).rejects.toMatchObject({ cause: { message: expect.stringMatching(/not paused/) } });
    expect(await handle.executeUpdate(approveUpdate, { args: [{ by: 'dba' }] })).toBe('running');
    expect(await handle.executeUpdate(pauseUpdate, { args: [{}] })).toBe('running');
    await expect(handle.executeUpdate(pauseUpdate, { args: [{}] })).rejects.toMatchObject({ cause: { message: expect.stringMatching(/already paused/) } });
    await waitUntil('paused after batch 1', progress, (p) => p.state === 'paused' && p.currentBatch === 1);
    expect(level(domain, names[2]!)).toBe('12.2.0.1.0');
    await handle.executeUpdate(resumeUpdate, { args: [{}] });
    await waitUntil('approval 2', progress, (p) => p.state === 'awaiting_approval' && p.currentBatch === 1);
    await handle.executeUpdate(approveUpdate, { args: [{}] });
    await waitUntil('approval 3', progress, (p) => p.state === 'awaiting_approval' && p.currentBatch === 2);
    await expect(handle.executeUpdate(approveUpdate, { args: [{}] }).then(() => handle.executeUpdate(approveUpdate, { args: [{}] }))).rejects.toMatchObject({ cause: { message: expect.stringMatching(/nothing to approve/) } });
    const result = (await handle.result()) as RolloutResult;
    expect(result.state).toBe('completed');

    const { domain: d2, names: n2 } = fleet(4, 'ab');
    const h2 = await start({ identityDomain: d2, services: n2, maxParallel: 2, approval: 'each' });
    await waitUntil('approval', () => h2.query(rolloutProgressQuery), (p) => p.state === 'awaiting_approval');
    await h2.executeUpdate(approveUpdate, { args: [{}] });
    await waitUntil('approval 2', () => h2.query(rolloutProgressQuery), (p) => p.state === 'awaiting_approval' && p.currentBatch === 1);
    expect(await h2.executeUpdate(abortUpdate, { args: [{ reason: 'change freeze' }] })).toBe('awaiting_approval');
    const aborted = (await h2.result()) as RolloutResult;
    expect(aborted.state).toBe('aborted');
    expect(aborted.progress.reason).toBe('aborted: change freeze');
    expect(aborted.progress.counts).toEqual({ patched: 2, skipped: 2 });

    // Every control request that was accepted is in the audit trail, rollout-level (serviceName `*`).
    const controls = await rolloutEvents(domain, handle.workflowId);
    expect(controls.map((e) => [e.event, e.details?.batch])).toEqual([
      ['approved', 0],
      ['paused', 0],
      ['resumed', 1],
      ['approved', 1],
      ['approved', 2],
      ['finished', undefined],
    ]);
    expect(controls[0]).toMatchObject({ requestedBy: 'dba (unverified)', details: { patchId: PATCH, services: names.slice(0, 2) } });
    // The abort and the end are written in the same instant (an update handled in the run's last workflow task): either may come first.
    const ended = await rolloutEvents(d2, h2.workflowId);
    expect(ended.map((e) => [e.event, e.details?.reason])[0]).toEqual(['approved', undefined]);
    expect(ended.slice(1).map((e) => [e.event, e.details?.reason])).toEqual(
      expect.arrayContaining([
        ['aborted', 'change freeze'],
        ['finished', 'aborted: change freeze'],
      ]),
    );
    expect(ended).toHaveLength(3);
  });

  it('waits for another operation on a service, then counts it failed after busyWaitSeconds', async () => {
    const { domain, names } = fleet(1, 'busy');
    s.sim.configure({ jobDurationMs: { control: 60_000 } });
    await s.t.client.workflow.start('changeLifecycle', { taskQueue: s.taskQueue, workflowId: `svc:${domain}:${names[0]}`, args: [{ identityDomain: domain, serviceName: names[0], lifecycleState: 'restart' }] });
    // The restart must be under way first: a rollout precheck that got there before it would make the
    // API refuse the restart (busy), and the rollout would then find the service free.
    await waitUntil('the restart job', () => s.sim.state.jobsOf(domain, names[0]!).some((j) => j.requestName === 'control' && j.state === 'InProgress'), (running) => running);
    const result = (await (await start({ identityDomain: domain, services: names, busyWaitSeconds: 3 })).result()) as RolloutResult;
    expect(result.progress.services[names[0]!]).toMatchObject({ state: 'failed', error: 'busy with another operation for more than 3 s' });
    await s.t.client.workflow.getHandle(`svc:${domain}:${names[0]}`).terminate('test done');
  });

  it('survives a worker SIGKILL in the middle of a batch with the same outcome', async () => {
    const { domain, names } = fleet(4, 'kill');
    s.sim.configure({ jobDurationMs: { patch: 4000 } });
    const handle = await start({ identityDomain: domain, services: names, maxParallel: 2 });
    await waitUntil('patching', () => handle.query(rolloutProgressQuery), (p) => (p.counts.patching ?? 0) === 2);
    await s.killAndRestartWorker();
    const result = (await handle.result()) as RolloutResult;
    expect(result.state).toBe('completed');
    expect(result.progress.counts).toEqual({ patched: 4 });
    for (const n of names) expect(level(domain, n)).toBe(LEVEL);
    expect(s.sim.stats().jobs.patch.submitted).toBeGreaterThanOrEqual(4);
    for (const n of names) expect(s.sim.state.jobsOf(domain, n).filter((j) => j.requestName === 'patch')).toHaveLength(1);
  });
});

describe('rollingPatch cancelled, and rollbacks that fail', () => {
  const { cli } = cliFor(() => cliEnvFor(s));

  it('cancelled under rollback: the batch in flight finishes, then everything patched is rolled back and the run ends CANCELLED', async () => {
    const { domain, names } = fleet(6, 'cxr');
    s.sim.configure({ jobDurationMs: { patch: 2500 } });
    const handle = await start({ identityDomain: domain, services: names, maxParallel: 2, failurePolicy: 'rollback' });
    await waitUntil('the second batch applying', () => s.sim.state.jobsOf(domain, names[3]!).some((j) => j.requestName === 'patch' && j.state === 'InProgress'), (applying) => applying);
    await handle.cancel();
    await expectCancelled(handle);
    const p = await handle.query(rolloutProgressQuery);
    expect(p).toMatchObject({ state: 'cancelled', cancelRequested: true, counts: { rolled_back: 4, skipped: 2 } });
    expect(p.reason).toBe('cancelled on request; rolled back 4 service(s)');
    for (const n of names) expect(level(domain, n)).toBe(OLD);
    for (const n of names.slice(4)) expect(s.sim.state.jobsOf(domain, n).filter((j) => j.requestName === 'patch')).toHaveLength(0);

    const trail = await (await auditReader()).query({ identityDomain: domain });
    // The children in flight were not killed: they finished their patch, then were rolled back, newest first.
    expect(trail.filter((e) => e.operation === 'patchService' && e.event === 'succeeded').map((e) => e.serviceName).sort()).toEqual(names.slice(0, 4));
    const rollbacks = trail.filter((e) => e.operation === 'rollbackServicePatch' && e.event === 'succeeded').map((e) => e.serviceName);
    expect(rollbacks.slice(0, 2).sort()).toEqual(names.slice(2, 4));
    expect(rollbacks.slice(2).sort()).toEqual(names.slice(0, 2));
    const events = await rolloutEvents(domain, handle.workflowId);
    expect(events.map((e) => e.event)).toEqual(['rolling_back', 'cancelled']);
    expect(events[1]!.details).toMatchObject({ reason: 'cancelled on request; rolled back 4 service(s)', rolled_back: expect.arrayContaining(names.slice(0, 4)) });
    await expectReplays(handle, 'rollingPatch-cancelled');
  });

  it('cancelled under halt: the children in flight finish, the rest is skipped, the run ends CANCELLED', async () => {
    const { domain, names } = fleet(6, 'cxh');
    s.sim.configure({ jobDurationMs: { patch: 2500 } });
    const handle = await start({ identityDomain: domain, services: names, maxParallel: 2, failurePolicy: 'halt' });
    await waitUntil('the second batch applying', () => s.sim.state.jobsOf(domain, names[3]!).some((j) => j.requestName === 'patch' && j.state === 'InProgress'), (applying) => applying);
    await handle.cancel();
    await expectCancelled(handle);
    const p = await handle.query(rolloutProgressQuery);
    expect(p).toMatchObject({ state: 'cancelled', reason: 'cancelled on request', counts: { patched: 4, skipped: 2 } });
    expect(names.map((n) => p.services[n]?.state)).toEqual(['patched', 'patched', 'patched', 'patched', 'skipped', 'skipped']);
    expect(names.map((n) => level(domain, n))).toEqual([LEVEL, LEVEL, LEVEL, LEVEL, OLD, OLD]);
    for (const n of names.slice(4)) expect(s.sim.state.jobsOf(domain, n).filter((j) => j.requestName === 'patch')).toHaveLength(0);
    expect((await rolloutEvents(domain, handle.workflowId)).map((e) => e.event)).toEqual(['cancelled']);
    // The CLI shows what happened to each service of a cancelled rollout (it has no result).
    const status = await cli(['patch', 'status', handle.workflowId, '--wait']);
    expect(status.code).not.toBe(0);
    expect(status.out).toMatch(/rollout of 12201-190416 in \[.+\]: cancelled/);
    expect(status.out).toMatch(new RegExp(`${names[5]}\\s+skipped`));
  });

  it('cancelled while waiting for approval: nothing patched, CANCELLED at once', async () => {
    const { domain, names } = fleet(2, 'cxa');
    const handle = await start({ identityDomain: domain, services: names, approval: 'first', failurePolicy: 'rollback' });
    await waitUntil('approval', () => handle.query(rolloutProgressQuery), (p) => p.state === 'awaiting_approval');
    await handle.cancel();
    await expectCancelled(handle);
    expect(await handle.query(rolloutProgressQuery)).toMatchObject({ state: 'cancelled', counts: { skipped: 2 }, awaitingApproval: false });
  });

  it('a rollback that fails ends the rollout rollback_failed, never rolled_back', async () => {
    const { domain, names } = fleet(4, 'rbf');
    s.sim.faults.replace({
      triggers: [
        { action: 'fail-job', route: 'apply', serviceName: names[2], message: 'OPatch failed with error code 73' },
        { action: 'fail-job', route: 'rollback', serviceName: names[0] },
      ],
    });
    const handle = await start({ identityDomain: domain, services: names, maxParallel: 2, failurePolicy: 'rollback' });
    const result = (await handle.result()) as RolloutResult;
    expect(result.state).toBe('rollback_failed');
    expect(result.progress.services[names[0]!]).toMatchObject({ state: 'rollback_failed', rollbackError: expect.stringMatching(/waitForRollbackJob.*ended Failed/) });
    expect(result.progress.services[names[2]!]).toMatchObject({ state: 'rolled_back', changeAccepted: true, error: expect.stringMatching(/waitForApplyJob.*ended Failed/) });
    expect(result.progress.counts).toEqual({ rolled_back: 3, rollback_failed: 1 });
    expect(result.progress.reason).toMatch(new RegExp(`ROLLBACK FAILED on 1 of 4 service\\(s\\): ${names[0]}$`));
    expect(names.map((n) => level(domain, n))).toEqual([LEVEL, OLD, OLD, OLD]);
    await expectReplays(handle, 'rollingPatch-rollback-failed');
  });

  it('cancelled during a failure-policy rollback: the rollbacks finish, then the run ends CANCELLED', async () => {
    const { domain, names } = fleet(4, 'cxb');
    s.sim.faults.replace({ triggers: [{ action: 'fail-job', route: 'apply', serviceName: names[2], message: 'OPatch failed with error code 73' }] });
    const handle = await start({ identityDomain: domain, services: names, maxParallel: 2, failurePolicy: 'rollback' });
    await waitUntil('rolling back', () => handle.query(rolloutProgressQuery), (p) => p.state === 'rolling_back');
    // The rollbacks are slow from here on: the cancellation comes while the first one runs.
    s.sim.configure({ jobDurationMs: { patch: 2500 } });
    await handle.cancel();
    await expectCancelled(handle);
    // The cancellation came while the rollbacks ran: the last of them finished after it.
    const events = (await handle.fetchHistory()).events ?? [];
    const cancelAt = events.findIndex((e) => e.workflowExecutionCancelRequestedEventAttributes);
    const lastRollbackAt = Math.max(...events.map((e, i) => (e.childWorkflowExecutionCompletedEventAttributes?.workflowType?.name === 'rollbackServicePatch' ? i : -1)));
    expect(cancelAt).toBeGreaterThan(0);
    expect(lastRollbackAt).toBeGreaterThan(cancelAt);
    const p = await handle.query(rolloutProgressQuery);
    expect(p).toMatchObject({ state: 'cancelled', cancelRequested: true });
    // Every service the failure policy had to undo was rolled back all the same.
    expect(p.counts).toEqual({ rolled_back: 4 });
    expect(p.reason).toMatch(/^1 service\(s\) failed .*; rolled back 4 service\(s\)$/);
    for (const n of names) expect(level(domain, n)).toBe(OLD);
    const trail = await (await auditReader()).query({ identityDomain: domain });
    expect(trail.filter((e) => e.operation === 'rollbackServicePatch' && e.event === 'succeeded').map((e) => e.serviceName).sort()).toEqual([...names].sort());
    expect((await rolloutEvents(domain, handle.workflowId)).map((e) => e.event)).toEqual(['rolling_back', 'cancelled']);
  });

  it('cancelled with contacts: the finished webhook is delivered before the run ends CANCELLED', async () => {
    const { domain, names } = fleet(2, 'cxw');
    const handle = await start({ identityDomain: domain, services: names, approval: 'first', contacts: [{ url: hooks.url }] });
    await waitUntil('approval', () => handle.query(rolloutProgressQuery), (p) => p.state === 'awaiting_approval');
    await handle.cancel();
    await expectCancelled(handle);
    const mine = hooks.events.filter((e) => e.rollout === handle.workflowId);
    expect(mine.map((e) => e.event).sort()).toEqual(['awaiting_approval', 'finished', 'started']);
    expect(mine.find((e) => e.event === 'finished')).toMatchObject({ state: 'cancelled', reason: 'cancelled on request' });
  });

  it('a rollback that finds its service busy waits for it, then rolls it back', async () => {
    const { domain, names } = fleet(2, 'rbw');
    s.sim.faults.replace({ triggers: [{ action: 'fail-job', route: 'apply', serviceName: names[1], message: 'OPatch failed with error code 73' }] });
    const handle = await start({ identityDomain: domain, services: names, maxParallel: 1, approval: 'each', failurePolicy: 'rollback', busyRetrySeconds: { initial: 1, max: 2 } });
    await waitUntil('first approval', () => handle.query(rolloutProgressQuery), (p) => p.state === 'awaiting_approval');
    await handle.executeUpdate(approveUpdate, { args: [{}] });
    await waitUntil('second approval', () => handle.query(rolloutProgressQuery), (p) => p.state === 'awaiting_approval' && p.currentBatch === 1);
    expect(level(domain, names[0]!)).toBe(LEVEL);
    // Another operation holds the first service (a run under its id, on a queue nobody polls) when its rollback comes.
    const holder = await s.t.client.workflow.start('patchService', { taskQueue: uniqueName('nobody-polls'), workflowId: `svc:${domain}:${names[0]}`, args: [{}] });
    await handle.executeUpdate(approveUpdate, { args: [{}] });
    const refused = async () => ((await handle.fetchHistory()).events ?? []).filter((e) => e.startChildWorkflowExecutionFailedEventAttributes?.workflowType?.name === 'rollbackServicePatch').length;
    await waitUntil('a refused rollback start', refused, (n) => n >= 2);
    const waiting = await handle.query(rolloutProgressQuery);
    expect(waiting).toMatchObject({ state: 'rolling_back' });
    expect(waiting.services[names[0]!]).toMatchObject({ state: 'rolling_back' });
    expect(waiting.services[names[1]!]).toMatchObject({ state: 'rolled_back' });
    expect(level(domain, names[0]!)).toBe(LEVEL);
    await holder.terminate('released by the test');
    const result = (await handle.result()) as RolloutResult;
    expect(result.state).toBe('rolled_back');
    expect(result.progress.counts).toEqual({ rolled_back: 2 });
    for (const n of names) expect(level(domain, n)).toBe(OLD);
  });

  it('a patch refused before anything was applied is not rolled back', async () => {
    const { domain, names } = fleet(2, 'rbn');
    s.sim.state.instance(domain, names[1]!)!.status = 'Stopped';
    // The patch precheck passes (it checks the patch, not the status); patchService's own check refuses it.
    const handle = await start({ identityDomain: domain, services: names, maxParallel: 2, failurePolicy: 'rollback' });
    const result = (await handle.result()) as RolloutResult;
    expect(result.progress.services[names[1]!]).toMatchObject({ state: 'failed', changeAccepted: false });
    expect(result.progress.services[names[0]!]?.state).toBe('rolled_back');
    expect(result.state).toBe('rolled_back');
    expect(s.sim.state.jobsOf(domain, names[1]!).filter((j) => j.requestName === 'patch')).toHaveLength(0);
  });
});

describe('rollingPatch maintenance window', () => {
  it('waits (durably) for the window and says until when; abort ends the wait', async () => {
    const { domain, names } = fleet(2, 'win');
    // A one-hour window that is not now: the next one opens in 1 to 23 hours.
    const hour = (new Date().getUTCHours() + 12) % 24;
    const handle = await start({ identityDomain: domain, services: names, maintenanceWindow: { startHour: hour, endHour: hour + 1 } });
    const waiting = await waitUntil('waiting for the window', () => handle.query(rolloutProgressQuery), (p) => p.state === 'waiting_window');
    expect(Date.parse(waiting.waitingUntil!)).toBeGreaterThan(Date.now());
    expect(new Date(waiting.waitingUntil!).getUTCHours()).toBe(hour);
    await handle.executeUpdate(abortUpdate, { args: [{ reason: 'not tonight' }] });
    const result = (await handle.result()) as RolloutResult;
    expect(result.state).toBe('aborted');
    expect(result.progress.counts).toEqual({ skipped: 2 });
    for (const n of names) expect(level(domain, n)).toBe('12.2.0.1.0');
  });
});

describe('dbaas patch', () => {
  const { cli } = cliFor(() => cliEnvFor(s));

  it('plans, starts with --wait (live table), and shows status', async () => {
    const { domain, names } = fleet(3, 'cli');
    s.sim.resetStats();
    const plan = await cli(['patch', 'plan', '--domain', domain, '--patch', PATCH, '--version', '12.2.0.1', '--max-parallel', '2']);
    expect(plan.code).toBe(0);
    expect(plan.out).toContain(`batch 1: ${names[0]}, ${names[1]}`);
    expect(plan.out).toContain('nothing was changed');
    expect(s.sim.stats().mutatingCalls).toBe(0);

    const started = await cli(['patch', 'start', '--domain', domain, '--patch', PATCH, '--services', names.join(','), '--max-parallel', '2', '--wait']);
    expect(started.code).toBe(0);
    expect(started.out).toMatch(/rollout of 12201-190416 in \[.+\]: running/);
    expect(started.out).toMatch(/completed/);
    expect(started.out).toMatch(new RegExp(`${names[2]}\\s+patched\\s+batch 2`));
    const status = await cli(['patch', 'status', `patch:${domain}:${PATCH}`, '--json']);
    expect(JSON.parse(status.out)).toMatchObject({ state: 'completed', counts: { patched: 3 } });
  });

  it('approves, refuses what makes no sense, and rejects bad options before starting', async () => {
    const { domain, names } = fleet(2, 'cli2');
    const id = `patch:${domain}:${PATCH}`;
    expect((await cli(['patch', 'start', '--domain', domain, '--patch', PATCH, '--services', names.join(','), '--approval', 'first'])).code).toBe(0);
    expect((await cli(['patch', 'start', '--domain', domain, '--patch', PATCH, '--services', names.join(',')])).code).toBe(3);
    await waitUntil('approval', async () => JSON.parse((await cli(['patch', 'status', id, '--json'])).out) as { state: string }, (p) => p.state === 'awaiting_approval');
    const resume = await cli(['patch', 'resume', id]);
    expect(resume.code).toBe(2);
    expect(resume.out).toContain('resume refused: cannot resume: the rollout is not paused');
    expect((await cli(['patch', 'approve', id])).out).toContain('approve: accepted; the rollout is running');
    expect((await cli(['patch', 'status', id, '--wait'])).code).toBe(0);
    for (const [args, message] of [
      [['--window', 'someday'], '--window: use'],
      [['--failure-policy', 'pray'], 'failurePolicy'],
      [['--max-parallel', '0'], 'maxParallel'],
    ] as const) {
      const r = await cli(['patch', 'start', '--domain', domain, '--patch', 'x', '--services', 'a', ...args]);
      expect(r.code).toBe(2);
      expect(r.out).toContain(message);
    }
  });
});

describe('rollingPatch across continue-as-new', () => {
  it('keeps its state, approvals and a pause sent as a signal when it continues as new between batches', async () => {
    const { domain, names } = fleet(4, 'can');
    s.sim.configure({ jobDurationMs: { patch: 1500 } });
    const handle = await start({ identityDomain: domain, services: names, maxParallel: 1, approval: 'first', continueAsNewAfterEvents: 20 });
    await waitUntil('approval', () => handle.query(rolloutProgressQuery), (p) => p.state === 'awaiting_approval');
    await handle.signal(approveSignal, {});
    await waitUntil('second batch', () => handle.query(rolloutProgressQuery), (p) => p.currentBatch === 1 && (p.counts.patching ?? 0) === 1);
    await handle.signal(pauseSignal, { reason: 'look at the canary' });
    const paused = await waitUntil('paused in a later run', () => handle.query(rolloutProgressQuery), (p) => p.state === 'paused');
    expect(paused.runsSoFar).toBeGreaterThan(0);
    expect(paused.counts).toEqual({ patched: 2, pending: 2 });
    await handle.signal(resumeSignal, {});
    const result = (await handle.result()) as RolloutResult;
    expect(result.state).toBe('completed');
    expect(result.progress.counts).toEqual({ patched: 4 });
    expect(result.progress.runsSoFar).toBeGreaterThanOrEqual(2);
    for (const n of names) expect(level(domain, n)).toBe(LEVEL);
  });

  it('stops before patching anything when a precheck fails under precheckPolicy stop', async () => {
    const { domain, names } = fleet(3, 'pcs');
    s.sim.faults.replace({ triggers: [{ action: 'precheck-finding', route: 'precheck', serviceName: names[1], message: 'Patch conflicts with one-off 30001234' }] });
    const result = (await (await start({ identityDomain: domain, services: names, precheckPolicy: 'stop' })).result()) as RolloutResult;
    expect(result.state).toBe('halted');
    expect(result.progress.reason).toContain(`precheck failed on 1 service(s): ${names[1]}`);
    for (const n of names) expect(s.sim.state.jobsOf(domain, n).filter((j) => j.requestName === 'patch')).toHaveLength(0);
  });
});
