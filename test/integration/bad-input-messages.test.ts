// Bad arguments of updates and signals, sent to a real rollingPatch (held at its approval) and a real
// maintainService (between passes) on the real worker, with the simulator behind a counting proxy.
// An invalid update must be refused naming the bad field, an invalid signal ignored; either way the
// workflow stays running and healthy (no failed workflow task, the progress query answers) and no
// request reaches the cloud. (src/workflows/support/control.ts checks each message's argument with
// its schema before anything else.)
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManagedProcess } from '../../scripts/lib/process';
import {
  detachUpdate,
  maintainPauseSignal,
  maintainPauseUpdate,
  maintainProgressQuery,
  maintainResumeUpdate,
  setDesiredSignal,
  setDesiredUpdate,
  type DesiredStateInput,
} from '../../src/shared/maintain';
import { abortUpdate, approveSignal, approveUpdate, pauseSignal, pauseUpdate, resumeSignal, resumeUpdate, rolloutProgressQuery, type ControlRequest } from '../../src/shared/patching';
import type { DbcsSimulator } from '../../src/simulator/server';
import { BAD_INPUT_SEED, badControlArgument, badDesiredField, badDesiredFieldUpTo, countingProxy, mapLimit, namesField, notADesiredState, type CountingProxy } from '../helpers/bad-input';
import { connectClient, startSimulator, startWorker, uniqueName, waitUntil } from '../helpers/harness';
import fc from 'fast-check';

const RUNS = Number(process.env.BAD_INPUT_MESSAGE_RUNS ?? 1000);
const PATCH = '12201-190416';

let sim: DbcsSimulator;
let proxy: CountingProxy;
let worker: ManagedProcess;
let t: Awaited<ReturnType<typeof connectClient>>;
let taskQueue: string;
const domain = uniqueName('msgdom');
/** Workflows this file starts; all closed at its end. */
const handles: WorkflowHandle[] = [];

beforeAll(async () => {
  sim = await startSimulator({ jobDurationMs: { precheck: 200, patch: 500, scale: 300, control: 300 } });
  proxy = await countingProxy(sim.url);
  taskQueue = uniqueName('bad-msg');
  [worker, t] = await Promise.all([startWorker({ taskQueue, simulatorUrl: proxy.url }), connectClient()]);
});
afterAll(async () => {
  for (const h of handles) await h.terminate('bad-input-messages: end of file').catch(() => undefined);
  await worker?.stop();
  await t?.close();
  await proxy?.close();
  await sim?.close();
});

/** A rollout of two fresh services, held at its approval (no cloud call while it waits). */
async function heldRollout(): Promise<WorkflowHandle> {
  const names = [uniqueName('r'), uniqueName('r')];
  sim.seed(domain, names);
  const handle = await t.client.workflow.start('rollingPatch', {
    taskQueue,
    workflowId: uniqueName(`patch:${domain}`),
    args: [{ identityDomain: domain, patchId: PATCH, services: names, approval: 'first', healthTimeoutSeconds: 30 }],
  });
  handles.push(handle);
  await waitUntil('awaiting approval', () => handle.query(rolloutProgressQuery), (p) => p.state === 'awaiting_approval', 60_000);
  return handle;
}

/** A maintained service between passes: the next pass is a day away, so nothing calls the cloud meanwhile. */
async function quietMaintain(): Promise<WorkflowHandle> {
  const name = uniqueName('m');
  sim.seed(domain, [name]);
  const handle = await t.client.workflow.start('maintainService', { taskQueue, workflowId: `maintain:${domain}:${name}`, args: [{ identityDomain: domain, serviceName: name, passIntervalSeconds: 86_400 }] });
  handles.push(handle);
  await waitUntil('first pass', () => handle.query(maintainProgressQuery), (p) => p.counters.passes >= 1 && p.lastPass !== undefined, 60_000);
  return handle;
}

/**
 * Workflow tasks the worker failed (a handler that threw, a determinism error): a healthy workflow
 * has none. Not counted: tasks the server closed itself (FORCE_CLOSE_COMMAND when more than its
 * buffered-events limit of signals arrived during one task, UNHANDLED_COMMAND); they carry no failure.
 */
async function failedTasks(handle: WorkflowHandle): Promise<number> {
  const history = await handle.fetchHistory();
  const failed = (history.events ?? []).map((e) => e.workflowTaskFailedEventAttributes).filter((a) => !!a);
  const byWorker = failed.filter((a) => a.failure || ![1, 17].includes(Number(a.cause)));
  if (failed.length > byWorker.length) console.log(`[bad-input] ${handle.workflowId}: ${failed.length - byWorker.length} workflow task(s) closed by the server (cause ${[...new Set(failed.map((a) => a.cause))].join(', ')}), not failed by the worker`);
  return byWorker.length;
}

