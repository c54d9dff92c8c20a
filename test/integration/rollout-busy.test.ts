// A rollout whose services are all held by other operations: it waits in rounds (one timer per round
// for the whole batch, the pause doubling to a cap), continues as new while they stay held, so no
// run's history grows past its limit, and patches them once they are free.
import type { WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { rolloutProgressQuery, type RolloutResult } from '../../src/shared/patching';
import { codec, startFileStack, uniqueName, waitUntil, type FileStack } from '../helpers/harness';
import { recordFetchedHistory } from '../helpers/histories';

const EventType = temporal.api.enums.v1.EventType;
const SERVICES = 200;
const LIMIT = 2_500;

let s: FileStack;
beforeAll(async () => {
  s = await startFileStack('busy', { jobDurationMs: { precheck: 20, patch: 100 } });
});
afterAll(() => s?.stop());

/** Holds a service the way any operation does: a run under its id. On a task queue no worker polls, it stays Running. */
function hold(domain: string, name: string, idleQueue: string): Promise<WorkflowHandle> {
  return s.t.client.workflow.start('patchService', { taskQueue: idleQueue, workflowId: `svc:${domain}:${name}`, args: [{}] });
}

it(`waits on ${SERVICES} held services in rounds, continues as new below ${LIMIT} events a run, and patches them once free`, async () => {
  const domain = uniqueName('held');
  const names = Array.from({ length: SERVICES }, (_, i) => `db-${String(i).padStart(3, '0')}`);
  s.sim.seed(domain, names);
  const idleQueue = uniqueName('nobody-polls');
  const holders = await Promise.all(names.map((n) => hold(domain, n, idleQueue)));

  const workflowId = uniqueName(`patch:${domain}`);
  const handle = await s.t.client.workflow.start('rollingPatch', {
    taskQueue: s.taskQueue,
    workflowId,
    args: [{ identityDomain: domain, patchId: '12201-190416', services: names, maxParallel: SERVICES, healthTimeoutSeconds: 60, busyWaitSeconds: 3_600, busyRetrySeconds: { initial: 1, max: 2 }, continueAsNewAfterEvents: LIMIT }],
  });
  const held = await waitUntil('three runs while held', () => handle.query(rolloutProgressQuery), (p) => p.runsSoFar >= 3, 120_000);
  expect(held.counts).toEqual({ waiting_busy: SERVICES });
  await Promise.all(holders.map((h) => h.terminate('released by the test')));

  const result = (await handle.result()) as RolloutResult;
  expect(result.state).toBe('completed');
  expect(result.progress.counts).toEqual({ patched: SERVICES });
  expect(names.every((n) => s.sim.state.instance(domain, n)?.patchLevel === '12.2.0.1.190416')).toBe(true);

  const listed: { runId: string; startTime: Date }[] = [];
  for await (const run of s.t.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) listed.push(run);
  const runs = listed.sort((a, b) => a.startTime.getTime() - b.startTime.getTime()).map((r) => r.runId);
  expect(runs.length).toBe(result.progress.runsSoFar + 1);
  const histories = await Promise.all(runs.map((runId) => s.t.client.workflow.getHandle(workflowId, runId).fetchHistory()));
  const stats = histories.map((h) => {
    const events = h.events ?? [];
    const count = (type: number) => events.filter((e) => e.eventType === type).length;
    return { events: events.length, refused: count(EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_FAILED), timers: count(EventType.EVENT_TYPE_TIMER_STARTED), children: count(EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED) };
  });
  console.log(`rollout held busy: ${runs.length} runs (events, start attempts refused, timers, children): ${stats.map((x) => `${x.events}/${x.refused}/${x.timers}/${x.children}`).join(', ')}`);
  const waitingRuns = stats.filter((x) => x.children === 0 && x.refused > 0);
  // A run that only waited hands over before its limit; the run that patched adds its children's events.
  for (const run of stats) expect(run.events).toBeLessThanOrEqual(LIMIT + (run.children > 0 ? 6 * run.children : 20));
  // While all are held, each round refuses every service and is followed by one timer for all of them.
  for (const run of waitingRuns) expect(run.timers).toBe(run.refused / SERVICES);
  expect(waitingRuns.length).toBeGreaterThanOrEqual(3);
  // Runs after the first (which also planned) fit two rounds of attempts under the limit.
  expect(waitingRuns.some((x) => x.refused >= 2 * SERVICES)).toBe(true);
  // A run that continued as new while its services were held is kept for the replay test.
  recordFetchedHistory(histories[1]!, 'rollingPatch-busy-held');
  // Every run's history replays on today's code.
  for (const h of histories) await Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundle') }, dataConverter: { payloadCodecs: [codec()] } }, h);
}, 300_000);
