// Compensation never depends on the audit store, never deletes what is not ours, and stops being
// possible once a service is built. Real dev server, worker process and simulator; this file's worker
// writes its audit trail to a database of its own, so a test can make the store refuse writes.
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import type { ManagedProcess } from '../../scripts/lib/process';
import { openAuditStore } from '../../src/audit/open';
import type { AuditStore } from '../../src/audit/types';
import { serviceWorkflowId } from '../../src/shared/contract';
import { progressQuery } from '../../src/shared/messages';
import type { BuildServiceInput } from '../../src/shared/schemas';
import type { DbcsSimulator } from '../../src/simulator/server';
import { connectClient, sampleInput, startSimulator, startWorker, uniqueName, waitUntil } from '../helpers/harness';
import { recordHistory } from '../helpers/histories';

let sim: DbcsSimulator;
let worker: ManagedProcess;
let t: Awaited<ReturnType<typeof connectClient>>;
let admin: pg.Client;
let store: AuditStore;
let taskQueue: string;
const databaseName = uniqueName('audit_comp').replace(/-/g, '_');

/** Makes the audit store refuse these events (a store that is down, for them) until `restore()`. */
async function refuse(events: string[]): Promise<{ restore: () => Promise<void> }> {
  const name = uniqueName('refuse').replace(/-/g, '_');
  const list = events.map((e) => `'${e}'`).join(', ');
  await admin.query(`ALTER TABLE audit_events ADD CONSTRAINT ${name} CHECK (event NOT IN (${list})) NOT VALID`);
  return { restore: async () => void (await admin.query(`ALTER TABLE audit_events DROP CONSTRAINT ${name}`)) };
}

beforeAll(async () => {
  const server = new pg.Client({ connectionString: inject('databaseUrl') });
  await server.connect();
  await server.query(`CREATE DATABASE ${databaseName}`);
  await server.end();
  const url = new URL(inject('databaseUrl'));
  url.pathname = `/${databaseName}`;
  store = await openAuditStore({ databaseUrl: url.toString() }); // creates the table
  admin = new pg.Client({ connectionString: url.toString() });
  await admin.connect();
  // A long 404 window after a create, as the real API shows: the rollback must wait it out.
  sim = await startSimulator({ visibilityDelayMs: 4_000 });
  taskQueue = uniqueName('comp');
  [worker, t] = await Promise.all([startWorker({ taskQueue, simulatorUrl: sim.url, env: { DATABASE_URL: url.toString() } }), connectClient()]);
});

afterAll(async () => {
  await worker?.stop();
  await t?.close();
  await sim?.close();
  await store?.close();
  await admin?.end();
});

beforeEach(() => sim.faults.replace({}));

function start(input: BuildServiceInput): Promise<WorkflowHandle> {
  return t.client.workflow.start('buildService', { taskQueue, workflowId: serviceWorkflowId(input.identityDomain, input.service.serviceName), args: [input], workflowIdConflictPolicy: 'FAIL' });
}

const eventsOf = async (workflowId: string) => (await store.query({ workflowId })).map((e) => e.event);
const instance = (name: string) => sim.state.instance('testdomain', name);
const failureOf = (handle: WorkflowHandle) =>
  handle.result().then(
    () => {
      throw new Error('expected the workflow to fail');
    },
    (e: unknown) => {
      expect(e).toBeInstanceOf(WorkflowFailedError);
      return (e as WorkflowFailedError).cause as Error & { type?: string };
    },
  );

