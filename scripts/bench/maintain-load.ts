// Benchmark: N maintainService workflows (default 500) with a short pass interval on one worker.
// Prints passes on time, worker RSS and CPU of worker and server. Run: npm run bench -- maintain
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { maintainProgressQuery, maintainWorkflowId, type MaintainProgress } from '../../src/shared/maintain';
import { EncryptionCodec, loadCodecKey } from '../../src/shared/codec';
import { DbcsSimulator } from '../../src/simulator/server';
import { startDevServer } from '../lib/dev-server';
import { startTs } from '../lib/process';

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** CPU seconds (user + system) a process has used. */
function cpuSeconds(pid: number): number {
  // Fields 14 and 15 of /proc/<pid>/stat (utime, stime), in clock ticks of 1/100 s on Linux.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

export async function maintainLoad(n = Number(process.env.BENCH_SERVICES ?? 500), intervalS = Number(process.env.BENCH_INTERVAL ?? 10), durationS = Number(process.env.BENCH_SECONDS ?? 120)): Promise<void> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'dbaas-bench-'));
  const port = 17000 + Math.floor(Math.random() * 1000);
  const server = await startDevServer({ port });
  const sim = new DbcsSimulator({ jobDurationMs: { control: 500, scale: 500 } });
  await sim.listen();
  const env: NodeJS.ProcessEnv = { ...process.env, TEMPORAL_ADDRESS: server.address, DBCS_BASE_URL: sim.url, DBAAS_DATA_DIR: dataDir, DBAAS_TASK_QUEUE: 'bench' };
  delete env.DATABASE_URL;
  const worker = startTs('worker', 'src/worker/main.ts', [], { env });
  await worker.waitFor(/dbaas worker ready/, 120_000);
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection, dataConverter: { payloadCodecs: [new EncryptionCodec(loadCodecKey(env, dataDir))] } });
  const domain = 'bench';
  const names = Array.from({ length: n }, (_, i) => `m-${String(i).padStart(4, '0')}`);
  sim.seed(domain, names);
  try {
    const startedAt = Date.now();
    for (let i = 0; i < names.length; i += 50) {
      await Promise.all(
        names.slice(i, i + 50).map((name) =>
          client.workflow.start('maintainService', { taskQueue: 'bench', workflowId: maintainWorkflowId(domain, name), args: [{ identityDomain: domain, serviceName: name, passIntervalSeconds: intervalS }] }),
        ),
      );
    }
    console.log(`started ${n} maintainService workflows in ${((Date.now() - startedAt) / 1000).toFixed(1)} s; measuring for ${durationS} s`);
    const cpu0 = { worker: cpuSeconds(worker.child.pid!), server: cpuSeconds(server.process.child.pid!) };
    const rss: number[] = [];
    const t0 = Date.now();
    while (Date.now() - t0 < durationS * 1000) {
      rss.push(rssMb(worker.child.pid!));
      await new Promise((r) => setTimeout(r, 5_000));
    }
    const elapsed = (Date.now() - t0) / 1000;
    const cpu1 = { worker: cpuSeconds(worker.child.pid!), server: cpuSeconds(server.process.child.pid!) };
    const progress: MaintainProgress[] = [];
    let queryFailures = 0;
    for (let i = 0; i < names.length; i += 50) {
      const answers = await Promise.allSettled(names.slice(i, i + 50).map((name) => client.workflow.getHandle(maintainWorkflowId(domain, name)).query(maintainProgressQuery)));
      for (const a of answers) {
        if (a.status === 'fulfilled') progress.push(a.value);
        else queryFailures += 1;
      }
    }
    if (queryFailures > 0) console.log(`  ${queryFailures} progress queries failed (counted as not on time)`);
    const now = Date.now();
    // A workflow's passes are on time when it made every pass its interval allows since its first.
    const ratios = progress.map((p) => {
      const expected = Math.floor((now - startedAt) / (intervalS * 1000));
      return Math.min(1, p.counters.passes / Math.max(1, expected));
    });
    const onTime = progress.filter((p) => p.counters.passes >= Math.floor((now - startedAt) / (intervalS * 1000)) - 1).length;
    console.log(`maintain load: ${n} services, pass every ${intervalS} s, ${elapsed.toFixed(0)} s measured`);
    console.log(`  cache: DBAAS_MAX_CACHED_WORKFLOWS=${process.env.DBAAS_MAX_CACHED_WORKFLOWS ?? '(SDK default)'}`);
    console.log(`  passes on time (at most one pass behind): ${((onTime / n) * 100).toFixed(1)} % of services; median share of passes made ${(median(ratios) * 100).toFixed(1)} %`);
    console.log(`  worker RSS: median ${median(rss).toFixed(0)} MB, max ${Math.max(...rss).toFixed(0)} MB`);
    console.log(`  CPU over the window: worker ${(((cpu1.worker - cpu0.worker) / elapsed) * 100).toFixed(0)} % of one core, server ${(((cpu1.server - cpu0.server) / elapsed) * 100).toFixed(0)} %`);
  } finally {
    for (let i = 0; i < names.length; i += 50) {
      await Promise.allSettled(names.slice(i, i + 50).map((name) => client.workflow.getHandle(maintainWorkflowId(domain, name)).terminate('bench over')));
    }
    await connection.close();
    await worker.stop();
    await sim.close();
    await server.process.stop();
  }
}
