// What the production image runs, run here as plain processes (no Docker engine on this machine):
// `npm run build` into a directory of its own, then `node <dir>/src/worker/main.js` with the prebuilt
// workflow bundle and no NODE_OPTIONS, the compiled simulator and the compiled codec server.
// The compiled workflows are deleted before the worker starts: a worker that bundled at start (webpack)
// would find nothing to bundle, so a completed build proves the prebuilt bundle was used.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { defaultPayloadConverter } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, startProcess, type ManagedProcess } from '../../scripts/lib/process';
import { openLocalIssuer } from '../../src/auth/local-issuer';
import { serviceWorkflowId } from '../../src/shared/contract';
import type { BuildServiceResult } from '../../src/shared/schemas';
import { codec, connectClient, resultOrDiagnosis, sampleInput, SIM_PASSWORD, SIM_USER, TEST_CODEC_KEY_FILE, uniqueName, waitUntil, workerEnv } from '../helpers/harness';

const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
const outDir = path.join(REPO_ROOT, '.data', uniqueName('compiled-test'));
const processes: ManagedProcess[] = [];
let buildSeconds = 0;

/** `node <file>` as the image's CMD runs it: no tsx, no NODE_OPTIONS. */
function startCompiled(name: string, file: string, env: NodeJS.ProcessEnv): ManagedProcess {
  const p = startProcess(name, process.execPath, [path.join(outDir, file)], { env: { ...env, NODE_OPTIONS: '' } });
  processes.push(p);
  return p;
}

function jsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? jsFiles(path.join(dir, e.name)) : e.name.endsWith('.js') ? [path.join(dir, e.name)] : []));
}

/** The package a module specifier names (`@scope/name/sub` → `@scope/name`), or undefined for a relative path or a builtin. */
function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('node:') || builtinModules.includes(specifier)) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

beforeAll(async () => {
  const started = Date.now();
  // The real `npm run build`; its own directory, so a developer's dist/ and a benchmark's never race this one.
  await promisify(execFile)('npm', ['run', '--silent', 'build', '--', '--out', outDir], { cwd: REPO_ROOT, maxBuffer: 16 * 1024 * 1024 });
  buildSeconds = (Date.now() - started) / 1000;
  console.log(`npm run build: ${buildSeconds.toFixed(1)} s`);
});

afterAll(async () => {
  await Promise.allSettled(processes.map((p) => p.stop('SIGKILL')));
  rmSync(outDir, { recursive: true, force: true });
});

