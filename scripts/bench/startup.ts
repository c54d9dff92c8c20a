// Scenario 8, start to polling: how long a worker process takes from spawn to its ready line and to its
// first workflow task, started the way the image before issue 13 started it (`npm run worker`: npm,
// tsx, webpack bundling src/workflows) and the way the production image starts it (`node` on compiled
// JavaScript with the prebuilt bundle), plus the two steps between, to say what each change saves.
// A build waits on the task queue before each worker is spawned, so the first poll gets a task at once:
// the server's WorkflowTaskStarted/Completed timestamps (same machine, same clock) time the first poll
// served and the first task done. The build then runs to completion, proving the worker works.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { serviceWorkflowId } from '../../src/shared/contract';
import { codecKeyFrom, dataConverterFor } from '../../src/worker/codec';
import { buildDist } from '../build-dist';
import { findPostgresBin, startPrivatePostgres } from '../lib/postgres';
import { REPO_ROOT } from '../lib/process';
import { benchBuildInput, type BenchEnv } from './env';
import { table } from './report';
import { median, round } from './stats';

export interface StartupRow {
  variant: string;
  command: string;
  runs: number;
  /** Medians, seconds from spawn. */
  readySeconds: number;
  firstPollSeconds: number;
  firstTaskSeconds: number;
  /** Slowest run's first task done, seconds from spawn. */
  firstTaskMaxSeconds: number;
  /** Did the process run webpack (the SDK's "Workflow bundle created" line)? The same in every run. */
  bundledAtStart: boolean;
}

export interface StartupFigures {
  auditStore: string;
  /** `npm run build`'s two steps, once (what the image's build stage adds). */
  build: { compileSeconds: number; bundleSeconds: number };
  rows: StartupRow[];
  /** Image after against image before, medians of the first task done. */
  ratio: number;
  /** /proc/loadavg's 1-minute figure when the scenario started and ended. */
  loadAverage: { start: number; end: number };
}

interface Variant {
  variant: string;
  command: string;
  spawn: (dist: string) => [string, string[]];
  prebuilt: boolean;
  /** A fresh TMPDIR per run: tsx's transform cache starts empty, as in a new container. */
  coldTmp?: boolean;
}

