// Who asked, verified: a worker that requires signed requests (DBAAS_AUTH=required) with the local
// issuer's keys and a policy file, the real CLI-side interceptor sealing tokens into the start header,
// and the simulator counting cloud calls. Every refusal is PermissionDenied, audited, and calls nothing.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection, WorkflowFailedError, WorkflowUpdateFailedError, type WorkflowClientInterceptor, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ManagedProcess } from '../../scripts/lib/process';
import { openLocalIssuer, type LocalIssuer } from '../../src/auth/local-issuer';
import type { Policy } from '../../src/auth/policy';
import { sealCredential } from '../../src/auth/sealed-credential';
import { serviceWorkflowId } from '../../src/shared/contract';
import { CREDENTIAL_HEADER } from '../../src/shared/identity';
import { credentialInterceptor } from '../../src/starter/identity';
import type { DbcsSimulator } from '../../src/simulator/server';
import { approveSignal, approveUpdate, rolloutProgressQuery } from '../../src/shared/patching';
import { auditTrail, cliFor, cliEnvFor, codec, sampleInput, startSimulator, startWorker, uniqueName, waitUntil } from '../helpers/harness';
import { expectReplays } from '../helpers/histories';

const POLICY: Policy = {
  roles: { viewer: [], operator: ['buildService', 'scaleService', 'changeLifecycle', 'maintainService'], admin: ['*'] },
  grants: [
    { group: 'operators', role: 'operator', identityDomains: ['dev*', 'prod'] },
    { group: 'viewers', role: 'viewer', identityDomains: ['*'] },
    { subject: 'root@example.com', role: 'admin', identityDomains: ['*'] },
  ],
  ticketRequired: ['prod'],
};

let sim: DbcsSimulator;
let worker: ManagedProcess;
let issuer: LocalIssuer;
let connection: Connection;
const taskQueue = uniqueName('requester');
const cloudCalls = () => Object.values(sim.stats().routes).reduce((n, r) => n + (r?.calls ?? 0), 0);

beforeAll(async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dbaas-requester-'));
  issuer = await openLocalIssuer(dir);
  const policyFile = path.join(dir, 'policy.json');
  writeFileSync(policyFile, JSON.stringify(POLICY));
  sim = await startSimulator({ jobDurationMs: { create: 300, scale: 300, delete: 300, precheck: 200, patch: 300 } });
  [worker, connection] = await Promise.all([
    startWorker({ taskQueue, simulatorUrl: sim.url, env: { DBAAS_AUTH: 'required', DBAAS_AUTH_JWKS_FILE: issuer.jwksFile, DBAAS_POLICY_FILE: policyFile } }),
    Connection.connect({ address: inject('temporalAddress') }),
  ]);
}, 120_000);
afterAll(async () => {
  await worker?.stop();
  await connection?.close();
  await sim?.close();
});

/** A client as the CLI builds it: with the sealing interceptor when it has a token. */
const clientWith = (interceptor?: WorkflowClientInterceptor) => new Client({ connection, dataConverter: { payloadCodecs: [codec()] }, interceptors: { workflow: interceptor ? [interceptor] : [] } });
const clientFor = async (subject: string, groups: string[], ttlSeconds = 600) => clientWith(credentialInterceptor(codec(), await issuer.issue({ subject, groups, ttlSeconds })));

function startBuild(client: Client, domain: string, name: string, extra: Record<string, unknown> = {}): Promise<WorkflowHandleWithFirstExecutionRunId> {
  return client.workflow.start('buildService', { taskQueue, workflowId: serviceWorkflowId(domain, name), args: [{ ...sampleInput(name, {}, domain), requestedBy: 'someone-else', ...extra }] });
}

async function expectRefused(handle: WorkflowHandleWithFirstExecutionRunId, reason: RegExp, requestedBy: string) {
  const err = await handle.result().then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(WorkflowFailedError);
  const cause = (err as WorkflowFailedError).cause as { message: string; type?: string };
  expect(cause.type).toBe('PermissionDenied');
  expect(cause.message).toMatch(reason);
  const trail = (await auditTrail(handle.workflowId)).filter((e) => e.runId === handle.firstExecutionRunId);
  expect(trail.map((e) => e.event)).toEqual(['refused']);
  expect(trail[0]).toMatchObject({ requestedBy, details: { reason: expect.stringMatching(reason), claimedBy: 'someone-else' } });
  return trail[0]!;
}