describe('the compiled build (what the production image runs)', () => {
  it('emits the entry points of the image and the workflow bundle, and its code requires only runtime dependencies, never tsx', () => {
    for (const f of ['src/worker/main.js', 'src/simulator/main.js', 'src/worker/codec-server.js', 'workflow-bundle.js', 'workflow-bundle.traced.js']) expect(existsSync(path.join(outDir, f)), f).toBe(true);
    // Every package the compiled code loads, statically or dynamically (require, require.resolve, import()).
    const used = new Set<string>();
    for (const file of jsFiles(path.join(outDir, 'src'))) {
      for (const m of readFileSync(file, 'utf8').matchAll(/\b(?:require|require\.resolve|import)\(\s*["']([^"']+)["']\s*\)/g)) {
        const name = packageOf(m[1]!);
        if (name) used.add(name);
      }
    }
    expect([...used]).toEqual(expect.arrayContaining(['@temporalio/worker', 'jose', 'zod']));
    // `npm ci --omit=dev` leaves out devDependencies: the image would fail to start on any of them.
    expect([...used].filter((name) => !(name in pkg.dependencies))).toEqual([]);
    expect(used.has('tsx')).toBe(false);
  });

  it('the compiled simulator serves the API: health and a real authenticated request', async () => {
    const sim = startCompiled('simulator', 'src/simulator/main.js', { ...process.env, SIM_PORT: '0', SIM_HOST: '127.0.0.1', SIM_USERNAME: SIM_USER, SIM_PASSWORD: SIM_PASSWORD, SIM_QUIET: '1' });
    const url = (await sim.waitFor(/DBCS simulator listening on (http:\/\/[^\s"]+)/, 30_000))[1]!;
    expect((await fetch(`${url}/__sim/health`)).status).toBe(200);
    const auth = { Authorization: `Basic ${Buffer.from(`${SIM_USER}:${SIM_PASSWORD}`).toString('base64')}`, 'X-ID-TENANT-NAME': 'testdomain' };
    const list = await fetch(`${url}/paas/service/dbcs/api/v1.1/instances/testdomain`, { headers: auth });
    expect(list.status).toBe(200);
    expect(await list.json()).toMatchObject({ services: [] });
    expect((await fetch(`${url}/paas/service/dbcs/api/v1.1/instances/testdomain`)).status).toBe(401);
    expect(await sim.stop('SIGTERM')).toBe(0);
  });

  it('the compiled codec server verifies a bearer token (jose, an ES module, loaded from CommonJS) and decodes', async () => {
    const issuer = await openLocalIssuer(mkdtempSync(path.join(os.tmpdir(), 'compiled-codec-idp-')));
    const server = startCompiled('codec', 'src/worker/codec-server.js', {
      ...process.env,
      CODEC_PORT: '0',
      CODEC_AUTH: 'jwt',
      CODEC_AUTH_JWKS_FILE: issuer.jwksFile,
      CODEC_AUTH_AUDIENCE: 'dbaas',
      DBAAS_CODEC_KEY_FILE: TEST_CODEC_KEY_FILE,
    });
    const url = (await server.waitFor(/codec server listening on (https?:\/\/[^\s";]+)/, 30_000))[1]!;
    expect((await fetch(`${url}/livez`)).status).toBe(200);
    const [encrypted] = await codec().encode([defaultPayloadConverter.toPayload({ hello: 'image' })!]);
    const body = JSON.stringify({ payloads: [{ metadata: Object.fromEntries(Object.entries(encrypted!.metadata!).map(([k, v]) => [k, Buffer.from(v!).toString('base64')])), data: Buffer.from(encrypted!.data!).toString('base64') }] });
    const token = await issuer.issue({ subject: 'ops@example.com', groups: ['operators'] });
    const decoded = await fetch(`${url}/decode`, { method: 'POST', body, headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` } });
    expect(decoded.status).toBe(200);
    const [payload] = ((await decoded.json()) as { payloads: { metadata: Record<string, string>; data: string }[] }).payloads;
    expect(JSON.parse(Buffer.from(payload!.data, 'base64').toString('utf8'))).toEqual({ hello: 'image' });
    expect((await fetch(`${url}/decode`, { method: 'POST', body, headers: { 'Content-Type': 'application/json' } })).status).toBe(401);
    // No handler of its own: SIGTERM ends it (behind tini; as PID 1, node would ignore the signal).
    await server.stop('SIGTERM');
    expect(server.child.exitCode === 0 || server.child.signalCode === 'SIGTERM').toBe(true);
  });

  it('the compiled worker starts from the prebuilt bundle without bundling, runs a real build to completion, and drains on SIGTERM', async () => {
    // Nothing left to bundle: only DBAAS_WORKFLOW_BUNDLE can give this worker its workflows.
    rmSync(path.join(outDir, 'src', 'workflows'), { recursive: true });
    const sim = startCompiled('simulator', 'src/simulator/main.js', { ...process.env, SIM_PORT: '0', SIM_HOST: '127.0.0.1', SIM_USERNAME: SIM_USER, SIM_PASSWORD: SIM_PASSWORD, SIM_JOB_MS: '1000', SIM_QUIET: '1' });
    const simulatorUrl = (await sim.waitFor(/DBCS simulator listening on (http:\/\/[^\s"]+)/, 30_000))[1]!;
    const taskQueue = uniqueName('compiled');
    const worker = startCompiled('worker', 'src/worker/main.js', {
      ...workerEnv({ taskQueue, simulatorUrl }),
      DBAAS_WORKFLOW_BUNDLE: path.join(outDir, 'workflow-bundle.js'),
      DBAAS_HEALTH_PORT: '0',
    });
    await worker.waitFor(/dbaas worker ready/, 90_000);
    const health = (await worker.waitFor(/health: (http:\/\/[^\s"]+)\/livez/, 10_000))[1]!;
    await waitUntil('/readyz answers 200', async () => (await fetch(`${health}/readyz`)).status, (status) => status === 200, 30_000);

    const t = await connectClient();
    try {
      const input = sampleInput(uniqueName('img'));
      const handle = await t.client.workflow.start('buildService', { taskQueue, workflowId: serviceWorkflowId(input.identityDomain, input.service.serviceName), args: [input] });
      const result = (await resultOrDiagnosis(handle, 60_000, () => worker.output)) as BuildServiceResult;
      expect(result.service).toMatchObject({ serviceName: input.service.serviceName, status: 'Running' });
    } finally {
      await t.close();
    }
    // The SDK logs webpack's summary and "Workflow bundle created" whenever it bundles at start.
    expect(worker.output.filter((line) => /webpack|Workflow bundle created/i.test(line))).toEqual([]);

    // Behind tini (the image's ENTRYPOINT) SIGTERM reaches node as it does here: the worker drains and exits 0.
    expect(await worker.stop('SIGTERM', 30_000)).toBe(0);
    expect(worker.output.filter((line) => line.includes('dbaas worker stopped'))).toHaveLength(1);
    await sim.stop('SIGTERM');
  });
});
