// What the Temporal UI lists and shows for a run: the static summary the CLI sets at start ("build
// orders-db (oc3, 12.2.0.1)") and the current details the workflow keeps up to date (a service
// operation's state and step, a rollout's batch and counts, a maintainer's last pass).
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { serviceWorkflowId } from '../../src/shared/contract';
import { operationSummary } from '../../src/shared/summaries';
import { rolloutProgressQuery } from '../../src/shared/patching';
import { cliEnvFor, cliFor, sampleInput, startFileStack, uniqueName, waitUntil, type FileStack } from '../helpers/harness';

let s: FileStack;
beforeAll(async () => {
  s = await startFileStack('meta', { jobDurationMs: { create: 500, precheck: 200, patch: 300 } });
});
afterAll(() => s?.stop());

const details = async (workflowId: string) => ((await s.t.client.workflow.getHandle(workflowId).query('__temporal_workflow_metadata')) as { currentDetails?: string }).currentDetails;

it('lists a build started by the CLI by what it builds, and shows its state and step', async () => {
  const name = uniqueName('meta').slice(0, 14);
  const spec = path.join(mkdtempSync(path.join(os.tmpdir(), 'dbaas-meta-')), 'spec.json');
  const service = structuredClone(sampleInput(name).service);
  for (const p of service.parameters ?? []) delete (p as { adminPassword?: string }).adminPassword;
  writeFileSync(spec, JSON.stringify(service));
  const { cli } = cliFor(() => cliEnvFor(s));
  const built = await cli(['build', spec, '--domain', 'metadom', '--wait']);
  expect(built.code, built.out).toBe(0);
  const handle = s.t.client.workflow.getHandle(serviceWorkflowId('metadom', name));
  expect(await (await handle.describe()).staticSummary()).toBe(`build ${name} (oc3, 12.2.0.1)`);
  expect(await details(handle.workflowId)).toMatch(/^succeeded · step confirmRunning · job \d+$/);
});

it('shows a running rollout\'s batch, state and counts', async () => {
  const domain = uniqueName('metafleet');
  s.sim.seed(domain, ['m-01', 'm-02', 'm-03']);
  const handle = await s.t.client.workflow.start('rollingPatch', {
    taskQueue: s.taskQueue,
    workflowId: uniqueName(`patch:${domain}`),
    args: [{ identityDomain: domain, patchId: '12201-190416', services: ['m-01', 'm-02', 'm-03'], maxParallel: 2, approval: 'first', healthTimeoutSeconds: 10 }],
  });
  await waitUntil('approval', () => handle.query(rolloutProgressQuery), (p) => p.state === 'awaiting_approval');
  expect(await details(handle.workflowId)).toBe('batch 1/2 · awaiting_approval · pending 3');
  await handle.terminate('ui-metadata test done');
});

it('summarises every operation in a line', () => {
  expect(operationSummary('scaleService', { serviceName: 'db1', shape: 'oc4', additionalStorage: 100 })).toBe('scale db1 to oc4 +100 GB');
  expect(operationSummary('changeLifecycle', { serviceName: 'db1', lifecycleState: 'restart', vmName: 'vm-1' })).toBe('restart db1 (VM vm-1)');
  expect(operationSummary('deleteService', { serviceName: 'db1', deleteBackup: true })).toBe('delete db1 and its backups');
  expect(operationSummary('rollingPatch', { identityDomain: 'prod', patchId: 'p1', version: '19.0.0.0' })).toBe('patch p1 on version 19.0.0.0 in prod');
  expect(operationSummary('maintainService', { serviceName: 'db1' })).toBe('maintain db1');
  expect(operationSummary('buildService', 'garbage')).toBe('build ? (?, ?)');
});
