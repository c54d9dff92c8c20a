// The worker's health endpoints: /livez while the process runs, /readyz only while Temporal answers,
// the worker polls and the audit store answers; PostgreSQL going away turns it 503 naming the audit
// store, and coming back turns it 200 again. The codec server's /livez needs no token.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openLocalIssuer } from '../../src/auth/local-issuer';
import { freePort, startPrivatePostgres, type PrivatePostgres } from '../../scripts/lib/postgres';
import type { ManagedProcess } from '../../scripts/lib/process';
import { codecKeyFrom } from '../../src/worker/codec';
import { startCodecServer } from '../../src/worker/codec-server';
import type { DbcsSimulator } from '../../src/simulator/server';
import { startSimulator, startWorker, uniqueName, waitUntil } from '../helpers/harness';

let pg: PrivatePostgres;
let sim: DbcsSimulator;
let worker: ManagedProcess;
let healthUrl: string;

beforeAll(async () => {
  [pg, sim] = await Promise.all([startPrivatePostgres(), startSimulator()]);
  const port = await freePort();
  worker = await startWorker({ taskQueue: uniqueName('health'), simulatorUrl: sim.url, env: { DATABASE_URL: pg.url, DBAAS_HEALTH_PORT: String(port) } });
  healthUrl = `http://127.0.0.1:${port}`;
}, 120_000);
afterAll(async () => {
  await worker?.stop();
  await sim?.close();
  pg?.stop();
});

const get = async (path: string) => {
  const res = await fetch(`${healthUrl}${path}`);
  return { status: res.status, body: (await res.json()) as { status: string; checks?: Record<string, string> } };
};

it('is alive, and ready only while Temporal, polling and the audit store are all fine', async () => {
  expect(await get('/livez')).toEqual({ status: 200, body: { status: 'alive' } });
  expect(await waitUntil('ready', () => get('/readyz'), (r) => r.status === 200)).toEqual({ status: 200, body: { status: 'ready', checks: { temporal: 'ok', polling: 'ok', auditStore: 'ok' } } });

  pg.crash();
  const down = await waitUntil('not ready', () => get('/readyz'), (r) => r.status === 503, 30_000);
  expect(down.body).toMatchObject({ status: 'not ready', checks: { temporal: 'ok', polling: 'ok' } });
  expect(down.body.checks!.auditStore).not.toBe('ok');
  expect((await get('/livez')).status).toBe(200);

  pg.start();
  await waitUntil('ready again', () => get('/readyz'), (r) => r.status === 200, 60_000);
  expect((await get('/nothing')).status).toBe(404);
}, 180_000);

it('serves the codec server\'s liveness without a token, and nothing else without one', async () => {
  const issuer = await openLocalIssuer(mkdtempSync(path.join(os.tmpdir(), 'dbaas-health-')));
  const codec = await startCodecServer({ port: 0, allowedOrigins: [], keys: { current: codecKeyFrom(Buffer.alloc(32, 3)), previous: [] }, auth: { mode: 'jwt', jwksFile: issuer.jwksFile, audience: 'dbaas' } });
  try {
    expect(await (await fetch(`${codec.url}/livez`)).json()).toEqual({ status: 'alive' });
    expect((await fetch(`${codec.url}/decode`, { method: 'POST', body: '{"payloads":[]}' })).status).toBe(401);
  } finally {
    await codec.close();
  }
});