describe('a worker that requires signed requests', () => {
  it('runs a verified request and records the verified subject, not the claimed one', async () => {
    const client = await clientFor('olga@example.com', ['operators']);
    const handle = await startBuild(client, 'dev1', uniqueName('ok').slice(0, 14));
    await handle.result();
    const trail = await auditTrail(handle.workflowId);
    expect(trail.map((e) => e.event)).toEqual(['requested', 'started', 'succeeded']);
    for (const e of trail) expect(e.requestedBy).toBe('olga@example.com');
    await expectReplays(handle, 'buildService-verified');
  });

  it('refuses an unsigned request before any cloud call and audits it', async () => {
    const before = cloudCalls();
    const handle = await startBuild(clientWith(), 'dev1', uniqueName('unsigned').slice(0, 14));
    await expectRefused(handle, /carries no identity token/, 'someone-else (unverified)');
    expect(cloudCalls()).toBe(before);
    await expectReplays(handle, 'buildService-refused');
  });

  it('refuses what the policy does not grant: a viewer building, an operator deleting or rolling out', async () => {
    const before = cloudCalls();
    await expectRefused(await startBuild(await clientFor('vera@example.com', ['viewers']), 'dev1', uniqueName('viewer').slice(0, 14)), /vera@example.com may not run buildService in dev1 \(roles there: viewer\)/, 'vera@example.com');
    const operator = await clientFor('olga@example.com', ['operators']);
    const del = await operator.workflow.start('deleteService', { taskQueue, workflowId: serviceWorkflowId('dev1', 'anything'), args: [{ identityDomain: 'dev1', serviceName: 'anything', confirm: 'anything', requestedBy: 'someone-else' }] });
    await expectRefused(del, /may not run deleteService in dev1 \(roles there: operator\)/, 'olga@example.com');
    const rollout = await operator.workflow.start('rollingPatch', { taskQueue, workflowId: uniqueName('rollout'), args: [{ identityDomain: 'dev1', patchId: 'p-1', services: ['a', 'b'], requestedBy: 'someone-else' }] });
    await expectRefused(rollout, /may not run rollingPatch in dev1/, 'olga@example.com');
    // Outside the domains of the grant there is no role at all.
    await expectRefused(await startBuild(operator, 'test1', uniqueName('elsewhere').slice(0, 14)), /may not run buildService in test1 \(no role there\)/, 'olga@example.com');
    expect(cloudCalls()).toBe(before);
  });

  it('wants a ticket in a production domain', async () => {
    const operator = await clientFor('olga@example.com', ['operators']);
    await expectRefused(await startBuild(operator, 'prod', uniqueName('noticket').slice(0, 14), { ticket: undefined }), /prod needs a change ticket/, 'olga@example.com');
    const handle = await startBuild(operator, 'prod', uniqueName('ticket').slice(0, 14), { ticket: 'CHG-42' });
    await handle.result();
    expect((await auditTrail(handle.workflowId)).at(-1)).toMatchObject({ event: 'succeeded', requestedBy: 'olga@example.com', ticket: 'CHG-42' });
  });

  it('refuses expired tokens, tokens of an untrusted issuer and credentials sealed for another workflow', async () => {
    const expired = clientWith(credentialInterceptor(codec(), await issuer.issue({ subject: 'olga@example.com', groups: ['operators'], ttlSeconds: -120 })));
    await expectRefused(await startBuild(expired, 'dev1', uniqueName('expired').slice(0, 14)), /the token has expired/, 'someone-else (unverified)');

    const stranger = await openLocalIssuer(mkdtempSync(path.join(os.tmpdir(), 'dbaas-stranger-')));
    const forged = clientWith(credentialInterceptor(codec(), await stranger.issue({ subject: 'root@example.com', groups: ['admins'] })));
    await expectRefused(await startBuild(forged, 'dev1', uniqueName('forged').slice(0, 14)), /does not trust|signature does not verify/, 'someone-else (unverified)');

    // A sealed credential lifted from another workflow's history, replayed on a new start.
    const lifted = await sealCredential(codec(), await issuer.issue({ subject: 'root@example.com', groups: [] }), 'svc:dev1:some-other');
    const replaying = clientWith({ startWithDetails: (input, next) => next({ ...input, headers: { ...input.headers, [CREDENTIAL_HEADER]: defaultPayloadConverter.toPayload(lifted) } }) });
    await expectRefused(await startBuild(replaying, 'dev1', uniqueName('lifted').slice(0, 14)), /sealed for another workflow/, 'someone-else (unverified)');
  });

  it('keeps the token out of history: only the sealed form is stored', async () => {
    const token = await issuer.issue({ subject: 'olga@example.com', groups: ['operators'] });
    const handle = await startBuild(clientWith(credentialInterceptor(codec(), token)), 'dev1', uniqueName('sealed').slice(0, 14));
    await handle.result();
    const raw = JSON.stringify(await handle.fetchHistory());
    expect(raw).toContain(CREDENTIAL_HEADER);
    for (const form of [token, Buffer.from(token).toString('base64'), token.split('.')[1]!]) expect(raw).not.toContain(form);
  });
});