describe('compensation', () => {
  it('rolls back while the audit store refuses writes, and writes the trail once it takes them again', async () => {
    const name = uniqueName('noaudit');
    sim.faults.replace({ triggers: [{ action: 'fail-job', route: 'create', serviceName: name }] });
    const refused = await refuse(['failed', 'rolled_back', 'rollback_failed']);
    try {
      const handle = await start(sampleInput(name));
      // The delete runs although the `failed` event cannot be written.
      await waitUntil('the failed build deleted', () => ({ exists: sim.state.instance('testdomain', name) !== undefined, deletes: sim.stats().routes.delete?.calls ?? 0 }), (v) => !v.exists && v.deletes > 0, 60_000);
      const { status } = await handle.describe();
      expect(status.name).toBe('RUNNING'); // still writing its trail
      expect(await eventsOf(handle.workflowId)).not.toContain('failed');
      await refused.restore();
      const failure = await failureOf(handle);
      expect(failure.message).toContain('rolled back');
      expect(failure.message).not.toContain('AUDIT TRAIL INCOMPLETE');
      expect(await eventsOf(handle.workflowId)).toEqual(['requested', 'started', 'failed', 'rolled_back']);
    } finally {
      await refused.restore().catch(() => undefined);
    }
  });

  it('deletes nothing when cancelled after the service is confirmed Running', async () => {
    const name = uniqueName('late');
    const refused = await refuse(['succeeded']); // holds the build at its very last step
    try {
      const handle = await start(sampleInput(name));
      await waitUntil('the succeeded write held', () => handle.query(progressQuery), (p) => p.state === 'succeeded', 60_000);
      const deletesBefore = sim.stats().routes.delete?.calls ?? 0;
      await handle.cancel();
      const failure = await failureOf(handle);
      expect(failure.message).toContain('cancelled on request');
      expect(failure.message).not.toContain('rolled back');
      expect(instance(name)?.status).toBe('Running');
      expect(sim.stats().routes.delete?.calls ?? 0).toBe(deletesBefore);
    } finally {
      await refused.restore();
    }
  });

  it('never deletes a service someone else made under the name while our create was failing', async () => {
    const name = uniqueName('foreign');
    sim.faults.replace({ routes: { create: { errorRate: 1, statuses: [503], retryAfterSeconds: 1 } } });
    const calls = (route: string) => sim.stats().routes[route]?.calls ?? 0;
    const [createsBefore, deletesBefore] = [calls('create'), calls('delete')];
    const handle = await start(sampleInput(name));
    await waitUntil('create attempted', () => calls('create'), (n) => n > createsBefore);
    // Another API user takes the name meanwhile.
    sim.seed('testdomain', [name]);
    instance(name)!.createdBy = 'someone-else';
    await handle.cancel();
    const failure = await failureOf(handle);
    expect(failure.message).toContain('cancelled on request');
    expect(instance(name)?.status).toBe('Running');
    expect(calls('delete')).toBe(deletesBefore);
    expect(await eventsOf(handle.workflowId)).toEqual(['requested', 'failed', 'rolled_back']);
  });

  it('waits out the 404 window to delete a create whose answer was lost when cancelled', async () => {
    const name = uniqueName('lost');
    sim.faults.replace({ triggers: [{ action: 'drop-after', route: 'create', serviceName: name, times: 1 }] });
    const handle = await start(sampleInput(name));
    await waitUntil('create accepted, answer lost', () => instance(name), (i) => i !== undefined);
    await handle.cancel();
    const failure = await failureOf(handle);
    expect(failure.message).toContain('rolled back');
    await waitUntil('nothing left', () => instance(name), (i) => i === undefined, 30_000);
    const trail = await eventsOf(handle.workflowId);
    expect(trail.at(-1)).toBe('rolled_back');
    await recordHistory(handle, 'buildService-cancelled-create-lost');
  });

  it('gives up on a create job past the operation\'s deadline, names the job, and rolls back once it ends', async () => {
    const name = uniqueName('slow');
    sim.configure({ jobDurationMs: { create: 10_000 } });
    try {
      const handle = await start({ ...sampleInput(name), timeouts: { jobMinutes: 0.05 } });
      const failure = await failureOf(handle);
      expect(failure.type).toBe('OperationRolledBack');
      expect(failure.message).toMatch(/waitForCreateJob.*gave up waiting for create job \S+ of service \[slow-\w+\].*rolled back/);
      expect(instance(name)).toBeUndefined();
      const trail = await store.query({ workflowId: handle.workflowId });
      expect(trail.map((e) => e.event)).toEqual(['requested', 'started', 'failed', 'rolled_back']);
      expect(trail[2]!.details).toMatchObject({ type: 'WaitTimedOut' });
    } finally {
      sim.configure({ jobDurationMs: { create: 1500 } });
    }
  });
});
