// Applications and their contacts (issue 14): `dbaas app` (the real CLI process) creates an application
// with a webhook contact and gives it services; the notifyContacts workflow posts the audit events of
// those services (failed operations and their rollbacks, a maintainer's needs_attention, a rollout's
// own events) to the contact, exactly once even when the worker is SIGKILLed mid-delivery, and records
// each delivery (a failing contact is tried, then recorded failed); other services' events reach nobody.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { notifyContactsWorkflowId, type ApplicationDetails } from '../../src/shared/applications';
import { serviceWorkflowId } from '../../src/shared/contract';
import { maintainProgressQuery, maintainWorkflowId } from '../../src/shared/maintain';
import { approveUpdate, rolloutProgressQuery } from '../../src/shared/patching';
import { cliEnvFor, cliFor, sampleInput, startFileStack, uniqueName, waitUntil, type FileStack } from '../helpers/harness';
import { expectReplays } from '../helpers/histories';

interface Received {
  eventId: string;
  event: string;
  application?: string;
  serviceName?: string;
  identityDomain?: string;
  answered: boolean;
}

/** A webhook receiver: keeps every body; `status` answers; `hold` leaves a request unanswered (the worker dies meanwhile). */
async function receiver(answer: (b: Received) => number | 'hold' = () => 204) {
  const got: Received[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const b = { ...(JSON.parse(body) as Omit<Received, 'answered'>), answered: false };
      got.push(b);
      const status = answer(b);
      if (status === 'hold') return;
      b.answered = status < 300;
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, got, close: () => server.close() };
}

let s: FileStack;
let dispatcher: WorkflowHandle;
let dispatcherRunId: string;
const hooks: { close: () => void }[] = [];
beforeAll(async () => {
  s = await startFileStack('apps', { jobDurationMs: { create: 600, delete: 400, control: 400, precheck: 200, patch: 500 } });
  // The dispatcher, started first with quick passes: `dbaas app create` then finds it running (USE_EXISTING).
  dispatcher = await s.t.client.workflow.start('notifyContacts', {
    taskQueue: s.taskQueue,
    workflowId: notifyContactsWorkflowId(s.taskQueue),
    args: [{ pollSeconds: 0.3, maxAttempts: 3, retryInitialMs: 200 }],
  });
  dispatcherRunId = (dispatcher as WorkflowHandle & { firstExecutionRunId: string }).firstExecutionRunId;
});
afterAll(async () => {
  for (const h of hooks) h.close();
  await dispatcher?.terminate('test over').catch(() => undefined);
  await s?.stop();
});
beforeEach(() => s.sim.faults.replace({}));

const { cli } = cliFor(() => cliEnvFor(s));
/** Without DATABASE_URL (empty counts as unset): through the worker. With it: straight to the store. */
const viaWorker = { DATABASE_URL: '' };
const direct = () => ({ DATABASE_URL: inject('databaseUrl') });

async function ok(args: string[], env: NodeJS.ProcessEnv = viaWorker): Promise<string> {
  const r = await cli(args, env);
  expect(r.code, r.out).toBe(0);
  return r.out;
}

async function show(name: string): Promise<ApplicationDetails> {
  const out = await ok(['app', 'show', name, '--json', '--deliveries', '100'], direct());
  return JSON.parse(out.slice(out.indexOf('{'))) as ApplicationDetails;
}

async function failBuild(domain: string, name: string): Promise<void> {
  s.sim.faults.replace({ triggers: [{ action: 'fail-job', route: 'create', serviceName: name, message: 'ORA-01034: ORACLE not available' }] });
  const handle = await s.t.client.workflow.start('buildService', { taskQueue: s.taskQueue, workflowId: serviceWorkflowId(domain, name), args: [sampleInput(name, {}, domain)] });
  await expect(handle.result()).rejects.toThrow();
}

