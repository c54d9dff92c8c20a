// Replays recorded histories against today's workflow code: a change that would break workflows
// already running in production fails here. Refresh them with RECORD_HISTORIES=1 npm test.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DeterminismViolationError } from '@temporalio/workflow';
import { Worker } from '@temporalio/worker';
import { describe, expect, inject, it } from 'vitest';
import { codec } from './helpers/harness';

const dir = path.join(__dirname, 'histories');
const histories = readdirSync(dir).filter((f) => f.endsWith('.json'));
const load = (file: string) => JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as unknown;
const dataConverter = { payloadCodecs: [codec()] };

describe('recorded histories replay', () => {
  it('has histories to replay', () => {
    expect(histories).toEqual(
      expect.arrayContaining(['buildService-success.json', 'buildService-rolled-back.json', 'scaleService-success.json', 'scaleService-rolled-back.json', 'changeLifecycle-stop.json', 'deleteService-success.json', 'rollingPatch-success.json', 'rollingPatch-rolled-back.json', 'patchService-success.json', 'rollbackServicePatch-success.json', 'maintainService-drift.json']),
    );
  });

  it.each(histories)('%s replays without a determinism error', async (file) => {
    await Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundle') }, dataConverter }, load(file) as never);
  });

  it('catches an incompatible change of the workflow code', async () => {
    const replay = Worker.runReplayHistory(
      { workflowsPath: path.join(__dirname, 'fixtures', 'changed-workflows.ts'), dataConverter, bundlerOptions: { ignoreModules: [] } },
      load('buildService-success.json') as never,
    );
    await expect(replay).rejects.toBeInstanceOf(DeterminismViolationError);
  });
});
