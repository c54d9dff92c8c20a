// Applications, their services and contacts, and the deliveries of audit events to contacts, on both
// backends (embedded PGlite and the run's PostgreSQL); and one dispatch pass (the notifyContacts
// workflow's activity) against local webhook receivers: who hears what, once, and what is given up.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createContactActivities } from '../../src/activities/contacts';
import { applyApplicationRequest } from '../../src/audit/applications';
import { openAuditStore } from '../../src/audit/open';
import type { AuditEventInput, AuditStore } from '../../src/audit/types';
import { applicationRequestSchema } from '../../src/shared/applications';
import { uniqueName } from '../helpers/harness';

interface Hook {
  url: string;
  bodies: Record<string, unknown>[];
  /** HTTP status to answer with (per call). */
  status: () => number;
  close: () => void;
}

async function receiver(status: () => number = () => 204): Promise<Hook> {
  const hook: Partial<Hook> = { bodies: [], status };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      hook.bodies!.push({ ...(JSON.parse(body) as Record<string, unknown>), contentType: req.headers['content-type'] });
      res.writeHead(hook.status!()).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return Object.assign(hook, { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, close: () => server.close() }) as Hook;
}

const backends: [string, () => Promise<AuditStore>][] = [
  ['pglite', () => openAuditStore({ inMemory: true })],
  ['postgres', () => openAuditStore({ databaseUrl: inject('databaseUrl') })],
];

