// buildService end to end: real dev server, real worker process, the simulator over real HTTP.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { startProcess, type ManagedProcess } from '../../scripts/lib/process';
import { openLocalIssuer } from '../../src/auth/local-issuer';
import { serviceWorkflowId, SEARCH_ATTRIBUTES } from '../../src/shared/contract';
import { progressQuery } from '../../src/shared/messages';
import type { BuildServiceInput, BuildServiceResult } from '../../src/shared/schemas';
import { startCodecServer } from '../../src/worker/codec-server';
import { auditTrail, codec, resultOrDiagnosis, sampleInput, startFileStack, TEST_CODEC_KEY_FILE, TEST_PASSWORD, uniqueName, waitUntil, type FileStack, failureOf } from '../helpers/harness';
import { recordHistory } from '../helpers/histories';

let s: FileStack;

beforeAll(async () => {
  s = await startFileStack('build');
});

afterAll(() => s?.stop());

beforeEach(() => {
  s.sim.faults.replace({});
  s.sim.configure({ jobDurationMs: { create: 1500, delete: 800 } });
});

function start(input: BuildServiceInput): Promise<WorkflowHandle> {
  return s.t.client.workflow.start('buildService', {
    taskQueue: s.taskQueue,
    workflowId: serviceWorkflowId(input.identityDomain, input.service.serviceName),
    args: [input],
    workflowIdConflictPolicy: 'FAIL',
  });
}


/** The history as the server stores it, every byte array read as text, so a clear-text secret shows. */
function storedText(history: temporal.api.history.v1.IHistory): string {
  return JSON.stringify(history, (_key, value: unknown) => (value instanceof Uint8Array ? Buffer.from(value).toString('latin1') : value));
}

const eventsOf = async (workflowId: string) => (await auditTrail(workflowId)).map((e) => e.event);
const liveNamed = (name: string) => s.sim.stats().instances.names.filter((n) => n.endsWith(`/${name}`));

async function waitForStep(handle: WorkflowHandle, step: string): Promise<void> {
  await waitUntil(`step ${step}`, () => handle.query(progressQuery), (p) => p.step === step, 30_000);
}

