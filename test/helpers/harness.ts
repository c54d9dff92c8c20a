// What integration tests share: a simulator on a free port, worker processes on a per-file task
// queue, a Temporal client with the project's codec, an audit reader, and condition waits.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { expect, inject } from 'vitest';
import { startTs, type ManagedProcess } from '../../scripts/lib/process';
import { openAuditStore } from '../../src/audit/open';
import type { AuditRecord, AuditStore } from '../../src/audit/types';
import { EncryptionCodec, loadCodecKey } from '../../src/worker/codec';
import type { BuildServiceInput } from '../../src/shared/schemas';
import { DbcsSimulator, type SimulatorOptions } from '../../src/simulator/server';

export const TEST_CODEC_KEY_FILE = path.resolve(__dirname, '..', 'fixtures', 'codec-test.key');
export const SIM_USER = 'dbaas';
export const SIM_PASSWORD = 'simulator';

export const uniqueName = (prefix: string) => `${prefix}-${randomBytes(3).toString('hex')}`;

export async function startSimulator(options: SimulatorOptions = {}): Promise<DbcsSimulator> {
  const sim = new DbcsSimulator({ username: SIM_USER, password: SIM_PASSWORD, jobDurationMs: { create: 1500, delete: 800 }, visibilityDelayMs: 300, ...options });
  await sim.listen();
  return sim;
}

export function codec(): EncryptionCodec {
  return new EncryptionCodec(loadCodecKey({ DBAAS_CODEC_KEY_FILE: TEST_CODEC_KEY_FILE }));
}

export interface WorkerOptions {
  taskQueue: string;
  simulatorUrl: string;
  /** Audit in PostgreSQL (the run's server) unless a PGlite directory is given. */
  pgliteDir?: string;
  env?: NodeJS.ProcessEnv;
}

export function workerEnv(options: WorkerOptions): NodeJS.ProcessEnv {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'dbaas-worker-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_NAMESPACE: 'default',
    DBAAS_TASK_QUEUE: options.taskQueue,
    DBAAS_DATA_DIR: dataDir,
    DBAAS_WORKFLOW_BUNDLE: inject('workflowBundle'),
    DBAAS_CODEC_KEY_FILE: TEST_CODEC_KEY_FILE,
    DBCS_BASE_URL: options.simulatorUrl,
    DBCS_USERNAME: SIM_USER,
    DBCS_PASSWORD: SIM_PASSWORD,
    // Unsigned requests run (as unverified); test/integration/requester.test.ts covers verified ones.
    DBAAS_AUTH: 'development',
    ...options.env,
  };
  if (options.pgliteDir) {
    delete env.DATABASE_URL;
    env.DBAAS_DATA_DIR = options.pgliteDir;
  } else env.DATABASE_URL = options.env?.DATABASE_URL ?? inject('databaseUrl');
  return env;
}

export async function startWorker(options: WorkerOptions): Promise<ManagedProcess> {
  const worker = startTs('worker', 'src/worker/main.ts', [], { env: workerEnv(options) });
  await worker.waitFor(/dbaas worker ready/, 90_000);
  return worker;
}

export async function connectClient(address = inject('temporalAddress')): Promise<{ client: Client; rawClient: Client; close: () => Promise<void> }> {
  const connection = await Connection.connect({ address });
  return {
    client: new Client({ connection, namespace: 'default', dataConverter: { payloadCodecs: [codec()] } }),
    // No codec: sees payloads exactly as the server stores them.
    rawClient: new Client({ connection, namespace: 'default' }),
    close: () => connection.close(),
  };
}

let auditStore: Promise<AuditStore> | undefined;
export function auditReader(): Promise<AuditStore> {
  auditStore ??= openAuditStore({ databaseUrl: inject('databaseUrl') });
  return auditStore;
}

export async function auditTrail(workflowId: string): Promise<AuditRecord[]> {
  return (await auditReader()).query({ workflowId });
}

/** How a run failed: its cause's message and failure type (the test fails if the run did not fail). */
export async function failureOf(handle: WorkflowHandle): Promise<{ message: string; type?: string }> {
  const err = await handle.result().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowFailedError);
  const cause = (err as WorkflowFailedError).cause as { message: string; type?: string };
  return { message: cause.message, type: cause.type };
}