/** How an update with this argument ended: refused (with the message), or accepted. */
async function updateOutcome(handle: WorkflowHandle, update: { name: string }, arg: unknown): Promise<{ refused: boolean; message: string }> {
  try {
    const result = await handle.executeUpdate(update.name, { args: [arg] });
    return { refused: false, message: `accepted: ${JSON.stringify(result)?.slice(0, 200)}` };
  } catch (err) {
    if (!(err instanceof WorkflowUpdateFailedError)) throw err;
    return { refused: true, message: (err.cause as Error | undefined)?.message ?? err.message };
  }
}

const shown = (arg: unknown) => {
  const json = JSON.stringify(arg) ?? String(arg);
  return json.length > 120 ? `${json.slice(0, 120)}…(${json.length})` : json;
};

function report(problems: string[], total: number): void {
  expect(problems.length, `${problems.length} of ${total} went wrong (seed ${BAD_INPUT_SEED}); the first:\n${problems.slice(0, 8).join('\n')}`).toBe(0);
}

/** After the messages: still running, no failed workflow task, the query answers, no request reached the cloud. */
async function expectHealthy(handle: WorkflowHandle): Promise<void> {
  expect((await handle.describe()).status.name).toBe('RUNNING');
  expect(await failedTasks(handle)).toBe(0);
  expect(proxy.requests).toEqual([]);
  expect(worker.child.exitCode).toBeNull();
}

