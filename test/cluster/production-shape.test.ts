// The production shape: two temporal-server processes in one ring on PostgreSQL (npm run cluster's
// parts), two worker processes (one per frontend), the simulator over real HTTP. Operations reach
// the right terminal state while a server process is SIGKILLed, PostgreSQL restarts and a worker dies.
import { Client, Connection, type WorkflowHandle, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { freePortBases } from '../helpers/cluster-ports';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, startClusterWorker, type Cluster } from '../../scripts/lib/cluster';
import type { ManagedProcess } from '../../scripts/lib/process';
import { openAuditStore } from '../../src/audit/open';
import type { AuditStore } from '../../src/audit/types';
import { serviceWorkflowId } from '../../src/shared/contract';
import { progressQuery } from '../../src/shared/messages';
import type { RolloutResult } from '../../src/shared/patching';
import type { BuildServiceResult, OperationResult } from '../../src/shared/schemas';
import type { DbcsSimulator } from '../../src/simulator/server';
import { codec, SIM_PASSWORD, SIM_USER, sampleInput, startSimulator, TEST_CODEC_KEY_FILE, uniqueName, waitUntil } from '../helpers/harness';

const TASK_QUEUE = 'cluster-test';
const DOMAIN = 'clusterdomain';
const PATCH = '12201-190416';
const LEVEL = '12.2.0.1.190416';

let cluster: Cluster;
let sim: DbcsSimulator;
let workers: ManagedProcess[] = [];
let connection: Connection;
let client: Client;
let audit: AuditStore;

function startWorker(index: number): Promise<ManagedProcess> {
  return startClusterWorker(cluster, index, { taskQueue: TASK_QUEUE, dbcs: { url: sim.url, username: SIM_USER, password: SIM_PASSWORD }, codecKeyFile: TEST_CODEC_KEY_FILE, echo: process.env.CLUSTER_ECHO === '1' });
}

async function restartWorker(index: number): Promise<void> {
  workers[index]!.child.kill('SIGKILL');
  await workers[index]!.exited;
  workers[index] = await startWorker(index);
}

/** The audit events of one run (a service's operations share its workflow id). */
const events = async (handle: WorkflowHandleWithFirstExecutionRunId) =>
  (await audit.query({ identityDomain: DOMAIN })).filter((e) => e.workflowId === handle.workflowId && e.runId === handle.firstExecutionRunId).map((e) => e.event);
const stepOf = (handle: WorkflowHandle) => handle.query(progressQuery).then((p) => p.step);

beforeAll(async () => {
  const bases = (await freePortBases(2)) as [number, number];
  cluster = await startCluster({ portBases: bases, echo: process.env.CLUSTER_ECHO === '1' });
  sim = await startSimulator({ jobDurationMs: { create: 1500, delete: 800, scale: 1500, precheck: 300, patch: 2000 } });
  workers = await Promise.all([startWorker(0), startWorker(1)]);
  // The test's client talks to the second frontend: the first is the one killed below.
  connection = await Connection.connect({ address: cluster.addresses[1]! });
  client = new Client({ connection, namespace: 'default', dataConverter: { payloadCodecs: [codec()] } });
  audit = await openAuditStore({ databaseUrl: cluster.pg.url });
}, 20 * 60_000); // the first run builds temporal-server from source

afterAll(async () => {
  await Promise.allSettled(workers.map((w) => w.stop('SIGTERM', 20_000)));
  await connection?.close();
  await audit?.close();
  await sim?.close();
  await cluster?.stop();
}, 120_000);