/** Polls a condition until it holds; fails with the last observed value. */
export async function waitUntil<T>(what: string, probe: () => Promise<T> | T, ok: (value: T) => boolean, timeoutMs = 60_000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      last = await probe();
      if (ok(last)) return last;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(last)}${lastError ? `; last error: ${String(lastError)}` : ''}`);
}

export const TEST_PASSWORD = 'Zx9secretPw_7731';

export function sampleInput(serviceName: string, overrides: Partial<BuildServiceInput> = {}, identityDomain = 'testdomain'): BuildServiceInput {
  return {
    identityDomain,
    requestedBy: 'test-suite',
    ticket: 'TEST-1',
    service: {
      serviceName,
      version: '12.2.0.1',
      level: 'PAAS',
      edition: 'EE',
      subscriptionType: 'HOURLY',
      shape: 'oc3',
      vmPublicKeyText: 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7test test@example',
      parameters: [{ type: 'db', usableStorage: '25', adminPassword: TEST_PASSWORD, backupDestination: 'NONE' }],
    },
    ...overrides,
  };
}

/** What one integration test file runs on: its simulator, task queue, worker process and client. */
export interface FileStack {
  sim: DbcsSimulator;
  taskQueue: string;
  worker: ManagedProcess;
  t: Awaited<ReturnType<typeof connectClient>>;
  /** SIGKILLs the worker and starts a new one on the same task queue. */
  killAndRestartWorker(): Promise<void>;
  stop(): Promise<void>;
}

/** `temporalAddress`: a dev server of the file's own (e.g. with its own dynamic config) instead of the shared one. */
export async function startFileStack(prefix: string, simulator: SimulatorOptions = {}, temporalAddress = inject('temporalAddress')): Promise<FileStack> {
  const sim = await startSimulator(simulator);
  const taskQueue = uniqueName(prefix);
  const env = { TEMPORAL_ADDRESS: temporalAddress };
  const [worker, t] = await Promise.all([startWorker({ taskQueue, simulatorUrl: sim.url, env }), connectClient(temporalAddress)]);
  const stack: FileStack = {
    sim,
    taskQueue,
    worker,
    t,
    async killAndRestartWorker() {
      stack.worker.child.kill('SIGKILL');
      await stack.worker.exited;
      stack.worker = await startWorker({ taskQueue, simulatorUrl: sim.url, env });
    },
    async stop() {
      await stack.worker.stop();
      await t.close();
      await sim.close();
    },
  };
  return stack;
}

/** Runs the dbaas CLI as a real process against a file's stack. */
export function cliFor(env: () => NodeJS.ProcessEnv) {
  const startCli = (args: string[], extra: NodeJS.ProcessEnv = {}): ManagedProcess => startTs('dbaas', 'src/starter/cli.ts', args, { env: { ...env(), ...extra } });
  const cli = async (args: string[], extra: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; out: string }> => {
    const p = startCli(args, extra);
    const code = await p.exited;
    return { code, out: p.output.join('\n') };
  };
  return { cli, startCli };
}

/** The environment the CLI needs to reach a file's stack. */
export function cliEnvFor(s: { sim: DbcsSimulator; taskQueue: string }): NodeJS.ProcessEnv {
  return {
    ...process.env,
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    DBAAS_TASK_QUEUE: s.taskQueue,
    DBAAS_CODEC_KEY_FILE: TEST_CODEC_KEY_FILE,
    DBCS_BASE_URL: s.sim.url,
    DBCS_USERNAME: SIM_USER,
    DBCS_PASSWORD: SIM_PASSWORD,
    DBAAS_ADMIN_PASSWORD: TEST_PASSWORD,
  };
}

/** The result, or (past `ms`) a failure that shows where the run stands: pending activities, last events, the worker's last lines. */
export async function resultOrDiagnosis(handle: WorkflowHandle, ms: number, workerOutput: () => string[]): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      void (async () => {
        const d = await handle.describe();
        const raw = d.raw.pendingActivities?.map((a) => ({ type: a.activityType?.name, state: a.state, attempt: a.attempt, lastFailure: a.lastFailure?.message, lastWorker: a.lastWorkerIdentity }));
        const history = await handle.fetchHistory();
        // The whole history, for replaying it offline (Worker.runReplayHistory) when a run hangs.
        mkdirSync('.data', { recursive: true });
        writeFileSync(path.join('.data', `stuck-${handle.workflowId.replace(/[^\w.-]/g, '_')}.json`), JSON.stringify(history));
        const events = (history.events ?? []).slice(-15).map((e) => `${e.eventId} ${e.eventType}`);
        reject(new Error(`no result after ${ms} ms: ${d.status.name}; pending activities ${JSON.stringify(raw)}; last events ${events.join(', ')}; worker: ${workerOutput().slice(-20).join(' | ')}`));
      })().catch(reject);
    }, ms);
  });
  try {
    return await Promise.race([handle.result(), late]);
  } finally {
    clearTimeout(timer);
  }
}

