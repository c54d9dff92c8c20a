// Go programs the project builds once from source with `go install` into a cache outside the repo
// (no binary download works everywhere), then reuses: the Temporal CLI (dev server), and for the
// production-shape cluster the Temporal server, its SQL schema tool and the standalone UI.
import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface GoProgram {
  /** Directory name under the cache, with the version (e.g. temporal-server-v1.29.1). */
  cacheName: string;
  /** `go install` targets, each `module/cmd/x@version`; binaries are named after their last path element. */
  targets: string[];
  /** What it is, for messages. */
  what: string;
  /** How long a build takes here, for the message shown before it. */
  expected: string;
}

export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env.DBAAS_CACHE_DIR ?? path.join(env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'dbaas-orchestrator');
}

export function programDir(program: GoProgram, env: NodeJS.ProcessEnv = process.env): string {
  return path.join(cacheRoot(env), program.cacheName);
}

export function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function onPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, name);
    if (dir && isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** GO_BINARY names a Go toolchain explicitly; otherwise PATH, then Go's default install location. */
export function findGo(env: NodeJS.ProcessEnv): string | undefined {
  if (env.GO_BINARY !== undefined) return isExecutable(env.GO_BINARY) ? env.GO_BINARY : undefined;
  return onPath('go', env) ?? (isExecutable('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
}

const binaryName = (target: string) => path.basename(target.split('@')[0]!);

/** The cached binaries by name, or undefined when one is missing. */
export function cachedBinaries(program: GoProgram, env: NodeJS.ProcessEnv = process.env): Record<string, string> | undefined {
  const dir = programDir(program, env);
  const found = Object.fromEntries(program.targets.map((t) => [binaryName(t), path.join(dir, binaryName(t))]));
  return Object.values(found).every(isExecutable) ? found : undefined;
}

/** Finds the binaries in the cache or builds them (once; later calls reuse the cache). */
export function ensureGoProgram(program: GoProgram, env: NodeJS.ProcessEnv = process.env, log: (line: string) => void = (l) => console.error(l)): Record<string, string> {
  const cached = cachedBinaries(program, env);
  if (cached) return cached;
  const go = findGo(env);
  if (!go) {
    throw new Error(
      `${program.what} is built from source with Go >= 1.25 and no Go toolchain was found: install Go from https://go.dev/dl/ ` +
        '(or your package manager), or set GO_BINARY, then run this again.',
    );
  }
  const target = programDir(program, env);
  mkdirSync(target, { recursive: true });
  log(`Building ${program.what} with ${execFileSync(go, ['version'], { encoding: 'utf8' }).trim()} into ${target}`);
  log(`This happens once; it takes ${program.expected}.`);
  const started = Date.now();
  const result = spawnSync(go, ['install', ...program.targets], { env: { ...env, GOBIN: target, CGO_ENABLED: '0', GOFLAGS: '-mod=mod' }, stdio: ['ignore', 'inherit', 'inherit'] });
  const built = cachedBinaries(program, env);
  if (result.status !== 0 || !built) {
    throw new Error(`go install ${program.targets.join(' ')} failed (exit ${result.status ?? result.signal}); see the output above`);
  }
  log(`Built ${program.what} in ${Math.round((Date.now() - started) / 1000)} s`);
  return built;
}
