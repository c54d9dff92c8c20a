// The dbaas CLI as an operator runs it: a real process against the real dev server, worker and simulator.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startProcess } from '../../scripts/lib/process';
import { serviceWorkflowId } from '../../src/shared/contract';
import { auditTrail, cliEnvFor, cliFor, sampleInput, startFileStack, startWorker, uniqueName, waitUntil, type FileStack } from '../helpers/harness';

const dir = mkdtempSync(path.join(os.tmpdir(), 'dbaas-cli-'));
let s: FileStack;

beforeAll(async () => {
  s = await startFileStack('cli');
});

afterAll(() => s?.stop());

const { cli, startCli } = cliFor(() => cliEnvFor(s));

/** A spec file as an operator writes it: the create body, no password. */
function specFile(name: string, mutate: (s: Record<string, unknown>) => void = () => undefined): string {
  const service = structuredClone(sampleInput(name).service) as unknown as Record<string, unknown>;
  for (const p of service.parameters as Record<string, unknown>[]) delete p.adminPassword;
  mutate(service);
  const file = path.join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(service));
  return file;
}

describe('dbaas CLI', () => {
  it('builds with --wait --json and exits 0 with the service details', async () => {
    const name = uniqueName('cli-ok');
    const { code, out } = await cli(['build', specFile(name), '--domain', 'clidom', '--wait', '--json', '--ticket', 'CHG-7']);
    expect(code).toBe(0);
    const result = JSON.parse(out.slice(out.indexOf('{'))) as { status: string; result: { service: { status: string } } };
    expect(result.status).toBe('succeeded');
    expect(result.result.service.status).toBe('Running');
    expect(s.sim.state.instance('clidom', name)?.status).toBe('Running');
    const audit = await auditTrail(serviceWorkflowId('clidom', name));
    expect(audit[0]).toMatchObject({ event: 'requested', ticket: 'CHG-7', requestedBy: `${os.userInfo().username} (unverified)` });

    const view = await cli(['view', name, '--domain', 'clidom', '--json']);
    expect(view.code).toBe(0);
    expect(JSON.parse(view.out)).toMatchObject({ service_name: name, status: 'Running' });
    const job = await cli(['job', String(JSON.parse(view.out).creation_job_id), '--domain', 'clidom']);
    expect(job.code).toBe(0);
    expect(job.out).toContain('Succeeded');
    const status = await cli(['status', serviceWorkflowId('clidom', name)]);
    expect(status.out).toContain('COMPLETED');
    expect(status.out).toContain('succeeded');
  });

  it('shows live progress (step, elapsed time, job messages) without --json', async () => {
    const name = uniqueName('cli-live');
    s.sim.configure({ jobDurationMs: { create: 6000 } });
    const { code, out } = await cli(['build', specFile(name), '--domain', 'clidom', '--wait']);
    s.sim.configure({ jobDurationMs: { create: 1500 } });
    expect(code).toBe(0);
    expect(out).toMatch(/\[\s+\d+\.\ds\] waitForCreateJob job \d+ \[InProgress\]/);
    // The API's own job messages reach the screen (which ones depends on when the heartbeats land).
    expect(out).toMatch(/waitForCreateJob job \d+ \[InProgress\]\s+(Submitted job to create service|Creating compute resources|SSH access|Configuring Oracle Database|Starting database services)/);
    expect(out).toContain('✔ buildService succeeded');
  });

  it('rejects an invalid spec before starting anything (exit 2, field named, no cloud call)', async () => {
    s.sim.resetStats();
    const name = uniqueName('cli-bad');
    const { code, out } = await cli(['build', specFile(name, (s) => (s.shape = 'oc42')), '--domain', 'clidom', '--wait']);
    expect(code).toBe(2);
    expect(out).toContain('service.shape: must be one of');
    expect(s.sim.stats().totalCalls).toBe(0);
    await expect(s.t.client.workflow.getHandle(serviceWorkflowId('clidom', name)).describe()).rejects.toThrow();
  });

  it('refuses a password written in the spec, and asks for one when none is set', async () => {
    const withPassword = specFile(uniqueName('cli-pw'), (s) => ((s.parameters as Record<string, unknown>[])[0]!.adminPassword = 'Secret123#'));
    const refused = await cli(['build', withPassword, '--domain', 'clidom']);
    expect(refused.code).toBe(2);
    expect(refused.out).toContain('remove adminPassword from the file');
    const noPassword = await cli(['build', specFile(uniqueName('cli-nopw')), '--domain', 'clidom'], { DBAAS_ADMIN_PASSWORD: '' });
    expect(noPassword.code).toBe(2);
    expect(noPassword.out).toContain('set DBAAS_ADMIN_PASSWORD');
    const missing = await cli(['build', path.join(dir, 'nope.json'), '--domain', 'clidom']);
    expect(missing).toMatchObject({ code: 2 });
    expect(missing.out).toContain('file not found');
  });

  it('says which operation holds a busy service (exit 3), then cancels it with a rollback', async () => {
    const name = uniqueName('cli-busy');
    const workflowId = serviceWorkflowId('clidom', name);
    s.sim.configure({ jobDurationMs: { create: 8000 } });
    try {
      const first = await cli(['build', specFile(name), '--domain', 'clidom']);
      expect(first.code).toBe(0);
      expect(first.out).toContain(`dbaas status ${workflowId} --wait`);
      const second = await cli(['build', specFile(name), '--domain', 'clidom']);
      expect(second.code).toBe(3);
      expect(second.out).toContain(`service [${name}] is busy: buildService (workflow ${workflowId}`);
      expect(second.out).toContain(`dbaas cancel ${workflowId}`);

      await waitUntil('the create job', () => s.sim.state.instance('clidom', name), (i) => i !== undefined);
      const cancel = await cli(['cancel', workflowId, '--wait']);
      expect(cancel.code).toBe(0);
      expect(cancel.out).toContain('rolled back');
      expect(s.sim.state.instance('clidom', name)).toBeUndefined();
      const status = await cli(['status', workflowId, '--json']);
      expect(status.code).toBe(1);
      expect(JSON.parse(status.out)).toMatchObject({ workflowStatus: 'FAILED', progress: { state: 'rolled_back' } });
    } finally {
      s.sim.configure({ jobDurationMs: { create: 1500 } });
    }
  });

  it('turns Ctrl+C during --wait into a cancellation that rolls back', async () => {
    const name = uniqueName('cli-int');
    s.sim.configure({ jobDurationMs: { create: 8000 } });
    try {
      const p = startCli(['build', specFile(name), '--domain', 'clidom', '--wait']);
      await p.waitFor(/waitForCreateJob/, 30_000);
      p.child.kill('SIGINT');
      const code = await p.exited;
      const out = p.output.join('\n');
      expect(code).toBe(1);
      expect(out).toContain('Cancellation requested');
      expect(out).toMatch(/failed at step "waitForCreateJob": cancelled on request; rolled back/);
      expect(s.sim.state.instance('clidom', name)).toBeUndefined();
    } finally {
      s.sim.configure({ jobDurationMs: { create: 1500 } });
    }
  });

  it('names unknown workflows and jobs (exit 4)', async () => {
    expect((await cli(['status', 'svc:clidom:nothing-here'])).code).toBe(4);
    expect((await cli(['job', '999999', '--domain', 'clidom'])).code).toBe(4);
    expect((await cli(['view', 'nothing-here', '--domain', 'clidom'])).code).toBe(4);
  });
});

