// The production-shape Temporal cluster on one machine: a private PostgreSQL, the schemas set up and
// updated by temporal-sql-tool, two temporal-server processes in one membership ring (each running
// frontend, history, matching and worker), the namespace and search attributes, and the standalone UI.
// Server and UI read the same configuration files as docker-compose.yml (scripts/cluster-config/).
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { msToTs } from '@temporalio/common/lib/time';
import { ALL_SEARCH_ATTRIBUTE_KEYS } from '../../src/shared/contract';
import { ensureClusterBinaries, type ClusterBinaries } from '../temporal-server';
import { waitForTemporal } from './dev-server';
import { startPrivatePostgres, type PrivatePostgres } from './postgres';
import { REPO_ROOT, startProcess, startTs, type ManagedProcess } from './process';

export const CLUSTER_CONFIG_DIR = path.join(REPO_ROOT, 'scripts', 'cluster-config');
const DATABASES = [
  { name: 'temporal', schema: 'postgresql/v12/temporal' },
  { name: 'temporal_visibility', schema: 'postgresql/v12/visibility' },
] as const;

export interface ClusterOptions {
  /** PostgreSQL's data lives here (kept across restarts); absent: a temporary server. */
  pgDir?: string;
  pgPort?: number;
  /** Frontend gRPC port of each server; each uses its base+1..+10 and base-300..-294 too. */
  portBases?: [number, number];
  uiPort?: number;
  codecEndpoint?: string;
  namespace?: string;
  echo?: boolean;
}

export interface TemporalServerProcess {
  address: string;
  portBase: number;
  process: ManagedProcess;
}

export interface Cluster {
  pg: PrivatePostgres;
  servers: TemporalServerProcess[];
  /** Frontend addresses, one per server. */
  addresses: string[];
  uiUrl?: string;
  /** SIGKILLs one server process and starts it again on the same ports; resolves once it answers. */
  restartServer(index: number, signal?: NodeJS.Signals): Promise<void>;
  stop(): Promise<void>;
}

export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const bins = ensureClusterBinaries();
  const stoppers: (() => Promise<unknown> | void)[] = [];
  const stop = async () => {
    for (const s of stoppers.reverse()) await Promise.resolve(s()).catch(() => undefined);
  };
  try {
    const pg = await startPrivatePostgres({ dir: options.pgDir, port: options.pgPort });
    stoppers.push(() => pg.stop());
    setUpSchemas(bins, pg.port);

    const bases = options.portBases ?? [7233, 7333];
    const servers: TemporalServerProcess[] = [];
    // The first server creates the ring; the second joins it through the membership table.
    for (const [i, portBase] of bases.entries()) {
      servers.push(await startTemporalServer(bins, pg.port, portBase, options.echo));
      // Stops whichever process holds the slot then (restartServer replaces it).
      stoppers.push(() => servers[i]!.process.stop('SIGTERM', 20_000));
    }
    await registerNamespace(servers[0]!.address, options.namespace ?? 'default');
    // Each frontend learns of a new namespace on its own cache refresh (up to ~10 s).
    for (const server of servers.slice(1)) await waitForNamespaceAt(server.address, options.namespace ?? 'default');

    let uiUrl: string | undefined;
    if (options.uiPort) {
      const ui = startUi(bins, servers[0]!.address, options.uiPort, options.codecEndpoint, options.echo);
      stoppers.push(() => ui.stop());
      await ui.waitFor(/http server started|⇨|started on/i, 60_000);
      uiUrl = `http://127.0.0.1:${options.uiPort}`;
    }

    return {
      pg,
      servers,
      addresses: servers.map((s) => s.address),
      uiUrl,
      async restartServer(index, signal = 'SIGKILL') {
        const old = servers[index]!;
        old.process.child.kill(signal);
        await old.process.exited;
        servers[index] = await startTemporalServer(bins, pg.port, old.portBase, options.echo);
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The environment the server's config template reads (scripts/cluster-config/config/cluster.yaml). */
function serverEnv(pgPort: number, portBase: number): NodeJS.ProcessEnv {
  return {
    ...process.env,
    TEMPORAL_DB_HOST: '127.0.0.1',
    TEMPORAL_DB_PORT: String(pgPort),
    TEMPORAL_DB_USER: 'postgres',
    TEMPORAL_DB_PASSWORD: '',
    TEMPORAL_BIND_IP: '127.0.0.1',
    TEMPORAL_PORT_BASE: String(portBase),
    TEMPORAL_DYNAMIC_CONFIG: path.join(CLUSTER_CONFIG_DIR, 'dynamicconfig', 'cluster.yaml'),
  };
}

/** Creates both databases when missing and brings their schemas to the binary's version (safe to repeat). */
export function setUpSchemas(bins: ClusterBinaries, pgPort: number): void {
  for (const db of DATABASES) {
    const base = ['--plugin', 'postgres12', '--ep', '127.0.0.1', '-p', String(pgPort), '-u', 'postgres', '--db', db.name];
    const tool = (args: string[]) => spawnSync(bins.sqlTool, [...base, ...args], { encoding: 'utf8' });
    // create-database fails when it exists: only a new database gets the version tables at 0.0.
    if (tool(['create-database']).status === 0) check(tool(['setup-schema', '-v', '0.0']), `setup-schema ${db.name}`);
    check(tool(['update-schema', '--schema-name', db.schema]), `update-schema ${db.name}`);
  }
}

function check(r: ReturnType<typeof spawnSync>, what: string): void {
  if (r.status !== 0) throw new Error(`temporal-sql-tool ${what} failed: ${String(r.stderr) || String(r.stdout)}`);
}

async function startTemporalServer(bins: ClusterBinaries, pgPort: number, portBase: number, echo?: boolean): Promise<TemporalServerProcess> {
  const proc = startProcess(`temporal-${portBase}`, bins.server, ['--root', CLUSTER_CONFIG_DIR, '--config', 'config', '--env', 'cluster', '--allow-no-auth', 'start'], {
    env: serverEnv(pgPort, portBase),
    echo,
  });
  const address = `127.0.0.1:${portBase}`;
  await waitForTemporal(address, proc, 120_000);
  return { address, portBase, process: proc };
}

/** The namespace and the contract's search attributes (SQL visibility: registered per namespace). */
export async function registerNamespace(address: string, namespace: string): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    try {
      await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('7 days') });
    } catch (err) {
      if (!/already exists|AlreadyExists/i.test(String(err))) throw err;
    }
    const { customAttributes } = await waitForNamespace(connection, namespace);
    const missing = ALL_SEARCH_ATTRIBUTE_KEYS.filter((k) => !(k.name in (customAttributes ?? {})));
    if (missing.length > 0) {
      await connection.operatorService.addSearchAttributes({
        namespace,
        searchAttributes: Object.fromEntries(missing.map((k) => [k.name, temporal.api.enums.v1.IndexedValueType[`INDEXED_VALUE_TYPE_${k.type}`]])),
      });
    }
  } finally {
    await connection.close();
  }
}

