// Finds the Temporal CLI (which runs the dev server): $TEMPORAL_CLI, then PATH, then the project's cache
// outside the repo. If none is found it builds v1.5.1 once with `go install` into that cache (the newest
// tag that go install accepts: later tags carry a replace directive in go.mod).
import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const TEMPORAL_CLI_VERSION = 'v1.5.1';
const MODULE = `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`;

export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.DBAAS_CACHE_DIR ?? path.join(env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'dbaas-orchestrator');
  return path.join(base, `temporal-cli-${TEMPORAL_CLI_VERSION}`);
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, name);
    if (dir && isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** The binary to use, or undefined when none exists yet. */
export function findTemporalCli(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.TEMPORAL_CLI) {
    if (!isExecutable(env.TEMPORAL_CLI)) throw new Error(`TEMPORAL_CLI=${env.TEMPORAL_CLI} is not an executable file`);
    return env.TEMPORAL_CLI;
  }
  const fromPath = onPath('temporal', env);
  if (fromPath) return fromPath;
  const cached = path.join(cacheDir(env), 'temporal');
  return isExecutable(cached) ? cached : undefined;
}

/** GO_BINARY names a Go toolchain explicitly; otherwise PATH, then Go's default install location. */
function findGo(env: NodeJS.ProcessEnv): string | undefined {
  if (env.GO_BINARY !== undefined) return isExecutable(env.GO_BINARY) ? env.GO_BINARY : undefined;
  return onPath('go', env) ?? (isExecutable('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
}

/** Finds the CLI or builds it (once; later calls reuse the cache). */
export function ensureTemporalCli(env: NodeJS.ProcessEnv = process.env, log: (line: string) => void = (l) => console.error(l)): string {
  const found = findTemporalCli(env);
  if (found) return found;
  const go = findGo(env);
  if (!go) {
    throw new Error(
      'The Temporal CLI is needed to run the dev server and none was found (TEMPORAL_CLI, PATH, or ' +
        `${cacheDir(env)}). It is built from source with Go >= 1.25: install Go from https://go.dev/dl/ ` +
        '(or your package manager), then run this again; or point TEMPORAL_CLI at an existing `temporal` binary.',
    );
  }
  const target = cacheDir(env);
  mkdirSync(target, { recursive: true });
  const goVersion = execFileSync(go, ['version'], { encoding: 'utf8' }).trim();
  log(`Building the Temporal CLI ${TEMPORAL_CLI_VERSION} with ${goVersion} into ${target}`);
  log('This happens once; it takes about 4-5 minutes on 2 cores with an empty Go module cache, under a minute with a warm one.');
  const started = Date.now();
  const result = spawnSync(go, ['install', MODULE], { env: { ...env, GOBIN: target, CGO_ENABLED: '0', GOFLAGS: '-mod=mod' }, stdio: ['ignore', 'inherit', 'inherit'] });
  const binary = path.join(target, 'temporal');
  if (result.status !== 0 || !existsSync(binary)) {
    throw new Error(`go install ${MODULE} failed (exit ${result.status ?? result.signal}); see the output above`);
  }
  log(`Built ${binary} in ${Math.round((Date.now() - started) / 1000)} s`);
  return binary;
}

if (require.main === module) {
  try {
    console.log(ensureTemporalCli());
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  }
}
