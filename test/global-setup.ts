// One Temporal dev server, one workflow bundle and one PostgreSQL server for the whole test run;
// each test file uses its own task queue (and simulator, and worker processes) on them.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode } from '@temporalio/worker';
import { workflowInterceptorModules, WORKFLOWS_PATH } from '../src/worker/bundle';
import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { ensureTemporalCli } from '../scripts/temporal-cli';
import { ALL_SEARCH_ATTRIBUTE_KEYS } from '../src/shared/contract';
import { startPrivatePostgres } from '../scripts/lib/postgres';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    temporalCli: string;
    workflowBundle: string;
    databaseUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'dbaas-test-'));
  const temporalCli = ensureTemporalCli();
  const [env, bundle, postgres] = await Promise.all([
    TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'existing-path', path: temporalCli },
        searchAttributes: ALL_SEARCH_ATTRIBUTE_KEYS,
        ip: '127.0.0.1',
        log: { format: 'pretty', level: 'error' },
      },
    }),
    bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, workflowInterceptorModules: workflowInterceptorModules(false), logger: { info() {}, warn() {}, error: console.error, debug() {}, trace() {}, log() {} } as never }),
    process.env.TEST_DATABASE_URL ? Promise.resolve({ url: process.env.TEST_DATABASE_URL, stop() {} }) : startPrivatePostgres(),
  ]);
  const workflowBundle = path.join(tmp, 'workflow-bundle.js');
  writeFileSync(workflowBundle, bundle.code);
  project.provide('temporalAddress', env.address);
  project.provide('temporalCli', temporalCli);
  project.provide('workflowBundle', workflowBundle);
  project.provide('databaseUrl', postgres.url);
  return async () => {
    await env.teardown();
    postgres.stop();
    rmSync(tmp, { recursive: true, force: true });
  };
}