const VARIANTS: Variant[] = [
  { variant: 'before: the old image', command: 'npm run worker (npm → tsx, bundles at start; empty tsx cache)', spawn: () => ['npm', ['run', '--silent', 'worker']], prebuilt: false, coldTmp: true },
  { variant: 'tsx, warm cache', command: 'tsx src/worker/main.ts (bundles at start)', spawn: () => [path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx'), ['src/worker/main.ts']], prebuilt: false },
  { variant: 'compiled, bundling', command: 'node dist/src/worker/main.js (bundles at start)', spawn: (dist) => [process.execPath, [path.join(dist, 'src', 'worker', 'main.js')]], prebuilt: false },
  { variant: 'after: the new image', command: 'node dist/src/worker/main.js, DBAAS_WORKFLOW_BUNDLE prebuilt', spawn: (dist) => [process.execPath, [path.join(dist, 'src', 'worker', 'main.js')]], prebuilt: true },
];

interface Sample {
  ready: number;
  firstPoll: number;
  firstTask: number;
  bundled: boolean;
}

/** A worker in a process group of its own: npm and tsx start children, and the whole group is stopped. */
class WorkerProcess {
  readonly lines: string[] = [];
  readonly exited: Promise<void>;
  private readonly child: ChildProcess;
  private waiters: (() => void)[] = [];

  constructor(command: string, args: string[], env: NodeJS.ProcessEnv) {
    this.child = spawn(command, args, { cwd: REPO_ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    for (const stream of [this.child.stdout!, this.child.stderr!]) {
      stream.setEncoding('utf8');
      let buffer = '';
      stream.on('data', (chunk: string) => {
        const parts = (buffer + chunk).split('\n');
        buffer = parts.pop() ?? '';
        this.lines.push(...parts);
        for (const w of this.waiters) w();
      });
    }
    this.exited = new Promise((resolve) => this.child.once('exit', () => resolve()));
    void this.exited.then(() => this.waiters.forEach((w) => w()));
  }

  /** Resolves at the time (Date.now()) the line arrives. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => done(new Error(`worker did not print ${pattern} within ${timeoutMs} ms:\n${this.lines.slice(-20).join('\n')}`)), timeoutMs);
      const done = (err?: Error) => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== check);
        if (err) reject(err);
        else resolve(Date.now());
      };
      const check = () => {
        if (this.lines.some((l) => pattern.test(l))) done();
        else if (this.child.exitCode !== null || this.child.signalCode !== null) done(new Error(`worker exited before printing ${pattern}:\n${this.lines.slice(-20).join('\n')}`));
      };
      this.waiters.push(check);
      check();
    });
  }

  /** SIGTERM to the group (the worker drains), SIGKILL to what is left of it after 15 s. */
  async stop(): Promise<void> {
    const group = -this.child.pid!;
    const signal = (s: NodeJS.Signals) => {
      try {
        process.kill(group, s);
      } catch {
        // the group is gone
      }
    };
    signal('SIGTERM');
    const timer = setTimeout(() => signal('SIGKILL'), 15_000);
    await this.exited;
    clearTimeout(timer);
    signal('SIGKILL'); // a child that outlived its parent (none expected)
  }
}

const eventMs = (e: temporal.api.history.v1.IHistoryEvent) => Number(e.eventTime!.seconds) * 1000 + Math.floor((e.eventTime!.nanos ?? 0) / 1e6);

async function oneRun(v: Variant, ctx: { client: Client; dist: string; baseEnv: NodeJS.ProcessEnv; simulatorUrl: string }): Promise<Sample> {
  const taskQueue = `bench-startup-${randomBytes(3).toString('hex')}`;
  const input = benchBuildInput('startup', `s-${randomBytes(3).toString('hex')}`);
  const handle = await ctx.client.workflow.start('buildService', { taskQueue, workflowId: serviceWorkflowId(input.identityDomain, input.service.serviceName), args: [input] });
  const tmp = v.coldTmp ? mkdtempSync(path.join(os.tmpdir(), 'bench-startup-tmp-')) : undefined;
  const env: NodeJS.ProcessEnv = { ...ctx.baseEnv, DBAAS_TASK_QUEUE: taskQueue, DBCS_BASE_URL: ctx.simulatorUrl, ...(tmp ? { TMPDIR: tmp } : {}) };
  if (v.prebuilt) env.DBAAS_WORKFLOW_BUNDLE = path.join(ctx.dist, 'workflow-bundle.js');
  const [command, args] = v.spawn(ctx.dist);
  const spawned = Date.now();
  const worker = new WorkerProcess(command, args, env);
  try {
    const ready = await worker.waitFor(/dbaas worker ready/, 180_000);
    await handle.result();
    const events = (await handle.fetchHistory()).events ?? [];
    const first = (type: temporal.api.enums.v1.EventType) => eventMs(events.find((e) => e.eventType === type)!);
    return {
      ready: (ready - spawned) / 1000,
      firstPoll: (first(temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED) - spawned) / 1000,
      firstTask: (first(temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) - spawned) / 1000,
      bundled: worker.lines.some((l) => l.includes('Workflow bundle created')),
    };
  } finally {
    await worker.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }
}

const loadAverage = () => os.loadavg()[0]!;

export async function startup(env: BenchEnv): Promise<StartupFigures> {
  const load0 = loadAverage();
  const rounds = env.quick ? 1 : 5;
  // A build of its own (not dist/): the same steps as `npm run build`, timed.
  const distDir = path.join(REPO_ROOT, '.data', `bench-dist-${randomBytes(3).toString('hex')}`);
  let built: ReturnType<typeof buildDist>;
  try {
    built = buildDist(distDir);
  } catch (err) {
    rmSync(distDir, { recursive: true, force: true });
    throw err;
  }
  // The audit store of the compose workers: PostgreSQL (the embedded PGlite's first start, an initdb, would dwarf the rest).
  const pg = process.env.BENCH_DATABASE_URL ? undefined : findPostgresBin() ? await startPrivatePostgres() : undefined;
  const databaseUrl = process.env.BENCH_DATABASE_URL ?? pg?.url;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bench-startup-'));
  const codecKey = randomBytes(32).toString('base64');
  const connection = await Connection.connect({ address: env.temporalAddresses[0]! });
  const client = new Client({ connection, dataConverter: dataConverterFor(codecKeyFrom(Buffer.from(codecKey, 'base64'))) });
  const sim = await env.startSimulator({ jobDurationMs: { create: 200 }, visibilityDelayMs: 0 });
  const baseEnv: NodeJS.ProcessEnv = {
    ...process.env,
    TEMPORAL_ADDRESS: env.temporalAddresses[0],
    DBAAS_DATA_DIR: dataDir,
    DBAAS_CODEC_KEY: codecKey,
    DBAAS_AUTH: 'development',
    DBCS_USERNAME: 'dbaas',
    DBCS_PASSWORD: 'simulator',
    NODE_OPTIONS: '',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  };
  delete baseEnv.DBAAS_WORKFLOW_BUNDLE;
  if (!databaseUrl) delete baseEnv.DATABASE_URL;
  const ctx = { client, dist: built.dir, baseEnv, simulatorUrl: sim.url };
  const samples = new Map<Variant, Sample[]>(VARIANTS.map((v) => [v, []]));
  try {
    // One unmeasured round first (file cache, tsx's warm cache, an embedded audit store's initdb), then
    // rounds in turn, so that a slow minute on this shared machine falls on every variant alike.
    for (let r = env.quick ? 1 : 0; r <= rounds; r++) {
      for (const v of VARIANTS) {
        const s = await oneRun(v, ctx);
        if (r > 0) samples.get(v)!.push(s);
        console.log(`startup ${r ? `round ${r}` : 'warm-up'}: ${v.variant}: ready ${s.ready.toFixed(2)} s, first task ${s.firstTask.toFixed(2)} s${s.bundled ? ' (bundled at start)' : ''}`);
      }
    }
  } finally {
    await connection.close();
    pg?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(built.dir, { recursive: true, force: true });
  }
  const rows = VARIANTS.map((v): StartupRow => {
    const xs = samples.get(v)!;
    const bundled = new Set(xs.map((s) => s.bundled));
    if (bundled.size !== 1) throw new Error(`${v.variant}: bundled at start in some runs and not in others`);
    return {
      variant: v.variant,
      command: v.command,
      runs: xs.length,
      readySeconds: round(median(xs.map((s) => s.ready)), 2),
      firstPollSeconds: round(median(xs.map((s) => s.firstPoll)), 2),
      firstTaskSeconds: round(median(xs.map((s) => s.firstTask)), 2),
      firstTaskMaxSeconds: round(Math.max(...xs.map((s) => s.firstTask)), 2),
      bundledAtStart: [...bundled][0]!,
    };
  });
  return {
    auditStore: databaseUrl ? 'PostgreSQL' : 'embedded PGlite',
    build: { compileSeconds: round(built.seconds.compile, 1), bundleSeconds: round(built.seconds.bundle, 1) },
    rows,
    ratio: round(rows.at(-1)!.firstTaskSeconds / rows[0]!.firstTaskSeconds, 2),
    loadAverage: { start: round(load0, 2), end: round(loadAverage(), 2) },
  };
}

export function renderStartup(f: StartupFigures): string {
  const rows = table(f.rows as unknown as Record<string, unknown>[], [
    ['variant', 'worker'],
    ['command', 'command'],
    ['runs', 'runs'],
    ['readySeconds', 'ready line (s)'],
    ['firstPollSeconds', 'first poll served (s)'],
    ['firstTaskSeconds', 'first task done (s)'],
    ['firstTaskMaxSeconds', 'slowest first task (s)'],
    ['bundledAtStart', 'webpack at start'],
  ]);
  return `${rows}\n\nAfter against before: ${f.ratio} × the time from spawn to the first task done (${round(1 / f.ratio, 1)} times as fast). Audit store: ${f.auditStore}. Build (\`npm run build\`): tsc ${f.build.compileSeconds} s, workflow bundle ${f.build.bundleSeconds} s. Load average (1 min) ${f.loadAverage.start} at the start, ${f.loadAverage.end} at the end.`;
}
