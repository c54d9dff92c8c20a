// `npm run cluster`: the production shape on one machine. A private PostgreSQL (data kept under
// .data/cluster), two temporal-server processes in one ring, the UI with the codec endpoint, the codec
// server, the DBCS simulator and two workers (one per server's frontend). Ctrl+C stops everything;
// the next start finds its workflows where they were.
// Ports: Temporal 7233 and 7333 (+ neighbours), UI 8080, codec 8888, simulator 9080, PostgreSQL 55432.
// All on 127.0.0.1; DBAAS_BIND_HOST moves the UI, the codec server and the simulator (the servers and
// PostgreSQL stay on loopback). The UI has no login here, so the codec server runs with CODEC_AUTH=none.
// Metrics: each server on base+20 (7253, 7353), each worker on 9465, 9466; Prometheus on 9090 scrapes
// them all when a binary is at hand (PROMETHEUS_BIN or `prometheus` on PATH).
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { startCodecServer } from '../src/worker/codec-server';
import { dropEmptyEnvironmentVariables } from '../src/worker/env';
import { bindHost, reachableHost } from './lib/bind-host';
import { startCluster } from './lib/cluster';
import { findPrometheus, startPrometheus } from './lib/prometheus';
import { REPO_ROOT, startTs, type ManagedProcess } from './lib/process';

const stoppers: (() => Promise<unknown>)[] = [];
const stop = async () => {
  for (const s of stoppers.reverse()) await s().catch(() => undefined);
};

async function main(): Promise<void> {
  dropEmptyEnvironmentVariables();
  const dataDir = path.resolve(REPO_ROOT, process.env.DBAAS_DATA_DIR ?? '.data', 'cluster');
  mkdirSync(dataDir, { recursive: true });
  const uiPort = Number(process.env.TEMPORAL_UI_PORT ?? 8080);
  const simulatorPort = Number(process.env.SIM_PORT ?? 9080);
  const host = bindHost();
  const simulatorUrl = `http://${reachableHost(host)}:${simulatorPort}`;
  process.once('SIGINT', () => void stop().then(() => process.exit(0)));
  process.once('SIGTERM', () => void stop().then(() => process.exit(0)));

  const uiOrigins = [...new Set([`http://127.0.0.1:${uiPort}`, `http://localhost:${uiPort}`, `http://${reachableHost(host)}:${uiPort}`])];
  const codec = await startCodecServer({ port: Number(process.env.CODEC_PORT ?? 8888), host, auth: { mode: 'none' }, allowedOrigins: uiOrigins, dataDir });
  stoppers.push(codec.close);
  console.log('starting PostgreSQL, the schemas and two Temporal servers (the first run builds them from source: ~15 min)');
  const cluster = await startCluster({ pgDir: path.join(dataDir, 'pg'), pgPort: Number(process.env.CLUSTER_PG_PORT ?? 55432), uiPort, codecEndpoint: codec.url });
  stoppers.push(() => cluster.stop());

  const env: NodeJS.ProcessEnv = { ...process.env, DBAAS_DATA_DIR: dataDir, DATABASE_URL: process.env.DATABASE_URL ?? cluster.pg.url, DBCS_BASE_URL: process.env.DBCS_BASE_URL ?? simulatorUrl, SIM_HOST: host, SIM_PORT: String(simulatorPort) };
  const simulator: ManagedProcess = startTs('simulator', 'src/simulator/main.ts', [], { env, echo: true });
  stoppers.push(() => simulator.stop());
  await simulator.waitFor(/DBCS simulator listening on/, 30_000);
  const workerMetrics = cluster.addresses.map((_, i) => `127.0.0.1:${9465 + i}`);
  for (const [i, address] of cluster.addresses.entries()) {
    const worker = startTs(`worker-${i + 1}`, 'src/worker/main.ts', [], { env: { ...env, TEMPORAL_ADDRESS: address, DBAAS_METRICS_ADDRESS: workerMetrics[i] }, echo: true });
    stoppers.push(() => worker.stop('SIGTERM', 20_000));
    await worker.waitFor(/dbaas worker ready/, 120_000);
  }
  const scrapeJobs = [
    { job: 'temporal-server', targets: cluster.servers.map((s) => s.metricsAddress) },
    { job: 'dbaas-worker', targets: workerMetrics },
  ];
  const prometheusBin = findPrometheus();
  const prometheus = prometheusBin ? await startPrometheus(prometheusBin, scrapeJobs, dataDir, '127.0.0.1:9090') : undefined;
  if (prometheus) stoppers.push(() => prometheus.stop());
  console.log(
    [
      'cluster ready:',
      `  Temporal frontends ${cluster.addresses.join(', ')} (namespace default)`,
      `  UI ${cluster.uiUrl} (payloads decoded by ${codec.url})`,
      `  PostgreSQL ${cluster.pg.url} (Temporal: temporal, temporal_visibility; audit: postgres)`,
      `  simulator ${simulatorUrl}; two workers`,
      prometheus ? '  Prometheus http://127.0.0.1:9090' : `  metrics: ${scrapeJobs.flatMap((j) => j.targets).join(', ')} (GET /metrics; set PROMETHEUS_BIN to run Prometheus on them)`,
      `  CLI: TEMPORAL_ADDRESS=${cluster.addresses[0]} DATABASE_URL=${cluster.pg.url} DBAAS_DATA_DIR=${path.relative(REPO_ROOT, dataDir)} npm run dbaas -- ...`,
      'Ctrl+C stops everything.',
    ].join('\n'),
  );
}

main().catch(async (err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  await stop();
  process.exit(1);
});
