// Bad input end to end, on the real worker process and a real simulator behind a counting proxy:
// generated invalid inputs to every workflow through the client and through `temporal workflow start`
// (plain JSON, no codec), invalid dbaas command lines as real processes, and malformed API answers
// reaching the worker. Every invalid input: the workflow closes FAILED with a non-retryable
// InvalidInput naming the bad field, no request reaches the cloud, no workflow is left running.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTs, type ManagedProcess } from '../../scripts/lib/process';
import { failureType, rootMessage } from '../../src/shared/failures';
import type { OperationResult } from '../../src/shared/schemas';
import type { DbcsSimulator } from '../../src/simulator/server';
import { BAD_INPUT_SEED, countingProxy, longStrings, mapLimit, namesField, sampleCases, showCase, WORKFLOW_SPECS, type BadCase, type CountingProxy } from '../helpers/bad-input';
import { connectClient, SIM_PASSWORD, SIM_USER, startSimulator, startWorker, TEST_CODEC_KEY_FILE, TEST_PASSWORD, uniqueName, waitUntil } from '../helpers/harness';

/** Invalid inputs per workflow type through the client (1,000 fits the file's ~3 minute budget on 2 cores: see the log line of each). */
const CLIENT_RUNS = Number(process.env.BAD_INPUT_WORKFLOW_RUNS ?? 1000);
/** Through `temporal workflow start`: one process each, 4 at a time (6,000 took 242 s on 2 cores, alone). */
const TEMPORAL_CLI_RUNS = Number(process.env.BAD_INPUT_TEMPORAL_CLI_RUNS ?? 1000);
const CONCURRENCY = 24;

let sim: DbcsSimulator;
let proxy: CountingProxy;
let worker: ManagedProcess;
let t: Awaited<ReturnType<typeof connectClient>>;
let taskQueue: string;
const dir = mkdtempSync(path.join(os.tmpdir(), 'dbaas-bad-input-'));
/** Every workflow this file starts with an invalid input. */
let started = 0;

