// precheckMany: precheck jobs read in their documented shape, the precheck deadline, resuming the
// jobs an earlier attempt submitted, and cancellation that ends the activity instead of being
// recorded as a failed precheck.
import { CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import { createPatchingActivities, type PrecheckResult } from '../../src/activities/patching';
import { useVirtualCloud } from '../helpers/virtual-cloud';

const PATCH = '12201-190416';
/** The simulator and the prechecks share this virtual clock: a 2 h job passes in milliseconds. */
const cloud = useVirtualCloud({ precheck: 1_000 });
const { clock } = cloud;

const precheck = (domain: string, services: string[], env = new MockActivityEnvironment(), extra: { deadlineMs?: number } = {}) =>
  env.run(() => createPatchingActivities(cloud.client, { clock }).precheckMany({ identityDomain: domain, patchId: PATCH, services, ...extra })) as Promise<PrecheckResult[]>;

/** Waits (in real time) until the condition holds. */
async function until(what: string, condition: () => boolean): Promise<void> {
  for (let i = 0; i < 1_000 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!condition()) throw new Error(`timed out waiting until ${what}`);
}

const prechecksOf = (domain: string, name: string) => cloud.sim.state.jobsOf(domain, name).filter((j) => j.requestName === 'precheck');

describe('precheckMany', () => {
  it('passes a clean service with no findings; fails one with its preCheckMessages', async () => {
    cloud.sim.seed('pc1', ['a', 'b', 'c']);
    cloud.sim.faults.replace({ triggers: [{ action: 'precheck-finding', route: 'precheck', serviceName: 'b', message: 'Insufficient disk space on /u01' }] });
    const results = await precheck('pc1', ['a', 'b', 'c']);
    expect(results).toEqual([
      { serviceName: 'a', passed: true, findings: [], jobId: prechecksOf('pc1', 'a')[0]!.id },
      { serviceName: 'b', passed: false, findings: ['Insufficient disk space on /u01'], jobId: prechecksOf('pc1', 'b')[0]!.id },
      { serviceName: 'c', passed: true, findings: [], jobId: prechecksOf('pc1', 'c')[0]!.id },
    ]);
  });

  it('a precheck the API refuses could not run: a failed precheck that says why', async () => {
    cloud.sim.seed('pc2', ['a'], '18.0.0.0'); // the patch is for 12.2.0.1
    const [result] = await precheck('pc2', ['a']);
    expect(result).toMatchObject({ serviceName: 'a', passed: false });
    expect(result!.findings[0]).toMatch(/^precheck could not run: .*answered 400: Patch 12201-190416 does not apply to database version 18\.0\.0\.0/);
  });

  it('a precheck job that does not end within the precheck deadline (30 min) is a failed precheck naming the job', async () => {
    cloud.sim.seed('pc3', ['slow']);
    cloud.sim.configure({ jobDurationMs: { precheck: 2 * 3_600_000 } });
    const started = clock.now();
    const [result] = await precheck('pc3', ['slow']);
    const jobId = prechecksOf('pc3', 'slow')[0]!.id;
    expect(result).toEqual({ serviceName: 'slow', passed: false, jobId, findings: [`precheck job ${jobId} did not end within 30 min; last seen: IN PROGRESS, "Submitted job to precheck patch ${PATCH} on service [slow]."`] });
    expect(clock.now() - started).toBe(30 * 60_000);
    const [own] = await precheck('pc3', ['slow'], undefined, { deadlineMs: 5 * 60_000 });
    expect(own!.findings[0]).toContain('did not end within 5 min');
  });

  it('a retry polls the jobs its earlier attempt submitted (heartbeated) instead of prechecking again', async () => {
    cloud.sim.seed('pc4', ['a', 'b', 'c']);
    const inFlight = await cloud.client.precheckPatch('pc4', 'b', PATCH);
    const earlier: PrecheckResult = { serviceName: 'a', passed: true, findings: [], jobId: 'earlier' };
    const env = new MockActivityEnvironment({ heartbeatDetails: { results: [earlier], jobs: { b: { jobId: inFlight.jobId, startedAt: clock.now() } } } });
    const results = await precheck('pc4', ['a', 'b', 'c'], env);
    expect(results.map((r) => [r.serviceName, r.passed, r.jobId])).toEqual([
      ['a', true, 'earlier'],
      ['b', true, inFlight.jobId],
      ['c', true, prechecksOf('pc4', 'c')[0]!.id],
    ]);
    expect(prechecksOf('pc4', 'a')).toHaveLength(0);
    expect(prechecksOf('pc4', 'b')).toHaveLength(1);
    // Heartbeats from before in-flight jobs were recorded (the results alone) resume too.
    const older = await precheck('pc4', ['a', 'c'], new MockActivityEnvironment({ heartbeatDetails: [earlier] }));
    expect(older.map((r) => r.jobId)).toEqual(['earlier', expect.any(String)]);
  });
});

describe('precheckMany and cancellation (real time)', () => {
  const realPrecheck = (env: MockActivityEnvironment, domain: string, services: string[]) =>
    env.run(() => createPatchingActivities(cloud.client).precheckMany({ identityDomain: domain, patchId: PATCH, services }));

  it('a cancellation while it waits for a job ends the activity; it is not a failed precheck', async () => {
    cloud.sim.seed('pc5', ['a', 'b']);
    cloud.sim.configure({ jobDurationMs: { precheck: 3_600_000 } });
    const env = new MockActivityEnvironment();
    const run = realPrecheck(env, 'pc5', ['a', 'b']).then(
      (results) => ({ results }),
      (err: unknown) => ({ err }),
    );
    await until('both prechecks are submitted', () => prechecksOf('pc5', 'a').length + prechecksOf('pc5', 'b').length === 2);
    env.cancel();
    const ended = await run;
    expect(ended).not.toHaveProperty('results');
    expect((ended as { err: unknown }).err).toBeInstanceOf(CancelledFailure);
  });

  it('a cancellation during the pause before trying a transient error again ends the activity too', async () => {
    cloud.sim.seed('pc6', ['a']);
    cloud.sim.faults.replace({ routes: { precheck: { errorRate: 1, statuses: [503] } } });
    cloud.sim.resetStats();
    const env = new MockActivityEnvironment();
    const run = realPrecheck(env, 'pc6', ['a']).then(
      (results) => ({ results }),
      (err: unknown) => ({ err }),
    );
    await until('the first precheck was refused', () => (cloud.sim.stats().routes.precheck?.calls ?? 0) >= 1);
    env.cancel();
    const ended = await run;
    expect(ended).not.toHaveProperty('results');
    expect((ended as { err: unknown }).err).toBeInstanceOf(CancelledFailure);
  });
});