describe('buildService', () => {
  let built: { handle: WorkflowHandle; name: string } | undefined;

  it('builds a service: Running in the simulator, details returned, audit requested → started → succeeded', async () => {
    const name = uniqueName('ok');
    const handle = await start(sampleInput(name));
    const result = (await handle.result()) as BuildServiceResult;
    built = { handle, name };

    expect(result.service).toMatchObject({ serviceName: name, status: 'Running', shape: 'oc3', version: '12.2.0.1' });
    expect(result.jobId).toMatch(/^\d+$/);
    expect(s.sim.state.instance('testdomain', name)?.status).toBe('Running');
    expect(await eventsOf(handle.workflowId)).toEqual(['requested', 'started', 'succeeded']);
    const audit = await auditTrail(handle.workflowId);
    expect(audit[1]).toMatchObject({ jobId: result.jobId, requestedBy: 'test-suite (unverified)', ticket: 'TEST-1', operation: 'buildService' });

    const description = await handle.describe();
    expect(description.typedSearchAttributes.get(SEARCH_ATTRIBUTES.serviceName)).toBe(name);
    expect(description.typedSearchAttributes.get(SEARCH_ATTRIBUTES.identityDomain)).toBe('testdomain');
    expect(description.typedSearchAttributes.get(SEARCH_ATTRIBUTES.operation)).toBe('buildService');
    const progress = await handle.query(progressQuery);
    expect(progress).toMatchObject({ state: 'succeeded', step: 'confirmRunning', jobId: result.jobId });
    expect(progress.messages.length).toBeGreaterThan(0);

    await recordHistory(handle, 'buildService-success');
  });

  it('keeps the admin password out of the history the server stores (payloads are encrypted)', async () => {
    expect(built).toBeDefined();
    const raw = await s.t.rawClient.workflow.getHandle(built!.handle.workflowId).fetchHistory();
    const stored = storedText(raw);
    expect(stored).not.toContain(TEST_PASSWORD);
    expect(stored).not.toContain(Buffer.from(TEST_PASSWORD).toString('base64'));
    // The same history, decoded with the key, does hold it: the search above could have found it.
    const input = raw.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads!;
    const [decoded] = await codec().decode(input as never);
    expect(Buffer.from(decoded!.data!).toString('utf8')).toContain(TEST_PASSWORD);
  });

  it('can be started with `temporal workflow start --type buildService --task-queue ...` (through the codec server, with a bearer token)', async () => {
    const name = uniqueName('cli');
    const workflowId = serviceWorkflowId('testdomain', name);
    process.env.DBAAS_CODEC_KEY_FILE = TEST_CODEC_KEY_FILE;
    const issuer = await openLocalIssuer(mkdtempSync(path.join(os.tmpdir(), 'codec-issuer-')));
    const codecServer = await startCodecServer({ port: 0, allowedOrigins: [], auth: { mode: 'jwt', jwksFile: issuer.jwksFile, audience: 'dbaas' } });
    // The CLI sends TEMPORAL_CODEC_AUTH (its --codec-auth) as the Authorization header; the env keeps it out of argv.
    const codecAuth = `Bearer ${await issuer.issue({ subject: 'build-test', audience: 'dbaas', ttlSeconds: 300 })}`;
    try {
      const cli: ManagedProcess = startProcess('temporal', inject('temporalCli'), [
        'workflow', 'start',
        '--address', inject('temporalAddress'),
        '--type', 'buildService',
        '--task-queue', s.taskQueue,
        '--workflow-id', workflowId,
        '--codec-endpoint', codecServer.url,
        '--input', JSON.stringify(sampleInput(name)),
      ], { env: { ...process.env, TEMPORAL_CODEC_AUTH: codecAuth } });
      expect(await cli.exited).toBe(0);
      const result = (await s.t.client.workflow.getHandle(workflowId).result()) as BuildServiceResult;
      expect(result.service.status).toBe('Running');
      expect(s.sim.state.instance('testdomain', name)?.status).toBe('Running');
      const raw = storedText(await s.t.rawClient.workflow.getHandle(workflowId).fetchHistory());
      expect(raw).not.toContain(TEST_PASSWORD);
    } finally {
      delete process.env.DBAAS_CODEC_KEY_FILE;
      await codecServer.close();
    }
  });

  it('rolls back when the create job fails: nothing left, audit ends rolled_back, error names the step', async () => {
    const name = uniqueName('jobfail');
    s.sim.faults.replace({ triggers: [{ action: 'fail-job', route: 'create', serviceName: name, message: 'ORA-01034: ORACLE not available' }] });
    const handle = await start(sampleInput(name));
    const failure = await failureOf(handle);
    expect(failure.message).toContain('step "waitForCreateJob"');
    expect(failure.message).toContain('ORA-01034');
    expect(failure.message).toContain('rolled back');
    expect(failure.type).toBe('OperationRolledBack');
    expect(liveNamed(name)).toEqual([]);
    await recordHistory(handle, 'buildService-rolled-back');
    expect(await eventsOf(handle.workflowId)).toEqual(['requested', 'started', 'failed', 'rolled_back']);
  });

  it('rolls back when a step fails after the instance exists (Running, then the API refuses)', async () => {
    const name = uniqueName('late');
    const handle = await start(sampleInput(name));
    await waitForStep(handle, 'waitForCreateJob');
    // The next view of this service (the confirmRunning step) is refused with a final 403.
    s.sim.faults.replace({ triggers: [{ action: 'error', route: 'view', serviceName: name, status: 403, message: 'Forbidden: missing role DBaaS_Viewer', times: 1 }] });
    const failure = await failureOf(handle);
    expect(failure.message).toContain('step "confirmRunning"');
    expect(failure.message).toContain('403');
    expect(failure.message).toContain('missing role DBaaS_Viewer');
    expect(s.sim.stats().jobs.delete.succeeded).toBeGreaterThan(0);
    expect(liveNamed(name)).toEqual([]);
    expect(await eventsOf(handle.workflowId)).toEqual(['requested', 'started', 'failed', 'rolled_back']);
  });

  it('rolls back when cancelled mid-way (the CLI Ctrl+C): nothing left, failed with the step named', async () => {
    const name = uniqueName('cancel');
    s.sim.configure({ jobDurationMs: { create: 4000 } });
    const handle = await start(sampleInput(name));
    await waitForStep(handle, 'waitForCreateJob');
    await handle.cancel();
    const failure = await failureOf(handle);
    expect(failure.message).toContain('step "waitForCreateJob"');
    expect(failure.message).toContain('cancelled');
    expect(failure.message).toContain('rolled back');
    expect(liveNamed(name)).toEqual([]);
    expect(await eventsOf(handle.workflowId)).toEqual(['requested', 'started', 'failed', 'rolled_back']);
  });

  it('succeeds with 30% of responses 500/503/429 and a lost create answer, with exactly one instance created', async () => {
    const name = uniqueName('flaky');
    s.sim.resetStats();
    s.sim.faults.replace({
      all: { errorRate: 0.3, statuses: [500, 503, 429], retryAfterSeconds: 1 },
      // The first create is carried out but its answer is lost: the retry must adopt it, not create again.
      triggers: [{ action: 'drop-after', route: 'create', serviceName: name, times: 1 }],
      seed: 7,
    });
    const handle = await start(sampleInput(name));
    const result = (await handle.result()) as BuildServiceResult;
    expect(result.service.status).toBe('Running');
    const stats = s.sim.stats();
    expect(stats.instances.created).toBe(1);
    expect(stats.jobs.create.submitted).toBe(1);
    expect(stats.routes.create?.statuses.dropped).toBe(1);
    // Faults were really injected on the way.
    const injected = Object.values(stats.routes).reduce((n, r) => n + (r.statuses['500'] ?? 0) + (r.statuses['503'] ?? 0) + (r.statuses['429'] ?? 0), 0);
    expect(injected).toBeGreaterThan(0);
    expect(liveNamed(name)).toHaveLength(1);
    expect(await eventsOf(handle.workflowId)).toEqual(['requested', 'started', 'succeeded']);
  });

  it('survives a worker SIGKILL while the job runs: completes with one instance and no duplicate audit events', async () => {
    const name = uniqueName('crash');
    s.sim.resetStats();
    s.sim.configure({ jobDurationMs: { create: 6000 } });
    const handle = await start(sampleInput(name));
    await waitForStep(handle, 'waitForCreateJob');
    await s.killAndRestartWorker();
    const result = (await resultOrDiagnosis(handle, 200_000, () => s.worker.output)) as BuildServiceResult;
    expect(result.service.status).toBe('Running');
    expect(s.sim.stats().instances.created).toBe(1);
    expect(s.sim.stats().jobs.create.submitted).toBe(1);
    const audit = await auditTrail(handle.workflowId);
    expect(audit.map((e) => e.event)).toEqual(['requested', 'started', 'succeeded']);
    expect(new Set(audit.map((e) => e.idempotencyKey)).size).toBe(audit.length);
  }, 240_000); // a worker restart on a loaded 2-core machine can take a minute

  it('rejects invalid input in the workflow before any cloud call', async () => {
    s.sim.resetStats();
    const name = uniqueName('bad');
    const input = sampleInput(name);
    input.service.edition = 'EE';
    input.service.parameters = [{ type: 'db', usableStorage: '10', adminPassword: 'short', backupDestination: 'NONE', isRac: 'yes' }];
    const handle = await start(input);
    const failure = await failureOf(handle);
    expect(failure.type).toBe('InvalidInput');
    expect(failure.message).toContain('edition: a RAC database');
    expect(failure.message).toContain('parameters.0.usableStorage');
    expect(failure.message).toContain('parameters.0.adminPassword');
    expect(failure.message).not.toContain('short');
    expect(s.sim.stats().totalCalls).toBe(0);
  });
});
