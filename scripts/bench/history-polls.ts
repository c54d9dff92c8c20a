// Scenario 3: what a long job costs. Builds whose create job takes D (10 s … 30 min), each run with the
// simulator's and the poller's clocks going D/10 s times faster than real time, so a 30 min job takes
// 10 s. Reported: events in the build's history (must not depend on D), polls of the job (O(log D)
// until the 30 s cap) and the detection delay (≤ 10 % of D, at most the cap).
import { serviceWorkflowId } from '../../src/shared/contract';
import { benchBuildInput, type BenchEnv } from './env';
import { round } from './stats';
import { scaledNow } from './clock';

export interface HistoryRow {
  jobSeconds: number;
  clockFactor: number;
  historyEvents: number;
  jobPolls: number;
  detectionDelaySeconds: number;
  /** min(10 % of the job, the 30 s poll cap). */
  delayLimitSeconds: number;
}

export async function historyAndPolls(env: BenchEnv): Promise<HistoryRow[]> {
  const realSeconds = env.quick ? 2 : 10;
  const durations = env.quick ? [2, 60] : [10, 60, 300, 1800];
  const rows: HistoryRow[] = [];
  for (const d of durations) {
    const factor = d / realSeconds;
    const epoch = Date.now();
    const now = scaledNow(factor, epoch);
    const sim = await env.startSimulator({ now, jobDurationMs: { create: d * 1000 } });
    const taskQueue = `bench-history-${d}`;
    const worker = await env.startWorker({ taskQueue, simulatorUrl: sim.url, clock: { factor, epoch } });
    const domain = `hist${d}`;
    const name = 'long-job';
    const workflowId = serviceWorkflowId(domain, name);
    const result = (await env.client.workflow.execute('buildService', { taskQueue, workflowId, args: [benchBuildInput(domain, name)] })) as { jobId: string };
    const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
    const job = sim.state.job(domain, result.jobId)!;
    rows.push({
      jobSeconds: d,
      clockFactor: factor,
      historyEvents: history.events?.length ?? 0,
      jobPolls: job.reads,
      detectionDelaySeconds: round((job.firstReadDoneAt! - (job.submittedAt + job.durationMs)) / 1000, 2),
      delayLimitSeconds: Math.min(0.1 * d, 30),
    });
    await worker.stop('SIGTERM', 10_000);
    await sim.close();
  }
  return rows;
}
