// The DBCS client against the simulator (and a raw server for malformed answers): classification of
// every kind of failure, and messages that say what the API answered.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DbcsClient } from '../../src/cloud/client';
import { CloudApiError, parseRetryAfter } from '../../src/cloud/errors';
import { toFailure } from '../../src/activities/failures';
import { ApplicationFailure } from '@temporalio/common';
import type { DbcsSimulator } from '../../src/simulator/server';
import { freePort } from '../../scripts/lib/postgres';
import { sampleInput, SIM_PASSWORD, SIM_USER, startSimulator } from '../helpers/harness';

let sim: DbcsSimulator;
let client: DbcsClient;

beforeAll(async () => {
  sim = await startSimulator({ jobDurationMs: { create: 200, delete: 100 }, visibilityDelayMs: 0 });
  client = new DbcsClient({ baseUrl: sim.url, username: SIM_USER, password: SIM_PASSWORD, headersTimeoutMs: 500 });
});
afterAll(async () => {
  await client.close();
  await sim.close();
});
beforeEach(() => sim.faults.replace({}));

async function errorOf(p: Promise<unknown>): Promise<CloudApiError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(CloudApiError);
  return err as CloudApiError;
}

describe('DbcsClient', () => {
  it('creates, reads the job and the instance, lists and deletes', async () => {
    const job = await client.createInstance('dom', sampleInput('c1').service as never);
    expect(job).toMatchObject({ requestName: 'create', jobId: expect.stringMatching(/^\d+$/) });
    const status = await client.getJob('dom', 'create', job.jobId);
    expect(status.message.length).toBeGreaterThan(0);
    expect((await client.getInstance('dom', 'c1')).service_name).toBe('c1');
    expect((await client.listInstances('dom')).services.map((s) => s.service_name)).toContain('c1');
    expect(await client.findInstance('dom', 'nope')).toBeUndefined();
  });

  it('classifies 429 as retryable and honours Retry-After', async () => {
    sim.faults.replace({ routes: { list: { errorRate: 1, statuses: [429], retryAfterSeconds: 3 } } });
    const err = await errorOf(client.listInstances('dom'));
    expect(err).toMatchObject({ kind: 'http', retryable: true });
    expect(err.details).toMatchObject({ status: 429, retryAfterMs: 3000 });
    const failure = toFailure(err) as ApplicationFailure;
    expect(failure.type).toBe('CloudTransient');
    expect(failure.nonRetryable).toBe(false);
    expect(failure.nextRetryDelay).toBe(3000);
  });

  it('classifies 5xx as retryable and 400/401/404 as final, quoting the API', async () => {
    sim.faults.replace({ routes: { list: { errorRate: 1, statuses: [503] } } });
    expect(await errorOf(client.listInstances('dom'))).toMatchObject({ retryable: true, details: { status: 503 } });
    const bad = await errorOf(client.createInstance('dom', { ...sampleInput('c2').service, shape: 'oc99' } as never));
    expect(bad).toMatchObject({ retryable: false, details: { status: 400 } });
    expect(bad.message).toContain('answered 400: Invalid create request: shape: must be one of');
    expect((toFailure(bad) as ApplicationFailure).nonRetryable).toBe(true);
    const stranger = new DbcsClient({ baseUrl: sim.url, username: SIM_USER, password: 'wrong' });
    expect(await errorOf(stranger.listInstances('dom'))).toMatchObject({ retryable: false, details: { status: 401 } });
    await stranger.close();
    const missing = await errorOf(client.getInstance('dom', 'nope'));
    expect(missing.isNotFound).toBe(true);
    expect(missing.message).toContain('No such service exists');
  });

  it('treats a busy instance as retryable after a pause', async () => {
    await client.createInstance('dom', sampleInput('c3').service as never);
    sim.configure({ jobDurationMs: { create: 60_000 } });
    await client.createInstance('dom', sampleInput('c4').service as never);
    const err = await errorOf(client.deleteInstance('dom', 'c4'));
    const failure = toFailure(err) as ApplicationFailure;
    expect(failure.type).toBe('CloudBusy');
    expect(failure.nonRetryable).toBe(false);
    sim.configure({ jobDurationMs: { create: 200 } });
  });

  it('classifies dropped connections, refused connections and slow answers as retryable', async () => {
    sim.faults.replace({ routes: { list: { dropRate: 1 } } });
    expect(await errorOf(client.listInstances('dom'))).toMatchObject({ kind: 'network', retryable: true });
    sim.faults.replace({ routes: { list: { latencyMs: 1500 } } });
    expect(await errorOf(client.listInstances('dom'))).toMatchObject({ kind: 'timeout', retryable: true });
    const nowhere = new DbcsClient({ baseUrl: `http://127.0.0.1:${await freePort()}`, username: 'u', password: 'p' });
    expect(await errorOf(nowhere.listInstances('dom'))).toMatchObject({ kind: 'network', retryable: true });
    await nowhere.close();
  });

  it('rejects answers that do not match the documented schema', async () => {
    const server = http.createServer((req, res) => {
      if (req.url?.endsWith('/broken')) res.writeHead(200, { 'content-type': 'application/json' }).end('{"status": 3}');
      else res.writeHead(202).end(); // no Location
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const c = new DbcsClient({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, username: 'u', password: 'p' });
    const broken = await errorOf(c.getInstance('dom', 'broken'));
    expect(broken).toMatchObject({ kind: 'invalid-response', retryable: false });
    expect(broken.message).toContain('service_name');
    expect((await errorOf(c.deleteInstance('dom', 'x'))).message).toContain('no usable Location header');
    await c.close();
    server.close();
  });

  it('reads Retry-After as seconds or as a date', () => {
    expect(parseRetryAfter('2')).toBe(2000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});