describe('control messages of a running rollout', () => {
  it('checks each sender: an operator may not approve an admin\'s rollout, an unsigned signal is dropped, the admin approves', async () => {
    const domain = 'dev-fleet';
    sim.seed(domain, ['f-01', 'f-02']);
    const admin = await clientFor('root@example.com', []);
    const operator = await clientFor('olga@example.com', ['operators']);
    const started = await admin.workflow.start('rollingPatch', { taskQueue, workflowId: uniqueName('rollout'), args: [{ identityDomain: domain, patchId: '12201-190416', services: ['f-01', 'f-02'], approval: 'first', healthTimeoutSeconds: 10, requestedBy: 'someone-else' }] });
    const progress = () => started.query(rolloutProgressQuery);
    await waitUntil('approval', progress, (p) => p.state === 'awaiting_approval');

    // The operator's update fails with PermissionDenied and is audited; the rollout still waits.
    const asOperator = operator.workflow.getHandle(started.workflowId);
    const err = await asOperator.executeUpdate(approveUpdate, { args: [{ by: 'root@example.com' }] }).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
    expect((err as WorkflowUpdateFailedError).cause).toMatchObject({ type: 'PermissionDenied', message: expect.stringMatching(/olga@example.com may not send approve to rollingPatch in dev-fleet/) });
    // An unsigned approve signal (on a worker that requires signed requests) changes nothing.
    await clientWith().workflow.getHandle(started.workflowId).signal(approveSignal, { by: 'root@example.com' });
    const refusals = await waitUntil('two refusals audited', () => auditTrail(started.workflowId), (t) => t.filter((e) => e.event === 'refused').length === 2);
    expect(refusals.filter((e) => e.event === 'refused').map((e) => [e.requestedBy, (e.details as { message?: string }).message])).toEqual([
      ['olga@example.com', 'approve'],
      ['root@example.com (unverified)', 'approve'],
    ]);
    expect(await progress()).toMatchObject({ state: 'awaiting_approval' });

    // The admin's approval runs, recorded under the verified subject; the rollout (and its children) go on as the admin.
    expect(await started.executeUpdate(approveUpdate, { args: [{ by: 'someone-else' }] })).toBe('running');
    await started.result();
    const trail = await auditTrail(started.workflowId);
    expect(trail.find((e) => e.event === 'approved')).toMatchObject({ requestedBy: 'root@example.com' });
    const child = await auditTrail(serviceWorkflowId(domain, 'f-01'));
    expect(new Set(child.map((e) => e.requestedBy))).toEqual(new Set(['root@example.com']));
  });
});

describe('the CLI', () => {
  const { cli } = cliFor(() => cliEnvFor({ sim, taskQueue }));

  it('signs with DBAAS_TOKEN, and an unsigned CLI request is refused with exit code of a permission failure', async () => {
    const name = uniqueName('cli').slice(0, 14);
    const token = await issuer.issue({ subject: 'olga@example.com', groups: ['operators'] });
    const spec = path.join(mkdtempSync(path.join(os.tmpdir(), 'dbaas-spec-')), 'spec.json');
    const service = structuredClone(sampleInput(name).service);
    for (const p of service.parameters ?? []) delete (p as { adminPassword?: string }).adminPassword;
    writeFileSync(spec, JSON.stringify(service));
    const ok = await cli(['build', spec, '--domain', 'dev1', '--wait'], { DBAAS_TOKEN: token });
    expect(ok.code, ok.out).toBe(0);
    expect((await auditTrail(serviceWorkflowId('dev1', name))).map((e) => e.requestedBy)).toEqual(['olga@example.com', 'olga@example.com', 'olga@example.com']);

    const refused = await cli(['scale', name, '--domain', 'dev1', '--shape', 'oc4', '--wait']);
    expect(refused.out).toMatch(/PermissionDenied|permission denied/);
    expect(refused.code).toBe(6);
  });
});