async function waitForNamespaceAt(address: string, namespace: string): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    await waitForNamespace(connection, namespace);
  } finally {
    await connection.close();
  }
}

/** A new namespace takes a moment to reach every frontend's cache. */
async function waitForNamespace(connection: Connection, namespace: string) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await connection.workflowService.describeNamespace({ namespace });
      return await connection.operatorService.listSearchAttributes({ namespace });
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

function startUi(bins: ClusterBinaries, temporalAddress: string, port: number, codecEndpoint: string | undefined, echo?: boolean): ManagedProcess {
  return startProcess('temporal-ui', bins.ui, ['--root', CLUSTER_CONFIG_DIR, '--config', 'ui', '--env', 'cluster', 'start'], {
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: temporalAddress,
      TEMPORAL_UI_PORT: String(port),
      TEMPORAL_UI_ORIGIN: `http://127.0.0.1:${port}`,
      TEMPORAL_CODEC_ENDPOINT: codecEndpoint ?? '',
    },
    echo,
  });
}

export interface ClusterWorkerOptions {
  taskQueue: string;
  dbcs: { url: string; username: string; password: string };
  codecKeyFile: string;
  echo?: boolean;
}

/** A worker process on the cluster's frontend `index` (audit trail in the cluster's PostgreSQL, data in a temporary directory); resolves once it is ready. */
export async function startClusterWorker(cluster: Cluster, index: number, o: ClusterWorkerOptions): Promise<ManagedProcess> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TEMPORAL_ADDRESS: cluster.addresses[index],
    TEMPORAL_NAMESPACE: 'default',
    DBAAS_TASK_QUEUE: o.taskQueue,
    DBAAS_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'dbaas-cluster-worker-')),
    DBAAS_CODEC_KEY_FILE: o.codecKeyFile,
    DBCS_BASE_URL: o.dbcs.url,
    DBCS_USERNAME: o.dbcs.username,
    DBCS_PASSWORD: o.dbcs.password,
    DATABASE_URL: cluster.pg.url,
  };
  const worker = startTs(`worker-${index + 1}`, 'src/worker/main.ts', [], { env, echo: o.echo });
  await worker.waitFor(/dbaas worker ready/, 180_000);
  return worker;
}
