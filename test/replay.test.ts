// Replays recorded histories against today's workflow code: a change that would break workflows
// already running in production fails here. RECORD_HISTORIES=1 npm test records today's into
// test/histories; the folders below it keep those of earlier versions, which must replay too (v1:
// audit writes and reads as regular activities; v2: before the health gate's first read and the
// maintainService needs_attention patches).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DeterminismViolationError } from '@temporalio/workflow';
import { Worker } from '@temporalio/worker';
import { describe, expect, inject, it } from 'vitest';
import { codec } from './helpers/harness';

const dir = path.join(__dirname, 'histories');
const histories = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.json'));
const load = (file: string) => JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as unknown;
const dataConverter = { payloadCodecs: [codec()] };

describe('recorded histories replay', () => {
  it('has histories to replay', () => {
    const names = ['buildService-success', 'buildService-rolled-back', 'scaleService-success', 'scaleService-rolled-back', 'changeLifecycle-stop', 'deleteService-success', 'rollingPatch-success', 'rollingPatch-rolled-back', 'patchService-success', 'rollbackServicePatch-success', 'maintainService-drift'];
    expect(histories).toEqual(expect.arrayContaining([...names.map((n) => `${n}.json`), ...names.map((n) => `v1-audit-activities/${n}.json`)]));
  });

  it.each(histories)('%s replays without a determinism error', async (file) => {
    await Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundle') }, dataConverter }, load(file) as never);
  });

  it('catches an incompatible change of the workflow code', async () => {
    const replay = Worker.runReplayHistory(
      { workflowsPath: path.join(__dirname, 'fixtures', 'changed-workflows.ts'), dataConverter, bundlerOptions: { ignoreModules: [] } },
      load('v1-audit-activities/buildService-success.json') as never,
    );
    await expect(replay).rejects.toBeInstanceOf(DeterminismViolationError);
  });
});
