// Property tests of the dbaas CLI's argument checks, in-process (runCli): 1,000 generated invalid
// command lines per command. Each ends with exit code 2 and a message naming the bad option or
// argument, and nothing connects to Temporal, the cloud API or the audit store. The same program runs
// as a process in test/integration/bad-input-workflows.test.ts, which proves the real exit code.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { BAD_INPUT_SEED, hugeString, invalidInputs, namesField, showCase, specOf } from '../helpers/bad-input';

/** What the commands would have reached: counted, and refused so nothing goes further. */
const reached = vi.hoisted(() => ({ temporal: 0, cloud: 0, audit: 0 }));
/** The connection flags the last connectTemporal call was given. */
const lastFlags = vi.hoisted(() => ({ value: undefined as unknown }));
vi.mock('../../src/starter/temporal', () => ({
  connectTemporal: async (_env: unknown, flags: unknown) => {
    reached.temporal += 1;
    lastFlags.value = flags;
    throw new Error('test: no Temporal connection was expected');
  },
  readProgress: async () => {
    throw new Error('test: no Temporal connection was expected');
  },
}));
vi.mock('../../src/cloud/client', () => ({
  DbcsClient: class {
    constructor() {
      reached.cloud += 1;
      throw new Error('test: no cloud client was expected');
    }
  },
}));
vi.mock('../../src/audit/open', () => ({
  openAuditStore: async () => {
    reached.audit += 1;
    throw new Error('test: no audit store was expected');
  },
}));

import { runCli } from '../../src/starter/cli';

const RUNS = Number(process.env.BAD_INPUT_CLI_RUNS ?? 1000);
const dir = mkdtempSync(path.join(os.tmpdir(), 'dbaas-bad-cli-'));
const saved = { ...process.env };

