// Scenario 1: orchestration overhead. Builds whose simulator job takes a fixed D (a few at once,
// staggered): the workflow's wall time minus D, split into the detection delay (job ended → a poll
// saw it) and the rest (workflow tasks, activities, audit). Beside it, in the same run on the same
// simulator, the seed script's way: a plain loop polling every 30 s, and one polling every 1 s.
import { DbcsClient } from '../../src/cloud/client';
import { serviceWorkflowId } from '../../src/shared/contract';
import type { DbcsSimulator } from '../../src/simulator/server';
import { benchBuildInput, type BenchEnv } from './env';
import { plainBuild } from './plain-poller';
import { median, round } from './stats';

export interface OverheadRow {
  jobSeconds: number;
  client: string;
  runs: number;
  /** Medians over the runs. */
  wallSeconds: number;
  overheadSeconds: number;
  detectionDelaySeconds: number;
  /** Overhead without the detection delay: what orchestration itself costs. */
  orchestrationSeconds: number;
  jobPolls: number;
}

function jobTimes(sim: DbcsSimulator, domain: string, jobId: string) {
  const job = sim.state.job(domain, jobId);
  if (!job || job.firstReadDoneAt === undefined) throw new Error(`job ${jobId} was never seen ended`);
  const endedAt = job.submittedAt + job.durationMs;
  return { durationMs: job.durationMs, detectionMs: job.firstReadDoneAt - endedAt, reads: job.reads };
}

export async function overhead(env: BenchEnv): Promise<OverheadRow[]> {
  const durations = env.quick ? [1_000] : [2_000, 20_000];
  const runs = env.quick ? 2 : 5;
  // The seed's interval is 30 s; in quick mode 3 s keeps the smoke test short.
  const slowIntervalMs = env.quick ? 3_000 : 30_000;
  const sim = await env.startSimulator({ visibilityDelayMs: 0 });
  const taskQueue = 'bench-overhead';
  await env.startWorker({ taskQueue, simulatorUrl: sim.url });
  const api = new DbcsClient({ baseUrl: sim.url, username: 'dbaas', password: 'simulator' });
  const rows: OverheadRow[] = [];
  try {
    for (const d of durations) {
      sim.configure({ jobDurationMs: { create: d, delete: 200 } });
      const domain = `ovh${d}`;
      const samples: Record<string, { wallMs: number; durationMs: number; detectionMs: number; reads: number }[]> = {};
      const record = (clientName: string, wallMs: number, jobId: string) => {
        const t = jobTimes(sim, domain, jobId);
        (samples[clientName] ??= []).push({ wallMs, durationMs: t.durationMs, detectionMs: t.detectionMs, reads: t.reads });
      };
      // Clients and runs go side by side (starts staggered by 250 ms): a handful of builds is no load.
      const stagger = (i: number) => new Promise((r) => setTimeout(r, i * 250));
      const clients: [string, (name: string) => Promise<{ wallMs: number; jobId: string }>][] = [
        [
          'workflow',
          async (name) => {
            const started = Date.now();
            const result = (await env.client.workflow.execute('buildService', { taskQueue, workflowId: serviceWorkflowId(domain, name), args: [benchBuildInput(domain, name)] })) as { jobId: string };
            return { wallMs: Date.now() - started, jobId: result.jobId };
          },
        ],
        [`plain script, ${slowIntervalMs / 1000} s polls`, (name) => plainBuild(api, domain, benchBuildInput(domain, name).service, slowIntervalMs)],
        ['plain script, 1 s polls', (name) => plainBuild(api, domain, benchBuildInput(domain, name).service, 1_000)],
      ];
      await Promise.all(
        clients.flatMap(([clientName, build], c) =>
          Array.from({ length: runs }, async (_, i) => {
            await stagger(i * clients.length + c);
            const r = await build(`c${c}-${i}`);
            record(clientName, r.wallMs, r.jobId);
          }),
        ),
      );
      for (const [clientName, xs] of Object.entries(samples)) {
        const s = (f: (x: (typeof xs)[number]) => number) => round(median(xs.map(f)) / 1000);
        rows.push({
          jobSeconds: d / 1000,
          client: clientName,
          runs: xs.length,
          wallSeconds: s((x) => x.wallMs),
          overheadSeconds: s((x) => x.wallMs - x.durationMs),
          detectionDelaySeconds: s((x) => x.detectionMs),
          orchestrationSeconds: s((x) => x.wallMs - x.durationMs - x.detectionMs),
          jobPolls: median(xs.map((x) => x.reads)),
        });
      }
    }
  } finally {
    await api.close();
  }
  return rows;
}
