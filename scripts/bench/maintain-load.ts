// Scenario 5: long-lived load. N maintainService workflows (1,000) with a 10 s pass interval on one
// worker for 5 minutes: passes on time, worker RSS, worker and server CPU. Run once with the default
// embedded audit store (PGlite, inside the worker) and once with PostgreSQL (BENCH_DATABASE_URL, or a
// private server from the Debian binaries when they are installed), the production topology.
import type { Client } from '@temporalio/client';
import { findPostgresBin, startPrivatePostgres } from '../lib/postgres';
import { maintainProgressQuery, maintainWorkflowId } from '../../src/shared/maintain';
import type { BenchEnv } from './env';
import { cpuSeconds, median, round, rssMb } from './stats';

export interface MaintainFigures {
  services: number;
  passIntervalSeconds: number;
  measuredSeconds: number;
  auditStore: string;
  startSeconds: number;
  /** Services that made every pass their interval allowed in the window (1 s of slack per pass). */
  servicesOnTimePercent: number;
  /** Passes made in the window against window / interval, over all services. */
  passesMadePercent: number;
  queryFailures: number;
  workerRssMedianMb: number;
  workerRssMaxMb: number;
  workerCpuPercent: number;
  serverCpuPercent: number;
}

async function passCounts(client: Client, domain: string, names: string[]): Promise<Map<string, { passes: number; at: number }>> {
  const counts = new Map<string, { passes: number; at: number }>();
  for (let i = 0; i < names.length; i += 50) {
    await Promise.all(
      names.slice(i, i + 50).map(async (name) => {
        try {
          const p = await client.workflow.getHandle(maintainWorkflowId(domain, name)).query(maintainProgressQuery);
          counts.set(name, { passes: p.counters.passes, at: Date.now() });
        } catch {
          // counted as a failed query (and not on time)
        }
      }),
    );
  }
  return counts;
}

export async function maintainLoad(env: BenchEnv): Promise<MaintainFigures[]> {
  const figures = [await maintainRun(env, undefined)];
  if (process.env.BENCH_DATABASE_URL) figures.push(await maintainRun(env, process.env.BENCH_DATABASE_URL));
  else if (findPostgresBin()) {
    const pg = await startPrivatePostgres();
    try {
      figures.push(await maintainRun(env, pg.url));
    } finally {
      pg.stop();
    }
  }
  return figures;
}

async function maintainRun(env: BenchEnv, databaseUrl: string | undefined): Promise<MaintainFigures> {
  const n = Number(process.env.BENCH_SERVICES ?? (env.quick ? 20 : 1000));
  const intervalS = env.quick ? 2 : 10;
  const windowS = Number(process.env.BENCH_SECONDS ?? (env.quick ? 10 : 300));
  const sim = await env.startSimulator({ jobDurationMs: { control: 500, scale: 500 } });
  const taskQueue = `bench-maintain-${databaseUrl ? 'pg' : 'pglite'}`;
  // Issue 15's experiment: BENCH_MAX_CACHED (the worker's sticky cache) and BENCH_PASSES_PER_RUN (short maintain runs).
  const cache = process.env.BENCH_MAX_CACHED ? { DBAAS_MAX_CACHED_WORKFLOWS: process.env.BENCH_MAX_CACHED } : {};
  const passesPerRun = process.env.BENCH_PASSES_PER_RUN ? { passesPerRun: Number(process.env.BENCH_PASSES_PER_RUN) } : {};
  const worker = await env.startWorker({ taskQueue, simulatorUrl: sim.url, env: { ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}), ...cache } });
  const domain = `maintain-${databaseUrl ? 'pg' : 'pglite'}`;
  const names = Array.from({ length: n }, (_, i) => `m-${String(i).padStart(4, '0')}`);
  sim.seed(domain, names);
  const t0 = Date.now();
  for (let i = 0; i < names.length; i += 50) {
    await Promise.all(
      names.slice(i, i + 50).map((name) =>
        env.client.workflow.start('maintainService', { taskQueue, workflowId: maintainWorkflowId(domain, name), args: [{ identityDomain: domain, serviceName: name, passIntervalSeconds: intervalS, ...passesPerRun }] }),
      ),
    );
  }
  const startSeconds = (Date.now() - t0) / 1000;
  // Let every workflow make its first pass before the window opens.
  await new Promise((r) => setTimeout(r, intervalS * 1000));
  const before = await passCounts(env.client, domain, names);
  const workerPid = worker.child.pid!;
  const cpu0 = { worker: cpuSeconds(workerPid), server: cpuSeconds(env.serverPid), at: Date.now() };
  const rss: number[] = [];
  const windowEnd = Date.now() + windowS * 1000;
  while (Date.now() < windowEnd) {
    rss.push(rssMb(workerPid));
    await new Promise((r) => setTimeout(r, Math.min(5_000, windowEnd - Date.now())));
  }
  const cpu1 = { worker: cpuSeconds(workerPid), server: cpuSeconds(env.serverPid), at: Date.now() };
  const after = await passCounts(env.client, domain, names);
  let onTime = 0;
  let made = 0;
  let expected = 0;
  for (const name of names) {
    const a = before.get(name);
    const b = after.get(name);
    if (!a || !b) continue;
    const windowMs = b.at - a.at;
    made += b.passes - a.passes;
    expected += windowMs / (intervalS * 1000);
    if (b.passes - a.passes >= Math.floor(windowMs / ((intervalS + 1) * 1000))) onTime += 1;
  }
  const elapsed = (cpu1.at - cpu0.at) / 1000;
  // Leave nothing running on the shared dev server.
  for (let i = 0; i < names.length; i += 50) {
    await Promise.allSettled(names.slice(i, i + 50).map((name) => env.client.workflow.getHandle(maintainWorkflowId(domain, name)).terminate('bench over')));
  }
  await worker.stop('SIGTERM', 10_000);
  return {
    services: n,
    passIntervalSeconds: intervalS,
    measuredSeconds: round(elapsed, 0),
    auditStore: databaseUrl ? 'PostgreSQL' : 'embedded PGlite',
    startSeconds: round(startSeconds, 1),
    servicesOnTimePercent: round((onTime / n) * 100, 1),
    passesMadePercent: round((made / Math.max(1, expected)) * 100, 1),
    queryFailures: n - Math.min(before.size, after.size),
    workerRssMedianMb: round(median(rss), 0),
    workerRssMaxMb: round(Math.max(...rss), 0),
    workerCpuPercent: round(((cpu1.worker - cpu0.worker) / elapsed) * 100, 0),
    serverCpuPercent: round(((cpu1.server - cpu0.server) / elapsed) * 100, 0),
  };
}
