// `npm run chaos [-- --ops 200 --minutes 10 --out RELIABILITY.md]`: the production shape under fire.
// Starts the cluster of `npm run cluster` (temporary PostgreSQL, two temporal-server processes), the
// simulator in this process with 30 % injected API faults (5xx, 429 with Retry-After, connections
// dropped before and after the work) and two workers; runs a mixed load (builds, scales, restarts,
// deletes, one fleet rollout, maintained services) while a worker is SIGKILLed every 20 s, one
// temporal-server process is killed and restarted and PostgreSQL restarts once. Then it judges the
// outcome from outside (terminal states, simulator instances and jobs, audit trail), prints it and
// writes RELIABILITY.md.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { openAuditStore } from '../src/audit/open';
import { detachUpdate } from '../src/shared/maintain';
import { DbcsSimulator } from '../src/simulator/server';
import { EncryptionCodec, loadCodecKey } from '../src/worker/codec';
import { dropEmptyEnvironmentVariables } from '../src/worker/env';
import { DOMAIN, Fleet, Load } from './chaos/load';
import { renderReliability } from './chaos/report';
import { judge, settle } from './chaos/verdict';
import { startCluster, startClusterWorker } from './lib/cluster';
import { REPO_ROOT, type ManagedProcess } from './lib/process';

const TASK_QUEUE = 'chaos';
const CODEC_KEY_FILE = path.join(REPO_ROOT, 'test', 'fixtures', 'codec-test.key');