describe('dbaas CLI: every operation of the seed script', () => {
  it('build, scale, stop, start, restart, audit and delete a service, each with --wait', async () => {
    const name = uniqueName('cli-all').slice(0, 15);
    expect((await cli(['build', specFile(name), '--domain', 'clidom', '--wait'])).code).toBe(0);

    const scale = await cli(['scale', name, '--domain', 'clidom', '--shape', 'oc4', '--storage', '10', '--usage', 'data', '--wait', '--ticket', 'CHG-9']);
    expect(scale.code).toBe(0);
    expect(scale.out).toMatch(/✔ scaleService succeeded: \[.+\] Running\/oc3 → Running\/oc4; storage 25 GB data/);
    expect(s.sim.state.instance('clidom', name)).toMatchObject({ shape: 'oc4', usableStorageGb: 35 });

    const stop = await cli(['stop', name, '--domain', 'clidom', '--wait', '--json']);
    expect(stop.code).toBe(0);
    expect(JSON.parse(stop.out.slice(stop.out.indexOf('{')))).toMatchObject({ status: 'succeeded', result: { after: { status: 'Stopped' } } });
    expect(s.sim.state.instance('clidom', name)?.status).toBe('Stopped');
    expect((await cli(['start', name, '--domain', 'clidom', '--wait'])).code).toBe(0);
    expect((await cli(['restart', name, '--domain', 'clidom', '--wait'])).code).toBe(0);
    expect(s.sim.state.instance('clidom', name)?.status).toBe('Running');

    // Through the worker (embedded-store path) and straight from PostgreSQL: the same trail.
    const viaWorker = await cli(['audit', name, '--domain', 'clidom', '--json']);
    const direct = await cli(['audit', name, '--domain', 'clidom', '--json'], { DATABASE_URL: inject('databaseUrl') });
    expect(viaWorker.code).toBe(0);
    const events = JSON.parse(viaWorker.out) as { operation: string; event: string; ticket?: string }[];
    expect(JSON.parse(direct.out)).toEqual(events);
    expect(events.map((e) => `${e.operation}:${e.event}`)).toEqual(
      ['buildService', 'scaleService', 'changeLifecycle', 'changeLifecycle', 'changeLifecycle'].flatMap((op) =>
        op === 'scaleService' ? [`${op}:requested`, `${op}:started`, `${op}:started`, `${op}:succeeded`] : [`${op}:requested`, `${op}:started`, `${op}:succeeded`],
      ),
    );
    expect(events.find((e) => e.operation === 'scaleService')?.ticket).toBe('CHG-9');
    const human = await cli(['audit', name, '--domain', 'clidom', '--since', '1h']);
    expect(human.out).toMatch(/scaleService\s+succeeded\s+Running\/oc3 → Running\/oc4/);

    const refused = await cli(['delete', name, '--domain', 'clidom', '--wait']);
    expect(refused.code).toBe(2);
    expect(refused.out).toContain(`needs --confirm ${name}`);
    const del = await cli(['delete', name, '--domain', 'clidom', '--confirm', name, '--wait']);
    expect(del.code).toBe(0);
    expect(del.out).toContain('is gone');
    expect(s.sim.state.instance('clidom', name)).toBeUndefined();
  });

  it('rejects invalid operation requests before starting anything (exit 2)', async () => {
    s.sim.resetStats();
    for (const [args, message] of [
      [['scale', 'some-db', '--shape', 'oc99'], 'shape: must be one of'],
      [['scale', 'some-db', '--storage', '-20', '--usage', 'data'], 'storage can only grow'],
      [['scale', 'some-db'], 'give a shape, an additionalStorage, or both'],
      [['stop', 'some-db', '--timeout', '999'], 'lifecycleTimeout'],
      [['delete', 'some-db', '--confirm', 'other-db'], 'confirm: must repeat the service name exactly'],
      [['list', '--operation', 'fooService'], '--operation must be one of'],
      [['audit', 'some-db', '--domain', 'clidom', '--since', 'yesterday-ish'], '--since: use a duration'],
    ] as const) {
      const r = await cli([...args, ...((args as readonly string[]).includes('--domain') ? [] : ['--domain', 'clidom'])]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.out).toContain(message);
    }
    expect(s.sim.stats().totalCalls).toBe(0);
  });

  it('lists running operations and refuses a second one on the busy service, naming the holder', async () => {
    const name = uniqueName('cli-list').slice(0, 15);
    expect((await cli(['build', specFile(name), '--domain', 'clidom', '--wait'])).code).toBe(0);
    s.sim.configure({ jobDurationMs: { control: 8000 } });
    try {
      expect((await cli(['stop', name, '--domain', 'clidom'])).code).toBe(0);
      const busy = await cli(['scale', name, '--domain', 'clidom', '--shape', 'oc5']);
      expect(busy.code).toBe(3);
      expect(busy.out).toContain(`service [${name}] is busy: changeLifecycle`);
      await waitUntil('visibility', async () => JSON.parse((await cli(['list', '--service', name, '--json'])).out) as { operation: string; step?: string }[], (rows) => rows.length === 1);
      const rows = JSON.parse((await cli(['list', '--domain', 'clidom', '--operation', 'changeLifecycle', '--json'])).out) as { workflowId: string; operation: string; step?: string }[];
      expect(rows.find((r) => r.workflowId === serviceWorkflowId('clidom', name))).toMatchObject({ operation: 'changeLifecycle' });
      expect((await cli(['status', serviceWorkflowId('clidom', name), '--wait'])).code).toBe(0);
      expect(s.sim.state.instance('clidom', name)?.status).toBe('Stopped');
    } finally {
      s.sim.configure({ jobDurationMs: { control: 1500 } });
    }
  });

  it('runs each operation through `temporal workflow execute --type … --task-queue …`', async () => {
    const name = uniqueName('tcli').slice(0, 15);
    expect((await cli(['build', specFile(name), '--domain', 'clidom', '--wait'])).code).toBe(0);
    const execute = async (type: string, input: Record<string, unknown>) => {
      const p = startProcess('temporal', inject('temporalCli'), [
        'workflow', 'execute', '--address', inject('temporalAddress'), '--type', type, '--task-queue', s.taskQueue,
        '--workflow-id', serviceWorkflowId('clidom', name), '--input', JSON.stringify({ identityDomain: 'clidom', serviceName: name, ...input }),
      ]);
      expect(await p.exited, p.output.join('\n')).toBe(0);
    };
    await execute('scaleService', { shape: 'oc2m' });
    expect(s.sim.state.instance('clidom', name)?.shape).toBe('oc2m');
    await execute('changeLifecycle', { lifecycleState: 'stop' });
    expect(s.sim.state.instance('clidom', name)?.status).toBe('Stopped');
    await execute('changeLifecycle', { lifecycleState: 'start' });
    expect(s.sim.state.instance('clidom', name)?.status).toBe('Running');
    await execute('deleteService', { confirm: name });
    expect(s.sim.state.instance('clidom', name)).toBeUndefined();
  });
});

