// A fleet of 1,000 services is one rollout: the workflow continues as new between batches, so no
// single run's history grows large, and nothing of its state is lost on the way.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RolloutResult } from '../../src/shared/patching';
import { startFileStack, uniqueName, type FileStack } from '../helpers/harness';

let s: FileStack;
beforeAll(async () => {
  s = await startFileStack('fleet', { jobDurationMs: { precheck: 20, patch: 50 } });
});
afterAll(() => s?.stop());

it('patches 1,000 services in one rollout whose longest run stays under 10,000 history events', async () => {
  const domain = uniqueName('big');
  const names = Array.from({ length: 1000 }, (_, i) => `svc-${String(i).padStart(4, '0')}`);
  s.sim.seed(domain, names);
  const workflowId = uniqueName('patch:big');
  const handle = await s.t.client.workflow.start('rollingPatch', {
    taskQueue: s.taskQueue,
    workflowId,
    args: [{ identityDomain: domain, patchId: '12201-190416', services: names, maxParallel: 100, healthTimeoutSeconds: 60 }],
  });
  const result = (await handle.result()) as RolloutResult;
  expect(result.state).toBe('completed');
  expect(result.progress.counts).toEqual({ patched: 1000 });
  expect(result.progress.batches).toHaveLength(10);
  expect(names.every((n) => s.sim.state.instance(domain, n)?.patchLevel === '12.2.0.1.190416')).toBe(true);
  expect(s.sim.stats().maxConcurrent.patch).toBeLessThanOrEqual(100);

  const runs: { runId: string; status: string; startTime: Date }[] = [];
  for await (const run of s.t.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) runs.push({ runId: run.runId, status: run.status.name, startTime: run.startTime });
  runs.sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
  expect(runs.length).toBeGreaterThan(1);
  expect(runs.filter((r) => r.status === 'CONTINUED_AS_NEW')).toHaveLength(runs.length - 1);
  expect(result.progress.runsSoFar).toBe(runs.length - 1);
  const lengths = await Promise.all(runs.map(async (r) => (await s.t.client.workflow.getHandle(workflowId, r.runId).fetchHistory()).events?.length ?? 0));
  console.log(`rollout of 1,000: ${runs.length} runs, history events per run ${lengths.join(', ')}`);
  expect(Math.max(...lengths)).toBeLessThan(10_000);
}, 600_000);