describe('maintainService', () => {
  let m: WorkflowHandle;
  beforeAll(async () => {
    m = await quietMaintain();
    proxy.reset();
  });

  it(`setDesired refuses ${RUNS} invalid desired states naming the field; nothing changes, no cloud call`, async () => {
    const before = await m.query(maintainProgressQuery);
    const cases = fc.sample(badDesiredField, { seed: BAD_INPUT_SEED, numRuns: RUNS });
    const t0 = Date.now();
    const problems = (
      await mapLimit(cases, 16, async ({ arg, field }, i) => {
        const o = await updateOutcome(m, setDesiredUpdate, arg);
        if (!o.refused) return `#${i} ${shown(arg)}: ${o.message}`;
        if (!namesField(o.message, field)) return `#${i} ${shown(arg)}: refused without naming ${field}: ${o.message.slice(0, 300)}`;
        if (o.message.length > 2_000) return `#${i} ${shown(arg)}: a refusal of ${o.message.length} characters`;
        return undefined;
      })
    ).filter((p): p is string => p !== undefined);
    console.log(`[bad-input] setDesired: ${cases.length} invalid updates in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    report(problems, cases.length);
    const after = await m.query(maintainProgressQuery);
    expect(after.desired).toEqual(before.desired);
    expect(after.pendingDesired).toBeUndefined();
    expect(after.counters.passes).toBe(before.counters.passes);
    await expectHealthy(m);
  }, 300_000);

  it(`ignores ${RUNS} invalid setDesired signals: no crash, no change, no cloud call`, async () => {
    const before = await m.query(maintainProgressQuery);
    // Signals are written to history: their long strings stay short of megabytes (updates refused by a validator are not).
    const cases = fc.sample(badDesiredFieldUpTo(4_000), { seed: BAD_INPUT_SEED + 2, numRuns: RUNS });
    const t0 = Date.now();
    await mapLimit(cases, 16, ({ arg }) => m.signal(setDesiredSignal, arg as DesiredStateInput));
    // An update after the signals is handled after them: its refusal shows they were all processed.
    expect((await updateOutcome(m, setDesiredUpdate, { shape: 'oc99' })).refused).toBe(true);
    console.log(`[bad-input] setDesired signals: ${cases.length} invalid signals in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const after = await m.query(maintainProgressQuery);
    expect(after.pendingDesired).toBeUndefined();
    expect(after.desired).toEqual(before.desired);
    const history = await m.fetchHistory();
    expect((history.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes).length).toBeGreaterThanOrEqual(RUNS);
    await expectHealthy(m);
  }, 300_000);

  it('still detaches cleanly after all that', async () => {
    const result = await m.executeUpdate(detachUpdate, { args: [{ reason: 'bad-input-messages done' }] });
    expect(result).toBe('detaching');
    expect(((await m.result()) as { ended: string }).ended).toBe('detached');
    expect(await failedTasks(m)).toBe(0);
  }, 60_000);

  // setDesired takes an object with some fields of the desired state and no others (setDesiredRequestSchema).
  it('setDesired refuses arguments that are not a desired state (null, text, unknown fields only), naming them', async () => {
    const mm = await quietMaintain();
    proxy.reset();
    const cases = fc.sample(notADesiredState, { seed: BAD_INPUT_SEED, numRuns: 30 });
    const problems: string[] = [];
    for (const { arg, field } of cases) {
      const o = await updateOutcome(mm, setDesiredUpdate, arg);
      if (!o.refused || !namesField(o.message, field)) problems.push(`${shown(arg)}: ${o.message.slice(0, 200)}`);
      if (problems.length >= 5) break;
    }
    report(problems, cases.length);
  }, 120_000);

  // Each control message is checked with its schema before anything else: an update refused naming the field, a signal ignored.
  it('pause, resume and detach refuse invalid arguments naming the field', async () => {
    const mm = await quietMaintain();
    proxy.reset();
    const cases = fc.sample(badControlArgument(['reason']).filter(({ arg }) => arg !== null), { seed: BAD_INPUT_SEED, numRuns: 30 });
    const problems: string[] = [];
    for (const [i, { arg, field }] of cases.entries()) {
      const update = [maintainPauseUpdate, maintainResumeUpdate, detachUpdate][i % 3]!;
      const o = await updateOutcome(mm, update, arg);
      if (!o.refused || !namesField(o.message, field)) problems.push(`${update.name} ${shown(arg)}: ${o.message.slice(0, 200)}`);
      if (problems.length >= 5) break;
    }
    report(problems, cases.length);
  }, 120_000);

  // A null argument once threw in the handler (r.reason): the workflow task failed again and again.
  it('a pause signal with a null argument neither crashes nor fails the workflow task', async () => {
    const mm = await quietMaintain();
    await mm.signal(maintainPauseSignal, null as never);
    // Wait until the signal was handled one way or the other: a task completed after it, or one failed.
    await waitUntil(
      'the signal handled',
      async () => {
        const events = (await mm.fetchHistory()).events ?? [];
        const signalled = events.findIndex((e) => e.workflowExecutionSignaledEventAttributes);
        return events.slice(signalled + 1).some((e) => e.workflowTaskCompletedEventAttributes || e.workflowTaskFailedEventAttributes);
      },
      (handled) => handled,
      60_000,
    );
    expect(await failedTasks(mm)).toBe(0);
  }, 120_000);
});

describe('rollingPatch', () => {
  let r: WorkflowHandle;
  beforeAll(async () => {
    r = await heldRollout();
    proxy.reset();
  });

  it(`ignores ${RUNS} pause and resume signals with invalid arguments without crashing, and makes no cloud call`, async () => {
    const cases = fc.sample(badControlArgument(['by', 'reason'], 4_000), { seed: BAD_INPUT_SEED + 3, numRuns: RUNS });
    const t0 = Date.now();
    await mapLimit(cases, 16, ({ arg }, i) => r.signal(i % 2 === 0 ? pauseSignal : resumeSignal, arg as ControlRequest));
    // Handled after the signals: the rollout answers an update, and is still held at its approval.
    const probe = await updateOutcome(r, resumeUpdate, {});
    console.log(`[bad-input] rollingPatch pause/resume signals: ${cases.length} in ${((Date.now() - t0) / 1000).toFixed(1)} s; then resume: ${probe.message}`);
    const p = await r.query(rolloutProgressQuery);
    expect(p.state).toBe('awaiting_approval');
    expect(p.awaitingApproval).toBe(true);
    expect(Object.values(p.services).map((s) => s.state)).toEqual(['pending', 'pending']);
    await expectHealthy(r);
  }, 300_000);

  // Each control message is checked with its schema before anything else: an update refused naming the field, a signal ignored.
  it(`pause, resume, approve and abort refuse invalid arguments naming the field`, async () => {
    const rr = await heldRollout();
    const cases = fc.sample(badControlArgument(['by', 'reason']), { seed: BAD_INPUT_SEED, numRuns: 40 });
    const problems: string[] = [];
    for (const [i, { arg, field }] of cases.entries()) {
      const update = [pauseUpdate, resumeUpdate, approveUpdate, abortUpdate][i % 4]!;
      const o = await updateOutcome(rr, update, arg);
      if (!o.refused || !namesField(o.message, field)) problems.push(`${update.name} ${shown(arg)}: ${o.message.slice(0, 200)}`);
      if (problems.length >= 5) break;
    }
    await rr.terminate('known bug test done');
    report(problems, cases.length);
  }, 120_000);

  // An approve signal with an invalid argument once approved the batch.
  it('an approve signal with an invalid argument is ignored', async () => {
    const rr = await heldRollout();
    await rr.signal(approveSignal, { by: { nested: ['garbage'] } } as never);
    const probe = await updateOutcome(rr, pauseUpdate, { reason: 'probe' });
    const p = await rr.query(rolloutProgressQuery);
    await rr.terminate('known bug test done');
    expect(probe.refused || p.awaitingApproval).toBe(true);
    expect(p.state).toBe('awaiting_approval');
  }, 120_000);
});

describe('at the end', () => {
  it('leaves no workflow of this file running', async () => {
    // The held rollouts and maintainers of this file: end them.
    for (const h of handles) if ((await h.describe()).status.name === 'RUNNING') await h.terminate('bad-input-messages done');
    await waitUntil('nothing running on the task queue', async () => (await t.client.workflow.count(`TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Running'`)).count, (n) => n === 0, 60_000, 500);
  }, 120_000);
});