describe.each(backends)('applications in the audit store (%s)', (_name, open) => {
  let store: AuditStore;
  let ok: Hook;
  let failing: Hook;
  beforeAll(async () => {
    store = await open();
    ok = await receiver();
    failing = await receiver(() => 500);
  });
  afterAll(async () => {
    ok?.close();
    failing?.close();
    await store?.close();
  });

  let seq = 0;
  const record = async (e: Partial<AuditEventInput> & Pick<AuditEventInput, 'identityDomain' | 'serviceName' | 'event'>): Promise<void> => {
    const workflowId = e.workflowId ?? `svc:${e.identityDomain}:${e.serviceName}`;
    await store.record({ idempotencyKey: `${workflowId}:r:${++seq}:${uniqueName('k')}`, occurredAt: new Date(), workflowId, runId: 'r', operation: 'buildService', ...e });
  };

  it('creates an application, replaces its contacts, and assigns a service to one application at a time', async () => {
    const a = uniqueName('app');
    const b = uniqueName('app');
    const domain = uniqueName('dom');
    expect(await applyApplicationRequest(store, { action: 'create', name: a, contacts: ['https://a.example/h'] })).toMatchObject({ created: true, application: { name: a, contacts: ['https://a.example/h'] } });
    expect(await applyApplicationRequest(store, { action: 'create', name: a, contacts: ['https://a.example/h', 'http://a2.example/h'] })).toMatchObject({ created: false, application: { contacts: ['https://a.example/h', 'http://a2.example/h'] } });
    await applyApplicationRequest(store, { action: 'create', name: b, contacts: ['https://b.example/h'] });
    expect(await applyApplicationRequest(store, { action: 'add', name: a, identityDomain: domain, serviceName: 'db1' })).toEqual({ action: 'add', name: a, identityDomain: domain, serviceName: 'db1' });
    // Moving it: it belongs to b now, and the answer says where from.
    expect(await applyApplicationRequest(store, { action: 'add', name: b, identityDomain: domain, serviceName: 'db1' })).toMatchObject({ previous: a });
    expect(await applyApplicationRequest(store, { action: 'add', name: uniqueName('nope'), identityDomain: domain, serviceName: 'db1' })).toMatchObject({ missing: true });
    expect((await store.getApplication(a))!.services).toEqual([]);
    expect((await store.getApplication(b))!.services).toEqual([{ identityDomain: domain, serviceName: 'db1' }]);
    expect(await applyApplicationRequest(store, { action: 'remove', name: a, identityDomain: domain, serviceName: 'db1' })).toMatchObject({ removed: false });
    expect(await applyApplicationRequest(store, { action: 'remove', name: b, identityDomain: domain, serviceName: 'db1' })).toMatchObject({ removed: true });
    const list = await store.listApplications();
    expect(list.find((x) => x.name === a)).toMatchObject({ services: 0, contacts: ['https://a.example/h', 'http://a2.example/h'] });
    expect(await store.getApplication(uniqueName('nope'))).toBeUndefined();
  });

  it('refuses contacts that are not http(s) URLs, and bad names, before the store', () => {
    for (const contacts of [['file:///etc/passwd'], ['javascript:alert(1)'], ['not a url'], [], ['https://x.example/a', 'https://x.example/a']]) {
      expect(applicationRequestSchema.safeParse({ action: 'create', name: 'orders', contacts }).success, JSON.stringify(contacts)).toBe(false);
    }
    expect(applicationRequestSchema.safeParse({ action: 'create', name: 'has space', contacts: ['https://x.example'] }).success).toBe(false);
    expect(applicationRequestSchema.safeParse({ action: 'add', name: 'orders', identityDomain: 'dom', serviceName: '9db' }).success).toBe(false);
  });

  it('delivers what contacts hear of to the owning application only, once per contact, and gives up on a failing one', async () => {
    const { dispatchNotifications } = createContactActivities(async () => store);
    const app = uniqueName('app');
    const domain = uniqueName('dom');
    await store.upsertApplication(app, [ok.url, failing.url]);
    await store.assignService(app, { identityDomain: domain, serviceName: 'owned' });
    const start = await dispatchNotifications({});
    expect(start).toMatchObject({ read: 0 });
    const rolloutId = `patch:${domain}:p1`;
    await record({ identityDomain: domain, serviceName: 'owned', event: 'requested' }); // not of interest
    await record({ identityDomain: domain, serviceName: 'owned', event: 'failed', step: 'create', details: { error: 'ORA-01034' } });
    await record({ identityDomain: domain, serviceName: 'other', event: 'failed' }); // no application
    await record({ identityDomain: domain, serviceName: 'owned', event: 'needs_attention', operation: 'maintainService', workflowId: `maintain:${domain}:owned` });
    // A rollout's event names no service of ours, but its child patched ours.
    await record({ identityDomain: domain, serviceName: 'owned', event: 'requested', operation: 'patchService', details: { rolloutId } });
    await record({ identityDomain: domain, serviceName: '*', event: 'paused', operation: 'rollingPatch', workflowId: rolloutId, details: { patchId: 'p1' } });
    // And a rollout of other services only: nobody of ours hears of it.
    await record({ identityDomain: domain, serviceName: '*', event: 'approved', operation: 'rollingPatch', workflowId: `patch:${domain}:p2`, details: { services: ['other'] } });
    const before = ok.bodies.length;
    const pass = await dispatchNotifications({ afterEventId: start.lastEventId, maxAttempts: 3, retryInitialMs: 10, settledMs: 0 });
    const mine = ok.bodies.slice(before).filter((b) => b.identityDomain === domain);
    expect(mine.map((b) => b.event)).toEqual(['failed', 'needs_attention', 'paused']);
    expect(mine[0]).toMatchObject({ application: app, serviceName: 'owned', operation: 'buildService', step: 'create', error: 'ORA-01034', contentType: 'application/json' });
    expect(mine[0]!.eventId).toMatch(/^audit:\d+$/);
    expect(mine[2]).toMatchObject({ application: app, serviceName: '*', workflowId: rolloutId, patchId: 'p1' });
    // The failing contact: three tries per event, then recorded failed.
    expect(failing.bodies.filter((b) => b.identityDomain === domain)).toHaveLength(9);
    // (Counts of the whole pass may include other test files' applications on the shared PostgreSQL.)
    expect(pass.delivered).toBeGreaterThanOrEqual(3);
    expect(pass.failed).toBeGreaterThanOrEqual(3);
    const deliveries = await store.listDeliveries({ application: app });
    expect(deliveries).toHaveLength(6);
    expect(deliveries.filter((d) => d.contactUrl === ok.url).every((d) => d.status === 'delivered' && d.attempts === 1 && d.deliveredAt)).toBe(true);
    expect(deliveries.filter((d) => d.contactUrl === failing.url).every((d) => d.status === 'failed' && d.attempts === 3 && /answered 500/.test(d.lastError ?? ''))).toBe(true);
    expect(deliveries.map((d) => d.event).sort()).toEqual(['failed', 'failed', 'needs_attention', 'needs_attention', 'paused', 'paused']);

    // The same pass again (a retried activity): nothing is posted twice.
    const okCount = ok.bodies.length;
    const failCount = failing.bodies.length;
    expect(await dispatchNotifications({ afterEventId: start.lastEventId, maxAttempts: 3, retryInitialMs: 10, settledMs: 0 })).toMatchObject({ lastEventId: pass.lastEventId });
    expect([ok.bodies.length, failing.bodies.length]).toEqual([okCount, failCount]);
  });

  it('leaves events younger than settledMs for a later pass (the cursor does not pass them)', async () => {
    const app = uniqueName('app');
    await store.upsertApplication(app, [ok.url]);
    await store.assignService(app, { identityDomain: 'dom', serviceName: app });
    const after = await store.latestEventId();
    await record({ identityDomain: 'dom', serviceName: app, event: 'failed' });
    const { dispatchNotifications } = createContactActivities(async () => store);
    const [mine] = (await store.notificationCandidates(after, 1000)).filter((c) => c.event.serviceName === app);
    const n = ok.bodies.length;
    await dispatchNotifications({ afterEventId: after, settledMs: 60_000 });
    expect(await store.getDelivery(mine!.event.id, ok.url)).toBeUndefined();
    expect(ok.bodies.slice(n).filter((b) => b.serviceName === app)).toHaveLength(0);
    await dispatchNotifications({ afterEventId: after, settledMs: 0 });
    expect(await store.getDelivery(mine!.event.id, ok.url)).toMatchObject({ status: 'delivered', attempts: 1 });
    expect(ok.bodies.slice(n).filter((b) => b.serviceName === app)).toHaveLength(1);
  });

  it('posts a delivery another dispatcher holds only once its claim ran out', async () => {
    const app = uniqueName('app');
    await store.upsertApplication(app, [ok.url]);
    await store.assignService(app, { identityDomain: 'dom', serviceName: app });
    const after = await store.latestEventId();
    await record({ identityDomain: 'dom', serviceName: app, event: 'action_failed', operation: 'maintainService' });
    const [mine] = (await store.notificationCandidates(after, 1000)).filter((c) => c.event.serviceName === app);
    const claim = { eventId: mine!.event.id, contactUrl: ok.url, application: app, leaseMs: 60_000 };
    expect(await store.claimDelivery({ ...claim, owner: 'notify:contacts:other-queue' })).toMatchObject({ status: 'pending', attempts: 0 });
    const n = ok.bodies.length;
    const { dispatchNotifications } = createContactActivities(async () => store);
    await dispatchNotifications({ afterEventId: after, settledMs: 0 });
    expect(ok.bodies.slice(n).filter((b) => b.serviceName === app)).toHaveLength(0);
    // The same owner takes its claim over at once (a retried pass); an expired claim is anyone's.
    expect(await store.claimDelivery({ ...claim, owner: 'notify:contacts:other-queue', leaseMs: 0 })).toBeDefined();
    await dispatchNotifications({ afterEventId: after, settledMs: 0 });
    expect(ok.bodies.slice(n).filter((b) => b.serviceName === app)).toHaveLength(1);
    expect(await store.claimDelivery({ ...claim, owner: 'anyone' })).toBeUndefined();
  });

  it('posts a delivery whose dispatcher is gone even after every cursor has passed its event', async () => {
    const app = uniqueName('app');
    await store.upsertApplication(app, [ok.url]);
    await store.assignService(app, { identityDomain: 'dom', serviceName: app });
    const after = await store.latestEventId();
    await record({ identityDomain: 'dom', serviceName: app, event: 'failed' });
    const [mine] = (await store.notificationCandidates(after, 1000)).filter((c) => c.event.serviceName === app);
    const claim = { eventId: mine!.event.id, contactUrl: ok.url, application: app, owner: 'notify:contacts:retired-queue' };
    await store.claimDelivery({ ...claim, leaseMs: 60_000 });
    const n = ok.bodies.length;
    const { dispatchNotifications } = createContactActivities(async () => store);
    // This dispatcher's cursor passes the event while the other holds it...
    const pass = await dispatchNotifications({ afterEventId: after, settledMs: 0 });
    expect(Number(pass.lastEventId)).toBeGreaterThanOrEqual(Number(mine!.event.id));
    expect(ok.bodies.slice(n).filter((b) => b.serviceName === app)).toHaveLength(0);
    // ...and the other never comes back: once its claim runs out, the next pass posts it all the same.
    await store.claimDelivery({ ...claim, leaseMs: 0 });
    await dispatchNotifications({ afterEventId: pass.lastEventId, settledMs: 0 });
    expect(ok.bodies.slice(n).filter((b) => b.serviceName === app)).toEqual([expect.objectContaining({ event: 'failed', application: app })]);
    expect(await store.getDelivery(mine!.event.id, ok.url)).toMatchObject({ status: 'delivered', attempts: 1 });
  });

  it('resumes a delivery a crashed pass left pending, counting the tries it made', async () => {
    const app = uniqueName('app');
    await store.upsertApplication(app, [failing.url]);
    await store.assignService(app, { identityDomain: 'dom', serviceName: app });
    const after = await store.latestEventId();
    await record({ identityDomain: 'dom', serviceName: app, event: 'rolled_back' });
    const [candidate] = await store.notificationCandidates(after, 10);
    expect(candidate!.applications).toEqual([{ name: app, contacts: [failing.url] }]);
    // Two tries made before the crash.
    for (let i = 0; i < 2; i++) await store.recordDeliveryAttempt({ eventId: candidate!.event.id, contactUrl: failing.url, application: app, outcome: 'pending', error: 'webhook answered 500' });
    const n = failing.bodies.length;
    const { dispatchNotifications } = createContactActivities(async () => store);
    await dispatchNotifications({ afterEventId: after, maxAttempts: 3, retryInitialMs: 10, settledMs: 0 });
    expect(failing.bodies.length - n).toBe(1);
    expect(await store.getDelivery(candidate!.event.id, failing.url)).toMatchObject({ status: 'failed', attempts: 3 });
    // A settled delivery is not changed by a late attempt.
    await store.recordDeliveryAttempt({ eventId: candidate!.event.id, contactUrl: failing.url, application: app, outcome: 'delivered' });
    expect(await store.getDelivery(candidate!.event.id, failing.url)).toMatchObject({ status: 'failed', attempts: 3 });
  });
});