beforeAll(() => {
  for (const k of ['DATABASE_URL', 'DBAAS_IDENTITY_DOMAIN', 'DBAAS_TOKEN', 'DBAAS_TOKEN_FILE']) delete process.env[k];
  Object.assign(process.env, { DBAAS_ADMIN_PASSWORD: 'Zx9secretPw_7731', DBAAS_AUTH: 'development', DBCS_BASE_URL: 'http://127.0.0.1:9', DBCS_USERNAME: 'u', DBCS_PASSWORD: 'p' });
});
afterAll(() => {
  process.env = saved;
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => Object.assign(reached, { temporal: 0, cloud: 0, audit: 0 }));

async function cli(argv: string[]): Promise<{ code: number; err: string }> {
  let err = '';
  const code = await runCli(argv, { writeErr: (t) => void (err += t), writeOut: () => undefined });
  return { code, err };
}

/** Runs fn with these environment variables set, then puts them back. */
async function withEnv<T>(env: Record<string, string> | undefined, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(env ?? {}).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

let fileNo = 0;
function specFile(content: string): string {
  const file = path.join(dir, `spec-${fileNo++ % 64}.json`);
  writeFileSync(file, content);
  return file;
}

/** A command line and what its error must name. */
interface CliCase {
  argv: string[];
  names: string;
  how: string;
}

/** A command: a valid command line (which would go on to connect) and its options' bad values. */
interface CommandSpec {
  name: string;
  valid: () => string[];
  /** Options and their bad values: [option, bad value, what the error must name (default: the option)]. */
  bad: fc.Arbitrary<[string, string, string?]>;
  /** Positional arguments of the valid line (from the end) that may be dropped or spoiled. */
  positional?: { name: string; bad: fc.Arbitrary<string> };
  options: string[];
  /** Environment the command needs to get past its checks (set while its cases run). */
  env?: Record<string, string>;
}

const noDash = (a: fc.Arbitrary<string>) => a.filter((v) => !v.startsWith('-'));
const badDomain = noDash(fc.oneof(fc.constantFrom('has space', 'a/b', 'dom:x', 'x'.repeat(65), '_lead', 'ü', '💥'), fc.stringMatching(/^[a-z]{1,5}[/:@ ][a-z]{0,5}$/)));
const badService = noDash(fc.oneof(fc.constantFrom('9db', 'has space', 'a_b', 'x'.repeat(51), 'db/x', '../x', 'é', '__proto__'), fc.stringMatching(/^[a-z]{1,5}[_./: ][a-z0-9]{0,5}$/)));
const notNumber = fc.constantFrom('abc', '1e3', '0x10', '12abc', 'Infinity', 'NaN', '', ' ', '½', '١٢');
const badAppName = noDash(fc.oneof(fc.constantFrom('has space', 'a/b', 'x'.repeat(65), '_lead', 'ü', 'app:x', '.dot'), fc.stringMatching(/^[a-z]{1,5}[/: @][a-z]{0,5}$/)));
const wrongWord = fc.oneof(fc.constantFrom('', 'HALT', 'yes', 'maybe', 'x'.repeat(300)), fc.stringMatching(/^[a-z]{2,8}$/));
const SHAPE = fc.constantFrom('oc99', 'OC3', 'oc3 ', 'large', '');

const operation = (extra: string[]) => ['--domain', 'dom', '--requested-by', 'tester', '--ticket', 'T-1', ...extra];
const common: fc.Arbitrary<[string, string, string?]>[] = [badDomain.map((v) => ['--domain', v]), hugeString.map((v) => ['--requested-by', v]), hugeString.map((v) => ['--ticket', v])];

const COMMANDS: CommandSpec[] = [
  {
    name: 'scale',
    valid: () => ['scale', 'db1', ...operation(['--shape', 'oc4', '--storage', '10', '--usage', 'data'])],
    options: ['--shape', '--storage', '--usage', '--domain', '--requested-by', '--ticket', '--wait', '--json'],
    positional: { name: '<service>', bad: badService },
    bad: fc.oneof(...common, SHAPE.filter(Boolean).map((v): [string, string] => ['--shape', v]), fc.oneof(notNumber, fc.constantFrom('0', '-5', '1025', '99999999999', '2.5')).map((v): [string, string] => ['--storage', v]), wrongWord.filter((v) => !['data', 'fra'].includes(v)).map((v): [string, string] => ['--usage', v])),
  },
  ...(['stop', 'start', 'restart'] as const).map(
    (state): CommandSpec => ({
      name: state,
      valid: () => [state, 'db1', ...operation(['--vm', 'vm-1', '--timeout', '30'])],
      options: ['--vm', '--timeout', '--domain', '--requested-by', '--ticket', '--wait', '--json'],
      positional: { name: '<service>', bad: badService },
      bad: fc.oneof(...common, fc.oneof(fc.constantFrom('', 'vm 1', 'vm/1', 'x'.repeat(65)), fc.stringMatching(/^[a-z]{1,4}[ /:][0-9]$/)).map((v): [string, string] => ['--vm', v]), fc.oneof(notNumber, fc.constantFrom('0', '301', '-1', '2.5')).map((v): [string, string] => ['--timeout', v])),
    }),
  ),
  {
    name: 'delete',
    valid: () => ['delete', 'db1', ...operation(['--confirm', 'db1', '--delete-backup'])],
    options: ['--confirm', '--delete-backup', '--domain', '--requested-by', '--ticket', '--wait', '--json'],
    positional: { name: '<service>', bad: badService },
    bad: fc.oneof(...common, fc.oneof(fc.constantFrom('db2', 'DB1', 'db1 ', 'other'), fc.stringMatching(/^[a-z]{1,8}$/).filter((v) => v !== 'db1')).map((v): [string, string] => ['--confirm', v])),
  },
  {
    name: 'build',
    valid: () => {
      const service = { ...(specOf('buildService').valid.service as Record<string, unknown>) };
      service.parameters = [{ ...(service.parameters as Record<string, unknown>[])[0], adminPassword: undefined }];
      return ['build', specFile(JSON.stringify(service)), '--domain', 'dom', '--requested-by', 'tester', '--ticket', 'T-1'];
    },
    options: ['--domain', '--requested-by', '--ticket', '--application', '--wait', '--json'],
    bad: fc.oneof(...common, noDash(fc.constantFrom('has space', 'a/b', 'x'.repeat(65), '_lead', 'ü', 'app:x')).map((v): [string, string] => ['--application', v])),
  },
  {
    name: 'audit',
    valid: () => ['audit', 'db1', '--domain', 'dom', '--since', '6h', '--limit', '10'],
    options: ['--domain', '--since', '--limit', '--json'],
    positional: { name: '<service>', bad: badService },
    bad: fc.oneof(badDomain.map((v): [string, string] => ['--domain', v]), fc.constantFrom('yesterday', '6 hours', '99999999999d', 'x'.repeat(500)).map((v): [string, string] => ['--since', v]), fc.oneof(notNumber, fc.constantFrom('0', '-1', '100000', '2.5')).map((v): [string, string] => ['--limit', v])),
  },
  {
    name: 'list',
    valid: () => ['list', '--domain', 'dom', '--service', 'db1', '--operation', 'scaleService'],
    options: ['--domain', '--service', '--operation', '--json'],
    bad: fc.oneof(badDomain.map((v): [string, string] => ['--domain', v]), badService.map((v): [string, string] => ['--service', v]), wrongWord.map((v): [string, string] => ['--operation', v])),
  },
  ...(['plan', 'start'] as const).map(
    (sub): CommandSpec => ({
      name: `patch ${sub}`,
      valid: () => ['patch', sub, '--domain', 'dom', '--patch', '12201-190416', '--services', 'db1,db2', '--max-parallel', '2', '--soak', '0', '--health-timeout', '60', '--precheck-policy', 'exclude', ...(sub === 'start' ? ['--failure-policy', 'halt', '--budget', '0', '--approval', 'first', '--window', 'Sat,Sun 22-4', '--busy-wait', '60', '--contact', 'https://example.com/hook'] : [])],
      options: ['--domain', '--patch', '--services', '--version', '--max-parallel', '--canary', '--soak', '--health-timeout', '--precheck-policy', '--json', ...(sub === 'start' ? ['--failure-policy', '--budget', '--approval', '--window', '--busy-wait', '--contact', '--force-apply', '--ticket', '--requested-by', '--wait'] : [])],
      bad: fc.oneof(
        badDomain.map((v): [string, string] => ['--domain', v]),
        fc.constantFrom('has space', 'a:b', 'x'.repeat(101), '../p', 'p/q').map((v): [string, string] => ['--patch', v]),
        fc.constantFrom('db1,9db', 'a b', 'db1,db1', ',', 'db_1', `${'x'.repeat(51)}`).map((v): [string, string] => ['--services', v]),
        fc.constantFrom('12c', 'latest', '12.2.0.1; drop', '1'.repeat(31)).map((v): [string, string, string] => ['--version', v, '--version']),
        fc.tuple(fc.constantFrom('--max-parallel', '--soak', '--health-timeout'), fc.oneof(notNumber, fc.constantFrom('-1', '0.5', '9999999'))).map(([o, v]): [string, string] => [o, v]),
        wrongWord.filter((v) => !['exclude', 'stop'].includes(v)).map((v): [string, string] => ['--precheck-policy', v]),
        ...(sub === 'start'
          ? [
              wrongWord.filter((v) => !['halt', 'rollback', 'continue'].includes(v)).map((v): [string, string] => ['--failure-policy', v]),
              wrongWord.filter((v) => !['none', 'first', 'each'].includes(v)).map((v): [string, string] => ['--approval', v]),
              fc.oneof(notNumber, fc.constantFrom('-1', '1.5')).map((v): [string, string] => ['--budget', v]),
              fc.oneof(notNumber, fc.constantFrom('-1', '86401')).map((v): [string, string] => ['--busy-wait', v]),
              fc.constantFrom('Sat 22', 'Funday 1-5', '25-3', '3-3', '22-4 Sat', 'x'.repeat(200), 'Sat,,Sun 1-2').map((v): [string, string] => ['--window', v]),
              fc.constantFrom('not a url', 'javascript:alert(1)', 'file:///etc/passwd', 'ftp://x/y', `https://${'x'.repeat(2100)}.com`).map((v): [string, string] => ['--contact', v]),
              hugeString.map((v): [string, string] => ['--ticket', v]),
            ]
          : []),
      ),
    }),
  ),
  {
    name: 'patch status',
    valid: () => ['patch', 'status', 'patch:dom:12201-190416'],
    options: ['--wait', '--json'],
    positional: { name: '<rolloutId>', bad: fc.constantFrom('', ' ', 'x'.repeat(1001)) },
    bad: fc.constant(['--json', 'x', 'too many arguments']),
  },
  ...(['pause', 'resume', 'approve', 'abort'] as const).map(
    (action): CommandSpec => ({
      name: `patch ${action}`,
      valid: () => ['patch', action, 'patch:dom:12201-190416', '--reason', 'change window'],
      options: ['--reason'],
      positional: { name: '<rolloutId>', bad: fc.constantFrom('', ' ', 'x'.repeat(1001)) },
      bad: fc.integer({ min: 1001, max: 100_000 }).map((n): [string, string] => ['--reason', 'r'.repeat(n)]),
    }),
  ),
  {
    name: 'maintain attach',
    valid: () => ['maintain', 'attach', 'db1', '--domain', 'dom', '--status', 'Running', '--shape', 'oc4', '--min-storage', '50', '--interval', '60', '--health-timeout', '600', '--restart-limit', '3', '--contact', 'https://example.com/h'],
    options: ['--domain', '--status', '--shape', '--min-storage', '--json', '--interval', '--health-timeout', '--restart-limit', '--contact'],
    positional: { name: '<service>', bad: badService },
    bad: fc.oneof(
      badDomain.map((v): [string, string] => ['--domain', v]),
      fc.constantFrom('running', 'Deleted', 'RUNNING', '').map((v): [string, string] => ['--status', v]),
      SHAPE.map((v): [string, string] => ['--shape', v]),
      fc.tuple(fc.constantFrom('--min-storage', '--interval', '--health-timeout', '--restart-limit'), fc.oneof(notNumber, fc.constantFrom('-1', '1.5', '9999999'))).map(([o, v]): [string, string] => [o, v]),
      fc.constantFrom('no-url', 'file:///x', 'javascript:x').map((v): [string, string] => ['--contact', v]),
    ),
  },
  {
    name: 'maintain scale',
    valid: () => ['maintain', 'scale', 'db1', '--domain', 'dom', '--shape', 'oc4', '--status', 'Stopped', '--min-storage', '100'],
    options: ['--domain', '--status', '--shape', '--min-storage', '--json'],
    positional: { name: '<service>', bad: badService },
    bad: fc.oneof(
      badDomain.map((v): [string, string] => ['--domain', v]),
      fc.constantFrom('running', 'Deleted', '').map((v): [string, string] => ['--status', v]),
      SHAPE.map((v): [string, string] => ['--shape', v]),
      fc.oneof(notNumber, fc.constantFrom('14', '4097', '20.5')).map((v): [string, string] => ['--min-storage', v]),
    ),
  },
  ...(['detach', 'status', 'pause', 'resume'] as const).map(
    (action): CommandSpec => ({
      name: `maintain ${action}`,
      valid: () => ['maintain', action, 'db1', '--domain', 'dom', '--reason', 'planned'],
      options: ['--domain', '--reason', '--json'],
      positional: { name: '<service>', bad: badService },
      bad: fc.oneof(badDomain.map((v): [string, string] => ['--domain', v]), fc.integer({ min: 1001, max: 50_000 }).map((n): [string, string] => ['--reason', 'r'.repeat(n)])),
    }),
  ),
  {
    name: 'maintain list',
    valid: () => ['maintain', 'list', '--domain', 'dom'],
    options: ['--domain', '--json'],
    bad: badDomain.map((v): [string, string] => ['--domain', v]),
  },
  {
    name: 'backup create',
    valid: () => ['backup', 'create', 'db1', ...operation(['--retention-days', '30'])],
    options: ['--retention-days', '--domain', '--requested-by', '--ticket', '--wait', '--json'],
    positional: { name: '<service>', bad: badService },
    bad: fc.oneof(...common, fc.oneof(notNumber, fc.constantFrom('0', '-3', '36501', '1.5')).map((v): [string, string] => ['--retention-days', v])),
  },
  {
    name: 'backup restore',
    valid: () => ['backup', 'restore', 'db1', ...operation(['--tag', 'TAG20261123T181102'])],
    options: ['--latest', '--tag', '--timestamp', '--domain', '--requested-by', '--ticket', '--wait', '--json'],
    positional: { name: '<service>', bad: badService },
    bad: fc.oneof(
      ...common,
      fc.oneof(fc.constantFrom('has space', 'a/b', 'x'.repeat(129), 'tag;1'), fc.stringMatching(/^[A-Z]{1,5}[ /:;][0-9]{1,3}$/)).map((v): [string, string] => ['--tag', v]),
      fc.constantFrom('yesterday', 'soon', '32-Nov-2026 10:00:00', '2026-13-40').map((v): [string, string] => ['--timestamp', v]),
    ),
  },
  {
    name: 'backup list',
    valid: () => ['backup', 'list', 'db1', '--domain', 'dom', '--limit', '10', '--all'],
    options: ['--domain', '--all', '--limit', '--json'],
    positional: { name: '<service>', bad: badService },
    bad: fc.oneof(badDomain.map((v): [string, string] => ['--domain', v]), fc.oneof(notNumber, fc.constantFrom('0', '-1', '10001', '2.5')).map((v): [string, string] => ['--limit', v])),
  },
  {
    name: 'app create',
    valid: () => ['app', 'create', 'orders', '--contact', 'https://hooks.example/a', '--contact', 'http://hooks.example/b'],
    options: ['--contact', '--json'],
    positional: { name: '<name>', bad: badAppName },
    bad: fc.constantFrom('not a url', 'javascript:alert(1)', 'file:///etc/passwd', 'ftp://x/y', `https://${'x'.repeat(2100)}.com`, 'http://hooks.example/b').map((v): [string, string] => ['--contact', v]),
  },
  ...(['add', 'remove'] as const).map(
    (action): CommandSpec => ({
      name: `app ${action}`,
      valid: () => ['app', action, 'orders', 'db1', '--domain', 'dom'],
      options: ['--domain', '--json'],
      // Two positional arguments: their bad values are checked in test/unit/applications-cli.test.ts.
      bad: badDomain.map((v): [string, string] => ['--domain', v]),
    }),
  ),
  {
    name: 'app list',
    valid: () => ['app', 'list'],
    options: ['--json'],
    bad: fc.constant(['--json', 'x', 'too many arguments']),
  },
  {
    name: 'app show',
    valid: () => ['app', 'show', 'orders', '--deliveries', '5'],
    options: ['--deliveries', '--json'],
    positional: { name: '<name>', bad: badAppName },
    bad: fc.oneof(notNumber, fc.constantFrom('0', '-1', '1001', '2.5')).map((v): [string, string] => ['--deliveries', v]),
  },
  {
    name: 'view',
    valid: () => ['view', 'db1', '--domain', 'dom'],
    options: ['--domain', '--json'],
    bad: fc.oneof(badDomain.map((v): [string, string] => ['--domain', v]), badService.map((v): [string, string, string] => ['--json', v, 'too many arguments'])),
  },
  {
    name: 'job',
    valid: () => ['job', '7021', '--domain', 'dom', '--type', 'create'],
    options: ['--domain', '--type', '--json'],
    positional: { name: '<jobId>', bad: fc.constantFrom('12 34', '../1', 'x'.repeat(65), '1;2', 'é') },
    bad: fc.oneof(badDomain.map((v): [string, string] => ['--domain', v]), wrongWord.filter((v) => !['create', 'delete', 'scale', 'control'].includes(v)).map((v): [string, string] => ['--type', v])),
  },
  {
    name: 'report',
    valid: () => ['report', '--domain', 'dom', '--since', '7d', '--section', 'operations,cost', '-o', 'csv'],
    // Past its checks it needs the audit store's URL; the cloud (for cost) is then the first thing it reaches.
    env: { DATABASE_URL: 'postgres://test@127.0.0.1:9/none' },
    options: ['--domain', '--since', '--section', '--json'],
    bad: fc.oneof(
      badDomain.map((v): [string, string] => ['--domain', v]),
      fc.constantFrom('yesterday', '6 hours', '99999999999d', 'x'.repeat(500), '2999-01-01T00:00:00Z', '0d').map((v): [string, string] => ['--since', v]),
      fc.oneof(fc.constantFrom('bogus', 'storage,,cost', 'storage,storage', '', ' ', 'Storage', 'x'.repeat(300)), wrongWord.filter((v) => !['inventory', 'storage', 'backups', 'patches', 'downtime', 'operations', 'durations', 'cost'].includes(v))).map((v): [string, string] => ['--section', v]),
    ),
  },
  ...(['status', 'cancel'] as const).map(
    (name): CommandSpec => ({
      name,
      valid: () => [name, 'svc:dom:db1'],
      options: ['--wait', '--json'],
      positional: { name: '<workflowId>', bad: fc.constantFrom('', ' ', 'x'.repeat(1001)) },
      bad: fc.constant(['--json', 'x', 'too many arguments']),
    }),
  ),
];

/** The global options every command takes (src/starter/global-options.ts), and their bad values. */
const GLOBAL_OPTIONS = ['--address', '--namespace', '--profile', '--config-file', '--output'];
const badGlobal: fc.Arbitrary<[string, string, string?]> = fc.oneof(
  fc.constantFrom('localhost', 'host:', ':7233', 'host:99999', 'a b:1', 'http://h:1', '', 'h:1:2').map((v): [string, string] => ['--address', v]),
  fc.constantFrom('', 'has space', 'tab\tns', 'x'.repeat(1001)).map((v): [string, string] => ['--namespace', v]),
  fc.constantFrom('', 'two words', 'x'.repeat(201)).map((v): [string, string] => ['--profile', v]),
  fc.constant<[string, string]>(['--config-file', '']),
  fc.oneof(fc.constantFrom('yaml', 'JSON', 'csv', 'table', ''), wrongWord.filter((v) => !['text', 'json', 'jsonl'].includes(v))).map((v): [string, string] => ['--output', v]),
);
const badMaxWait = fc.constantFrom('forever', '0', '0s', '-5s', '5d', '1h 30m', '1e3', '169h', '', '1.5.2s').map((v): [string, string] => ['--max-wait', v]);
/** A command's options with the global ones, and --max-wait where --wait is. */
const allOptions = (c: CommandSpec) => [...c.options, ...GLOBAL_OPTIONS, ...(c.options.includes('--wait') ? ['--max-wait'] : [])];

/** Replaces (or appends) an option's value in a command line; `--opt=value` keeps values that start with "-". */
function withOption(argv: string[], option: string, value: string): string[] {
  const i = argv.indexOf(option);
  const out = [...argv];
  if (i >= 0 && i + 1 < out.length && !out[i + 1]!.startsWith('--')) out.splice(i, 2);
  else if (i >= 0) out.splice(i, 1);
  return [...out, `${option}=${value}`];
}

/** How many words the command's name takes (`patch start`: 2). */
const nameWords = (c: CommandSpec) => c.name.split(' ').length;

function casesFor(c: CommandSpec): fc.Arbitrary<CliCase> {
  const valid = c.valid;
  const options = allOptions(c);
  const arbs: fc.Arbitrary<CliCase>[] = [
    c.bad.map(([option, value, names]) => {
      // An option that takes no value, given one: a stray positional argument.
      const argv = names === 'too many arguments' ? [...valid(), value] : withOption(valid(), option, value);
      return { argv, names: names ?? option, how: `bad ${option}` };
    }),
    fc
      .stringMatching(/^[a-z][a-z0-9-]{1,14}$/)
      .filter((o) => !options.includes(`--${o}`) && o !== 'help' && o !== 'h')
      .map((o) => ({ argv: [...valid(), `--${o}`], names: `--${o}`, how: 'unknown option' })),
    // report's own -o also takes csv.
    badGlobal.filter(([option, value]) => !(c.name === 'report' && option === '--output' && value === 'csv')).map(([option, value]) => ({ argv: withOption(valid(), option, value), names: option, how: 'bad global option' })),
    // Before the command, the program reads them: the same check.
    badGlobal.map(([option, value]) => ({ argv: [`${option}=${value}`, ...valid()], names: option, how: 'bad global option' })),
  ];
  if (options.includes('--max-wait')) arbs.push(badMaxWait.map(([option, value]) => ({ argv: withOption(valid(), option, value), names: option, how: 'bad --max-wait' })));
  if (options.includes('--json')) arbs.push(fc.constantFrom('text', 'jsonl').map((v) => ({ argv: [...valid(), '--json', '--output', v], names: '--json contradicts --output', how: '--json against -o' })));
  const valued = options.filter((o) => !['--wait', '--json', '--canary', '--force-apply', '--delete-backup', '--all', '--latest'].includes(o));
  if (valued.length > 0) arbs.push(fc.constantFrom(...valued).map((o) => ({ argv: [...valid().filter((a, i, all) => a !== o && all[i - 1] !== o), o], names: o, how: 'option without its value' })));
  if (c.positional) {
    const pos = c.positional;
    const at = nameWords(c);
    arbs.push(
      fc.constant(null).map(() => ({ argv: valid().filter((_, i) => i !== at), names: pos.name.replace(/[<>]/g, ''), how: 'missing argument' })),
      pos.bad.map((v) => {
        const argv = valid();
        argv[at] = v;
        return { argv, names: pos.name, how: 'bad argument' };
      }),
    );
  }
  if (c.name === 'build') {
    // Spec files: missing, not JSON, not an object, a password in the file, and one bad field of the create body.
    const service = (input: unknown) => ((input as { service?: unknown } | null)?.service ?? input) as Record<string, unknown>;
    arbs.push(
      fc.constantFrom(['/nonexistent/spec.json', 'spec'], ['{"serviceName": ', 'not valid JSON'], ['[1,2]', 'must be a JSON object'], ['"text"', 'must be a JSON object'], ['null', 'must be a JSON object']).map(([content, names]) => ({
        argv: ['build', content.startsWith('/') ? content : specFile(content), '--domain', 'dom'],
        names,
        how: 'bad spec file',
      })),
      invalidInputs('buildService')
        .filter((b) => b.field.startsWith('service.') && !b.field.endsWith('adminPassword') && b.how !== 'not an object' && !b.field.startsWith('service.parameters.0.adminPassword'))
        .map((b) => {
          const body = service(b.input);
          const params = Array.isArray(body.parameters) ? (body.parameters as unknown[]).map((p) => (p && typeof p === 'object' && !Array.isArray(p) ? { ...(p as Record<string, unknown>), adminPassword: undefined } : p)) : body.parameters;
          return { argv: ['build', specFile(JSON.stringify({ ...body, parameters: params })), '--domain', 'dom'], names: b.field, how: `spec ${b.how}` };
        }),
      fc.constant(null).map(() => ({ argv: ['build', specFile(JSON.stringify({ ...service(specOf('buildService').valid) })), '--domain', 'dom'], names: 'adminPassword', how: 'password in the file' })),
    );
  }
  return fc.oneof(...arbs);
}

describe('dbaas CLI: 1,000 generated invalid command lines per command, in-process', () => {
  it.each(COMMANDS.map((c) => c.name))('%s: its valid command line gets past the checks (to Temporal, the cloud or the audit store)', async (name) => {
    const c = COMMANDS.find((x) => x.name === name)!;
    const { code, err } = await withEnv(c.env, () => cli(c.valid()));
    expect(reached.temporal + reached.cloud + reached.audit, err).toBe(1);
    expect(code, err).not.toBe(2);
  });

  it.each(COMMANDS.map((c) => c.name))('%s: exit 2, the bad option named, nothing reached', async (name) => {
    const c = COMMANDS.find((x) => x.name === name)!;
    const hows = new Set<string>();
    await withEnv(c.env, () => fc.assert(
      fc.asyncProperty(casesFor(c), async (k) => {
        hows.add(k.how);
        const { code, err } = await cli(k.argv);
        const shown = `${k.how}: dbaas ${k.argv.map((a) => (a.length > 60 ? `${a.slice(0, 30)}…(${a.length})` : a)).join(' ')} (seed ${BAD_INPUT_SEED})\n${err.slice(0, 600)}`;
        expect(code, shown).toBe(2);
        const named = k.names.startsWith('service.') ? namesField(err, k.names) : err.includes(k.names);
        expect(named, `${shown}\ndoes not name ${k.names}`).toBe(true);
        expect(err.length, shown).toBeLessThan(20_000);
        expect(reached, shown).toEqual({ temporal: 0, cloud: 0, audit: 0 });
      }),
      { seed: BAD_INPUT_SEED, numRuns: RUNS },
    ));
    expect(hows.size).toBeGreaterThanOrEqual(c.positional ? 4 : 3);
  });
});

describe('exit codes of the commander layer', () => {
  it('is 2 for a bad option of a subcommand (commander alone would exit 1), 0 for --help', async () => {
    expect((await cli(['scale', 'db1', '--bogus'])).code).toBe(2);
    expect((await cli(['scale'])).code).toBe(2);
    expect((await cli(['patch', 'start', '--domain', 'd'])).err).toContain("required option '--patch <patchId>' not specified");
    expect((await cli(['nonsense'])).code).toBe(2);
    expect((await cli(['scale', '--help'])).code).toBe(0);
    expect(showCase({ type: 'scaleService', field: 'shape', how: 'x', input: { shape: 'y' } })).toContain('seed');
  });
});

describe('global options (the temporal and aws CLIs\' conventions)', () => {
  it('reach the connection given before or after the command, the command\'s own winning', async () => {
    await cli(['--address', 'h1:7233', '-n', 'ns1', 'status', 'svc:dom:db1', '--profile', 'p', '--config-file', '/x.toml']);
    expect(lastFlags.value).toMatchObject({ address: 'h1:7233', namespace: 'ns1', profile: 'p', configFile: '/x.toml', output: 'text', json: false });
    await cli(['--address', 'h1:7233', 'list', '--address', '[::1]:7233', '-o', 'jsonl']);
    expect(lastFlags.value).toMatchObject({ address: '[::1]:7233', output: 'jsonl', json: true });
    await cli(['patch', 'status', 'patch:dom:p1', '--json']);
    expect(lastFlags.value).toMatchObject({ output: 'json' });
    await cli(['maintain', 'list', '--output', 'json', '--json']);
    expect(lastFlags.value).toMatchObject({ output: 'json' });
  });

  it('--max-wait takes a duration and implies --wait', async () => {
    await cli(['status', 'svc:dom:db1', '--max-wait', '90s']);
    expect(lastFlags.value).toMatchObject({ wait: true, maxWait: 90_000 });
    await cli(['cancel', 'svc:dom:db1', '--max-wait', '1h30m']);
    expect(lastFlags.value).toMatchObject({ wait: true, maxWait: 5_400_000 });
    await cli(['patch', 'status', 'patch:dom:p1', '--max-wait', '45']);
    expect(lastFlags.value).toMatchObject({ wait: true, maxWait: 45_000 });
  });

  it('--version prints the package version; after a command, --version stays the command\'s own option', async () => {
    let out = '';
    expect(await runCli(['--version'], { writeOut: (t) => void (out += t) })).toBe(0);
    expect(out.trim()).toBe((JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version);
    const { code, err } = await cli(['patch', 'plan', '--domain', 'dom', '--patch', '12201-190416', '--version', '12.2.0.1']);
    expect(reached.temporal, err).toBe(1);
    expect(code).not.toBe(2);
    expect((await cli(['list', '--version'])).err).toContain("unknown option '--version'");
  });
});
