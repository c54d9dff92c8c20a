// The conventions of the temporal and aws CLIs in dbaas: shell completion (run in a real bash), the
// --max-wait duration, -o text|json|jsonl, colour only for a terminal without NO_COLOR, and the
// password prompt (no echo, Ctrl+C cancels).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../src/starter/cli';
import { colorsEnabled, paint } from '../../src/starter/color';
import { formatDuration, parseDuration } from '../../src/starter/duration';
import { formatOf, printJson, printList } from '../../src/starter/output';
import { promptSecret } from '../../src/starter/prompt';
import { watchDeadline } from '../../src/starter/watch';

const dir = mkdtempSync(path.join(os.tmpdir(), 'dbaas-conventions-'));

async function script(shell: 'bash' | 'zsh'): Promise<string> {
  let out = '';
  expect(await runCli(['completion', shell], { writeOut: (t) => void (out += t) })).toBe(0);
  return out;
}

describe('dbaas completion', () => {
  let bashFile: string | undefined;
  /** What the completion offers for a command line, the cursor on its last word, in a real bash. */
  async function complete(line: string[]): Promise<string[]> {
    if (!bashFile) {
      bashFile = path.join(dir, 'dbaas.bash');
      writeFileSync(bashFile, await script('bash'));
    }
    const words = line.map((w) => `'${w}'`).join(' ');
    const out = execFileSync('bash', ['-c', `source "$1"; COMP_WORDS=(${words}); COMP_CWORD=${line.length - 1}; _dbaas; printf '%s\\n' "\${COMPREPLY[@]}"`, 'bash', bashFile], { encoding: 'utf8' });
    return out.split('\n').filter(Boolean);
  }

  it('completes commands, subcommands and options (the global ones before and after the command)', async () => {
    expect(await complete(['dbaas', 'pa'])).toEqual(['patch']);
    expect(await complete(['dbaas', 's'])).toEqual(['scale', 'stop', 'start', 'status']);
    expect(await complete(['dbaas', 'patch', 'st'])).toEqual(['start', 'status']);
    expect(await complete(['dbaas', 'maintain', 'attach', 'db1', '--re'])).toEqual(['--restart-limit']);
    expect(await complete(['dbaas', 'status', 'svc:d:x', '--ma'])).toEqual(['--max-wait']);
    expect(await complete(['dbaas', 'list', '--pro'])).toEqual(['--profile']);
    expect(await complete(['dbaas', '--address', 'h:7233', '-n', 'prod', 'li'])).toEqual(['list']);
    expect(await complete(['dbaas', '--'])).toEqual(expect.arrayContaining(['--address', '--namespace', '--profile', '--config-file', '--output', '--version', '--help']));
  });

  it('completes the fixed values of options and arguments, and skips option values when finding the command', async () => {
    expect(await complete(['dbaas', 'list', '-o', ''])).toEqual(['text', 'json', 'jsonl']);
    // Values are per command: only report prints csv.
    expect(await complete(['dbaas', 'report', '-o', 'c'])).toEqual(['csv']);
    expect(await complete(['dbaas', '-o', ''])).toEqual(['text', 'json', 'jsonl']);
    expect(await complete(['dbaas', 'patch', 'start', '--failure-policy', 'r'])).toEqual(['rollback']);
    expect(await complete(['dbaas', 'scale', 'db1', '--usage', ''])).toEqual(['data', 'fra']);
    expect(await complete(['dbaas', 'completion', ''])).toEqual(['bash', 'zsh']);
    // "patch" as the value of --domain is not the patch command.
    expect(await complete(['dbaas', 'list', '--domain', 'patch', '--o'])).toEqual(['--operation', '--output']);
    // A free value (a domain) offers nothing of ours: the shell falls back to file names.
    expect(await complete(['dbaas', 'list', '--domain', ''])).toEqual([]);
  });

  it('gives zsh the same function through bashcompinit', async () => {
    const [bash, zsh] = [await script('bash'), await script('zsh')];
    expect(zsh.startsWith('#compdef dbaas\n')).toBe(true);
    expect(zsh).toContain('autoload -U +X bashcompinit && bashcompinit');
    // zsh runs the function with 0-based arrays and word splitting, as bash has them.
    expect(zsh).toContain('setopt local_options ksh_arrays sh_word_split');
    const body = (s: string) => s.slice(s.indexOf('_dbaas_node() {'));
    expect(body(zsh)).toBe(body(bash));
    expect(zsh.trimEnd().endsWith('complete -o default -F _dbaas dbaas')).toBe(true);
  });

  it('refuses a shell it does not know (exit 2)', async () => {
    let err = '';
    expect(await runCli(['completion', 'fish'], { writeErr: (t) => void (err += t) })).toBe(2);
    expect(err).toContain("'fish' is invalid for argument 'shell'. Allowed choices are bash, zsh");
  });
});

