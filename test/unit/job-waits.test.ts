// The wait activities against the simulator on a virtual clock (shared with the poller, so hours of
// job time pass in milliseconds): each kind of job read in its shape, deadlines that name what was
// awaited, unreadable answers that fail at once, and heartbeats while an answer is slow.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCloudActivities, type JobOutcome } from '../../src/activities/cloud';
import { DbcsClient } from '../../src/cloud/client';
import { sampleInput } from '../helpers/harness';
import { useVirtualCloud } from '../helpers/virtual-cloud';

const cloud = useVirtualCloud({ create: 3_000, precheck: 1_000, patch: 3_000 });
const { clock } = cloud;
const acts = () => createCloudActivities(cloud.client, { options: { initialMs: 1_000, maxMs: 30_000, growth: 0.1 }, clock });

async function failureOf(p: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}

const wait = (input: Parameters<ReturnType<typeof acts>['waitForJob']>[0], env = new MockActivityEnvironment()) => env.run(() => acts().waitForJob(input)) as Promise<JobOutcome>;

describe('waitForJob reads each kind of job in its own shape', () => {
  it('apply and rollback jobs (applied-patch): the outcome carries the patch level', async () => {
    cloud.sim.seed('w', ['db1']);
    const apply = await cloud.client.applyPatch('w', 'db1', '12201-190416');
    const applied = await wait({ identityDomain: 'w', serviceName: 'db1', requestName: 'patch', jobId: apply.jobId });
    expect(applied).toMatchObject({ jobId: apply.jobId, jobStatus: 'Succeeded', patchLevel: '12.2.0.1.190416', messages: ['patch 12.2.0.1.190416: COMPLETED (patch level 12.2.0.1.190416)'] });
    const { rollbackId } = (await cloud.client.appliedPatches('w', 'db1'))[0]!;
    const rollback = await cloud.client.rollbackPatch('w', 'db1', rollbackId);
    expect(await wait({ identityDomain: 'w', serviceName: 'db1', requestName: 'patch', jobId: rollback.jobId })).toMatchObject({ jobStatus: 'Succeeded', patchLevel: '12.2.0.1.0' });
  });

  it('a failed apply is a Failed outcome whose last message says why (from the job\'s activity log)', async () => {
    cloud.sim.seed('w', ['db2']);
    cloud.sim.faults.replace({ triggers: [{ action: 'fail-job', route: 'apply', serviceName: 'db2', message: 'OPatch failed with error code 73' }] });
    const apply = await cloud.client.applyPatch('w', 'db2', '12201-190416');
    const outcome = await wait({ identityDomain: 'w', serviceName: 'db2', requestName: 'patch', jobId: apply.jobId });
    expect(outcome).toMatchObject({ jobStatus: 'Failed', patchLevel: '12.2.0.1.0' });
    expect(outcome.messages[0]).toBe('patch 12.2.0.1.190416: FAILED (patch level 12.2.0.1.0)');
    expect(outcome.messages.at(-1)).toBe('OPatch failed with error code 73 (on node vm-1)');
    // Without an activity log (or when it cannot be read) the job's own answer is what there is.
    cloud.sim.seed('w', ['db4']);
    cloud.sim.faults.replace({ triggers: [{ action: 'fail-job', route: 'apply', serviceName: 'db4' }], routes: { activitylog: { errorRate: 1, statuses: [500] } } });
    const second = await cloud.client.applyPatch('w', 'db4', '12201-190416');
    const alone = await wait({ identityDomain: 'w', serviceName: 'db4', requestName: 'patch', jobId: second.jobId });
    expect(alone).toMatchObject({ jobStatus: 'Failed', messages: ['patch 12.2.0.1.190416: FAILED (patch level 12.2.0.1.0)'] });
  });

  it('precheck jobs (view-precheck-response): findings from preCheckMessages', async () => {
    cloud.sim.seed('w', ['db3']);
    cloud.sim.faults.replace({ triggers: [{ action: 'precheck-finding', route: 'precheck', serviceName: 'db3', message: 'Insufficient disk space on /u01' }] });
    const job = await cloud.client.precheckPatch('w', 'db3', '12201-190416');
    expect(await wait({ identityDomain: 'w', serviceName: 'db3', requestName: 'precheck', jobId: job.jobId })).toMatchObject({ jobStatus: 'Failed', findings: ['Insufficient disk space on /u01'] });
  });

  it('a patch job needs its service: without one the wait fails at once as invalid input', async () => {
    const failure = await failureOf(wait({ identityDomain: 'w', requestName: 'patch', jobId: '1' }));
    expect(failure).toMatchObject({ type: 'InvalidInput', nonRetryable: true });
  });
});

