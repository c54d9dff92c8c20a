// What every scenario runs on: one Temporal (the dev server, or with --cluster also the production-shape
// cluster on PostgreSQL) and one workflow bundle per bench run; each scenario starts its own
// simulator(s) and worker process(es) on a task queue of its own.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import { workflowInterceptorModules } from '../../src/worker/bundle';
import { dataConverterFor, codecKeyFrom } from '../../src/worker/codec';
import { DbcsSimulator, type SimulatorOptions } from '../../src/simulator/server';
import { startCluster } from '../lib/cluster';
import { startDevServer } from '../lib/dev-server';
import { startTs, type ManagedProcess } from '../lib/process';

export interface BenchWorkerOptions {
  taskQueue: string;
  simulatorUrl: string;
  /** More environment for the worker (poll settings, cache size, DATABASE_URL …). */
  env?: NodeJS.ProcessEnv;
  /** Run the poller's clock this many times faster than real time (from `epoch`). */
  clock?: { factor: number; epoch: number };
}

/** Which Temporal the scenarios run on. */
export type BenchTarget = 'dev-server' | 'cluster';

export const TARGET_TITLES: Record<BenchTarget, string> = {
  'dev-server': 'dev server (SQLite in memory), audit in embedded PGlite',
  cluster: '2 temporal-server processes on PostgreSQL, audit in the same PostgreSQL',
};

export interface BenchEnv {
  client: Client;
  target: BenchTarget;
  /** One frontend per server process; workers take them in turn. */
  temporalAddresses: string[];
  /** The first server process (its CPU time is measured). */
  serverPid: number;
  quick: boolean;
  startWorker(options: BenchWorkerOptions): Promise<ManagedProcess>;
  startSimulator(options?: SimulatorOptions): Promise<DbcsSimulator>;
  close(): Promise<void>;
}

const silent = { info() {}, warn() {}, error: console.error, debug() {}, trace() {}, log() {} };

interface RunningTemporal {
  addresses: string[];
  serverPid: number;
  /** The audit store workers use unless a scenario says otherwise (undefined: embedded PGlite). */
  databaseUrl?: string;
  stop(): Promise<void>;
}

async function startTemporal(target: BenchTarget): Promise<RunningTemporal> {
  // Ports away from the local stack's, the cluster's and the chaos run's.
  const base = 18000 + 10 * Math.floor(Math.random() * 100);
  if (target === 'dev-server') {
    // The dev server keeps its state in memory (no --db-filename): nothing to clean up afterwards.
    const server = await startDevServer({ port: base });
    return { addresses: [server.address], serverPid: server.process.child.pid!, stop: async () => void (await server.process.stop()) };
  }
  const cluster = await startCluster({ portBases: [base, base + 1000] });
  return { addresses: cluster.addresses, serverPid: cluster.servers[0]!.process.child.pid!, databaseUrl: cluster.pg.url, stop: () => cluster.stop() };
}

export async function openBenchEnv(quick: boolean, target: BenchTarget = 'dev-server'): Promise<BenchEnv> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'dbaas-bench-'));
  const [temporal, bundle] = await Promise.all([
    startTemporal(target),
    bundleWorkflowCode({ workflowsPath: require.resolve('./workflows'), workflowInterceptorModules: workflowInterceptorModules(false), logger: silent as never }),
  ]);
  const bundlePath = path.join(tmp, 'bench-workflows.js');
  writeFileSync(bundlePath, bundle.code);
  const codecKey = randomBytes(32).toString('base64');
  const connection = await Connection.connect({ address: temporal.addresses[0]! });
  const client = new Client({ connection, dataConverter: dataConverterFor(codecKeyFrom(Buffer.from(codecKey, 'base64'))) });
  const workers: ManagedProcess[] = [];
  const simulators: DbcsSimulator[] = [];
  let started = 0;

  return {
    client,
    target,
    temporalAddresses: temporal.addresses,
    serverPid: temporal.serverPid,
    quick,
    async startWorker({ taskQueue, simulatorUrl, env = {}, clock }) {
      const dataDir = mkdtempSync(path.join(tmp, 'worker-'));
      const workerEnv: NodeJS.ProcessEnv = {
        ...process.env,
        TEMPORAL_ADDRESS: temporal.addresses[started++ % temporal.addresses.length],
        DBCS_BASE_URL: simulatorUrl,
        DBAAS_DATA_DIR: dataDir,
        DBAAS_TASK_QUEUE: taskQueue,
        DBAAS_WORKFLOW_BUNDLE: bundlePath,
        DBAAS_CODEC_KEY: codecKey,
        DBAAS_AUTH: 'development',
        ...(clock ? { BENCH_CLOCK_FACTOR: String(clock.factor), BENCH_CLOCK_EPOCH: String(clock.epoch) } : {}),
        DATABASE_URL: temporal.databaseUrl,
        ...env,
      };
      if (!workerEnv.DATABASE_URL) delete workerEnv.DATABASE_URL;
      const worker = startTs(`worker-${taskQueue}`, 'scripts/bench/worker.ts', [], { env: workerEnv });
      workers.push(worker);
      await worker.waitFor(/dbaas worker ready/, 120_000);
      return worker;
    },
    async startSimulator(options = {}) {
      const sim = new DbcsSimulator(options);
      await sim.listen();
      simulators.push(sim);
      return sim;
    },
    async close() {
      await Promise.allSettled(workers.map((w) => w.stop('SIGTERM', 10_000)));
      await Promise.allSettled(simulators.map((s) => s.close()));
      await connection.close();
      await temporal.stop();
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}

/** A build input for a benchmark service (the simulator accepts any well-formed one). */
export function benchBuildInput(identityDomain: string, serviceName: string) {
  return {
    identityDomain,
    requestedBy: 'bench',
    service: {
      serviceName,
      version: '12.2.0.1',
      level: 'PAAS' as const,
      edition: 'EE' as const,
      subscriptionType: 'HOURLY' as const,
      shape: 'oc3',
      vmPublicKeyText: 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7bench bench@example',
      parameters: [{ type: 'db' as const, usableStorage: '25', adminPassword: 'Bench#Pass_12', backupDestination: 'NONE' as const }],
    },
  };
}
