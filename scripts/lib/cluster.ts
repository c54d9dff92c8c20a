// The production-shape Temporal cluster on one machine: a private PostgreSQL, the schemas set up and
// updated by temporal-sql-tool, two temporal-server processes in one membership ring (each running
// frontend, history, matching and worker), the namespace and search attributes, and the standalone UI.
// Server and UI read the same configuration files as docker-compose.yml (scripts/cluster-config/).
// Optionally with TLS (mTLS) and JWT authorization at the frontend: then every client of the cluster,
// this module's own included, connects with a certificate and a token.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Connection, type ConnectionOptions } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { msToTs } from '@temporalio/common/lib/time';
import { ALL_SEARCH_ATTRIBUTE_KEYS } from '../../src/shared/contract';
import { ensureClusterBinaries, type ClusterBinaries } from '../temporal-server';
import type { ClusterCertificates } from './certs';
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
  /** Frontend gRPC port of each server (two by default); each uses its base+1..+10 and base-300..-294 too. */
  portBases?: readonly number[];
  uiPort?: number;
  codecEndpoint?: string;
  namespace?: string;
  echo?: boolean;
  /** TLS on the frontend (mTLS: the clients' CA signs client certificates) and between the servers. */
  tls?: ClusterCertificates;
  authorization?: ClusterAuthorization;
}

/** JWT authorization at the frontend (the server's default claim mapper and authorizer). */
export interface ClusterAuthorization {
  /** Where the servers fetch the signing keys (a JWKS); it must answer before they start. */
  jwksUri: string;
  permissionsClaim?: string;
  /** Tokens must carry this audience (unchecked when absent). */
  audience?: string;
  /** A token with `temporal-system:admin` (or `<namespace>:admin`): registers the namespace and its search attributes. */
  adminToken: string;
}

export interface TemporalServerProcess {
  address: string;
  portBase: number;
  /** host:port of its Prometheus endpoint (GET /metrics): base+20 (config/cluster.yaml). */
  metricsAddress: string;
  process: ManagedProcess;
}

export interface Cluster {
  pg: PrivatePostgres;
  servers: TemporalServerProcess[];
  /** Frontend addresses, one per server. */
  addresses: string[];
  namespace: string;
  /** The certificates when the cluster runs TLS. */
  tls?: ClusterCertificates;
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
  // The UI's connection is plaintext and tokenless: it has no place on a cluster that requires either yet.
  if (options.uiPort && (options.tls || options.authorization)) throw new Error('startCluster: the UI does not support a TLS or authorization cluster yet');
  try {
    const pg = await startPrivatePostgres({ dir: options.pgDir, port: options.pgPort });
    stoppers.push(() => pg.stop());
    setUpSchemas(bins, pg.port);

    const bases = options.portBases ?? [7233, 7333];
    const namespace = options.namespace ?? 'default';
    const admin = adminConnectionOptions(options);
    const start = (portBase: number) => startTemporalServer(bins, { ...serverEnv(pg.port, portBase, options), portBase, connect: admin, echo: options.echo });
    const servers: TemporalServerProcess[] = [];
    // The first server creates the ring; the others join it through the membership table.
    for (const [i, portBase] of bases.entries()) {
      servers.push(await start(portBase));
      // Stops whichever process holds the slot then (restartServer replaces it).
      stoppers.push(() => servers[i]!.process.stop('SIGTERM', 20_000));
    }
    await registerNamespace(servers[0]!.address, namespace, admin);
    // Each frontend learns of a new namespace on its own cache refresh (up to ~10 s).
    for (const server of servers.slice(1)) await waitForNamespaceAt(server.address, namespace, admin);

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
      namespace,
      tls: options.tls,
      uiUrl,
      async restartServer(index, signal = 'SIGKILL') {
        const old = servers[index]!;
        old.process.child.kill(signal);
        await old.process.exited;
        servers[index] = await start(old.portBase);
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The environment the server's config template reads (scripts/cluster-config/config/cluster.yaml). */
function serverEnv(pgPort: number, portBase: number, options: ClusterOptions): { env: NodeJS.ProcessEnv } {
  // TLS and authorization follow the options only: a variable left in the shell must not turn them on
  // behind this module's back (its own clients would then connect the wrong way).
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^TEMPORAL_(TLS|AUTH)_/.test(k)));
  const env: NodeJS.ProcessEnv = {
    ...inherited,
    TEMPORAL_DB_HOST: '127.0.0.1',
    TEMPORAL_DB_PORT: String(pgPort),
    TEMPORAL_DB_USER: 'postgres',
    TEMPORAL_DB_PASSWORD: '',
    TEMPORAL_BIND_IP: '127.0.0.1',
    TEMPORAL_PORT_BASE: String(portBase),
    TEMPORAL_DYNAMIC_CONFIG: path.join(CLUSTER_CONFIG_DIR, 'dynamicconfig', 'cluster.yaml'),
  };
  if (options.tls) {
    Object.assign(env, {
      TEMPORAL_TLS_CERT: options.tls.serverCert,
      TEMPORAL_TLS_KEY: options.tls.serverKey,
      TEMPORAL_TLS_CA: options.tls.serverCa,
      TEMPORAL_TLS_CLIENT_CA: options.tls.clientCa,
      TEMPORAL_TLS_INTERNODE_SERVER_NAME: options.tls.serverName,
    });
  }
  if (options.authorization) {
    Object.assign(env, {
      TEMPORAL_AUTH_JWKS_URI: options.authorization.jwksUri,
      TEMPORAL_AUTH_PERMISSIONS_CLAIM: options.authorization.permissionsClaim ?? '',
      TEMPORAL_AUTH_AUDIENCE: options.authorization.audience ?? '',
    });
  }
  return { env };
}

/** How this module's own calls reach the frontend: the client certificate and the admin token when the cluster asks for them. */
function adminConnectionOptions(options: ClusterOptions): FrontendConnection {
  return {
    tls: options.tls
      ? { serverRootCACertificate: readFileSync(options.tls.serverCa), clientCertPair: { crt: readFileSync(options.tls.clientCert), key: readFileSync(options.tls.clientKey) } }
      : undefined,
    apiKey: options.authorization?.adminToken,
  };
}

type FrontendConnection = Pick<ConnectionOptions, 'tls' | 'apiKey'>;

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

async function startTemporalServer(
  bins: ClusterBinaries,
  o: { env: NodeJS.ProcessEnv; portBase: number; connect: FrontendConnection; echo?: boolean },
): Promise<TemporalServerProcess> {
  // The config template adds the internal frontend (the system worker's way in) with authorization:
  // the process must then run it too. Without an authorizer the flag keeps the server from warning.
  const services = o.env.TEMPORAL_AUTH_JWKS_URI
    ? ['frontend', 'internal-frontend', 'history', 'matching', 'worker'].flatMap((s) => ['--service', s])
    : [];
  const auth = o.env.TEMPORAL_AUTH_JWKS_URI ? [] : ['--allow-no-auth'];
  const proc = startProcess(`temporal-${o.portBase}`, bins.server, ['--root', CLUSTER_CONFIG_DIR, '--config', 'config', '--env', 'cluster', ...auth, 'start', ...services], {
    env: o.env,
    echo: o.echo,
  });
  const address = `127.0.0.1:${o.portBase}`;
  await waitForTemporal(address, proc, 120_000, o.connect);
  return { address, portBase: o.portBase, metricsAddress: `127.0.0.1:${o.portBase + 20}`, process: proc };
}

/** The namespace and the contract's search attributes (SQL visibility: registered per namespace). */
export async function registerNamespace(address: string, namespace: string, connect: FrontendConnection = {}): Promise<void> {
  const connection = await Connection.connect({ address, ...connect });
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

async function waitForNamespaceAt(address: string, namespace: string, connect: FrontendConnection): Promise<void> {
  const connection = await Connection.connect({ address, ...connect });
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
      // Loopback unless DBAAS_BIND_HOST says otherwise (as scripts/lib/bind-host.ts): this UI has no login.
      TEMPORAL_UI_HOST: process.env.DBAAS_BIND_HOST?.trim() || '127.0.0.1',
      TEMPORAL_UI_PORT: String(port),
      TEMPORAL_UI_ORIGIN: `http://127.0.0.1:${port}`,
      TEMPORAL_CODEC_ENDPOINT: codecEndpoint ?? '',
      // Nobody logs in to this UI, so it has no token to pass; its codec server runs with CODEC_AUTH=none.
      TEMPORAL_CODEC_PASS_ACCESS_TOKEN: 'false',
    },
    echo,
  });
}

