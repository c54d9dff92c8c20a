// Transport security on the production-shape cluster: TLS that requires a client certificate at the
// frontend (and mTLS between the servers), and the server's own JWT authorization at the front door.
// The worker and the dbaas CLI connect as a deployment would, with TEMPORAL_TLS_* and a token in
// TEMPORAL_API_KEY; a read-only token can look but not act.
import http from 'node:http';
import http2 from 'node:http2';
import { mkdtempSync, readFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection, type ConnectionOptions } from '@temporalio/client';
import { freePortBases } from '../helpers/cluster-ports';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCertificates, type ClusterCertificates } from '../../scripts/lib/certs';
import { clusterClientEnv, registerNamespace, startCluster, startClusterWorker, type Cluster } from '../../scripts/lib/cluster';
import type { ManagedProcess } from '../../scripts/lib/process';
import { openLocalIssuer, type LocalIssuer } from '../../src/auth/local-issuer';
import { serviceWorkflowId } from '../../src/shared/contract';
import { progressQuery } from '../../src/shared/messages';
import type { BuildServiceResult } from '../../src/shared/schemas';
import type { DbcsSimulator } from '../../src/simulator/server';
import { connectTemporal } from '../../src/starter/temporal';
import { temporalConnectionFromEnv } from '../../src/worker/config';
import { cliFor, codec, SIM_PASSWORD, SIM_USER, sampleInput, startSimulator, TEST_CODEC_KEY_FILE, TEST_PASSWORD, uniqueName, waitUntil } from '../helpers/harness';

const TASK_QUEUE = 'tls-test';
const DOMAIN = 'tlsdomain';
/** Tokens for Temporal carry their own audience: a token minted for something else is refused. */
const AUDIENCE = 'temporal';
const PERMISSION_DENIED = 7; // gRPC status code
const echo = process.env.CLUSTER_ECHO === '1';

let dir: string;
let certs: ClusterCertificates;
let issuer: LocalIssuer;
let jwks: http.Server;
let cluster: Cluster;
let portBases: number[];
let sim: DbcsSimulator;
let worker: Promise<ManagedProcess>;
const tokens = { admin: '', write: '', read: '', worker: '' };
const closers: (() => Promise<unknown>)[] = [];

