// The embedded default: with no DATABASE_URL the worker keeps the audit trail in PGlite under its data
// directory. The directory belongs to one process, so it is read after the worker has stopped.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { openAuditStore } from '../../src/audit/open';
import { serviceWorkflowId } from '../../src/shared/contract';
import type { DbcsSimulator } from '../../src/simulator/server';
import { connectClient, sampleInput, startSimulator, startWorker, uniqueName } from '../helpers/harness';

let sim: DbcsSimulator | undefined;
afterAll(() => sim?.close());

it('records the audit trail in embedded PGlite when DATABASE_URL is not set', async () => {
  sim = await startSimulator();
  const taskQueue = uniqueName('pglite');
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'dbaas-pglite-'));
  const worker = await startWorker({ taskQueue, simulatorUrl: sim.url, pgliteDir: dataDir });
  expect(worker.output.join('\n')).toContain('audit in embedded PGlite');
  const t = await connectClient();
  const name = uniqueName('embedded');
  const workflowId = serviceWorkflowId('testdomain', name);
  try {
    await t.client.workflow.execute('buildService', { taskQueue, workflowId, args: [sampleInput(name)] });
  } finally {
    await t.close();
    expect(await worker.stop('SIGTERM')).toBe(0); // graceful: drains and closes the store
  }
  const store = await openAuditStore({ pgliteDir: path.join(dataDir, 'audit') });
  try {
    expect((await store.query({ workflowId })).map((e) => e.event)).toEqual(['requested', 'started', 'succeeded']);
  } finally {
    await store.close();
  }
});
