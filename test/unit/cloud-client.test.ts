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

describe('DbcsClient.readJob: every kind of job in its own shape, one reading', () => {
  let server: http.Server;
  let c: DbcsClient;
  const answers = new Map<string, { status: number; body: unknown }>();
  const paths: string[] = [];
  let nextId = 1;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      paths.push(req.url ?? '');
      const answer = answers.get(req.url?.split('/').pop() ?? '');
      if (!answer) return void res.writeHead(404).end('no such job');
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    c = new DbcsClient({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, username: 'u', password: 'p' });
  });
  afterAll(async () => {
    await c.close();
    server.close();
  });

  /** Answers `body` for a new job of kind `requestName`, and reads it. */
  const read = (requestName: string, body: unknown, status = 200) => {
    const jobId = String(nextId++);
    answers.set(jobId, { status, body });
    return c.readJob('dom', { requestName, jobId, serviceName: 'svc' });
  };

  it('reads service jobs: job_status in any plausible spelling, messages, instance status, operation', async () => {
    const body = { service_name: 'svc', status: 'Running', job_status: 'Succeeded', job_operation: 'create-dbaas-service', message: ['a', 'b'] };
    expect(await read('create', body)).toEqual({ state: 'succeeded', rawStatus: 'Succeeded', messages: ['a', 'b'], instanceStatus: 'Running', serviceName: 'svc', operation: 'create-dbaas-service' });
    expect(paths.at(-1)).toMatch(/\/paas\/service\/dbcs\/api\/v1\.1\/instances\/dom\/status\/create\/job\/\d+$/);
    expect(await read('scale', { job_status: 'Failed', message: 'ORA-1' })).toMatchObject({ state: 'failed', messages: ['ORA-1'] });
    for (const running of ['InProgress', 'In Progress', 'IN_PROGRESS', 'RUNNING', 'NEW', 'Submitted', 'pending']) {
      expect(await read('control', { job_status: running })).toMatchObject({ state: 'running', rawStatus: running, messages: [] });
    }
    for (const [word, state] of [['COMPLETED', 'succeeded'], ['success', 'succeeded'], ['SUCCEED', 'succeeded'], ['FAILURE', 'failed'], ['Error', 'failed']] as const) {
      expect((await read('delete', { job_status: word })).state).toBe(state);
    }
  });

  it('fails loudly on a service job with no readable job_status: non-retryable, naming the job, the field and what it got', async () => {
    const missing = await errorOf(read('create', { service_name: 'svc', status: 'In Progress', message: [] }));
    expect(missing).toMatchObject({ kind: 'invalid-response', retryable: false });
    expect(missing.message).toMatch(/create job \d+ in domain \[dom\]: no job status can be read from the answer \(looked for job_status; got job_status missing; its fields: service_name, status, message\)/);
    const unknown = await errorOf(read('create', { job_status: 'Paused' }));
    expect(unknown.message).toContain('got job_status "Paused"');
    const failure = toFailure(unknown) as ApplicationFailure;
    expect(failure).toMatchObject({ type: 'CloudAnswerUnreadable', nonRetryable: true });
  });

  it('reads precheck jobs (view-precheck-response): inProgress, status, preCheckMessages, resultMessage', async () => {
    expect(await read('precheck', { id: 7, jobId: '7', patchId: 'p', inProgress: true, status: 'IN PROGRESS', preCheckMessages: [], resultMessage: 'Checking' })).toEqual({
      state: 'running',
      rawStatus: 'IN PROGRESS',
      messages: ['Checking'],
      findings: [],
    });
    expect(paths.at(-1)).toMatch(/\/paas\/api\/v1\.1\/instancemgmt\/dom\/services\/dbaas\/instances\/svc\/patches\/checks\/job\/\d+$/);
    expect(await read('precheck', { inProgress: false, status: 'COMPLETED', preCheckMessages: [], resultMessage: 'passed' })).toMatchObject({ state: 'succeeded', findings: [], messages: ['passed'] });
    expect(await read('precheck', { inProgress: false, status: 'FAILED', preCheckMessages: ['Insufficient disk space'], resultMessage: 'found 1' })).toMatchObject({ state: 'failed', findings: ['Insufficient disk space'] });
    // Items may be objects: their message, text or description; an unknown object is kept whole.
    const objects = [{ message: 'conflict with 123' }, { text: 'no access to node 2' }, { description: 'storage down' }, { code: 42 }];
    expect((await read('precheck', { inProgress: false, status: 'Completed', preCheckMessages: objects })).findings).toEqual(['conflict with 123', 'no access to node 2', 'storage down', '{"code":42}']);
    // inProgress alone says running; spelled as a string too; a 202 answer is the job as well.
    expect(await read('precheck', { inProgress: true })).toMatchObject({ state: 'running', rawStatus: 'inProgress: true' });
    expect(await read('precheck', { inProgress: 'false', status: 'Passed' }, 202)).toMatchObject({ state: 'succeeded' });
    expect((await read('precheck', { status: 'SUCCESS' })).state).toBe('succeeded');
  });

  it('reads the older jsonResult of a precheck: a JSON object, an array of messages, or text', async () => {
    const asJson = JSON.stringify({ status: 'FAILED', preCheckMessages: [{ message: 'disk' }], resultMessage: 'failed' });
    expect(await read('precheck', { inProgress: false, jsonResult: asJson })).toMatchObject({ state: 'failed', findings: ['disk'], messages: ['failed'] });
    expect(await read('precheck', { inProgress: false, status: 'COMPLETED', jsonResult: { preCheckMessages: ['conflict'] } })).toMatchObject({ state: 'succeeded', findings: ['conflict'] });
    expect(await read('precheck', { inProgress: false, status: 'FAILED', jsonResult: ['a', 'b'] })).toMatchObject({ findings: ['a', 'b'] });
    expect(await read('precheck', { inProgress: false, status: 'FAILED', jsonResult: 'node 1 unreachable' })).toMatchObject({ findings: [], messages: ['node 1 unreachable'] });
  });

  it('fails loudly on a precheck job with no readable status', async () => {
    const empty = await errorOf(read('precheck', { id: 3, patchId: 'p' }));
    expect(empty).toMatchObject({ kind: 'invalid-response', retryable: false });
    expect(empty.message).toMatch(/precheck job \d+ of service \[svc\]: no job status can be read from the answer \(looked for inProgress, status, lastStatus; got inProgress missing, status missing, lastStatus missing; its fields: id, patchId\)/);
    // Not in progress, but no word for how it ended: neither running nor done.
    expect((await errorOf(read('precheck', { inProgress: false }))).message).toContain('got inProgress false, status missing');
    // Fields that disagree: an end named wins; a running word is running (the wait's deadline bounds it).
    expect(await read('precheck', { inProgress: false, status: 'IN PROGRESS' })).toMatchObject({ state: 'running' });
    expect(await read('patch', { inProgress: true, lastStatus: 'FAILED' })).toMatchObject({ state: 'failed' });
    expect((await errorOf(read('patch', { inProgress: false, lastStatus: 'SOMETHING NEW' }))).message).toContain('lastStatus "SOMETHING NEW"');
    expect((await errorOf(read('precheck', { status: 'Skipped' }))).message).toContain('status "Skipped"');
    expect(await errorOf(read('precheck', { inProgress: 'maybe' }))).toMatchObject({ kind: 'invalid-response', retryable: false });
  });

  it('reads apply and rollback jobs (applied-patch): inProgress, lastStatus, currentPatchLevel', async () => {
    const body = { id: 9, jobId: '9', inProgress: true, lastStatus: 'IN PROGRESS', currentPatchLevel: '12.2.0.1.0', appliedBy: 'u', appliedDate: 'd', additionalNote: 'n', backupId: 'b', backupStatus: 'Available', componentPatches: [], displayName: '12.2.0.1.190416' };
    expect(await read('patch', body)).toEqual({ state: 'running', rawStatus: 'IN PROGRESS', patchLevel: '12.2.0.1.0', messages: ['patch 12.2.0.1.190416: IN PROGRESS (patch level 12.2.0.1.0)'] });
    expect(paths.at(-1)).toMatch(/\/patches\/applied\/job\/\d+$/);
    expect(await read('patch', { ...body, inProgress: false, lastStatus: 'COMPLETED', currentPatchLevel: '12.2.0.1.190416' })).toMatchObject({ state: 'succeeded', patchLevel: '12.2.0.1.190416' });
    const failed = await read('patch', { ...body, inProgress: false, lastStatus: 'FAILED' });
    expect(failed).toMatchObject({ state: 'failed', messages: ['patch 12.2.0.1.190416: FAILED (patch level 12.2.0.1.0)'] });
    expect(await read('patch', { lastStatus: 'completed', resultMessage: 'Completed' })).toMatchObject({ state: 'succeeded', messages: ['Completed'] });
    expect((await read('patch', { inProgress: false, status: 'Failed' })).state).toBe('failed');
  });

  it('fails loudly on an apply or rollback job with no readable status', async () => {
    const none = await errorOf(read('patch', { inProgress: false, currentPatchLevel: '12.2.0.1.0' }));
    expect(none).toMatchObject({ kind: 'invalid-response', retryable: false });
    expect(none.message).toMatch(/patch job \d+ of service \[svc\]: no job status can be read from the answer \(looked for inProgress, lastStatus, status; got inProgress false, lastStatus missing, status missing/);
    expect((await errorOf(read('patch', { lastStatus: 'ROLLING BACK' }))).message).toContain('lastStatus "ROLLING BACK"');
    expect((await errorOf(read('patch', {}))).message).toContain('its fields: none');
  });
});

describe('DbcsClient.jobMessages: a job\'s activity log', () => {
  it('reads the messages (objects or strings) and the summary, oldest first', async () => {
    let answer: unknown = {};
    const urls: string[] = [];
    const server = http.createServer((req, res) => {
      urls.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const c = new DbcsClient({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, username: 'u', password: 'p' });
    answer = { jobId: 42, status: 'FAILED', messages: [{ activityDate: 'd1', message: 'Activity Submitted' }, { activityDate: 'd2', message: 'OPatch failed' }], summaryMessage: 'OPatch failed' };
    expect(await c.jobMessages('dom', '42')).toEqual(['Activity Submitted', 'OPatch failed']);
    expect(urls).toEqual(['/paas/api/v1.1/activitylog/dom/job/42']);
    answer = { messages: ['Activity Started'], summaryMessage: 'The patch could not be applied' };
    expect(await c.jobMessages('dom', '42')).toEqual(['Activity Started', 'The patch could not be applied']);
    answer = {};
    expect(await c.jobMessages('dom', '42')).toEqual([]);
    await c.close();
    server.close();
  });
});
