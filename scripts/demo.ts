// `npm run demo`: starts the local stack, builds a sample service through the real CLI, shows its
// progress, result and audit trail, then shuts everything down.
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { openAuditStore } from '../src/audit/open';
import { startStack, type Stack } from './lib/stack';
import { REPO_ROOT, startTs } from './lib/process';
import { dropEmptyEnvironmentVariables } from '../src/worker/env';

async function main(): Promise<void> {
  dropEmptyEnvironmentVariables();
  console.log('dbaas demo: starting the local stack (first run builds the Temporal CLI: a few minutes)...');
  let stack: Stack | undefined;
  let exitCode = 0;
  const serviceName = `demo-${randomBytes(3).toString('hex')}`;
  try {
    stack = await startStack({ simulatorJobMs: 3000 });
    console.log(`Stack up. Temporal UI: ${stack.uiUrl}\n`);
    // A throwaway password that meets the DBCS rules; it reaches the worker only encrypted.
    const password = `Demo${randomBytes(6).toString('hex')}#1`;
    // The example spec, renamed so each demo run builds a new service.
    const spec = JSON.parse(readFileSync(path.join(REPO_ROOT, 'examples', 'single-instance.json'), 'utf8')) as Record<string, unknown>;
    const specFile = path.join(REPO_ROOT, '.data', 'demo-spec.json');
    writeFileSync(specFile, JSON.stringify({ ...spec, serviceName }, null, 2));
    console.log(`$ dbaas build .data/demo-spec.json --domain demo --wait   (examples/single-instance.json as service ${serviceName})`);
    const env = { ...stack.env, DBAAS_ADMIN_PASSWORD: password };
    const build = startTs('dbaas', 'src/starter/cli.ts', ['build', specFile, '--domain', 'demo', '--wait'], { env });
    build.child.stdout?.pipe(process.stdout);
    build.child.stderr?.pipe(process.stderr);
    const code = await build.exited;
    if (code !== 0) throw new Error(`the demo build failed (exit ${code})`);

    console.log(`\n$ dbaas view ${serviceName} --domain demo`);
    const view = startTs('dbaas', 'src/starter/cli.ts', ['view', serviceName, '--domain', 'demo'], { env });
    view.child.stdout?.pipe(process.stdout);
    await view.exited;
  } catch (err) {
    console.error(`demo failed: ${err instanceof Error ? err.message : String(err)}`);
    exitCode = 1;
  } finally {
    if (stack) {
      console.log('\nStopping the stack...');
      await stack.stop();
    }
  }
  if (stack && exitCode === 0) {
    // The worker has stopped, so the embedded audit store can be opened here.
    const dataDir = stack.env.DBAAS_DATA_DIR ?? path.join(REPO_ROOT, '.data');
    const store = await openAuditStore(process.env.DATABASE_URL ? { databaseUrl: process.env.DATABASE_URL } : { pgliteDir: path.join(dataDir, 'audit') });
    const events = await store.query({ serviceName, limit: 20 });
    await store.close();
    console.log(`Audit trail (last build): ${events.slice(-4).map((e) => e.event).join(' → ')}, requested by ${events[0]?.requestedBy ?? '?'}`);
    console.log(`Demo finished: the stack is stopped; its state is kept under ${path.relative(REPO_ROOT, dataDir) || '.'}/.`);
  }
  process.exit(exitCode);
}

void main();