describe('two temporal-server processes on PostgreSQL, two workers', () => {
  it('forms one ring: both frontends serve the namespace with its search attributes', async () => {
    for (const address of cluster.addresses) {
      const c = await Connection.connect({ address });
      try {
        const { customAttributes } = await c.operatorService.listSearchAttributes({ namespace: 'default' });
        expect(Object.keys(customAttributes ?? {})).toEqual(expect.arrayContaining(['DbServiceName', 'IdentityDomain', 'DbOperation', 'PatchId']));
      } finally {
        await c.close();
      }
    }
  });

  it('serves each server\'s metrics for Prometheus (histograms, so latencies aggregate across servers)', async () => {
    for (const server of cluster.servers) {
      const text = await (await fetch(`http://${server.metricsAddress}/metrics`)).text();
      expect(text).toMatch(/^service_requests\{/m);
      expect(text).toMatch(/^# TYPE service_latency histogram$/m);
    }
  });

  it('builds a service, then scales it', async () => {
    const name = uniqueName('cl');
    const built = (await client.workflow.execute('buildService', { taskQueue: TASK_QUEUE, workflowId: serviceWorkflowId(DOMAIN, name), args: [sampleInput(name, {}, DOMAIN)] })) as BuildServiceResult;
    expect(built.service.status).toBe('Running');
    const scaled = (await client.workflow.execute('scaleService', { taskQueue: TASK_QUEUE, workflowId: serviceWorkflowId(DOMAIN, name), args: [{ identityDomain: DOMAIN, serviceName: name, shape: 'oc5' }] })) as OperationResult;
    expect(scaled.after?.shape).toBe('oc5');
    expect(sim.state.instance(DOMAIN, name)).toMatchObject({ shape: 'oc5', status: 'Running' });
    // Search attributes work on SQL visibility.
    await waitUntil('visibility', async () => (await client.workflow.count(`DbServiceName = '${name}'`)).count, (n) => n === 2);
  });

  it('rolls a patch over 10 services while one temporal-server process is SIGKILLed and started again', async () => {
    const names = Array.from({ length: 10 }, (_, i) => `roll-${String(i + 1).padStart(2, '0')}`);
    sim.seed(DOMAIN, names);
    const handle = await client.workflow.start('rollingPatch', {
      taskQueue: TASK_QUEUE,
      workflowId: uniqueName(`patch:${DOMAIN}`),
      args: [{ identityDomain: DOMAIN, patchId: PATCH, services: names, maxParallel: 2, healthTimeoutSeconds: 30 }],
    });
    await waitUntil('the second batch', () => handle.query('progress').then((p) => (p as { currentBatch: number }).currentBatch), (b) => b >= 1, 120_000);
    await cluster.restartServer(0);
    const result = (await handle.result()) as RolloutResult;
    expect(result.state).toBe('completed');
    expect(result.progress.counts).toEqual({ patched: 10 });
    for (const n of names) expect(sim.state.instance(DOMAIN, n)?.patchLevel).toBe(LEVEL);
    expect(sim.stats().jobs.patch.submitted).toBe(10);
  }, 300_000);

  it('completes a build while PostgreSQL (Temporal store and audit trail) restarts under it', async () => {
    const name = uniqueName('pg');
    sim.configure({ jobDurationMs: { create: 6000 } });
    const handle = await client.workflow.start('buildService', { taskQueue: TASK_QUEUE, workflowId: serviceWorkflowId(DOMAIN, name), args: [sampleInput(name, {}, DOMAIN)] });
    await waitUntil('the create job', () => stepOf(handle), (s) => s === 'waitForCreateJob', 60_000);
    cluster.pg.restart();
    const result = (await handle.result()) as BuildServiceResult;
    expect(result.service.status).toBe('Running');
    expect(sim.stats().instances.created).toBeGreaterThan(0);
    expect(await events(handle)).toEqual(['requested', 'started', 'succeeded']);
  }, 240_000);

  it('completes a scale while the worker running it is SIGKILLed, without duplicate audit events', async () => {
    const name = uniqueName('wk');
    await client.workflow.execute('buildService', { taskQueue: TASK_QUEUE, workflowId: serviceWorkflowId(DOMAIN, name), args: [sampleInput(name, {}, DOMAIN)] });
    sim.configure({ jobDurationMs: { scale: 6000 } });
    const before = sim.stats().jobs.scale.submitted;
    const handle = await client.workflow.start('scaleService', { taskQueue: TASK_QUEUE, workflowId: serviceWorkflowId(DOMAIN, name), args: [{ identityDomain: DOMAIN, serviceName: name, shape: 'oc4' }] });
    await waitUntil('the scale job', () => stepOf(handle), (s) => s.startsWith('waitFor'), 60_000);
    await Promise.all([restartWorker(0), restartWorker(1)]);
    const result = (await handle.result()) as OperationResult;
    expect(result.after?.shape).toBe('oc4');
    expect(sim.stats().jobs.scale.submitted - before).toBe(1);
    const trail = await events(handle);
    expect(trail).toEqual(['requested', 'started', 'succeeded']);
  }, 240_000);
});