/** The issuer's JWKS over HTTP: the servers fetch the token signing keys from it. */
async function serveJwks(file: string): Promise<{ server: http.Server; url: string }> {
  const server = http.createServer((req, res) => {
    if (req.url !== '/jwks.json') return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/json' }).end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/jwks.json` };
}

const token = (subject: string, permissions: string[], audience = AUDIENCE) => issuer.issue({ subject, audience, ttlSeconds: 900, extra: { permissions } });

/** A connection built by the product's own configuration code from the Temporal CLI's variables. */
async function connect(env: NodeJS.ProcessEnv, extra: Partial<ConnectionOptions> = {}): Promise<Connection> {
  const c = temporalConnectionFromEnv(env);
  const connection = await Connection.connect({ address: c.address, tls: c.tls, apiKey: c.apiKey, connectTimeout: 5_000, ...extra });
  closers.push(() => connection.close());
  return connection;
}

async function clientWith(apiKey: string | undefined, frontend = 1): Promise<Client> {
  return new Client({ connection: await connect(clusterClientEnv(cluster, frontend, apiKey)), namespace: 'default', dataConverter: { payloadCodecs: [codec()] } });
}

/** The gRPC status of a failed call: on the error or on one of its causes (the client wraps them). */
function grpcCode(err: unknown): number | undefined {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (typeof e.code === 'number') return e.code;
  }
  return undefined;
}

async function expectDenied(call: Promise<unknown>): Promise<void> {
  const outcome = await call.then(
    () => 'allowed',
    (err: unknown) => err,
  );
  expect(grpcCode(outcome), `expected PermissionDenied, got ${String(outcome)}`).toBe(PERMISSION_DENIED);
}

/** Resolves when a connection attempt fails; fails the test if it succeeds. */
async function expectRefused(options: ConnectionOptions): Promise<void> {
  const outcome = await Connection.connect({ connectTimeout: 3_000, ...options }).then(
    async (c) => (await c.close(), 'connected'),
    (err: unknown) => err,
  );
  expect(outcome, `${options.address} should refuse this client`).toBeInstanceOf(Error);
}

/** The dbaas CLI as a real process, pointed at the cluster with a certificate and the given token. */
const { cli } = cliFor(() => ({
  ...process.env,
  DBAAS_TASK_QUEUE: TASK_QUEUE,
  DBAAS_CODEC_KEY_FILE: TEST_CODEC_KEY_FILE,
  DBCS_BASE_URL: sim.url,
  DBCS_USERNAME: SIM_USER,
  DBCS_PASSWORD: SIM_PASSWORD,
  DBAAS_ADMIN_PASSWORD: TEST_PASSWORD,
  DBAAS_AUTH: 'development',
}));
const cliAs = (apiKey: string, args: string[]) => cli(args, { ...clusterClientEnv(cluster, 1, apiKey), TEMPORAL_TLS_SERVER_NAME: 'localhost' });

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'dbaas-transport-'));
  certs = generateCertificates(path.join(dir, 'certs'));
  issuer = await openLocalIssuer(dir);
  tokens.admin = await token('cluster-admin', ['temporal-system:admin']);
  tokens.write = await token('operator', ['default:write']);
  tokens.read = await token('viewer', ['default:read']);
  tokens.worker = await token('dbaas-worker', ['default:write']);
  const served = await serveJwks(issuer.jwksFile);
  jwks = served.server;
  // 25 off production-shape.test.ts's bases, so the two files never ask for the same ports.
  portBases = await freePortBases(2, 25);
  cluster = await startCluster({ portBases, tls: certs, authorization: { jwksUri: served.url, audience: AUDIENCE, adminToken: tokens.admin }, echo });
  sim = await startSimulator();
  // Bundling the workflows takes a while: the connection checks below run meanwhile.
  worker = startClusterWorker(cluster, 0, {
    taskQueue: TASK_QUEUE,
    dbcs: { url: sim.url, username: SIM_USER, password: SIM_PASSWORD },
    codecKeyFile: TEST_CODEC_KEY_FILE,
    apiKey: tokens.worker,
    env: { DBAAS_AUTH: 'development' },
    echo,
  });
  worker.catch(() => undefined); // awaited (and reported) by the tests that need it
}, 20 * 60_000);

afterAll(async () => {
  await Promise.allSettled(closers.map((c) => c()));
  await worker?.then((w) => w.stop('SIGTERM', 20_000)).catch(() => undefined);
  await sim?.close();
  await cluster?.stop();
  await new Promise((resolve) => (jwks ? jwks.close(resolve) : resolve(undefined)));
}, 120_000);

