// Replays recorded histories against today's workflow code: a change that would break workflows
// already running in production fails here. RECORD_HISTORIES=1 npm test records today's into
// test/histories; the folders below it keep those of earlier versions, which must replay too (v1:
// audit writes and reads as regular activities; v2: before the health gate's first read and the
// maintainService needs_attention patches; v3: before issue 10's compensation, rollout and maintain
// changes; v4: rules-2026-11, before the requester check; v5: rules-2026-12, before a rollout's end was audited).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import type { temporal } from '@temporalio/proto';
import { DeterminismViolationError } from '@temporalio/workflow';
import { Worker } from '@temporalio/worker';
import { describe, expect, inject, it } from 'vitest';
import { CURRENT_RULES } from '../src/workflows/support/rules';
import { codec } from './helpers/harness';

const dir = path.join(__dirname, 'histories');
const histories = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.json'));
const load = (file: string) => JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as unknown;
const dataConverter = { payloadCodecs: [codec()] };
/** Histories of today's code (the folders hold earlier versions'). */
const current = histories.filter((f) => !f.includes(path.sep) && !f.includes('/'));
const eventsOf = (file: string) => historyFromJSON(load(file)).events as temporal.api.history.v1.IHistoryEvent[];

/** The patch ids a history's markers carry, with the event id of each. */
function patchMarkers(events: temporal.api.history.v1.IHistoryEvent[]) {
  return events
    .filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch')
    .map((e) => {
      const data = e.markerRecordedEventAttributes!.details!['patch-data']!.payloads![0]!.data!;
      return { eventId: Number(e.eventId), id: (JSON.parse(new TextDecoder().decode(data)) as { id: string }).id };
    });
}

describe('recorded histories replay', () => {
  it('has histories to replay', () => {
    const names = ['buildService-success', 'buildService-rolled-back', 'scaleService-success', 'scaleService-rolled-back', 'changeLifecycle-stop', 'deleteService-success', 'rollingPatch-success', 'rollingPatch-rolled-back', 'patchService-success', 'rollbackServicePatch-success', 'maintainService-drift'];
    // Paths added by issue 10: compensation without the audit store's help, cancelled and held rollouts, maintain's retries and pause.
    const newer = ['buildService-cancelled-create-lost', 'rollingPatch-cancelled', 'rollingPatch-rollback-failed', 'rollingPatch-busy-held', 'maintainService-attention-retry', 'maintainService-pause-kept'];
    // Issue 14: backups and restores, rollingPatch's backupFirst, maintainService's backup schedule.
    const backups = ['backupService-success', 'backupService-failed', 'restoreService-success', 'restoreService-failed', 'rollingPatch-backup-first', 'maintainService-backup-schedule'];
    expect(histories).toEqual(expect.arrayContaining([...[...names, ...newer, ...backups].map((n) => `${n}.json`), ...names.map((n) => `v1-audit-activities/${n}.json`), ...names.map((n) => `v3/${n}.json`), ...[...names, ...newer].map((n) => `v4/${n}.json`), ...[...names, ...newer, ...backups].map((n) => `v5/${n}.json`), 'buildService-verified.json', 'buildService-refused.json']));
  });

  it.each(histories)('%s replays without a determinism error', async (file) => {
    await Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundle') }, dataConverter }, load(file) as never);
  });

  it("shows every run of today's code deciding its rules in its first workflow task: one patch marker, before any activity", () => {
    // A patch asked for first in a later task, after a local activity, made runs fail replay after a worker restart (src/workflows/support/rules.ts).
    for (const file of current) {
      const events = eventsOf(file);
      const firstTaskEnd = Number(events.find((e) => e.workflowTaskCompletedEventAttributes)!.eventId);
      const secondTask = events.find((e) => Number(e.eventId) > firstTaskEnd && e.workflowTaskScheduledEventAttributes);
      const markers = patchMarkers(events);
      expect(markers.map((m) => m.id), file).toEqual([CURRENT_RULES]);
      expect(markers[0]!.eventId, file).toBeLessThan(Number(secondTask?.eventId ?? Infinity));
      expect(markers[0]!.eventId, file).toBe(firstTaskEnd + 1);
    }
  });

  it("replays every history of today's code cut at each workflow task, as a worker taking over after a crash there does", async () => {
    const cuts = current.flatMap((file) => {
      const events = eventsOf(file);
      return events.flatMap((e, i) => (e.workflowTaskStartedEventAttributes ? [{ workflowId: `${file}@${i + 1}`, history: { events: events.slice(0, i + 1) } }] : []));
    });
    const failures: string[] = [];
    for await (const r of Worker.runReplayHistories({ workflowBundle: { codePath: inject('workflowBundle') }, dataConverter }, cuts)) {
      if (r.error) failures.push(`${r.workflowId}: ${r.error.message}`);
    }
    expect(cuts.length).toBeGreaterThan(100);
    expect(failures).toEqual([]);
  });

  it('catches an incompatible change of the workflow code', async () => {
    const replay = Worker.runReplayHistory(
      { workflowsPath: path.join(__dirname, 'fixtures', 'changed-workflows.ts'), dataConverter, bundlerOptions: { ignoreModules: [] } },
      load('v1-audit-activities/buildService-success.json') as never,
    );
    await expect(replay).rejects.toBeInstanceOf(DeterminismViolationError);
  });
});
