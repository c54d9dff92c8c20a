// The local stack: Temporal dev server (+ UI), codec server, DBCS simulator and worker, started in
// that order and stopped in reverse. Used by `npm start` and `npm run demo`. Every port listens on
// 127.0.0.1 unless DBAAS_BIND_HOST says otherwise: the UI has no login here, so neither has the codec
// server (CODEC_AUTH=none), and loopback is what keeps them private.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { startCodecServer } from '../../src/worker/codec-server';
import { bindHost, reachableHost } from './bind-host';
import { startDevServer } from './dev-server';
import { REPO_ROOT, startTs, type ManagedProcess } from './process';

export interface StackOptions {
  temporalPort?: number;
  uiPort?: number;
  codecPort?: number;
  simulatorPort?: number;
  simulatorJobMs?: number;
  dataDir?: string;
  /** Where every component listens; default DBAAS_BIND_HOST or 127.0.0.1. */
  host?: string;
  echo?: boolean;
}

export interface Stack {
  temporalAddress: string;
  uiUrl: string;
  simulatorUrl: string;
  codecUrl: string;
  /** Environment for CLI commands that talk to this stack. */
  env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const dataDir = path.resolve(REPO_ROOT, options.dataDir ?? process.env.DBAAS_DATA_DIR ?? '.data');
  mkdirSync(dataDir, { recursive: true });
  const temporalPort = options.temporalPort ?? 7233;
  const uiPort = options.uiPort ?? 8233;
  const simulatorPort = options.simulatorPort ?? 9080;
  const host = options.host ?? bindHost();
  const reachable = reachableHost(host);
  const stoppers: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    for (const s of stoppers.reverse()) await s().catch(() => undefined);
  };
  try {
    const uiOrigins = [...new Set([`http://127.0.0.1:${uiPort}`, `http://localhost:${uiPort}`, `http://${reachable}:${uiPort}`])];
    const codec = await startCodecServer({ port: options.codecPort ?? 8888, host, auth: { mode: 'none' }, allowedOrigins: uiOrigins, dataDir });
    stoppers.push(codec.close);

    const temporal = await startDevServer({ port: temporalPort, host, uiPort, dbFile: path.join(dataDir, 'temporal.db'), codecEndpoint: codec.url, echo: options.echo });
    stoppers.push(() => temporal.process.stop('SIGTERM'));

    const simulatorUrl = `http://${reachable}:${simulatorPort}`;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      TEMPORAL_ADDRESS: temporal.address,
      DBAAS_DATA_DIR: dataDir,
      DBCS_BASE_URL: process.env.DBCS_BASE_URL ?? simulatorUrl,
      // The local stack's default: unsigned requests run, recorded as unverified (SECURITY.md).
      DBAAS_AUTH: process.env.DBAAS_AUTH ?? 'development',
      SIM_HOST: host,
      SIM_PORT: String(simulatorPort),
      SIM_JOB_MS: String(options.simulatorJobMs ?? 4000),
    };
    const simulator: ManagedProcess = startTs('simulator', 'src/simulator/main.ts', [], { env, echo: options.echo });
    stoppers.push(() => simulator.stop());
    await simulator.waitFor(/DBCS simulator listening on/, 30_000);

    const worker: ManagedProcess = startTs('worker', 'src/worker/main.ts', [], { env, echo: options.echo });
    stoppers.push(() => worker.stop('SIGTERM', 20_000));
    await worker.waitFor(/dbaas worker ready/, 120_000);

    return { temporalAddress: temporal.address, uiUrl: temporal.uiUrl!, simulatorUrl, codecUrl: codec.url, env, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
