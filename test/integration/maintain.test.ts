// maintainService: drift correction, recovery, needs_attention, setDesired, detach, out-of-band delete.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { serviceWorkflowId } from '../../src/shared/contract';
import { detachUpdate, maintainProgressQuery, maintainWorkflowId, setDesiredSignal, setDesiredUpdate, type MaintainProgress, type MaintainResult, type MaintainServiceInput } from '../../src/shared/maintain';
import { auditReader, auditTrail, cliEnvFor, cliFor, startFileStack, uniqueName, waitUntil, type FileStack } from '../helpers/harness';
import { recordHistory } from '../helpers/histories';

let s: FileStack;
const DURATIONS = { control: 600, scale: 600 };
beforeAll(async () => {
  s = await startFileStack('maintain', { jobDurationMs: DURATIONS });
});
afterAll(() => s?.stop());
beforeEach(() => {
  s.sim.faults.replace({});
  s.sim.configure({ jobDurationMs: DURATIONS });
});

function service(prefix: string): { domain: string; name: string } {
  const domain = uniqueName('mdom');
  const name = uniqueName(prefix);
  s.sim.seed(domain, [name]);
  return { domain, name };
}

function attach(domain: string, name: string, extra: Partial<MaintainServiceInput> = {}): Promise<WorkflowHandle> {
  return s.t.client.workflow.start('maintainService', {
    taskQueue: s.taskQueue,
    workflowId: maintainWorkflowId(domain, name),
    args: [{ identityDomain: domain, serviceName: name, passIntervalSeconds: 1, healthTimeoutSeconds: 2, ...extra }],
  });
}

