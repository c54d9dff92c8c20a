// The health gate of a patched service: its timeout counts from the first attempt, so an activity
// retried after a worker crash (resuming from its heartbeat) does not start the wait over; refusals
// of the API fail it at once, classified, and transient errors are polled again.
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { createPatchingActivities, type HealthResult } from '../../src/activities/patching';
import { DbcsClient } from '../../src/cloud/client';
import type { DbcsSimulator } from '../../src/simulator/server';
import { SIM_PASSWORD, SIM_USER, startSimulator } from '../helpers/harness';

let sim: DbcsSimulator;
let client: DbcsClient;
beforeAll(async () => {
  sim = await startSimulator();
  client = new DbcsClient({ baseUrl: sim.url, username: SIM_USER, password: SIM_PASSWORD });
  sim.seed('gate', ['db1']);
});
afterAll(async () => {
  await client.close();
  await sim.close();
});
beforeEach(() => sim.faults.replace({}));

const gate = (env: MockActivityEnvironment, timeoutMs: number) =>
  env.run(() => createPatchingActivities(client).healthGate({ identityDomain: 'gate', serviceName: 'db1', expectedLevel: '12.2.0.1.190416', timeoutMs })) as Promise<HealthResult>;

it('passes when the service is Running at the expected level', async () => {
  sim.state.instance('gate', 'db1')!.patchLevel = '12.2.0.1.190416';
  expect(await gate(new MockActivityEnvironment(), 60_000)).toMatchObject({ healthy: true, status: 'Running' });
  sim.state.instance('gate', 'db1')!.patchLevel = '12.2.0.1.0';
});

it('a retried gate keeps the first attempt\'s start: 40 s already waited of 30 s allowed ends it at the first probe', async () => {
  const resumed = new MockActivityEnvironment({ heartbeatDetails: { startedAt: Date.now() - 40_000, polls: 12, consecutiveErrors: 0 } });
  const started = Date.now();
  const result = await gate(resumed, 30_000);
  expect(result).toMatchObject({ healthy: false, reason: 'the patch level is 12.2.0.1.0, not 12.2.0.1.190416 after 30 s' });
  expect(Date.now() - started).toBeLessThan(5_000); // one probe, not a fresh 30 s wait
});

it('fails at once, non-retryable and classified, when the API refuses (400, 401, 403)', async () => {
  for (const status of [400, 403]) {
    sim.faults.replace({ triggers: [{ action: 'error', route: 'view', serviceName: 'db1', status, message: `refused with ${status}` }] });
    const err = await gate(new MockActivityEnvironment(), 60_000).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({ type: 'CloudRejected', nonRetryable: true });
    expect((err as Error).message).toContain(`answered ${status}`);
  }
  sim.faults.replace({});
  const stranger = new DbcsClient({ baseUrl: sim.url, username: SIM_USER, password: 'wrong' });
  const err = await new MockActivityEnvironment()
    .run(() => createPatchingActivities(stranger).healthGate({ identityDomain: 'gate', serviceName: 'db1', expectedLevel: '12.2.0.1.0', timeoutMs: 60_000 }))
    .then(() => undefined, (e: unknown) => e);
  await stranger.close();
  expect(err).toMatchObject({ type: 'CloudRejected', nonRetryable: true });
  expect((err as Error).message).toContain('answered 401');
});

it('polls again after a transient error and passes once the service is healthy', async () => {
  sim.faults.replace({ triggers: [{ action: 'error', route: 'view', serviceName: 'db1', status: 503, times: 2 }] });
  const env = new MockActivityEnvironment();
  const errors: string[] = [];
  env.on('heartbeat', (d: { lastError?: string }) => d.lastError && errors.push(d.lastError));
  const result = await env.run(() => createPatchingActivities(client).healthGate({ identityDomain: 'gate', serviceName: 'db1', expectedLevel: '12.2.0.1.0', timeoutMs: 60_000 }));
  expect(result).toMatchObject({ healthy: true, status: 'Running' });
  expect(errors.some((e) => e.includes('answered 503'))).toBe(true);
});
