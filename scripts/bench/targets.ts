// `npm run bench -- --cluster`: the same throughput and crash-recovery runs on the dev server and on
// the production-shape cluster (two temporal-server processes on PostgreSQL), one after the other in
// one bench run, so the two columns are measured on the same machine in the same conditions.
import { openBenchEnv, TARGET_TITLES, type BenchEnv, type BenchTarget } from './env';
import { table } from './report';
import { buildsBesideCeiling, crashRecovery, type CrashRecovery, type ThroughputRow } from './throughput';

export interface TargetFigures {
  target: BenchTarget;
  title: string;
  /** From nothing to a Temporal that answers (the cluster adds PostgreSQL and its schemas). */
  startSeconds: number;
  throughput: ThroughputRow;
  crash: CrashRecovery;
}

const TARGETS: BenchTarget[] = ['dev-server', 'cluster'];

async function measure(env: BenchEnv): Promise<Omit<TargetFigures, 'target' | 'title' | 'startSeconds'>> {
  const sim = await env.startSimulator({ jobDurationMs: { create: 1_000 } });
  const taskQueue = 'bench-targets';
  const worker = await env.startWorker({ taskQueue, simulatorUrl: sim.url });
  const throughput = await buildsBesideCeiling(env, taskQueue, env.quick ? 10 : 500, env.quick ? 1 : 3);
  await worker.stop('SIGTERM', 10_000);
  return { throughput, crash: await crashRecovery(env) };
}

export async function compareTargets(quick: boolean): Promise<TargetFigures[]> {
  const rows: TargetFigures[] = [];
  // One at a time: two Temporals side by side would share the machine's two cores.
  for (const target of TARGETS) {
    const t0 = Date.now();
    const env = await openBenchEnv(quick, target);
    const startSeconds = Math.round((Date.now() - t0) / 100) / 10;
    try {
      console.log(`-- ${target}: ${TARGET_TITLES[target]}`);
      rows.push({ target, title: TARGET_TITLES[target], startSeconds, ...(await measure(env)) });
    } finally {
      await env.close();
    }
  }
  return rows;
}

export function renderTargets(rows: TargetFigures[]): string {
  const [dev, cluster] = [rows.find((r) => r.target === 'dev-server'), rows.find((r) => r.target === 'cluster')];
  const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
  const ratios = dev && cluster
    ? `\n\nCluster against dev server: ${ratio(cluster.throughput.builds.perSecond, dev.throughput.builds.perSecond)} × the build rate, ${ratio(cluster.throughput.ceiling.perSecond, dev.throughput.ceiling.perSecond)} × the ceiling's rate, ${ratio(cluster.crash.recoverySeconds, dev.crash.recoverySeconds)} × the recovery time.`
    : '';
  return table(
    rows.map((r) => ({
      title: r.title,
      start: r.startSeconds,
      builds: `${r.throughput.builds.perSecond}/s (${r.throughput.builds.seconds} s)`,
      latency: `${r.throughput.builds.p50Seconds} / ${r.throughput.builds.p99Seconds}`,
      ceiling: `${r.throughput.ceiling.perSecond}/s`,
      share: `${Math.round(r.throughput.shareOfCeiling * 100)} %`,
      recovery: r.crash.recoverySeconds,
      workerStart: r.crash.workerStartSeconds,
      creates: `${r.crash.createJobs} / ${r.crash.instancesCreated} / ${r.crash.n}`,
    })),
    [
      ['title', 'Temporal'],
      ['start', 'start (s)'],
      ['builds', `${rows[0]?.throughput.n ?? ''} builds`],
      ['latency', 'build p50 / p99 (s)'],
      ['ceiling', 'no-I/O ceiling'],
      ['share', 'share of ceiling'],
      ['recovery', 'worker SIGKILL → all done (s)'],
      ['workerStart', 'new worker ready (s)'],
      ['creates', 'create jobs / instances / builds'],
    ],
  ) + ratios;
}
