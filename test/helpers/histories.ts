// RECORD_HISTORIES=1 refreshes the histories under test/histories that test/replay.test.ts replays.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import { codec } from './harness';

export async function recordHistory(handle: WorkflowHandle, name: string): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  recordFetchedHistory(await handle.fetchHistory(), name);
}

/** The same for a history already fetched (one run of several, say). */
export function recordFetchedHistory(history: Parameters<typeof historyToJSON>[0], name: string): void {
  if (process.env.RECORD_HISTORIES !== '1') return;
  writeFileSync(path.join(__dirname, '..', 'histories', `${name}.json`), historyToJSON(history));
}

/** Today's code replays the history a run just made (its new paths are deterministic too); RECORD_HISTORIES=1 also keeps it. */
export async function expectReplays(handle: WorkflowHandle, name: string): Promise<void> {
  await recordHistory(handle, name);
  await Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundle') }, dataConverter: { payloadCodecs: [codec()] } }, await handle.fetchHistory());
}
