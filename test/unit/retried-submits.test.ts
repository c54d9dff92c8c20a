// Retried submits whose first answer was lost: a create adopts the instance its earlier attempt made,
// and only that (not one of the same name made by another user, or before this create began); a
// restart that already happened is not done twice.
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createCloudActivities, type CreateServiceResult } from '../../src/activities/cloud';
import { DbcsClient } from '../../src/cloud/client';
import type { ServiceSpec } from '../../src/shared/schemas';
import type { DbcsSimulator } from '../../src/simulator/server';
import { sampleInput, SIM_PASSWORD, SIM_USER, startSimulator, uniqueName, waitUntil } from '../helpers/harness';

let sim: DbcsSimulator;
let client: DbcsClient;
beforeAll(async () => {
  sim = await startSimulator({ visibilityDelayMs: 0, jobDurationMs: { control: 50 } });
  client = new DbcsClient({ baseUrl: sim.url, username: SIM_USER, password: SIM_PASSWORD });
});
afterAll(async () => {
  await client.close();
  await sim.close();
});

/** Attempt 2 of createService, its first attempt scheduled `scheduledAgoMs` ago. */
function retriedCreate(serviceName: string, scheduledAgoMs = 10_000): Promise<CreateServiceResult> {
  const env = new MockActivityEnvironment({ attempt: 2, scheduledTimestampMs: Date.now() - scheduledAgoMs });
  const { identityDomain, service } = sampleInput(serviceName, {}, 'adopt');
  return env.run(() => createCloudActivities(client).createService({ identityDomain, service: service as ServiceSpec })) as Promise<CreateServiceResult>;
}

async function lostCreate(serviceName: string): Promise<string> {
  const { service } = sampleInput(serviceName, {}, 'adopt');
  return (await client.createInstance('adopt', service as unknown as Record<string, unknown>)).jobId;
}

it('adopts the job of the instance its lost first attempt created', async () => {
  const name = uniqueName('mine');
  const jobId = await lostCreate(name);
  const submitted = sim.stats().jobs.create.submitted;
  expect(await retriedCreate(name)).toEqual({ jobId, requestName: 'create', adopted: true });
  expect(sim.stats().jobs.create.submitted).toBe(submitted);
});

it('refuses an instance of that name created by another API user', async () => {
  const name = uniqueName('theirs');
  await lostCreate(name);
  sim.state.instance('adopt', name)!.createdBy = 'someone-else';
  const err = await retriedCreate(name).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ApplicationFailure);
  expect(err).toMatchObject({ type: 'ServiceAlreadyExists', nonRetryable: true, message: expect.stringContaining('created by someone-else') });
});

it('refuses an instance of that name created before this create was first scheduled', async () => {
  const name = uniqueName('older');
  await lostCreate(name);
  sim.state.instance('adopt', name)!.createdAt = Date.now() - 3_600_000;
  const err = await retriedCreate(name).catch((e: unknown) => e);
  expect(err).toMatchObject({ type: 'ServiceAlreadyExists', nonRetryable: true, message: expect.stringContaining('not by this create') });
});

function retriedRestart(serviceName: string, scheduledAt = Date.now() - 10_000): Promise<unknown> {
  const env = new MockActivityEnvironment({ attempt: 2, scheduledTimestampMs: scheduledAt });
  return env.run(() => createCloudActivities(client).submitLifecycle({ identityDomain: 'adopt', serviceName, lifecycleState: 'restart' }));
}

it('does not restart twice when the first attempt\'s restart happened (its answer lost)', async () => {
  const name = uniqueName('restarted');
  sim.seed('adopt', [name]);
  const scheduledAt = Date.now() - 1_000; // last_modified_time has whole seconds
  await client.controlInstance('adopt', name, { lifecycleState: 'restart' });
  await waitUntil('restarted', () => (sim.state.advance(), sim.state.instance('adopt', name)?.status), (st) => st === 'Running');
  const submitted = sim.stats().jobs.control.submitted;
  await new Promise((r) => setTimeout(r, 1_000)); // so the job's end is in a later second than scheduledAt
  expect(await retriedRestart(name, scheduledAt)).toEqual({ found: 'applied' });
  expect(sim.stats().jobs.control.submitted).toBe(submitted);
});

it('restarts on a retry when nothing changed since the first attempt (not even a change just before it)', async () => {
  const name = uniqueName('untouched');
  sim.seed('adopt', [name]);
  sim.state.instance('adopt', name)!.lastModifiedAt = Date.now() - 5_000; // e.g. the start before it
  const submitted = sim.stats().jobs.control.submitted;
  expect(await retriedRestart(name, Date.now() - 2_000)).toMatchObject({ jobId: expect.any(String) });
  expect(sim.stats().jobs.control.submitted).toBe(submitted + 1);
});
