// RECORD_HISTORIES=1 refreshes the histories under test/histories that test/replay.test.ts replays.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';

export async function recordHistory(handle: WorkflowHandle, name: string): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  const history = await handle.fetchHistory();
  writeFileSync(path.join(__dirname, '..', 'histories', `${name}.json`), historyToJSON(history));
}