describe('dbaas CLI: connection profiles and the conventions of the temporal CLI', () => {
  /** A config file written by the real `temporal config set`: the dev server under "test", a dead address under "default". */
  function profileFile(): string {
    const file = path.join(mkdtempSync(path.join(dir, 'profile-')), 'temporal.toml');
    for (const [profile, prop, value] of [
      ['test', 'address', inject('temporalAddress')],
      ['test', 'namespace', 'default'],
      ['test', 'grpc_meta.x-dbaas-test', 'profile'],
      ['default', 'address', '127.0.0.1:9'],
    ]) {
      execFileSync(inject('temporalCli'), ['config', 'set', '--profile', profile!, '--prop', prop!, '--value', value!], { env: { PATH: process.env.PATH, HOME: dir, TEMPORAL_CONFIG_FILE: file }, stdio: 'pipe' });
    }
    return file;
  }

  it('a worker and the CLI both connect through a TOML profile (TEMPORAL_PROFILE, --profile); a missing profile is named', async () => {
    const file = profileFile();
    const taskQueue = uniqueName('cli-profile');
    // No TEMPORAL_ADDRESS (empty counts as unset): only the profile knows where the dev server is.
    const viaProfile = { TEMPORAL_ADDRESS: '', TEMPORAL_CONFIG_FILE: file, DBAAS_TASK_QUEUE: taskQueue };
    const worker = await startWorker({ taskQueue, simulatorUrl: s.sim.url, env: { ...viaProfile, TEMPORAL_PROFILE: 'test' } });
    try {
      // The ready line, plain or as a JSON log line: the address came from the profile.
      expect(worker.output.join('\n')).toMatch(new RegExp(`dbaas worker ready: .* at ${inject('temporalAddress').replace(/\./g, '\\.')};`));
      const name = uniqueName('cli-prof');
      const build = await cli(['build', specFile(name), '--domain', 'clidom', '--profile', 'test', '--wait', '-o', 'jsonl'], viaProfile);
      expect(build.code, build.out).toBe(0);
      // jsonl: every line one JSON object, progress first, the result last.
      const lines = build.out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { event: string; status?: string; step?: string });
      expect(lines.at(-1)).toMatchObject({ event: 'result', status: 'succeeded' });
      expect(lines.slice(0, -1).every((l) => l.event === 'progress')).toBe(true);
      expect(lines.some((l) => l.step === 'waitForCreateJob')).toBe(true);
      expect(s.sim.state.instance('clidom', name)?.status).toBe('Running');

      // The same through TEMPORAL_PROFILE; the profile's "default" (a dead address) loses to --address.
      const status = await cli(['status', serviceWorkflowId('clidom', name), '-o', 'json'], { ...viaProfile, TEMPORAL_PROFILE: 'test' });
      expect(status.code, status.out).toBe(0);
      expect(JSON.parse(status.out)).toMatchObject({ workflowStatus: 'COMPLETED' });
      expect((await cli(['--address', inject('temporalAddress'), 'status', serviceWorkflowId('clidom', name)], viaProfile)).code).toBe(0);

      const missing = await cli(['list', '--profile', 'staging'], viaProfile);
      expect(missing.code).toBe(2);
      expect(missing.out).toMatch(/profile "staging" \(--profile\) not found in .+temporal\.toml \(profiles there: (test, default|default, test)\)/);
      const dead = await cli(['list'], viaProfile);
      expect(dead.code).toBe(5);
      expect(dead.out).toContain(`cannot reach Temporal at 127.0.0.1:9 (profile.default.address (in ${file}))`);
    } finally {
      await worker.stop();
    }
  });

  it('--max-wait stops watching with exit 7 and leaves the operation running; nothing is coloured off a terminal', async () => {
    const name = uniqueName('cli-maxw');
    const workflowId = serviceWorkflowId('clidom', name);
    s.sim.configure({ jobDurationMs: { create: 8000 } });
    try {
      const started = Date.now();
      const build = await cli(['build', specFile(name), '--domain', 'clidom', '--max-wait', '2s']);
      expect(build.code, build.out).toBe(7);
      expect(build.out).toContain(`Stopped watching after 2s (--max-wait): buildService of [${name}] is still running and goes on; nothing was cancelled. Follow it: dbaas status ${workflowId} --wait (exit 7)`);
      expect(Date.now() - started).toBeLessThan(8000 + 5000);
      expect((await s.t.client.workflow.getHandle(workflowId).describe()).status.name).toBe('RUNNING');
      // The same for status --wait, as JSON lines: the last line says it is still running.
      const status = await cli(['status', workflowId, '--max-wait', '1s', '-o', 'jsonl']);
      expect(status.code).toBe(7);
      const last = JSON.parse(status.out.split('\n').filter((l) => l.startsWith('{')).at(-1)!) as { event: string; stillRunning?: boolean };
      expect(last).toMatchObject({ event: 'result', stillRunning: true });
      expect(status.out).toContain('Stopped watching after 1s (--max-wait)');
      // Not cancelled: it ends on its own, and a plain --wait sees it succeed.
      const done = await cli(['status', workflowId, '--wait']);
      expect(done.code).toBe(0);
      expect(done.out).toContain(`✔ ${workflowId} succeeded`);
      expect(build.out + status.out + done.out).not.toContain('\x1b[');
      expect(s.sim.state.instance('clidom', name)?.status).toBe('Running');
    } finally {
      s.sim.configure({ jobDurationMs: { create: 1500 } });
    }
  });
});