export interface ClusterWorkerOptions {
  taskQueue: string;
  dbcs: { url: string; username: string; password: string };
  codecKeyFile: string;
  /** The worker's token (TEMPORAL_API_KEY) when the cluster checks tokens. */
  apiKey?: string;
  /** More environment for the worker process. */
  env?: NodeJS.ProcessEnv;
  echo?: boolean;
}

/**
 * The Temporal CLI's variables that point a process (worker, `dbaas`) at frontend `index`: address,
 * namespace, with TLS the servers' CA and the client certificate, and the token when given.
 */
export function clusterClientEnv(cluster: Pick<Cluster, 'addresses' | 'namespace' | 'tls'>, index: number, apiKey?: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { TEMPORAL_ADDRESS: cluster.addresses[index], TEMPORAL_NAMESPACE: cluster.namespace };
  if (cluster.tls) {
    Object.assign(env, {
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: cluster.tls.serverCa,
      TEMPORAL_TLS_CLIENT_CERT_PATH: cluster.tls.clientCert,
      TEMPORAL_TLS_CLIENT_KEY_PATH: cluster.tls.clientKey,
    });
  }
  if (apiKey) env.TEMPORAL_API_KEY = apiKey;
  return env;
}

/** A worker process on the cluster's frontend `index` (audit trail in the cluster's PostgreSQL, data in a temporary directory); resolves once it is ready. */
export async function startClusterWorker(cluster: Cluster, index: number, o: ClusterWorkerOptions): Promise<ManagedProcess> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...clusterClientEnv(cluster, index, o.apiKey),
    DBAAS_TASK_QUEUE: o.taskQueue,
    DBAAS_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'dbaas-cluster-worker-')),
    DBAAS_CODEC_KEY_FILE: o.codecKeyFile,
    DBCS_BASE_URL: o.dbcs.url,
    DBCS_USERNAME: o.dbcs.username,
    DBCS_PASSWORD: o.dbcs.password,
    DATABASE_URL: cluster.pg.url,
    // Unsigned requests run (as unverified): the scripts and suites that use this drive it unsigned.
    DBAAS_AUTH: 'development',
    ...o.env,
  };
  const worker = startTs(`worker-${index + 1}`, 'src/worker/main.ts', [], { env, echo: o.echo });
  await worker.waitFor(/dbaas worker ready/, 180_000);
  return worker;
}
