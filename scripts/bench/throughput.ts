// Scenario 2: N builds started at once (1 s jobs) on one worker: completions per second and latency
// percentiles, beside the ceiling: as many `ceilingBuild` workflows (same seven activities, no I/O)
// on the same server and worker. Scenario 6 lives here too: SIGKILL the worker during such a run.
import type { WorkflowHandle } from '@temporalio/client';
import { serviceWorkflowId } from '../../src/shared/contract';
import type { ManagedProcess } from '../lib/process';
import { benchBuildInput, type BenchEnv } from './env';
import { median, percentile, round, until } from './stats';

export interface BatchFigures {
  n: number;
  seconds: number;
  perSecond: number;
  p50Seconds: number;
  p99Seconds: number;
}

export interface ThroughputRow {
  n: number;
  runs: number;
  builds: BatchFigures;
  ceiling: BatchFigures;
  /** Median of the per-run ratios builds/ceiling (each pair measured back to back). */
  shareOfCeiling: number;
}

const JOB_MS = 1_000;

/** Starts n workflows (50 starts in flight at a time) and waits for all; latencies from each start. */
async function runBatch(n: number, start: (i: number) => Promise<WorkflowHandle>, onDone?: (done: number) => void): Promise<BatchFigures> {
  const t0 = Date.now();
  const latencies: number[] = [];
  const results: Promise<void>[] = [];
  for (let i = 0; i < n; i += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, n - i) }, async (_, k) => {
        const startedAt = Date.now();
        const handle = await start(i + k);
        results.push(
          handle.result().then(() => {
            latencies.push(Date.now() - startedAt);
            onDone?.(latencies.length);
          }),
        );
      }),
    );
  }
  await Promise.all(results);
  const seconds = (Date.now() - t0) / 1000;
  return { n, seconds: round(seconds, 2), perSecond: round(n / seconds, 1), p50Seconds: round(percentile(latencies, 50) / 1000, 2), p99Seconds: round(percentile(latencies, 99) / 1000, 2) };
}

function startBuilds(env: BenchEnv, taskQueue: string, domain: string) {
  return (i: number) => {
    const name = `s-${String(i).padStart(4, '0')}`;
    return env.client.workflow.start('buildService', { taskQueue, workflowId: serviceWorkflowId(domain, name), args: [benchBuildInput(domain, name)] });
  };
}

function startCeiling(env: BenchEnv, taskQueue: string, tag: string) {
  return (i: number) => env.client.workflow.start('ceilingBuild', { taskQueue, workflowId: `ceiling:${tag}:${i}`, args: [JOB_MS] });
}

/** `runs` pairs of n builds and n ceiling workflows on the worker(s) of `taskQueue`, back to back. */
export async function buildsBesideCeiling(env: BenchEnv, taskQueue: string, n: number, runs: number): Promise<ThroughputRow> {
  const builds: BatchFigures[] = [];
  const ceiling: BatchFigures[] = [];
  for (let r = 0; r < runs; r++) {
    // Alternate which goes first, so a trend in the machine's load does not favour one side.
    const pair = [() => runBatch(n, startBuilds(env, taskQueue, `tp${n}r${r}`)).then((b) => builds.push(b)), () => runBatch(n, startCeiling(env, taskQueue, `${n}-${r}`)).then((c) => ceiling.push(c))];
    for (const step of r % 2 === 0 ? pair : pair.reverse()) await step();
  }
  const pick = (xs: BatchFigures[]): BatchFigures => xs.find((x) => x.seconds === median(xs.map((y) => y.seconds))) ?? xs[0]!;
  return { n, runs, builds: pick(builds), ceiling: pick(ceiling), shareOfCeiling: round(median(builds.map((b, i) => b.perSecond / ceiling[i]!.perSecond)), 2) };
}

export async function throughput(env: BenchEnv): Promise<{ rows: ThroughputRow[]; activitySlots: { slots: number; n: number; builds: BatchFigures }[] }> {
  const sizes = env.quick ? [10] : [100, 500];
  const runs = env.quick ? 1 : 3;
  const sim = await env.startSimulator({ jobDurationMs: { create: JOB_MS } });
  const taskQueue = 'bench-throughput';
  await env.startWorker({ taskQueue, simulatorUrl: sim.url });
  const rows: ThroughputRow[] = [];
  for (const n of sizes) rows.push(await buildsBesideCeiling(env, taskQueue, n, runs));
  // The activity-slot limit: each job wait holds a slot for the job's duration. The SDK's default of
  // 100 slots against this worker's default of 1,000, at the largest N.
  const activitySlots: { slots: number; n: number; builds: BatchFigures }[] = [];
  if (!env.quick) {
    const n = sizes.at(-1)!;
    const slowQueue = 'bench-throughput-100-slots';
    const worker = await env.startWorker({ taskQueue: slowQueue, simulatorUrl: sim.url, env: { DBAAS_MAX_CONCURRENT_ACTIVITIES: '100' } });
    activitySlots.push({ slots: 100, n, builds: await runBatch(n, startBuilds(env, slowQueue, `slots100`)) });
    await worker.stop('SIGTERM', 10_000);
    activitySlots.push({ slots: 1000, n, builds: rows.at(-1)!.builds });
  }
  return { rows, activitySlots };
}

export interface CrashRecovery {
  n: number;
  completedBeforeKill: number;
  /** From the SIGKILL until the last build completed (the new worker starts at once). */
  recoverySeconds: number;
  /** A fresh worker process's start-up, part of the recovery time. */
  workerStartSeconds: number;
  createCalls: number;
  createJobs: number;
  instancesCreated: number;
  allRunning: boolean;
}

/** Scenario 6: the same kind of run, the worker SIGKILLed once a fifth of the builds completed. */
export async function crashRecovery(env: BenchEnv): Promise<CrashRecovery> {
  const n = env.quick ? 10 : 500;
  const sim = await env.startSimulator({ jobDurationMs: { create: JOB_MS } });
  const taskQueue = 'bench-crash';
  const domain = 'crash';
  let worker: ManagedProcess = await env.startWorker({ taskQueue, simulatorUrl: sim.url });
  let completed = 0;
  let killedAt = 0;
  let completedBeforeKill = 0;
  let workerStartSeconds = 0;
  const killer = (async () => {
    await until(() => completed >= Math.ceil(n / 5), 600_000, 'a fifth of the builds to complete', 20);
    completedBeforeKill = completed;
    killedAt = Date.now();
    worker.child.kill('SIGKILL');
    await worker.exited;
    worker = await env.startWorker({ taskQueue, simulatorUrl: sim.url });
    workerStartSeconds = (Date.now() - killedAt) / 1000;
  })();
  await runBatch(n, startBuilds(env, taskQueue, domain), (done) => (completed = done));
  const recoverySeconds = (Date.now() - killedAt) / 1000;
  await killer;
  const stats = sim.stats();
  return {
    n,
    completedBeforeKill,
    recoverySeconds: round(recoverySeconds, 1),
    workerStartSeconds: round(workerStartSeconds, 1),
    createCalls: stats.routes.create?.calls ?? 0,
    createJobs: stats.jobs.create.submitted,
    instancesCreated: stats.instances.created,
    allRunning: sim.state.allInstances().filter((i) => i.domain === domain && i.status === 'Running').length === n,
  };
}