function option(argv: string[], name: string, fallback: number): number {
  const at = argv.indexOf(`--${name}`);
  if (at < 0) return fallback;
  const value = Number(argv[at + 1]);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} needs a positive number`);
  return value;
}

/** What to stop when the run ends, whichever way. */
const cleanups: (() => Promise<unknown>)[] = [];
async function cleanUp(): Promise<void> {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
}

async function main(): Promise<void> {
  dropEmptyEnvironmentVariables();
  const argv = process.argv.slice(2);
  const ops = option(argv, 'ops', 200);
  const minutes = option(argv, 'minutes', 10);
  const killEverySeconds = option(argv, 'kill-every', 20);
  const outAt = argv.indexOf('--out');
  const out = path.resolve(outAt >= 0 ? argv[outAt + 1]! : path.join(REPO_ROOT, 'RELIABILITY.md'));
  let seed = 7;
  const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;

  console.log(`chaos: ${ops} operations over ${minutes} min; a worker SIGKILLed every ${killEverySeconds} s; one server kill; one PostgreSQL restart`);
  const cluster = await startCluster({ pgDir: mkdtempSync(path.join(os.tmpdir(), 'dbaas-chaos-pg-')), portBases: [17233, 17333] });
  cleanups.push(() => cluster.stop());
  const sim = new DbcsSimulator({ username: 'dbaas', password: 'chaos', jobDurationMs: { create: 4000, delete: 2000, scale: 3000, control: 2000, precheck: 500, patch: 3000 }, visibilityDelayMs: 500 });
  await sim.listen();
  cleanups.push(() => sim.close());
  sim.faults.replace({ all: { errorRate: 0.2, statuses: [500, 502, 503, 429], retryAfterSeconds: 1, dropRate: 0.05, dropAfterRate: 0.05 } });
  const startWorker = (i: number) => startClusterWorker(cluster, i, { taskQueue: TASK_QUEUE, dbcs: { url: sim.url, username: 'dbaas', password: 'chaos' }, codecKeyFile: CODEC_KEY_FILE });
  const workers: ManagedProcess[] = await Promise.all([startWorker(0), startWorker(1)]);
  cleanups.push(() => Promise.allSettled(workers.map((w) => w.stop('SIGTERM', 20_000))));
  const connection = await Connection.connect({ address: cluster.addresses[1]! });
  cleanups.push(() => connection.close());
  const client = new Client({ connection, namespace: 'default', dataConverter: { payloadCodecs: [new EncryptionCodec(loadCodecKey({ DBAAS_CODEC_KEY_FILE: CODEC_KEY_FILE }))] } });

  const seeded = Array.from({ length: 20 }, (_, i) => `fleet-${String(i + 1).padStart(2, '0')}`);
  sim.seed(DOMAIN, seeded);
  const fleet = new Fleet();
  const load = new Load(client, TASK_QUEUE, fleet, random);
  const recoveries: { what: string; seconds: number }[] = [];
  const durationMs = minutes * 60_000;
  const began = Date.now();

  // The kills, on their own schedule beside the load.
  let killing = true;
  const chaos = (async () => {
    let next = 0;
    let serverKilled = false;
    let pgRestarted = false;
    while (killing) {
      await new Promise((r) => setTimeout(r, killEverySeconds * 1000));
      if (!killing) break;
      const elapsed = (Date.now() - began) / durationMs;
      const t0 = Date.now();
      if (!serverKilled && elapsed > 0.4) {
        serverKilled = true;
        await cluster.restartServer(0);
        recoveries.push({ what: 'temporal-server 1 SIGKILLed, answering again', seconds: (Date.now() - t0) / 1000 });
        continue;
      }
      if (!pgRestarted && elapsed > 0.6) {
        pgRestarted = true;
        cluster.pg.restart();
        recoveries.push({ what: 'PostgreSQL crashed (immediate stop), accepting connections again', seconds: (Date.now() - t0) / 1000 });
        continue;
      }
      const i = next++ % 2;
      workers[i]!.child.kill('SIGKILL');
      await workers[i]!.exited;
      workers[i] = await startWorker(i);
      recoveries.push({ what: `worker ${i + 1} SIGKILLed, ready again`, seconds: (Date.now() - t0) / 1000 });
    }
  })();

  await load.startMaintained(seeded.slice(10, 15));
  for (let n = 0; n < ops; n++) {
    if (n === Math.floor(ops / 3)) await load.startRollout(seeded.slice(0, 10));
    await load.startOne();
    const due = began + ((n + 1) / ops) * durationMs;
    await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now())));
  }
  killing = false;
  await chaos;
  for (const op of load.ops.filter((o) => o.kind === 'maintainService')) await op.handle.executeUpdate(detachUpdate, { args: [{ reason: 'chaos run over' }] }).catch(() => undefined);
  console.log(`load done after ${Math.round((Date.now() - began) / 1000)} s; waiting for ${load.ops.length} operations to end`);
  const ended = await settle(load.ops, 10 * 60_000);

  const auditStore = await openAuditStore({ databaseUrl: cluster.pg.url });
  const verdict = judge(ended, sim, seeded, await auditStore.query({ identityDomain: DOMAIN, limit: 100_000 }));
  await auditStore.close();
  // Faults the simulator injected: error statuses and connections dropped before or after the work.
  const injected = Object.values(sim.stats().routes).reduce((n, r) => n + ['500', '502', '503', '429', 'dropped'].reduce((m, s) => m + (r.statuses[s] ?? 0), 0), 0);
  const report = renderReliability({ ops, minutes, killEverySeconds, verdict, recoveries, refusedBusy: load.refusedBusy, injected, totalCalls: sim.stats().totalCalls, wallSeconds: (Date.now() - began) / 1000 });
  console.log(report);
  writeFileSync(out, report);
  console.log(`written to ${path.relative(REPO_ROOT, out)}`);

  await cleanUp();
  const clean = verdict.stuck.length === 0 && verdict.duplicateCreates.length === 0 && verdict.leakedInstances.length === 0 && verdict.auditProblems.length === 0;
  process.exit(clean ? 0 : 1);
}

main().catch(async (err: unknown) => {
  console.error(err instanceof Error ? err.stack : err);
  await cleanUp();
  process.exit(2);
});
