// Finds the Temporal CLI (which runs the dev server): $TEMPORAL_CLI, then PATH, then the project's cache
// outside the repo. If none is found it builds v1.5.1 once with `go install` into that cache (the newest
// tag that go install accepts: later tags carry a replace directive in go.mod).
import path from 'node:path';
import { ensureGoProgram, isExecutable, onPath, programDir, type GoProgram } from './lib/go-binaries';

export const TEMPORAL_CLI_VERSION = 'v1.5.1';
const CLI: GoProgram = {
  cacheName: `temporal-cli-${TEMPORAL_CLI_VERSION}`,
  targets: [`github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`],
  what: `the Temporal CLI ${TEMPORAL_CLI_VERSION} (it runs the dev server)`,
  expected: 'about 4-5 minutes on 2 cores with an empty Go module cache, under a minute with a warm one',
};

export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return programDir(CLI, env);
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

/** Finds the CLI or builds it (once; later calls reuse the cache). */
export function ensureTemporalCli(env: NodeJS.ProcessEnv = process.env, log: (line: string) => void = (l) => console.error(l)): string {
  return findTemporalCli(env) ?? ensureGoProgram(CLI, env, log).temporal!;
}

if (require.main === module) {
  try {
    console.log(ensureTemporalCli());
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  }
}
