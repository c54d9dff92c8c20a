// Scenario 10: job polling against plain pollers, at every job length (issue 16). For each job length D
// from 2 s to 30 min: a worker of its own (a fresh embedded audit store: nothing learned yet) and a
// simulator, both on a clock D/10 times faster than real time from 20 s up, so a job takes at most 10 s.
// Builds run one after the other: the first is polled with no history (the growth schedule), the next
// two learn, the following five are measured. Then, in the same run on the same simulator and clock,
// the seed script's loop polling every 1 s and every 30 s (job time), three builds each.
// Detection delay = the simulator's first read that saw the job ended − the job's end, in job time.
import { DbcsClient } from '../../src/cloud/client';
import { serviceWorkflowId } from '../../src/shared/contract';
import type { DbcsSimulator } from '../../src/simulator/server';
import { scaledNow } from './clock';
import { benchBuildInput, type BenchEnv } from './env';
import { plainBuild } from './plain-poller';
import { median, round } from './stats';

export interface PollingRow {
  jobSeconds: number;
  clockFactor: number;
  client: string;
  runs: number;
  /** Medians over the runs (job time). */
  jobPolls: number;
  detectionDelaySeconds: number;
  maxDetectionDelaySeconds: number;
  /** max(1 s, 3 % of the job): the goal's bound on the delay. */
  delayBoundSeconds: number;
  /** Workflow rows: events in the build's history (the same at every length). */
  historyEvents?: number;
}

const LEARNING_RUNS = 3;

interface Sample {
  polls: number;
  delayMs: number;
  historyEvents?: number;
}

function seen(sim: DbcsSimulator, domain: string, jobId: string): Omit<Sample, 'historyEvents'> {
  const job = sim.state.job(domain, jobId);
  if (!job || job.firstReadDoneAt === undefined) throw new Error(`job ${jobId} was never seen ended`);
  return { polls: job.reads, delayMs: job.firstReadDoneAt - (job.submittedAt + job.durationMs) };
}

function row(jobSeconds: number, clockFactor: number, client: string, xs: Sample[]): PollingRow {
  const events = xs.map((x) => x.historyEvents).filter((e): e is number => e !== undefined);
  return {
    jobSeconds,
    clockFactor,
    client,
    runs: xs.length,
    jobPolls: median(xs.map((x) => x.polls)),
    detectionDelaySeconds: round(median(xs.map((x) => x.delayMs)) / 1000, 3),
    maxDetectionDelaySeconds: round(Math.max(...xs.map((x) => x.delayMs)) / 1000, 3),
    delayBoundSeconds: round(Math.max(1, 0.03 * jobSeconds), 2),
    ...(events.length ? { historyEvents: median(events) } : {}),
  };
}

export async function polling(env: BenchEnv): Promise<PollingRow[]> {
  const lengths = env.quick ? [2, 60] : [2, 20, 60, 300, 1800];
  const measured = env.quick ? 2 : 5;
  const plainRuns = env.quick ? 1 : 3;
  const rows: PollingRow[] = [];
  for (const d of lengths) {
    const factor = d >= 20 ? d / 10 : 1;
    const epoch = Date.now();
    const sim = await env.startSimulator({ now: scaledNow(factor, epoch), visibilityDelayMs: 0, jobDurationMs: { create: d * 1000 } });
    const taskQueue = `bench-polling-${d}`;
    const worker = await env.startWorker({ taskQueue, simulatorUrl: sim.url, clock: { factor, epoch } });
    const api = new DbcsClient({ baseUrl: sim.url, username: 'dbaas', password: 'simulator' });
    const domain = `poll${d}`;
    try {
      const build = async (name: string): Promise<Sample> => {
        const workflowId = serviceWorkflowId(domain, name);
        const result = (await env.client.workflow.execute('buildService', { taskQueue, workflowId, args: [benchBuildInput(domain, name)] })) as { jobId: string };
        const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
        return { ...seen(sim, domain, result.jobId), historyEvents: history.events?.length ?? 0 };
      };
      const workflowRuns: Sample[] = [];
      for (let i = 0; i < LEARNING_RUNS + measured; i++) workflowRuns.push(await build(`wf-${i}`));
      rows.push(row(d, factor, 'workflow, no history (first build)', workflowRuns.slice(0, 1)));
      rows.push(row(d, factor, `workflow, after ${LEARNING_RUNS} builds`, workflowRuns.slice(LEARNING_RUNS)));
      // The plain loop in job time: its sleeps shrink with the clock, as the simulator's jobs do.
      const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(1, Math.round(ms / factor))));
      for (const intervalS of [1, 30]) {
        const runs = await Promise.all(
          Array.from({ length: plainRuns }, async (_, i) => {
            const { jobId } = await plainBuild(api, domain, benchBuildInput(domain, `plain${intervalS}-${i}`).service, intervalS * 1000, sleep);
            return seen(sim, domain, jobId);
          }),
        );
        rows.push(row(d, factor, `plain script, ${intervalS} s polls`, runs));
      }
    } finally {
      await api.close();
      await worker.stop('SIGTERM', 10_000);
      await sim.close();
    }
  }
  return rows;
}