beforeAll(async () => {
  sim = await startSimulator({ jobDurationMs: { scale: 300, control: 300 } });
  proxy = await countingProxy(sim.url);
  taskQueue = uniqueName('bad-input');
  [worker, t] = await Promise.all([startWorker({ taskQueue, simulatorUrl: proxy.url }), connectClient()]);
});
afterAll(async () => {
  await worker?.stop();
  await t?.close();
  await proxy?.close();
  await sim?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Outcome {
  status: 'completed' | 'failed' | 'other';
  type?: string;
  nonRetryable?: boolean;
  message: string;
}

async function outcomeOf(handle: WorkflowHandle): Promise<Outcome> {
  try {
    await handle.result();
    return { status: 'completed', message: '' };
  } catch (err) {
    if (!(err instanceof WorkflowFailedError)) return { status: 'other', message: String(err) };
    const cause = err.cause;
    if (!(cause instanceof ApplicationFailure)) return { status: 'failed', message: cause?.message ?? err.message };
    return { status: 'failed', type: cause.type ?? undefined, nonRetryable: cause.nonRetryable ?? undefined, message: cause.message };
  }
}

/** What is wrong with how a workflow handled an invalid input; undefined when all is as it should be. */
function problemOf(c: BadCase, o: Outcome): string | undefined {
  if (o.status !== 'failed') return `${o.status}, not failed: ${o.message.slice(0, 300)}`;
  if (o.type !== 'InvalidInput' || o.nonRetryable !== true) return `failed with ${o.type} (nonRetryable ${o.nonRetryable}): ${o.message.slice(0, 300)}`;
  if (!o.message.startsWith(`invalid ${c.type} input: `)) return `message does not say invalid ${c.type} input: ${o.message.slice(0, 300)}`;
  if (!namesField(o.message, c.field)) return `message does not name ${c.field}: ${o.message.slice(0, 500)}`;
  if (o.message.length > 20_000) return `message of ${o.message.length} characters`;
  if (longStrings(c.input).some((s) => o.message.includes(s.slice(0, 300)))) return 'message echoes a long input value';
  return undefined;
}

/** Workflows on the file's task queue (matching `query` too, when given). */
const count = async (query?: string) => (await t.client.workflow.count(`TaskQueue = '${taskQueue}'${query ? ` AND ${query}` : ''}`)).count;

/** Nothing reached the cloud, nothing runs on the file's task queue, every invalid start closed FAILED. */
async function expectNothingLeft(): Promise<void> {
  expect(proxy.requests).toEqual([]);
  expect(sim.stats().totalCalls).toBe(0);
  expect(sim.stats().unauthorized).toBe(0);
  await waitUntil('every invalid workflow closed FAILED in visibility', () => count(`ExecutionStatus = 'Failed'`), (n) => n === started, 60_000, 500);
  expect(await count(`ExecutionStatus = 'Running'`)).toBe(0);
  expect(worker.child.exitCode).toBeNull();
}

function report(problems: string[], total: number): void {
  expect(problems.length, `${problems.length} of ${total} cases went wrong (seed ${BAD_INPUT_SEED}); the first:\n${problems.slice(0, 8).join('\n')}`).toBe(0);
}

describe('invalid inputs through the client', () => {
  beforeAll(() => proxy.reset());

  it.each(WORKFLOW_SPECS.map((s) => s.type))(
    `%s: ${CLIENT_RUNS} generated invalid inputs each fail at once with InvalidInput naming the field`,
    async (type) => {
      const cases = sampleCases(type, CLIENT_RUNS);
      const tag = uniqueName('c');
      const t0 = Date.now();
      const problems = (
        await mapLimit(cases, CONCURRENCY, async (c, i) => {
          const handle = await t.client.workflow.start(type, { taskQueue, workflowId: `bad:${type}:${tag}:${i}`, args: [c.input], workflowExecutionTimeout: '5m' });
          started += 1;
          const problem = problemOf(c, await outcomeOf(handle));
          return problem && `${showCase(c, i)}\n  → ${problem}`;
        })
      ).filter((p): p is string => p !== undefined);
      console.log(`[bad-input] client: ${type}: ${cases.length} invalid inputs in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      report(problems, cases.length);
      expect(proxy.requests).toEqual([]);
    },
    600_000,
  );

  it('made no cloud call and left no workflow running', () => expectNothingLeft(), 120_000);
});

describe('invalid inputs through `temporal workflow start` (plain JSON payloads, no codec)', () => {
  beforeAll(() => proxy.reset());

  function temporalCli(args: string[]): Promise<{ code: number | null; out: string }> {
    return new Promise((resolve) => {
      const child = spawn(inject('temporalCli'), args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      child.on('close', (code) => resolve({ code, out }));
    });
  }

  it(
    `${TEMPORAL_CLI_RUNS} generated invalid inputs per workflow type fail with InvalidInput naming the field`,
    async () => {
      const cases = WORKFLOW_SPECS.flatMap((s) => sampleCases(s.type, TEMPORAL_CLI_RUNS, BAD_INPUT_SEED + 1));
      const tag = uniqueName('cli');
      const t0 = Date.now();
      const problems = (
        await mapLimit(cases, 4, async (c, i) => {
          const file = path.join(dir, `input-${i}.json`);
          writeFileSync(file, JSON.stringify(c.input));
          const workflowId = `bad-cli:${c.type}:${tag}:${i}`;
          const args = ['workflow', 'start', '--address', inject('temporalAddress'), '--namespace', 'default', '--task-queue', taskQueue, '--type', c.type, '--workflow-id', workflowId, '--input-file', file];
          const { code, out } = await temporalCli(args);
          if (code !== 0) return `${showCase(c, i)}\n  → temporal workflow start exited ${code}: ${out.slice(0, 300)}`;
          started += 1;
          const problem = problemOf(c, await outcomeOf(t.client.workflow.getHandle(workflowId)));
          return problem && `${showCase(c, i)}\n  → ${problem}`;
        })
      ).filter((p): p is string => p !== undefined);
      console.log(`[bad-input] temporal workflow start: ${cases.length} invalid inputs in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      report(problems, cases.length);
      // Plain JSON reached the worker as it was sent: the raw client sees no encryption on these inputs.
      const raw = await t.rawClient.workflow.getHandle(`bad-cli:${cases[0]!.type}:${tag}:0`).fetchHistory();
      const input = raw.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
      expect(new TextDecoder().decode(input?.metadata?.encoding ?? new Uint8Array())).toBe('json/plain');
    },
    900_000,
  );

  it('made no cloud call and left no workflow running', () => expectNothingLeft(), 120_000);
});

describe('an input that claims to be encrypted and is not (`--input-meta encoding=binary/encrypted`)', () => {
  // The worker cannot decrypt it, so its workflow task fails (and is retried) rather than running the
  // workflow on a value it made up: nothing reaches the cloud, and the run waits for an operator
  // (who terminates it, or fixes the client's DBAAS_CODEC_KEY and starts again). A client with the
  // wrong key gets the same. (Decoding to a placeholder instead would also feed made-up values to
  // replays of runs whose key was retired; SECURITY.md, key rotation.)
  it('fails its workflow task, never runs the workflow, and makes no cloud call', async () => {
    const workflowId = `bad-cli:fake-encrypted:${uniqueName('x')}`;
    const args = ['workflow', 'start', '--address', inject('temporalAddress'), '--namespace', 'default', '--task-queue', taskQueue, '--type', 'scaleService', '--workflow-id', workflowId, '--input', '"not encrypted at all"', '--input-meta', 'encoding=binary/encrypted'];
    const child = spawn(inject('temporalCli'), args, { stdio: 'ignore' });
    expect(await new Promise((r) => child.on('close', r))).toBe(0);
    const handle = t.client.workflow.getHandle(workflowId);
    try {
      const failedTask = await waitUntil(
        'a failed workflow task',
        async () => ((await handle.fetchHistory()).events ?? []).find((e) => e.workflowTaskFailedEventAttributes)?.workflowTaskFailedEventAttributes,
        (x) => x !== undefined,
        60_000,
      );
      expect(failedTask?.failure?.message).toMatch(/cannot decrypt a payload|decrypt/i);
      // No search attribute was set and no activity scheduled: the workflow code never ran.
      const events = (await handle.fetchHistory()).events ?? [];
      expect(events.some((e) => e.activityTaskScheduledEventAttributes || e.markerRecordedEventAttributes || e.upsertWorkflowSearchAttributesEventAttributes)).toBe(false);
    } finally {
      await handle.terminate('bad-input: fake encrypted input').catch(() => undefined);
    }
    expect(proxy.requests).toEqual([]);
  }, 120_000);
});

describe('the dbaas CLI as a process', () => {
  beforeAll(() => proxy.reset());

  const env = (): NodeJS.ProcessEnv => ({
    ...process.env,
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    DBAAS_TASK_QUEUE: taskQueue,
    DBAAS_CODEC_KEY_FILE: TEST_CODEC_KEY_FILE,
    DBAAS_AUTH: 'development',
    DBCS_BASE_URL: proxy.url,
    DBCS_USERNAME: SIM_USER,
    DBCS_PASSWORD: SIM_PASSWORD,
    DBAAS_ADMIN_PASSWORD: TEST_PASSWORD,
  });

  it('exits 2 naming the bad option, and starts nothing, for a sample of invalid command lines', async () => {
    const badSpec = path.join(dir, 'bad-spec.json');
    writeFileSync(badSpec, JSON.stringify({ serviceName: 'x1', version: '12.2.0.1', level: 'PAAS', edition: 'EE', subscriptionType: 'HOURLY', shape: 'oc3', vmPublicKeyText: 'ssh-rsa AAAA k', parameters: [{ type: 'db', usableStorage: '9', backupDestination: 'NONE' }] }));
    const lines: [string[], string][] = [
      [['scale', 'db1', '--domain', 'dom', '--bogus'], "unknown option '--bogus'"],
      [['scale'], "missing required argument 'service'"],
      [['scale', 'db1', '--domain', 'dom', '--storage', 'abc'], '(--storage): additionalStorage'],
      [['stop', '9db', '--domain', 'dom'], '(<service>): serviceName'],
      [['build', badSpec, '--domain', 'dom'], 'service.parameters.0.usableStorage'],
      [['patch', 'start', '--domain', 'dom', '--patch', 'p1', '--services', 'db1', '--window', 'Funday 1-5'], '--window'],
      [['maintain', 'scale', 'db1', '--domain', 'dom', '--min-storage', '1e3'], '(--min-storage): minStorageGb'],
      [['view', 'db_1', '--domain', 'dom'], '<service>'],
      [['audit', 'db1', '--domain', 'dom', '--limit', 'all'], '--limit'],
    ];
    const results = await mapLimit(lines, 3, async ([args]) => {
      const p = startTs('dbaas', 'src/starter/cli.ts', args, { env: env() });
      const code = await p.exited;
      return { code, out: p.output.join('\n') };
    });
    results.forEach(({ code, out }, i) => {
      expect(code, `dbaas ${lines[i]![0].join(' ')}:\n${out}`).toBe(2);
      expect(out, `dbaas ${lines[i]![0].join(' ')}`).toContain(lines[i]![1]);
    });
    expect(proxy.requests).toEqual([]);
    // Every workflow on the queue is one of the invalid starts (and the fake-encrypted one, terminated).
    expect(await count(`ExecutionStatus = 'Running'`)).toBe(0);
    expect(await count(`ExecutionStatus = 'Failed'`)).toBe(started);
  }, 120_000);
});

describe('malformed API answers reaching the worker', () => {
  const DOMAIN = 'maldomain';
  const MB = 1024 * 1024;
  const scale = (name: string) => t.client.workflow.start('scaleService', { taskQueue, workflowId: `svc:${DOMAIN}:${name}`, args: [{ identityDomain: DOMAIN, serviceName: name, shape: 'oc4' }] });

  beforeAll(() => {
    sim.seed(DOMAIN, ['mal-huge', 'mal-types', 'mal-deep', 'mal-html', 'mal-ok']);
    proxy.overrides.set(`/${DOMAIN}/mal-huge`, (res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(MB, 'x');
      let sent = 0;
      const pump = () => {
        while (sent < 50 * MB && !res.destroyed) {
          sent += MB;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        if (!res.destroyed) res.end();
      };
      pump();
    });
    proxy.overrides.set(`/${DOMAIN}/mal-types`, (res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"service_name": 7, "status": {"nested": ["garbage"]}}'));
    proxy.overrides.set(`/${DOMAIN}/mal-deep`, (res) => res.writeHead(200, { 'content-type': 'application/json' }).end(`${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}`));
    proxy.overrides.set(`/${DOMAIN}/mal-html`, (res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html><head><title>Service Temporarily Unavailable</title></head><body>maintenance</body></html>'));
  });

  it('fails with a clear non-retryable CloudAnswerUnreadable on a 50 MB body, wrong types and JSON nested 50,000 deep', async () => {
    for (const [name, says] of [
      ['mal-huge', 'with a body larger than the client reads'],
      ['mal-types', 'with an unexpected body: service_name: Expected string, received number; status: Expected string, received object'],
      ['mal-deep', 'with an unexpected body: service_name: Required; status: Required'],
    ] as const) {
      const err = await (await scale(name)).result().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, name).toBeInstanceOf(WorkflowFailedError);
      expect(failureType(err), name).toBe('CloudAnswerUnreadable');
      expect(rootMessage(err), name).toContain(says);
      expect(rootMessage(err), name).toContain('not retryable');
    }
    expect(worker.child.exitCode).toBeNull();
  }, 120_000);

  it('retries an HTML page answered with 200, and goes on once the API answers properly again', async () => {
    const before = proxy.requests.filter((r) => r.includes('/mal-html')).length;
    const handle = await scale('mal-html');
    await waitUntil('three tries of the read', () => proxy.requests.filter((r) => r.includes('/mal-html')).length - before, (n) => n >= 3, 60_000);
    expect((await handle.describe()).status.name).toBe('RUNNING');
    proxy.overrides.delete(`/${DOMAIN}/mal-html`);
    const result = (await handle.result()) as OperationResult;
    expect(result.after?.shape).toBe('oc4');
  }, 120_000);

  it('kept the worker alive throughout: it still runs an operation', async () => {
    const result = (await (await scale('mal-ok')).result()) as OperationResult;
    expect(result.after).toMatchObject({ shape: 'oc4', status: 'Running' });
    expect(worker.child.exitCode).toBeNull();
    expect(worker.output.filter((l) => /unhandled|uncaught|FATAL|heap out of memory/i.test(l))).toEqual([]);
  }, 120_000);
});
