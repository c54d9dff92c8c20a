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

/** A Running service (its create job done), single instance or RAC. */
async function running(name: string, rac = false) {
  const body = spec(name);
  if (rac) {
    body.edition = 'EE_EP';
    body.parameters![0]!.isRac = 'yes';
  }
  await call('POST', `${API_BASE}/dom`, { body });
  clock += 10_000;
}

/** The job a 202 answer's Location points to. */
const jobOf = async (res: { headers: Record<string, unknown> }) => (await call('GET', new URL(String(res.headers.location)).pathname)).json;

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

  it('deletes: not found right after the create (like a GET), busy while the create job runs, then Terminating, then 404', async () => {
    await call('POST', `${API_BASE}/dom`, { body: spec('db6') });
    expect((await call('DELETE', `${API_BASE}/dom/db6`)).status).toBe(404);
    clock += 1_000; // visible now; the create job still runs
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

describe('DBCS simulator: scale and lifecycle', () => {

  it('scales the shape through Maintenance, under status/scale/job', async () => {
    await running('s1');
    const res = await call('PUT', `${API_BASE}/dom/s1`, { body: { shape: 'oc5' } });
    expect(res.status).toBe(202);
    expect(String(res.headers.location)).toContain('/status/scale/job/');
    expect((await call('GET', `${API_BASE}/dom/s1`)).json).toMatchObject({ status: 'Maintenance', shape: 'oc3' });
    clock += 2_000;
    expect(await jobOf(res)).toMatchObject({ job_status: 'Succeeded', job_operation: 'scale-dbaas-service' });
    expect((await call('GET', `${API_BASE}/dom/s1`)).json).toMatchObject({ status: 'Running', shape: 'oc5' });
  });

  it('adds storage to the data volume, the FRA volume, or as a new volume', async () => {
    await running('s2');
    for (const body of [{ additionalStorage: '100', usage: 'data' }, { additionalStorage: 50, usage: 'FRA' }, { additionalStorage: '20' }]) {
      expect((await call('PUT', `${API_BASE}/dom/s2`, { body })).status).toBe(202);
      clock += 2_000;
    }
    expect((await call('GET', `${API_BASE}/dom/s2`)).json).toMatchObject({ usable_storage: 125, fra_storage: 93, additional_volumes: [20] });
  });

  it.each([
    [{}, 'give a shape, an additionalStorage, or both'],
    [{ shape: 'oc3' }, 'already has shape oc3'],
    [{ shape: 'oc77' }, 'shape: must be one of'],
    [{ additionalStorage: '0' }, 'from 1 to 1024'],
    [{ additionalStorage: '2000' }, 'from 1 to 1024'],
    [{ additionalStorage: '-5', usage: 'data' }, 'from 1 to 1024'],
    [{ usage: 'data' }, 'usage: applies only with additionalStorage'],
    [{ additionalStorage: '5', usage: 'logs' }, 'usage: must be data or fra'],
  ])('refuses the scale request %j with 400', async (body, message) => {
    await running('s3');
    const res = await call('PUT', `${API_BASE}/dom/s3`, { body });
    expect(res.status).toBe(400);
    expect(res.json.message).toContain(message);
  });

  it('stops, starts and restarts; refuses what the state does not allow', async () => {
    await running('l1');
    expect((await call('POST', `${API_BASE}/dom/l1`, { body: { lifecycleState: 'Start' } })).json.message).toContain('it is Running, not Stopped');
    const stop = await call('POST', `${API_BASE}/dom/l1`, { body: { lifecycleState: 'Stop' } });
    expect(String(stop.headers.location)).toContain('/status/control/job/');
    expect((await call('PUT', `${API_BASE}/dom/l1`, { body: { shape: 'oc4' } })).json.message).toContain('is busy');
    clock += 1_500;
    expect(await jobOf(stop)).toMatchObject({ job_status: 'Succeeded', job_operation: 'stop-dbaas-service', status: 'Stopped' });
    expect((await call('PUT', `${API_BASE}/dom/l1`, { body: { shape: 'oc4' } })).json.message).toContain('can be scaled only when Running');
    expect((await call('POST', `${API_BASE}/dom/l1`, { body: { lifecycleState: 'restart' } })).json.message).toContain('not Running');
    expect((await call('POST', `${API_BASE}/dom/l1`, { body: { lifecycleState: 'start', lifecycleTimeout: 500 } })).json.message).toContain('lifecycleTimeout');
    expect((await call('POST', `${API_BASE}/dom/l1`, { body: { lifecycleState: 'pause' } })).json.message).toContain('must be stop, start or restart');
    await call('POST', `${API_BASE}/dom/l1`, { body: { lifecycleState: 'start' } });
    clock += 1_500;
    expect((await call('GET', `${API_BASE}/dom/l1`)).json.status).toBe('Running');
  });

  it('stops one VM of a RAC service; the service stays Running', async () => {
    await running('rac1', true);
    expect((await call('GET', `${API_BASE}/dom/rac1/servers`)).json).toHaveLength(2);
    expect((await call('POST', `${API_BASE}/dom/rac1`, { body: { lifecycleState: 'stop', vmName: 'vm-9' } })).json.message).toContain('has no VM vm-9');
    await call('POST', `${API_BASE}/dom/rac1`, { body: { lifecycleState: 'stop', vmName: 'vm-2' } });
    clock += 1_500;
    const servers = (await call('GET', `${API_BASE}/dom/rac1/servers`)).json as unknown as { vmName: string; status: string }[];
    expect(servers.map((s) => `${s.vmName}:${s.status}`)).toEqual(['vm-1:Running', 'vm-2:Stopped']);
    expect((await call('GET', `${API_BASE}/dom/rac1`)).json.status).toBe('Running');
  });

  it('a failed shape job leaves the new shape half applied (the cloud began it)', async () => {
    await running('s4');
    sim.faults.replace({ triggers: [{ action: 'fail-job', route: 'scale', serviceName: 's4' }] });
    const res = await call('PUT', `${API_BASE}/dom/s4`, { body: { shape: 'oc6' } });
    clock += 2_000;
    expect((await jobOf(res)).job_status).toBe('Failed');
    expect((await call('GET', `${API_BASE}/dom/s4`)).json).toMatchObject({ status: 'Running', shape: 'oc6' });
  });
});

describe('DBCS simulator: patching', () => {
  const PATCH_BASE = '/paas/api/v1.1/instancemgmt/dom/services/dbaas/instances';

  it('lists the patches available for the version and level', async () => {
    await running('p1');
    const res = await call('GET', `${PATCH_BASE}/p1/patches/available`);
    expect((res.json.availablePatches as { patchId: string }[]).map((p) => p.patchId)).toEqual(['12201-190115', '12201-190416', '12201-190716']);
    expect((await call('GET', `${API_BASE}/dom/p1`)).json.patch_level).toBe('12.2.0.1.0');
  });

  it('prechecks (jobs under checks/job, answered as view-precheck-response), with findings injected per service', async () => {
    await running('p2');
    await running('p3');
    sim.faults.replace({ triggers: [{ action: 'precheck-finding', route: 'precheck', serviceName: 'p3', message: 'Patch conflicts with one-off 30001234' }] });
    const ok = await call('PUT', `${PATCH_BASE}/p2/patches/checks/12201-190416`);
    const bad = await call('PUT', `${PATCH_BASE}/p3/patches/checks/12201-190416`);
    expect(String(ok.headers.location)).toMatch(/\/patches\/checks\/job\/\d+$/);
    const jobId = String(ok.headers.location).split('/').pop();
    const submitted = await jobOf(ok);
    expect(submitted).toEqual({
      id: Number(jobId),
      jobId,
      patchId: '12201-190416',
      inProgress: true,
      status: 'IN PROGRESS',
      startDate: new Date(clock).toISOString(),
      endDate: null,
      performedBy: SIM_USER,
      preCheckMessages: [],
      resultMessage: 'Submitted job to precheck patch 12201-190416 on service [p2].',
    });
    clock += 1_000;
    expect(await jobOf(ok)).toMatchObject({ inProgress: false, status: 'COMPLETED', preCheckMessages: [], resultMessage: 'Precheck of patch 12201-190416 passed: no problems found', endDate: new Date(clock).toISOString() });
    const failed = await jobOf(bad);
    expect(failed).toMatchObject({ inProgress: false, status: 'FAILED', preCheckMessages: ['Patch conflicts with one-off 30001234'] });
    expect(failed.resultMessage).toContain('found 1 problem(s): Patch conflicts with one-off 30001234');
    // Only the documented fields: no service-job fields on a patch job.
    expect(Object.keys(failed).sort()).toEqual(['endDate', 'id', 'inProgress', 'jobId', 'patchId', 'performedBy', 'preCheckMessages', 'resultMessage', 'startDate', 'status']);
    expect(sim.stats().mutatingCalls).toBe(2); // the two creates; prechecks change nothing
    expect((await call('GET', `${API_BASE}/dom/p2`)).json.status).toBe('Running');
    // A patch job is not a service job: it is not found under status/{requestName}/job.
    expect((await call('GET', `${API_BASE}/dom/status/precheck/job/${jobId}`)).status).toBe(404);
  });

  it('applies a patch to a RAC service node after node, then rolls it back', async () => {
    await running('rac', true);
    sim.configure({ jobDurationMs: { patch: 4_000 } });
    const apply = await call('PUT', `${PATCH_BASE}/rac/patches/12201-190416`, { body: { forceApply: false, additionalNote: 'CHG-1' } });
    expect(apply.status).toBe(202);
    expect(String(apply.headers.location)).toMatch(/\/patches\/applied\/job\/\d+$/);
    clock += 1_000;
    const first = (await call('GET', `${API_BASE}/dom/rac/servers`)).json as unknown as { status: string }[];
    expect(first.map((n) => n.status)).toEqual(['Maintenance', 'Running']);
    clock += 2_000;
    const second = (await call('GET', `${API_BASE}/dom/rac/servers`)).json as unknown as { status: string }[];
    expect(second.map((n) => n.status)).toEqual(['Running', 'Maintenance']);
    expect(await jobOf(apply)).toMatchObject({ inProgress: true, lastStatus: 'IN PROGRESS', currentPatchLevel: '12.2.0.1.0', additionalNote: 'CHG-1' });
    clock += 1_000;
    const done = await jobOf(apply);
    const applyId = String(apply.headers.location).split('/').pop();
    expect(done).toEqual({
      id: Number(applyId),
      jobId: applyId,
      inProgress: false,
      lastStatus: 'COMPLETED',
      currentPatchLevel: '12.2.0.1.190416',
      appliedBy: SIM_USER,
      appliedDate: expect.any(String),
      additionalNote: 'CHG-1',
      backupId: `sw-backup-${applyId}`,
      backupStatus: 'Available',
      componentPatches: [{ component: 'DB', patchId: '12201-190416', displayName: '12.2.0.1.190416' }],
      displayName: '12.2.0.1.190416',
    });
    expect((await call('GET', `${API_BASE}/dom/rac`)).json).toMatchObject({ status: 'Running', patch_level: '12.2.0.1.190416', applied_patches: ['12201-190416'] });
    const applied = (await call('GET', `${PATCH_BASE}/rac/patches/applied`)).json.appliedPatches as { rollbackId: string }[];
    expect((await call('PUT', `${PATCH_BASE}/rac/patches/12201-190416`)).json.message).toContain('is not available');
    const rollback = await call('PUT', `${PATCH_BASE}/rac/patches/${applied[0]!.rollbackId}/rollback`, { body: {} });
    expect(rollback.status).toBe(202);
    expect(String(rollback.headers.location)).toMatch(/\/patches\/applied\/job\/\d+$/);
    expect(await jobOf(rollback)).toMatchObject({ inProgress: true, lastStatus: 'IN PROGRESS', currentPatchLevel: '12.2.0.1.190416' });
    clock += 4_000;
    expect(await jobOf(rollback)).toMatchObject({ inProgress: false, lastStatus: 'COMPLETED', currentPatchLevel: '12.2.0.1.0', displayName: '12.2.0.1.190416' });
    expect(await jobOf(rollback)).not.toHaveProperty('job_status');
    expect((await call('GET', `${API_BASE}/dom/rac`)).json).toMatchObject({ patch_level: '12.2.0.1.0', applied_patches: [] });
  });

  it('fails an apply on a named service, or leaves a patched service unhealthy', async () => {
    await running('p4');
    await running('p5');
    sim.faults.replace({
      triggers: [
        { action: 'fail-job', route: 'apply', serviceName: 'p4', message: 'OPatch failed with error code 73' },
        { action: 'unhealthy', route: 'apply', serviceName: 'p5', leaveStatus: 'Maintenance' },
      ],
    });
    const a = await call('PUT', `${PATCH_BASE}/p4/patches/12201-190115`);
    const b = await call('PUT', `${PATCH_BASE}/p5/patches/12201-190115`);
    clock += 3_000;
    expect(await jobOf(a)).toMatchObject({ inProgress: false, lastStatus: 'FAILED', currentPatchLevel: '12.2.0.1.0' });
    expect(sim.state.jobsOf('dom', 'p4')[0]!.messages.at(-1)).toContain('OPatch failed with error code 73');
    expect((await call('GET', `${API_BASE}/dom/p4`)).json).toMatchObject({ status: 'Running', patch_level: '12.2.0.1.0' });
    // Why it failed is in the job's activity log (the applied-patch answer has no message).
    const jobId = String(a.headers.location).split('/').pop();
    const log = (await call('GET', `/paas/api/v1.1/activitylog/dom/job/${jobId}`)).json;
    expect(log).toMatchObject({ jobId: Number(jobId), serviceName: 'p4', operationType: 'APPLY_PATCH', status: 'FAILED', initiatedBy: 'USER', summaryMessage: 'OPatch failed with error code 73 (on node vm-1)' });
    expect((log.messages as { activityDate: string; message: string }[]).at(-1)).toEqual({ activityDate: new Date(clock).toISOString(), message: 'OPatch failed with error code 73 (on node vm-1)' });
    expect((await call('GET', '/paas/api/v1.1/activitylog/dom/job/99999')).status).toBe(404);
    expect(await jobOf(b)).toMatchObject({ inProgress: false, lastStatus: 'COMPLETED', currentPatchLevel: '12.2.0.1.190115' });
    expect((await call('GET', `${API_BASE}/dom/p5`)).json).toMatchObject({ status: 'Maintenance', patch_level: '12.2.0.1.190115' });
  });
});