describe('deadlines', () => {
  it('a job wait without a deadline of its own ends at its kind\'s default (create: 2 h), naming the job and what it saw last', async () => {
    cloud.sim.configure({ jobDurationMs: { create: 5 * 3_600_000 } });
    const job = await cloud.client.createInstance('d', sampleInput('slow1').service as never);
    const started = clock.now();
    const failure = await failureOf(wait({ identityDomain: 'd', requestName: 'create', jobId: job.jobId }));
    expect(failure).toMatchObject({ type: 'WaitTimedOut', nonRetryable: true });
    expect(failure.message).toBe(`gave up waiting for create job ${job.jobId} of service [slow1] to end after 2 h (deadline 2 h); last seen: status InProgress, service In Progress, "SSH access to VM [DB_1/vm-1] succeeded"`);
    expect(clock.now() - started).toBe(2 * 3_600_000);
  });

  it('takes the operation\'s own deadline (deadlineMs), counted from the first attempt', async () => {
    cloud.sim.configure({ jobDurationMs: { create: 5 * 3_600_000 } });
    const job = await cloud.client.createInstance('d', sampleInput('slow2').service as never);
    expect((await failureOf(wait({ identityDomain: 'd', requestName: 'create', jobId: job.jobId, deadlineMs: 10 * 60_000 }))).message).toContain('after 10 min (deadline 10 min)');
    // A retry that resumes from the heartbeat (119 of 120 min gone) has one minute left, not two hours.
    const resumed = new MockActivityEnvironment({ heartbeatDetails: { startedAt: clock.now() - 119 * 60_000, polls: 40, consecutiveErrors: 0 } });
    const started = clock.now();
    expect((await failureOf(wait({ identityDomain: 'd', requestName: 'create', jobId: job.jobId }, resumed))).message).toContain('after 2 h (deadline 2 h)');
    expect(clock.now() - started).toBeLessThanOrEqual(60_000);
  });

  it('a status wait ends at its deadline (default 60 min), naming the service, the awaited status and the last one seen', async () => {
    cloud.sim.seed('s', ['st1']);
    cloud.sim.state.instance('s', 'st1')!.status = 'Stopped';
    const env = new MockActivityEnvironment();
    const waitFor = (deadlineMs?: number) => env.run(() => acts().waitForServiceStatus({ identityDomain: 's', serviceName: 'st1', want: ['Running'], deadlineMs }));
    const failure = await failureOf(waitFor());
    expect(failure).toMatchObject({ type: 'WaitTimedOut', nonRetryable: true });
    expect(failure.message).toBe('gave up waiting for service [st1] in domain [s] to be Running after 1 h (deadline 1 h); last seen: status Stopped');
    expect((await failureOf(waitFor(5 * 60_000))).message).toContain('after 5 min (deadline 5 min)');
  });
});

describe('answers the client cannot read, and slow ones', () => {
  let server: http.Server;
  let raw: DbcsClient;
  let respond: (req: http.IncomingMessage, res: http.ServerResponse) => void = (_req, res) => void res.writeHead(500).end();

  beforeAll(async () => {
    server = http.createServer((req, res) => respond(req, res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    raw = new DbcsClient({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, username: 'u', password: 'p' });
  });
  afterAll(async () => {
    await raw.close();
    server.close();
  });
  const json = (res: http.ServerResponse, body: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));

  it('an answer with no readable status fails the wait at once (CloudAnswerUnreadable), not "still running"', async () => {
    respond = (_req, res) => json(res, { service_name: 'x', status: 'Running', message: ['done?'] });
    const activities = createCloudActivities(raw, { options: { initialMs: 1_000, maxMs: 30_000 }, clock });
    const service = await failureOf(new MockActivityEnvironment().run(() => activities.waitForJob({ identityDomain: 'd', requestName: 'create', jobId: '5' })));
    expect(service).toMatchObject({ type: 'CloudAnswerUnreadable', nonRetryable: true });
    expect(service.message).toContain('create job 5 in domain [d]: no job status can be read from the answer (looked for job_status; got job_status missing');
    respond = (_req, res) => json(res, { id: 6, jobId: '6', inProgress: false, currentPatchLevel: '12.2.0.1.0' });
    const patch = await failureOf(new MockActivityEnvironment().run(() => activities.waitForJob({ identityDomain: 'd', serviceName: 'x', requestName: 'patch', jobId: '6' })));
    expect(patch).toMatchObject({ type: 'CloudAnswerUnreadable', nonRetryable: true });
    expect(patch.message).toContain('patch job 6 of service [x]');
  });

  it('heartbeats while the API takes its time to answer (a 10 s heartbeat timeout must not end the wait)', async () => {
    const env = new MockActivityEnvironment();
    let beats = 0;
    let release: () => void = () => undefined;
    const twoBeats = new Promise<void>((r) => (release = r));
    env.on('heartbeat', () => {
      beats += 1;
      if (beats === 2) release();
    });
    // The job answer is held until two heartbeats went out while it was asked for (one per 2 s).
    respond = (_req, res) => void twoBeats.then(() => json(res, { job_status: 'Succeeded', status: 'Running', message: ['ok'] }));
    const outcome = (await env.run(() => createCloudActivities(raw).waitForJob({ identityDomain: 'd', requestName: 'create', jobId: '7' }))) as JobOutcome;
    expect(outcome).toMatchObject({ jobStatus: 'Succeeded', polls: 1 });
    expect(beats).toBeGreaterThanOrEqual(2);
  }, 20_000);
});