describe('--max-wait durations', () => {
  it.each([
    ['90s', 90_000],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['500ms', 500],
    ['1.5s', 1500],
    ['120', 120_000],
    [' 2s ', 2000],
  ])('%j is %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', '0', '0s', '-1s', '5d', '1h 30m', 'soon', '1e3', '169h', '1.2345s', 's'])('refuses %j', (text) => {
    expect(() => parseDuration(text)).toThrow(/duration|longer than 0|at most 168h/);
  });

  it('prints durations short', () => {
    expect([2000, 90_000, 3_600_000, 5_400_000, 250].map(formatDuration)).toEqual(['2s', '1m30s', '1h', '1h30m', '250ms']);
  });

  it('ends a watch at the deadline and never sleeps past it', async () => {
    let now = 1_000;
    const clock = () => now;
    const d = watchDeadline(5_000, clock);
    expect(d.passed()).toBe(false);
    now = 5_999;
    expect(d.passed()).toBe(false);
    now = 6_000;
    expect(d.passed()).toBe(true);
    expect(watchDeadline(undefined, clock).passed()).toBe(false);
    // 10 s asked, 0 ms left: resolves at once.
    const started = Date.now();
    await d.sleep(10_000);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});

describe('-o text|json|jsonl', () => {
  afterEach(() => vi.restoreAllMocks());

  it('prints one indented document for json, one line per object for jsonl', () => {
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
    printJson({ output: 'json' }, { a: 1 });
    printJson({ output: 'jsonl' }, { a: 1 });
    printList({ output: 'json' }, [{ a: 1 }, { a: 2 }]);
    printList({ output: 'jsonl' }, [{ a: 1 }, { a: 2 }]);
    expect(lines).toEqual(['{\n  "a": 1\n}', '{"a":1}', '[\n  {\n    "a": 1\n  },\n  {\n    "a": 2\n  }\n]', '{"a":1}', '{"a":2}']);
    expect([formatOf({}), formatOf({ json: true }), formatOf({ output: 'jsonl', json: true })]).toEqual(['text', 'json', 'jsonl']);
  });

  it('refuses --json next to another format (exit 2), accepts it next to -o json', async () => {
    let err = '';
    expect(await runCli(['status', 'svc:d:x', '--json', '-o', 'jsonl'], { writeErr: (t) => void (err += t) })).toBe(2);
    expect(err).toContain('--json contradicts --output jsonl');
  });
});

describe('colour', () => {
  it('only on a terminal, never with NO_COLOR or TERM=dumb', () => {
    expect(colorsEnabled({ isTTY: true }, {})).toBe(true);
    expect(colorsEnabled({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(colorsEnabled({ isTTY: true }, { TERM: 'dumb' })).toBe(false);
    expect(colorsEnabled({ isTTY: false }, {})).toBe(false);
    expect(colorsEnabled({}, {})).toBe(false);
    expect(paint({ isTTY: true }, {}).ok('✔ done')).toBe('\x1b[32m✔ done\x1b[0m');
    expect(paint({ isTTY: true }, { NO_COLOR: 'yes' }).fail('✘ failed')).toBe('✘ failed');
  });
});

describe('the password prompt (@inquirer/password)', () => {
  function terminal() {
    const input = new PassThrough();
    const output = new PassThrough();
    let shown = '';
    output.on('data', (d: Buffer) => void (shown += d.toString()));
    return { input, output, shown: () => shown };
  }

  it('reads the password without echoing it', async () => {
    const t = terminal();
    const answer = promptSecret('Database admin password', t);
    t.input.write('Zx9secretPw_7731\r');
    expect(await answer).toBe('Zx9secretPw_7731');
    expect(t.shown()).toContain('Database admin password');
    expect(t.shown()).not.toContain('Zx9secret');
    expect(t.shown()).not.toMatch(/\*{4}/);
  });

  it('cancels on Ctrl+C with a clear message (exit 130), and refuses an empty answer (exit 2)', async () => {
    const t = terminal();
    const answer = promptSecret('Database admin password', t);
    t.input.write('Zx9\x03');
    await expect(answer).rejects.toMatchObject({ message: 'cancelled at the password prompt: nothing was started', exitCode: 130 });
    const empty = terminal();
    const none = promptSecret('Database admin password', empty);
    empty.input.write('\r');
    await expect(none).rejects.toMatchObject({ message: 'no password given: nothing was started', exitCode: 2 });
  });
});