describe('TLS and authorization at the front door of the production-shape cluster', () => {
  it('refuses plaintext, TLS without a client certificate and an untrusted server; admits mTLS', async () => {
    const address = cluster.addresses[0]!;
    const ca = readFileSync(certs.serverCa);
    const clientCertPair = { crt: readFileSync(certs.clientCert), key: readFileSync(certs.clientKey) };
    await Promise.all([
      expectRefused({ address }),
      expectRefused({ address, tls: { serverRootCACertificate: ca } }),
      // The system's trust store does not know the servers' CA: the client refuses the server.
      expectRefused({ address, tls: { clientCertPair } }),
    ]);
    const ok = await Connection.connect({ address, tls: { serverRootCACertificate: ca, clientCertPair }, connectTimeout: 5_000 });
    closers.push(() => ok.close());
    expect((await ok.workflowService.getSystemInfo({})).capabilities).toBeTruthy();
  });

  it('keeps the internal frontend (system admin for every caller) to the servers’ own certificates', async () => {
    const internal = `127.0.0.1:${portBases[0]! + 3}`;
    const ca = readFileSync(certs.serverCa);
    await expectRefused({ address: internal, tls: { serverRootCACertificate: ca, clientCertPair: { crt: readFileSync(certs.clientCert), key: readFileSync(certs.clientKey) } } });
    // Control: with a server's certificate it answers, without any token (what the system worker relies on).
    const asServer = await Connection.connect({ address: internal, tls: { serverRootCACertificate: ca, clientCertPair: { crt: readFileSync(certs.serverCert), key: readFileSync(certs.serverKey) } }, connectTimeout: 5_000 });
    closers.push(() => asServer.close());
    await expect(asServer.workflowService.listWorkflowExecutions({ namespace: 'default' })).resolves.toBeTruthy();
  });

  it('lets the servers’ system worker in through the internal frontend: a namespace deletion (a system workflow) completes', async () => {
    const scratch = uniqueName('scratch');
    const admin = temporalConnectionFromEnv(clusterClientEnv(cluster, 0, tokens.admin));
    await registerNamespace(cluster.addresses[0]!, scratch, { tls: admin.tls, apiKey: admin.apiKey });
    // Admin only: a write token may not, so the deletion below ran with the admin token's rights.
    const writer = await connect(clusterClientEnv(cluster, 0, tokens.write));
    await expectDenied(writer.operatorService.deleteNamespace({ namespace: scratch }));
    const asAdmin = await connect(clusterClientEnv(cluster, 0, tokens.admin));
    // The frontend runs the deletion workflow through the system client and waits for its result:
    // it returns only if the system worker reached the internal frontend (mTLS, no token) and ran it.
    const { deletedNamespace } = await asAdmin.operatorService.deleteNamespace({ namespace: scratch });
    expect(deletedNamespace).toMatch(new RegExp(`^${scratch}-deleted-`));
  }, 60_000);

  it('lets the token, not the certificate, grant access: mTLS without a token, or with a bad one, is denied', async () => {
    const noToken = await clientWith(undefined);
    await expectDenied(noToken.workflow.count());
    const otherAudience = await token('operator', ['default:write'], 'dbaas');
    const foreign = await (await openLocalIssuer(path.join(dir, 'foreign'))).issue({ subject: 'intruder', audience: AUDIENCE, extra: { permissions: ['temporal-system:admin'] } });
    // A token the claim mapper rejects fails every call, the connection's first (GetSystemInfo) included.
    await expectDenied(connect(clusterClientEnv(cluster, 0, otherAudience)));
    await expectDenied(connect(clusterClientEnv(cluster, 0, foreign)));
    // The CLI says so, rather than calling the server unreachable.
    await expect(connectTemporal({ ...clusterClientEnv(cluster, 0, otherAudience), DBAAS_CODEC_KEY_FILE: TEST_CODEC_KEY_FILE })).rejects.toThrow(/refused the credentials \(TEMPORAL_API_KEY\)/);
  });

  it('runs a build to completion on a worker connected with mTLS and its own write token', async () => {
    await worker;
    const client = await clientWith(tokens.write);
    const name = uniqueName('tls');
    const built = (await client.workflow.execute('buildService', { taskQueue: TASK_QUEUE, workflowId: serviceWorkflowId(DOMAIN, name), args: [sampleInput(name, {}, DOMAIN)] })) as BuildServiceResult;
    expect(built.service.status).toBe('Running');
    expect(sim.state.instance(DOMAIN, name)).toMatchObject({ status: 'Running' });
  }, 120_000);

  it('runs the dbaas CLI over mTLS with a token (TEMPORAL_TLS_SERVER_NAME, TEMPORAL_API_KEY)', async () => {
    await worker;
    const workflowId = serviceWorkflowId('clidomain', 'orders-db');
    const build = await cliAs(tokens.write, ['build', 'examples/single-instance.json', '--domain', 'clidomain', '--wait', '--json']);
    expect(build.code, build.out).toBe(0);
    expect(build.out).toMatch(/"status": "succeeded"/);
    const status = await cliAs(tokens.read, ['status', workflowId, '--json']);
    expect(status.code, status.out).toBe(0);
    expect(status.out).toMatch(/"workflowStatus": "COMPLETED"/);
  }, 120_000);

  it('lets a read-only token list and query, but not start, signal or terminate (PermissionDenied)', async () => {
    await worker;
    const writer = await clientWith(tokens.write);
    const reader = await clientWith(tokens.read, 0);
    sim.configure({ jobDurationMs: { create: 120_000 } }); // the build stays running while the reader tries
    const name = uniqueName('ro');
    const workflowId = serviceWorkflowId(DOMAIN, name);
    const running = await writer.workflow.start('buildService', { taskQueue: TASK_QUEUE, workflowId, args: [sampleInput(name, {}, DOMAIN)] });
    try {
      const handle = reader.workflow.getHandle(workflowId);
      await waitUntil('the create job', () => handle.query(progressQuery).then((p) => p.step), (s) => s === 'waitForCreateJob', 60_000);
      await waitUntil('the reader to list it', async () => (await reader.workflow.count(`WorkflowId = '${workflowId}' AND ExecutionStatus = 'Running'`)).count, (n) => n === 1);

      // The CLI with the read token: list and status (describe + query) work, build does not.
      const [list, status, build] = await Promise.all([
        cliAs(tokens.read, ['list', '--domain', DOMAIN, '--json']),
        cliAs(tokens.read, ['status', workflowId, '--json']),
        cliAs(tokens.read, ['build', 'examples/single-instance.json', '--domain', 'readonlydomain', '--json']),
      ]);
      expect(list.code, list.out).toBe(0);
      expect(list.out).toContain(workflowId);
      expect(status.code, status.out).toBe(0);
      expect(status.out).toMatch(/"step": "waitForCreateJob"/);
      // The CLI prints only the client's summary of the refusal today (the gRPC status is its cause).
      expect(build.code, build.out).toBe(1);
      expect(build.out).toMatch(/PERMISSION_DENIED|unauthorized|Failed to start Workflow/i);

      const other = uniqueName('ro');
      await expectDenied(reader.workflow.start('buildService', { taskQueue: TASK_QUEUE, workflowId: serviceWorkflowId(DOMAIN, other), args: [sampleInput(other, {}, DOMAIN)] }));
      await expectDenied(handle.signal('nudge'));
      await expectDenied(handle.terminate('read-only caller'));
      expect((await handle.describe()).status.name).toBe('RUNNING');

      // Controls: the write token may do both, so the denials above are about the role.
      await running.signal('nudge');
      await running.terminate('test over');
      expect((await handle.describe()).status.name).toBe('TERMINATED');
    } finally {
      sim.configure({ jobDurationMs: { create: 1500 } });
      await running.terminate('cleanup').catch(() => undefined);
    }
  }, 120_000);

  it('sends TEMPORAL_API_KEY as "Authorization: Bearer", in plaintext when TEMPORAL_TLS=false says so', async () => {
    // A plaintext HTTP/2 endpoint that records what a gRPC client sends and answers UNIMPLEMENTED
    // (which the SDK's connection check accepts from old servers).
    const seen: string[] = [];
    const h2c = http2.createServer();
    h2c.on('stream', (stream, headers) => {
      seen.push(`${String(headers[':path'])} ${String(headers.authorization)}`);
      stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '12' }, { endStream: true });
    });
    await new Promise<void>((resolve) => h2c.listen(0, '127.0.0.1', resolve));
    try {
      const address = `127.0.0.1:${(h2c.address() as net.AddressInfo).port}`;
      const t = await connectTemporal({ TEMPORAL_ADDRESS: address, TEMPORAL_API_KEY: tokens.read, TEMPORAL_TLS: 'false', DBAAS_CODEC_KEY_FILE: TEST_CODEC_KEY_FILE });
      await t.close();
      expect(seen).toContain(`/temporal.api.workflowservice.v1.WorkflowService/GetSystemInfo Bearer ${tokens.read}`);
    } finally {
      h2c.close();
    }
    // And against the cluster, the same variable carries the read token that the server accepts.
    const viaEnv = await connect(clusterClientEnv(cluster, 0, tokens.read));
    await expect(viaEnv.workflowService.countWorkflowExecutions({ namespace: 'default' })).resolves.toBeTruthy();
  });
});
