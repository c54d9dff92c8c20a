// Scenario 4: a fleet rollout. rollingPatch of 100 seeded services, maxParallel 10, patch jobs of 2 s:
// the makespan against the ideal. Ideal = prechecks (20 at a time, as the workflow runs them) plus
// one patch job per batch; health gates add nothing ideal because a patched service is at once
// Running at the new level in the simulator.
import type { RolloutResult } from '../../src/shared/patching';
import type { BenchEnv } from './env';
import { median, round } from './stats';

export interface RolloutRow {
  services: number;
  maxParallel: number;
  patchJobSeconds: number;
  precheckJobSeconds: number;
  runs: number;
  /** Medians over the runs. */
  makespanSeconds: number;
  idealSeconds: number;
  ratio: number;
  batchPhaseSeconds: number;
  batchPhaseIdealSeconds: number;
  batchPhaseRatio: number;
  maxConcurrentPatchJobs: number;
}

const PRECHECK_CONCURRENCY = 20;

export async function rollout(env: BenchEnv): Promise<RolloutRow> {
  const services = env.quick ? 10 : 100;
  const maxParallel = env.quick ? 5 : 10;
  const patchMs = env.quick ? 500 : 2_000;
  const precheckMs = env.quick ? 250 : 1_000;
  const runs = env.quick ? 1 : 3;
  const sim = await env.startSimulator({ jobDurationMs: { patch: patchMs, precheck: precheckMs } });
  const taskQueue = 'bench-rollout';
  await env.startWorker({ taskQueue, simulatorUrl: sim.url });
  const batches = Math.ceil(services / maxParallel);
  const idealBatchesMs = batches * patchMs;
  const idealMs = Math.ceil(services / PRECHECK_CONCURRENCY) * precheckMs + idealBatchesMs;
  const makespans: number[] = [];
  const batchPhases: number[] = [];
  for (let r = 0; r < runs; r++) {
    const domain = `fleet${r}`;
    const names = Array.from({ length: services }, (_, i) => `db-${String(i).padStart(3, '0')}`);
    sim.seed(domain, names);
    const started = Date.now();
    const result = (await env.client.workflow.execute('rollingPatch', {
      taskQueue,
      workflowId: `patch:${domain}`,
      args: [{ identityDomain: domain, patchId: '12201-190416', services: names, maxParallel, healthTimeoutSeconds: 60 }],
    })) as RolloutResult;
    const ended = Date.now();
    if (result.state !== 'completed' || result.progress.counts.patched !== services) throw new Error(`rollout ${domain} ended ${result.state}: ${JSON.stringify(result.progress.counts)}`);
    const firstPatch = Math.min(...names.flatMap((n) => sim.state.jobsOf(domain, n).filter((j) => j.requestName === 'patch').map((j) => j.submittedAt)));
    makespans.push(ended - started);
    batchPhases.push(ended - firstPatch);
  }
  const makespan = median(makespans);
  const batchPhase = median(batchPhases);
  return {
    services,
    maxParallel,
    patchJobSeconds: patchMs / 1000,
    precheckJobSeconds: precheckMs / 1000,
    runs,
    makespanSeconds: round(makespan / 1000, 2),
    idealSeconds: round(idealMs / 1000, 2),
    ratio: round(makespan / idealMs, 2),
    batchPhaseSeconds: round(batchPhase / 1000, 2),
    batchPhaseIdealSeconds: round(idealBatchesMs / 1000, 2),
    batchPhaseRatio: round(batchPhase / idealBatchesMs, 2),
    maxConcurrentPatchJobs: sim.stats().maxConcurrent.patch,
  };
}
