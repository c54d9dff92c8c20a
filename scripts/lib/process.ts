// Child processes of the local stack and the tests: started with a readiness line to wait for, output
// prefixed with their name, stopped with SIGTERM (then SIGKILL if they hang).
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');

export interface ManagedProcess {
  name: string;
  child: ChildProcess;
  /** Lines printed so far (stdout and stderr). */
  output: string[];
  /** Resolves with the first match of the pattern in the output. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | null>;
  exited: Promise<number | null>;
}

export interface StartOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Echo output to this process's stdout with a `[name]` prefix. */
  echo?: boolean;
}

/** Runs a TypeScript entry point of this repo with node + tsx (one process: signals reach it directly). */
export function startTs(name: string, entry: string, args: string[] = [], options: StartOptions = {}): ManagedProcess {
  return startProcess(name, process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, entry), ...args], options);
}

export function startProcess(name: string, command: string, args: string[], options: StartOptions = {}): ManagedProcess {
  const child = spawn(command, args, { cwd: options.cwd ?? REPO_ROOT, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const waiters = new Set<() => void>();
  const onLine = (line: string) => {
    output.push(line);
    if (output.length > 5000) output.splice(0, output.length - 5000);
    if (options.echo) console.log(`[${name}] ${line}`);
    for (const w of waiters) w();
  };
  for (const stream of [child.stdout!, child.stderr!]) {
    let buffer = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      buffer += chunk;
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      lines.forEach(onLine);
    });
    stream.on('end', () => buffer && onLine(buffer));
  }
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let exitCode: number | null | undefined;
  void exited.then((code) => {
    exitCode = code;
    for (const w of waiters) w();
  });

  return {
    name,
    child,
    output,
    exited,
    waitFor(pattern, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          for (const line of output) {
            const m = line.match(pattern);
            if (m) {
              cleanup();
              return resolve(m);
            }
          }
          if (exitCode !== undefined) {
            cleanup();
            reject(new Error(`${name} exited (code ${exitCode}) before printing ${pattern}:\n${output.slice(-30).join('\n')}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`${name} did not print ${pattern} within ${timeoutMs} ms:\n${output.slice(-30).join('\n')}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    async stop(signal = 'SIGTERM', timeoutMs = 15_000) {
      if (exitCode !== undefined) return exitCode;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