describe('applications and their contacts', () => {
  it('tells the owning application\'s contact of a failed build and its rollback, exactly once across a worker crash; others hear nothing', async () => {
    let held = false;
    // The first post of `rolled_back` is left unanswered, and the worker SIGKILLed while it waits.
    const hook = await receiver((b) => (b.event === 'rolled_back' && !held ? ((held = true), 'hold') : 204));
    hooks.push(hook);
    const app = uniqueName('orders');
    const domain = uniqueName('adom');
    const owned = uniqueName('own');
    const other = uniqueName('oth');
    const created = await ok(['app', 'create', app, '--contact', hook.url]);
    expect(created).toContain(`application [${app}] created`);
    expect(created).toContain(notifyContactsWorkflowId(s.taskQueue));
    // Still the one dispatcher this test started: the CLI's start used it.
    expect((await s.t.client.workflow.getHandle(notifyContactsWorkflowId(s.taskQueue)).describe()).runId).toBe(dispatcherRunId);
    await ok(['app', 'add', app, owned, '--domain', domain]);

    await failBuild(domain, other);
    await failBuild(domain, owned);
    await waitUntil('rolled_back held', () => held, (h) => h, 60_000);
    await s.killAndRestartWorker();
    const mine = () => hook.got.filter((b) => b.identityDomain === domain);
    const got = await waitUntil('both delivered', mine, (g) => ['failed', 'rolled_back'].every((e) => g.some((b) => b.event === e && b.answered)), 90_000);
    expect(got.every((b) => b.serviceName === owned && b.application === app)).toBe(true);
    // Answered once each: the held one was posted again after the crash, the answered one never.
    const answered = got.filter((b) => b.answered);
    expect(answered.map((b) => b.event).sort()).toEqual(['failed', 'rolled_back']);
    expect(new Set(answered.map((b) => b.eventId)).size).toBe(2);
    expect(got.filter((b) => b.event === 'failed')).toHaveLength(1);
    expect(got.filter((b) => b.event === 'rolled_back')).toHaveLength(2);

    const details = await show(app);
    expect(details.services).toEqual([{ identityDomain: domain, serviceName: owned }]);
    expect(details.deliveries.map((d) => [d.event, d.status, d.serviceName]).sort()).toEqual([
      ['failed', 'delivered', owned],
      ['rolled_back', 'delivered', owned],
    ]);
    const text = await ok(['app', 'show', app], direct());
    expect(text).toContain(`${domain}/${owned}`);
    expect(text).toMatch(/rolled_back .* delivered after 1 attempt/);
    expect(await ok(['app', 'list', '--json'])).toContain(app);
  });

  it('tells it of a maintainer\'s needs_attention', async () => {
    const hook = await receiver();
    hooks.push(hook);
    const app = uniqueName('billing');
    const domain = uniqueName('mdom');
    const name = uniqueName('mnt');
    s.sim.seed(domain, [name]);
    await ok(['app', 'create', app, '--contact', hook.url]);
    await ok(['app', 'add', app, name, '--domain', domain], direct());
    // Stopped behind the worker's back, and every start fails: one failure is the limit.
    const res = await fetch(`${s.sim.url}/paas/service/dbcs/api/v1.1/instances/${domain}/${name}`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from('dbaas:simulator').toString('base64')}`, 'x-id-tenant-name': domain, 'content-type': 'application/json' },
      body: JSON.stringify({ lifecycleState: 'stop' }),
    });
    expect(res.status).toBe(202);
    await waitUntil('stopped', () => (s.sim.state.advance(), s.sim.state.instance(domain, name)?.status), (st) => st === 'Stopped');
    s.sim.faults.replace({ triggers: [{ action: 'fail-job', route: 'control', serviceName: name, message: 'ORA-01034: ORACLE not available' }] });
    const handle = await s.t.client.workflow.start('maintainService', {
      taskQueue: s.taskQueue,
      workflowId: maintainWorkflowId(domain, name),
      args: [{ identityDomain: domain, serviceName: name, passIntervalSeconds: 1, healthTimeoutSeconds: 2, restartLimit: 1 }],
    });
    try {
      await waitUntil('needs attention', () => handle.query(maintainProgressQuery), (p) => p.state === 'needs_attention', 60_000);
      const got = await waitUntil('told', () => hook.got, (g) => g.some((b) => b.event === 'needs_attention'), 60_000);
      expect(got.filter((b) => b.event === 'needs_attention')).toHaveLength(1);
      expect(got.find((b) => b.event === 'needs_attention')).toMatchObject({ application: app, identityDomain: domain, serviceName: name });
    } finally {
      await handle.terminate('test over').catch(() => undefined);
    }
  });

  it('tells it of a rollout over its service', async () => {
    const hook = await receiver();
    hooks.push(hook);
    const app = uniqueName('shop');
    const domain = uniqueName('pdom');
    const names = ['pa-01', 'pa-02'];
    s.sim.seed(domain, names);
    await ok(['app', 'create', app, '--contact', hook.url], direct());
    await ok(['app', 'add', app, 'pa-02', '--domain', domain]);
    const handle = await s.t.client.workflow.start('rollingPatch', {
      taskQueue: s.taskQueue,
      workflowId: uniqueName(`patch:${domain}`),
      args: [{ identityDomain: domain, patchId: '12201-190416', services: names, maxParallel: 2, approval: 'first', healthTimeoutSeconds: 10 }],
    });
    await waitUntil('approval', () => handle.query(rolloutProgressQuery), (p) => p.state === 'awaiting_approval');
    await handle.executeUpdate(approveUpdate, { args: [{ by: 'dba' }] });
    await handle.result();
    // Told of the approval and of the end: the rollout's `finished` event names the services it patched.
    const got = await waitUntil('told', () => hook.got, (g) => g.some((b) => b.event === 'approved') && g.some((b) => b.event === 'finished'), 60_000);
    expect(got.find((b) => b.event === 'approved')).toMatchObject({ application: app, identityDomain: domain, serviceName: '*', workflowId: handle.workflowId });
    expect(got.find((b) => b.event === 'finished')).toMatchObject({ application: app, workflowId: handle.workflowId, state: 'completed', patched: expect.arrayContaining(names) as unknown });
  });

  it('tries a contact that answers 500 a few times, then records the delivery failed', async () => {
    const hook = await receiver(() => 500);
    hooks.push(hook);
    const app = uniqueName('flaky');
    const domain = uniqueName('fdom');
    const owned = uniqueName('own');
    await ok(['app', 'create', app, '--contact', hook.url]);
    await ok(['app', 'add', app, owned, '--domain', domain]);
    await failBuild(domain, owned);
    const details = await waitUntil('given up', () => show(app), (d) => d.deliveries.length === 2 && d.deliveries.every((x) => x.status === 'failed'), 90_000);
    expect(details.deliveries.every((d) => d.attempts === 3 && /answered 500/.test(d.lastError ?? ''))).toBe(true);
    expect(hook.got).toHaveLength(6);
    // The dispatcher went on: its history replays on today's code (and is kept with RECORD_HISTORIES=1).
    await expectReplays(dispatcher, 'notifyContacts-deliveries');
  });
});