/** Changes the simulated cloud behind the worker's back, through the API itself. */
async function outOfBand(method: 'POST' | 'DELETE', domain: string, name: string, body?: unknown): Promise<void> {
  const res = await fetch(`${s.sim.url}/paas/service/dbcs/api/v1.1/instances/${domain}/${name}`, {
    method,
    headers: { authorization: `Basic ${Buffer.from('dbaas:simulator').toString('base64')}`, 'x-id-tenant-name': domain, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(res.status).toBe(202);
}

const status = (domain: string, name: string) => {
  s.sim.state.advance();
  return s.sim.state.instance(domain, name)?.status;
};

describe('maintainService', () => {
  it('starts a service stopped behind its back within two passes, auditing the drift and the action', async () => {
    const { domain, name } = service('drift');
    const handle = await attach(domain, name, { passIntervalSeconds: 2 });
    await waitUntil('first pass', () => handle.query(maintainProgressQuery), (p) => p.counters.passes >= 1);
    await outOfBand('POST', domain, name, { lifecycleState: 'stop' });
    await waitUntil('stopped', () => status(domain, name), (st) => st === 'Stopped');
    const stoppedAtPass = (await handle.query(maintainProgressQuery)).counters.passes;
    const p = await waitUntil('started again', () => handle.query(maintainProgressQuery), (x) => x.recent.some((r) => r.action === 'start' && r.outcome === 'done'), 30_000);
    expect(status(domain, name)).toBe('Running');
    expect(p.recent.find((r) => r.action === 'start')!.pass).toBeLessThanOrEqual(stoppedAtPass + 2);
    const trail = await (await auditReader()).query({ identityDomain: domain, serviceName: name });
    expect(trail.map((e) => `${e.operation}:${e.event}`)).toEqual(expect.arrayContaining(['maintainService:drift_detected', 'changeLifecycle:succeeded', 'maintainService:action_taken']));
    expect(trail.find((e) => e.event === 'drift_detected')!.details!.drift).toEqual(['Stopped, should be Running']);
    await handle.executeUpdate(detachUpdate, { args: [{}] });
    await handle.result();
    await recordHistory(handle, 'maintainService-drift');
  });

  it('applies setDesired at the next pass, after a manual operation that holds the service', async () => {
    const { domain, name } = service('desired');
    const handle = await attach(domain, name);
    await waitUntil('first pass', () => handle.query(maintainProgressQuery), (p) => p.counters.passes >= 1);
    s.sim.configure({ jobDurationMs: { control: 5000 } });
    const manual = await s.t.client.workflow.start('changeLifecycle', { taskQueue: s.taskQueue, workflowId: serviceWorkflowId(domain, name), args: [{ identityDomain: domain, serviceName: name, lifecycleState: 'restart' }] });
    await waitUntil('manual restart running', () => status(domain, name), (st) => st === 'Maintenance');
    await expect(handle.executeUpdate(setDesiredUpdate, { args: [{ shape: 'oc99' as never }] })).rejects.toMatchObject({ cause: { message: expect.stringMatching(/shape: must be one of/) } });
    expect(await handle.executeUpdate(setDesiredUpdate, { args: [{ shape: 'oc4' }] })).toMatchObject({ status: 'Running', shape: 'oc4' });
    await manual.result();
    expect(s.sim.state.instance(domain, name)?.shape).toBe('oc3');
    const p = await waitUntil('scaled', () => handle.query(maintainProgressQuery), (x) => x.recent.some((r) => r.action === 'scale shape to oc4' && r.outcome === 'done'), 30_000);
    expect(s.sim.state.instance(domain, name)).toMatchObject({ shape: 'oc4', status: 'Running' });
    expect(p.desired.shape).toBe('oc4');
    // The manual restart finished before the scale began: the scale job came after the control job.
    const jobs = s.sim.state.jobsOf(domain, name).reverse().map((j) => j.requestName);
    expect(jobs.indexOf('control')).toBeLessThan(jobs.indexOf('scale'));
    await handle.executeUpdate(detachUpdate, { args: [{}] });
  });

  it('marks a service whose recoveries keep failing needs_attention, notifying contacts once', async () => {
    const calls: string[] = [];
    const hook = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        calls.push((JSON.parse(body) as { event: string }).event);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    try {
      const { domain, name } = service('attn');
      await outOfBand('POST', domain, name, { lifecycleState: 'stop' });
      await waitUntil('stopped', () => status(domain, name), (st) => st === 'Stopped');
      s.sim.faults.replace({ triggers: [{ action: 'fail-job', route: 'control', serviceName: name, message: 'ORA-01034: ORACLE not available' }] });
      const handle = await attach(domain, name, { restartLimit: 2, contacts: [{ url: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/` }] });
      const p = await waitUntil('needs attention', () => handle.query(maintainProgressQuery), (x) => x.state === 'needs_attention', 60_000);
      expect(p.consecutiveRecoveryFailures).toBe(2);
      const passes = p.counters.passes;
      await waitUntil('more passes', () => handle.query(maintainProgressQuery), (x) => x.counters.passes >= passes + 3, 30_000);
      expect((await handle.query(maintainProgressQuery)).counters.failedActions).toBe(2);
      await waitUntil('notified', () => calls, (c) => c.includes('needs_attention'));
      expect(calls.filter((c) => c === 'needs_attention')).toHaveLength(1);
      await handle.executeUpdate(detachUpdate, { args: [{}] });
      expect(((await handle.result()) as MaintainResult).ended).toBe('detached');
      expect(status(domain, name)).toBe('Stopped');
    } finally {
      hook.close();
    }
  });

  it('backs off a correction that keeps failing (a scale) and hands it to a human after restartLimit failures', async () => {
    const { domain, name } = service('scalefail');
    s.sim.faults.replace({ triggers: [{ action: 'fail-job', route: 'scale', serviceName: name, message: 'ORA-00000: shape not available' }] });
    const handle = await attach(domain, name, { restartLimit: 2, desired: { status: 'Running', shape: 'oc5' } });
    // (The pass that asks for attention is recorded in `recent` once its audit write is done.)
    const failedPasses = (x: MaintainProgress) => x.recent.filter((r) => r.outcome === 'failed').length;
    const p = await waitUntil('needs attention', () => handle.query(maintainProgressQuery), (x) => x.state === 'needs_attention' && failedPasses(x) === 2, 60_000);
    expect(p.counters.failedActions).toBe(2);
    // The second try came after a back-off of 2 passes, and nothing is tried once a human is asked.
    const tries = p.recent.filter((r) => r.outcome === 'failed').map((r) => r.pass);
    expect(tries).toHaveLength(2);
    expect(tries[1]! - tries[0]!).toBeGreaterThanOrEqual(2);
    const scaleJobs = s.sim.stats().jobs.scale.submitted;
    await waitUntil('more passes', () => handle.query(maintainProgressQuery), (x) => x.counters.passes >= p.counters.passes + 3, 30_000);
    expect((await handle.query(maintainProgressQuery)).counters.failedActions).toBe(2);
    expect(s.sim.stats().jobs.scale.submitted).toBe(scaleJobs);
    await handle.executeUpdate(detachUpdate, { args: [{}] });
    await handle.result();
  });

  it('hands a service unhealthy past the health timeout to a human at once (no refused restarts), and takes it back once healthy', async () => {
    const { domain, name } = service('failed');
    const instance = s.sim.state.instance(domain, name)!;
    instance.status = 'Failed'; // no API call leads here on demand: the simulated cloud is edited directly
    const before = s.sim.stats().mutatingCalls;
    const handle = await attach(domain, name, { healthTimeoutSeconds: 1 });
    const p = await waitUntil('needs attention', () => handle.query(maintainProgressQuery), (x) => x.state === 'needs_attention' && x.recent.length > 0, 30_000);
    expect(p.counters).toMatchObject({ actions: 0, failedActions: 0 });
    expect(p.recent.at(-1)?.drift.join(' ')).toContain('unhealthy: Failed for longer than the health timeout');
    expect(s.sim.stats().mutatingCalls).toBe(before);
    const trail = await auditTrail(maintainWorkflowId(domain, name));
    expect(trail.filter((e) => e.event === 'needs_attention')).toHaveLength(1);
    expect(trail.find((e) => e.event === 'needs_attention')?.details).toMatchObject({ reason: expect.stringContaining('the API offers no action that repairs a Failed service') });

    instance.status = 'Running'; // someone repaired it
    await waitUntil('maintained again', () => handle.query(maintainProgressQuery), (x) => x.state === 'maintaining', 30_000);
    expect(s.sim.stats().mutatingCalls).toBe(before);
    await handle.executeUpdate(detachUpdate, { args: [{}] });
    await handle.result();
  });

  it('detach ends the workflow and leaves the service as it is; an out-of-band delete ends it with a clear result', async () => {
    const { domain, name } = service('detach');
    const handle = await attach(domain, name, { desired: { status: 'Running', shape: 'oc3' } });
    await waitUntil('a pass', () => handle.query(maintainProgressQuery), (p) => p.counters.passes >= 2);
    const before = s.sim.stats().mutatingCalls;
    expect(await handle.executeUpdate(detachUpdate, { args: [{ reason: 'handover' }] })).toBe('detaching');
    const result = (await handle.result()) as MaintainResult;
    expect(result).toMatchObject({ ended: 'detached', progress: { state: 'detached' } });
    expect(s.sim.stats().mutatingCalls).toBe(before);
    expect(status(domain, name)).toBe('Running');

    const other = service('gone');
    const h2 = await attach(other.domain, other.name);
    await waitUntil('a pass', () => h2.query(maintainProgressQuery), (p) => p.counters.passes >= 1);
    await outOfBand('DELETE', other.domain, other.name);
    const r2 = (await h2.result()) as MaintainResult;
    expect(r2.ended).toBe('deleted');
    expect(r2.progress.lastPass?.drift).toEqual(['the service was deleted outside the worker']);
  });
});

describe('maintainService across continue-as-new', () => {
  it('continues as new several times (server suggests it at 30 events) without losing desired state or a pending setDesired', async () => {
    const { startDevServer } = await import('../../scripts/lib/dev-server');
    const { freePort } = await import('../../scripts/lib/postgres');
    const server = await startDevServer({ port: await freePort(), extraArgs: ['--dynamic-config-value', 'limit.historyCount.suggestContinueAsNew=30'] });
    const own = await startFileStack('maintain-can', { jobDurationMs: DURATIONS }, server.address);
    try {
      const domain = uniqueName('cdom');
      const name = uniqueName('can');
      own.sim.seed(domain, [name]);
      const handle = await own.t.client.workflow.start('maintainService', {
        taskQueue: own.taskQueue,
        workflowId: maintainWorkflowId(domain, name),
        args: [{ identityDomain: domain, serviceName: name, passIntervalSeconds: 1, desired: { status: 'Running', minStorageGb: 30 } }],
      });
      await waitUntil('two runs', () => handle.query(maintainProgressQuery), (p) => p.counters.runs >= 2, 60_000);
      await handle.signal(setDesiredSignal, { shape: 'oc5' });
      const p = await waitUntil('scaled in a later run', () => handle.query(maintainProgressQuery), (x) => x.counters.runs >= 3 && own.sim.state.instance(domain, name)?.shape === 'oc5', 90_000);
      expect(p.desired).toEqual({ status: 'Running', minStorageGb: 30, shape: 'oc5' });
      expect(own.sim.state.instance(domain, name)?.usableStorageGb).toBe(30);
      await handle.executeUpdate(detachUpdate, { args: [{}] });
      const result = (await handle.result()) as MaintainResult;
      expect(result.progress.counters.runs).toBeGreaterThanOrEqual(3);
    } finally {
      await own.stop();
      await server.process.stop('SIGTERM');
    }
  });
});

describe('dbaas maintain', () => {
  const { cli } = cliFor(() => cliEnvFor(s));

  it('attaches, lists, changes the desired state, pauses, resumes and detaches', async () => {
    const { domain, name } = service('cli');
    const attach1 = await cli(['maintain', 'attach', name, '--domain', domain, '--interval', '1', '--shape', 'oc3']);
    expect(attach1.code).toBe(0);
    expect((await cli(['maintain', 'attach', name, '--domain', domain])).code).toBe(3);
    expect((await cli(['maintain', 'attach', name, '--domain', domain, '--shape', 'oc99'])).out).toContain('shape: must be one of');
    await waitUntil('listed', async () => JSON.parse((await cli(['maintain', 'list', '--domain', domain, '--json'])).out) as { service: string; state?: string }[], (rows) => rows.some((r) => r.service === name && r.state === 'maintaining'));
    expect((await cli(['maintain', 'scale', name, '--domain', domain, '--min-storage', '40'])).out).toContain('"minStorageGb":40');
    await waitUntil('storage grown', () => s.sim.state.instance(domain, name)?.usableStorageGb, (gb) => gb === 40, 30_000);
    const status = await cli(['maintain', 'status', name, '--domain', domain]);
    expect(status.out).toMatch(/maintaining; desired \{"status":"Running","shape":"oc3","minStorageGb":40\}/);
    expect((await cli(['maintain', 'resume', name, '--domain', domain])).out).toContain('resume refused: not paused');
    expect((await cli(['maintain', 'pause', name, '--domain', domain])).out).toContain('pause: accepted (paused)');
    expect((await cli(['maintain', 'resume', name, '--domain', domain])).code).toBe(0);
    expect((await cli(['maintain', 'detach', name, '--domain', domain])).out).toContain('no longer maintained');
    expect((await cli(['maintain', 'status', name, '--domain', domain, '--json'])).code).toBe(0);
    expect((await cli(['maintain', 'detach', 'nobody-here', '--domain', domain])).code).toBe(4);
  });
});
