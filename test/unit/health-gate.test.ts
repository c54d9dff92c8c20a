// The health gate of a patched service: its timeout counts from the first attempt, so an activity
// retried after a worker crash (resuming from its heartbeat) does not start the wait over.
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
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
