// The simulator over real HTTP, on a clock the test drives, so job progress is deterministic.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { API_BASE, DbcsSimulator } from '../../src/simulator/server';
import { sampleInput, SIM_PASSWORD, SIM_USER } from '../helpers/harness';

let clock = 1_700_000_000_000;
let sim: DbcsSimulator;
const auth = `Basic ${Buffer.from(`${SIM_USER}:${SIM_PASSWORD}`).toString('base64')}`;
const headers = (extra: Record<string, string> = {}) => ({ authorization: auth, 'x-id-tenant-name': 'dom', ...extra });

async function call(method: string, path: string, options: { body?: unknown; headers?: Record<string, string>; contentType?: string } = {}) {
  const res = await request(`${sim.url}${path}`, {
    method: method as 'GET',
    headers: options.headers ?? headers(options.body !== undefined ? { 'content-type': options.contentType ?? 'application/json' } : {}),
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await res.body.text();
  let json: unknown = text;
  try {
    json = JSON.parse(text);
  } catch {
    // plain text answer
  }
  return { status: res.statusCode, headers: res.headers, json: json as Record<string, unknown>, text };
}

const spec = (name: string) => sampleInput(name).service;

beforeEach(async () => {
  clock = 1_700_000_000_000;
  sim = new DbcsSimulator({ username: SIM_USER, password: SIM_PASSWORD, now: () => clock, jobDurationMs: { create: 10_000, delete: 4_000 }, visibilityDelayMs: 1_000 });
  await sim.listen();
});
afterEach(() => sim.close());

describe('DBCS simulator', () => {
  it('requires Basic auth and an X-ID-TENANT-NAME naming the domain (401 otherwise)', async () => {
    expect((await call('GET', `${API_BASE}/dom`, { headers: {} })).status).toBe(401);
    expect((await call('GET', `${API_BASE}/dom`, { headers: { authorization: auth } })).status).toBe(401);
    expect((await call('GET', `${API_BASE}/dom`, { headers: { authorization: 'Basic eDp5', 'x-id-tenant-name': 'dom' } })).status).toBe(401);
    expect((await call('GET', `${API_BASE}/dom`, { headers: headers({ 'x-id-tenant-name': 'other' }) })).status).toBe(401);
    expect((await call('GET', `${API_BASE}/dom`)).status).toBe(200);
    expect(sim.stats().unauthorized).toBe(4);
  });

  it('creates through a job: 202 + absolute Location, In Progress → Running, 404 for a short while first', async () => {
    const created = await call('POST', `${API_BASE}/dom`, { body: spec('db1') });
    expect(created.status).toBe(202);
    const location = String(created.headers.location);
    expect(location).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:\\d+${API_BASE}/dom/status/create/job/\\d+$`));
    const jobPath = new URL(location).pathname;

    expect((await call('GET', `${API_BASE}/dom/db1`)).status).toBe(404);
    expect((await call('GET', `${API_BASE}/dom/db1`)).text).toBe('No such service exists, check domain and service name');
    clock += 1_000;
    const early = await call('GET', `${API_BASE}/dom/db1`);
    expect(early.json).toMatchObject({ service_name: 'db1', status: 'In Progress', shape: 'oc3', creation_job_id: jobPath.split('/').pop() });

    const running = await call('GET', jobPath);
    expect(running.json).toMatchObject({ job_status: 'InProgress', job_operation: 'create-dbaas-service', status: 'In Progress' });
    clock += 9_000;
    const done = await call('GET', jobPath);
    expect(done.json).toMatchObject({ job_status: 'Succeeded', status: 'Running' });
    expect((done.json.message as string[]).length).toBeGreaterThanOrEqual(4);
    expect(JSON.stringify(done.json)).not.toContain(sampleInput('x').service.parameters![0]!.adminPassword);
    expect((await call('GET', `${API_BASE}/dom/db1`)).json.status).toBe('Running');
    const list = await call('GET', `${API_BASE}/dom`);
    expect(list.json).toMatchObject({ service_type: 'dbaas', services: [{ service_name: 'db1', status: 'Running' }] });
  });

  it('accepts the Oracle media type and refuses others with 415', async () => {
    expect((await call('POST', `${API_BASE}/dom`, { body: spec('db2'), contentType: 'application/vnd.com.oracle.oracloud.provisioning.Service+json' })).status).toBe(202);
    expect((await call('POST', `${API_BASE}/dom`, { body: spec('db3'), contentType: 'text/plain' })).status).toBe(415);
  });

  it('answers invalid create requests with 400 and a message naming the problem', async () => {
    const bad = spec('db4');
    bad.edition = 'EE';
    bad.parameters = [{ type: 'db', usableStorage: '25', adminPassword: 'nodigits', backupDestination: 'NONE', isRac: 'yes' }];
    const res = await call('POST', `${API_BASE}/dom`, { body: bad });
    expect(res.status).toBe(400);
    expect(res.json.message).toContain('requires edition EE_EP');
    expect(res.json.message).toContain('adminPassword: must contain at least one digit');
    expect((await call('POST', `${API_BASE}/dom`, { body: { ...spec('db5'), shape: 'huge' } })).json.message).toContain('shape: must be one of');
    await call('POST', `${API_BASE}/dom`, { body: spec('dup') });
    const dup = await call('POST', `${API_BASE}/dom`, { body: spec('dup') });
    expect(dup.status).toBe(400);
    expect(dup.json.message).toContain('already in use');
  });

  it('deletes: busy while the create job runs, then Terminating, then 404', async () => {
    await call('POST', `${API_BASE}/dom`, { body: spec('db6') });
    const busy = await call('DELETE', `${API_BASE}/dom/db6`);
    expect(busy.status).toBe(400);
    expect(busy.json.message).toContain('is busy');
    clock += 10_000;
    const deleting = await call('DELETE', `${API_BASE}/dom/db6`);
    expect(deleting.status).toBe(202);
    expect(String(deleting.headers.location)).toContain('/status/delete/job/');
    expect((await call('GET', `${API_BASE}/dom/db6`)).json.status).toBe('Terminating');
    clock += 4_000;
    expect((await call('GET', `${API_BASE}/dom/db6`)).status).toBe(404);
    expect((await call('DELETE', `${API_BASE}/dom/db6`)).status).toBe(404);
    expect(sim.stats().instances).toMatchObject({ live: 0, created: 1, deleted: 1 });
  });

  it('injects errors per route with Retry-After, and counts them', async () => {
    sim.faults.replace({ routes: { list: { errorRate: 1, statuses: [429], retryAfterSeconds: 7 } } });
    const res = await call('GET', `${API_BASE}/dom`);
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toBe('7');
    expect(sim.stats().routes.list?.statuses['429']).toBe(1);
  });

  it('fails the job of a named service on a trigger, and only that one', async () => {
    sim.faults.replace({ triggers: [{ action: 'fail-job', route: 'create', serviceName: 'doomed', message: 'ORA-00600' }] });
    const doomed = await call('POST', `${API_BASE}/dom`, { body: spec('doomed') });
    const fine = await call('POST', `${API_BASE}/dom`, { body: spec('fine') });
    clock += 10_000;
    const a = await call('GET', new URL(String(doomed.headers.location)).pathname);
    const b = await call('GET', new URL(String(fine.headers.location)).pathname);
    expect(a.json).toMatchObject({ job_status: 'Failed', status: 'Failed' });
    expect(a.json.message).toContain('ORA-00600');
    expect(b.json).toMatchObject({ job_status: 'Succeeded', status: 'Running' });
  });

  it('drops connections before or after doing the work', async () => {
    sim.faults.replace({ routes: { list: { dropRate: 1 } }, triggers: [{ action: 'drop-after', route: 'create', times: 1 }] });
    await expect(call('GET', `${API_BASE}/dom`)).rejects.toThrow();
    await expect(call('POST', `${API_BASE}/dom`, { body: spec('ghost') })).rejects.toThrow();
    // The dropped create was carried out.
    expect(sim.state.instance('dom', 'ghost')).toBeDefined();
    expect(sim.stats().routes.create?.statuses.dropped).toBe(1);
  });

  it('takes fault configuration and job durations at run time through /__sim', async () => {
    const put = await request(`${sim.url}/__sim/faults`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jobFailureRate: 1 }) });
    expect(put.statusCode).toBe(200);
    await put.body.text();
    const bad = await request(`${sim.url}/__sim/faults`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jobFailureRate: 2 }) });
    expect(bad.statusCode).toBe(400);
    expect(await bad.body.text()).toContain('jobFailureRate');
    const cfg = await request(`${sim.url}/__sim/config`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jobDurationMs: { create: 100 } }) });
    expect(((await cfg.body.json()) as { jobDurationMs: { create: number } }).jobDurationMs.create).toBe(100);
    const created = await call('POST', `${API_BASE}/dom`, { body: spec('quick') });
    clock += 100;
    expect((await call('GET', new URL(String(created.headers.location)).pathname)).json.job_status).toBe('Failed');
    const stats = (await (await request(`${sim.url}/__sim/stats`)).body.json()) as { jobs: { create: { failed: number } } };
    expect(stats.jobs.create.failed).toBe(1);
  });
});
