// One batch: each service is patched by a child workflow `patchService` under the service's own id,
// started so that neither the rollout's cancellation nor its end can stop it mid-apply. A service
// another operation holds is tried again in rounds, one durable timer per round for all of them,
// the pause doubling up to a cap and never past the batch's busy deadline; while they stay held the
// run continues as new (once no child of the batch runs), so the history stays bounded. Rounds after
// the first start only inside the maintenance window (busyWindow).
import { sleep, type ChildWorkflowHandle } from '@temporalio/workflow';
import { operationFailureDetails, rootMessage } from '../../shared/failures';
import { backupService } from '../backupService';
import { patchService } from '../patchService';
import { startServiceChild, type ServiceChildStart } from '../support/service-child';
import { patchChangeAccepted } from './outcome';
import { waitWhilePaused } from './waits';
import { busyWait, retryWhileBusy } from './busy';
import type { Rollout } from './state';

export type BatchEnd = 'done' | 'continue_as_new';

export async function runBatch(r: Rollout): Promise<BatchEnd> {
  const b = r.p.currentBatch;
  r.s.batchStartedAt ??= Date.now();
  if (r.compat.busyRounds) return runRounds(r, b);
  await Promise.all(r.p.batches[b]!.map((name) => patchAlone(r, name, b)));
  return 'done';
}

async function runRounds(r: Rollout, b: number): Promise<BatchEnd> {
  const wait = r.s.busy ?? busyWait(r, r.p.batches[b]!);
  r.s.busy = undefined;
  const running: Promise<void>[] = [];
  const { end, waiting } = await retryWhileBusy(r, wait, {
    round: (names) => startRound(r, b, names, running),
    halted: () => r.halting,
    // The next round may start a child for each service still held (eventBudget: ~6 events each).
    handOver: (held) => r.historyFull(r.childStartEvents(held.length)),
    inWindow: r.compat.busyWindow,
  });
  if (end === 'deadline') for (const name of waiting) r.setService(name, { state: 'failed', error: `busy with another operation for more than ${r.opts.busyWaitSeconds} s`, changeAccepted: false });
  if (end === 'halted') for (const name of waiting) r.setService(name, { state: 'skipped' });
  if (end === 'window_late') for (const name of waiting) r.setService(name, { state: 'skipped', error: 'busy with another operation until the maintenance window closed; not started' });
  // Hand over only once no child of the batch runs: a new run cannot wait for this run's children.
  await Promise.all(running);
  if (end !== 'hand_over') return 'done';
  r.s.busy = { ...wait, services: waiting };
  return 'continue_as_new';
}

/** Starts a child for each service (all in one workflow task); returns those another operation holds. */
async function startRound(r: Rollout, b: number, names: string[], running: Promise<void>[]): Promise<string[]> {
  const starts = await Promise.all(names.map((name) => startPatch(r, name, b)));
  const busy: string[] = [];
  starts.forEach((start, i) => {
    const name = names[i]!;
    if ('backupFailed' in start) {
      r.setService(name, { state: 'backup_failed', error: start.backupFailed });
    } else if (start.busy) {
      busy.push(name);
      r.setService(name, { state: 'waiting_busy' });
    } else {
      r.setService(name, { state: 'patching' });
      running.push(awaitPatch(r, name, start));
    }
  });
  return busy;
}

type PatchStart = ServiceChildStart<typeof patchService> | { busy: false; error: unknown } | BackupFailed;
type BackupFailed = { busy: false; backupFailed: string };

async function startPatch(r: Rollout, name: string, b: number): Promise<PatchStart> {
  const { opts } = r;
  // A service already waiting keeps saying so until a start succeeds.
  r.setService(name, { state: r.p.services[name]?.state === 'waiting_busy' ? 'waiting_busy' : 'patching', batch: b });
  const args = { identityDomain: opts.identityDomain, serviceName: name, patchId: opts.patchId, expectedLevel: r.s.targetLevel, forceApply: opts.forceApply, healthTimeoutSeconds: opts.healthTimeoutSeconds, soakSeconds: opts.soakSeconds, rolloutId: r.id, requestedBy: opts.requestedBy, ticket: opts.ticket, timeouts: opts.timeouts };
  try {
    // Only runs whose input asks for backupFirst take this path: others start exactly as before.
    if (opts.backupFirst && !r.s.backedUp?.includes(name)) {
      const backedUp = await backUpFirst(r, name);
      if (backedUp !== 'done') return backedUp;
      // Aborted or cancelled while it backed up: no patch starts now (held like a busy service, then skipped).
      if (r.halting) return { busy: true };
    }
    return await startServiceChild(patchService, opts.identityDomain, name, [args]);
  } catch (error) {
    return { busy: false, error };
  }
}

/**
 * backupFirst: a backupService child (type pre-patch) under the service's id, awaited; `busy` when
 * another operation holds the service (the round tries again later, backup first). A failed backup
 * leaves the service out of the batch: audited for the rollout (`excluded`), and in the service's own
 * trail by the backup's `failed`.
 */
async function backUpFirst(r: Rollout, name: string): Promise<'done' | { busy: true } | BackupFailed> {
  const { opts } = r;
  r.setService(name, { state: 'backing_up' });
  const start = await startServiceChild(backupService, opts.identityDomain, name, [{ identityDomain: opts.identityDomain, serviceName: name, type: 'pre-patch', requestedBy: opts.requestedBy, ticket: opts.ticket, timeouts: opts.timeouts }]);
  if (start.busy) return { busy: true };
  try {
    await start.handle.result();
  } catch (err) {
    const backupFailed = `backup before the patch failed: ${rootMessage(err)}`;
    r.audit('excluded', { service: name, reason: backupFailed });
    return { busy: false, backupFailed };
  }
  (r.s.backedUp ??= []).push(name);
  return 'done';
}

/** Waits for a started child and records what it did; a failed one is undone later only if the cloud accepted its change. */
async function awaitPatch(r: Rollout, name: string, start: { handle: ChildWorkflowHandle<typeof patchService> } | { error: unknown }): Promise<void> {
  const fromLevel = r.p.services[name]?.fromLevel ?? '';
  try {
    if ('error' in start) throw start.error;
    await start.handle.result();
    r.s.patched.push({ serviceName: name, fromLevel });
    r.setService(name, { state: 'patched', toLevel: r.s.targetLevel, error: undefined });
  } catch (err) {
    const accepted = r.compat.failureDetails ? ('error' in start ? false : patchChangeAccepted(operationFailureDetails(err))) : changedBeforeDetails(rootMessage(err));
    if (accepted) r.s.patched.push({ serviceName: name, fromLevel });
    r.setService(name, { state: 'failed', error: rootMessage(err), changeAccepted: accepted });
  }
}

/**
 * For runs of the version before failure details (commit 1ec5e00, before busyRounds): it decided
 * what a failed patch may have changed by its message, and these runs must roll back what it would
 * have. Nothing else uses this.
 */
function changedBeforeDetails(message: string): boolean {
  return !/no service|is Stopped|only when Running/.test(message);
}

/** Runs from before busyRounds: each service waits on its own 5 s timer while held. */
async function patchAlone(r: Rollout, name: string, b: number): Promise<void> {
  const deadline = Date.now() + r.opts.busyWaitSeconds * 1000;
  for (;;) {
    const start = await startPatch(r, name, b);
    if ('backupFailed' in start) return void r.setService(name, { state: 'backup_failed', error: start.backupFailed });
    if (!start.busy) {
      r.setService(name, { state: 'patching' });
      return awaitPatch(r, name, start);
    }
    if (Date.now() >= deadline) return void r.setService(name, { state: 'failed', error: `busy with another operation for more than ${r.opts.busyWaitSeconds} s`, changeAccepted: false });
    r.setService(name, { state: 'waiting_busy' });
    await sleep(Math.min(5_000, Math.max(1, deadline - Date.now())));
  }
}

/** After a batch: webhooks, the ETA, the failure policy, and a pause asked for during the batch. */
export async function afterBatch(r: Rollout): Promise<void> {
  const { p, s, opts } = r;
  const b = p.currentBatch;
  const batch = p.batches[b]!;
  s.batchDurationsMs.push(Date.now() - (s.batchStartedAt ?? Date.now()));
  s.batchStartedAt = undefined;
  const failedHere = batch.filter((n) => p.services[n]?.state === 'failed');
  // backupFirst: the services left out for a failed backup are named too (runs without it send what they always sent).
  const backupFailed = opts.backupFirst ? { backupFailed: batch.filter((n) => p.services[n]?.state === 'backup_failed') } : {};
  r.notifier.notify('batch_finished', { batch: b, patched: batch.filter((n) => p.services[n]?.state === 'patched'), failed: failedHere, ...backupFailed }, batch);
  if (failedHere.length > 0) r.notifier.notify('failed', { batch: b, failed: failedHere.map((n) => ({ service: n, error: p.services[n]?.error })) }, failedHere);
  p.currentBatch = b + 1;
  const average = s.batchDurationsMs.reduce((x, y) => x + y, 0) / s.batchDurationsMs.length;
  p.eta = new Date(Date.now() + average * (p.batches.length - p.currentBatch)).toISOString();

  const failures = p.counts.failed ?? 0;
  if (failures > 0 && (opts.failurePolicy !== 'continue' || failures > opts.failureBudget) && !r.cancelled) {
    s.stopReason = `${failures} service(s) failed (${failedHere.join(', ') || 'earlier batches'}); failure policy ${opts.failurePolicy}${opts.failurePolicy === 'continue' ? `, budget ${opts.failureBudget}` : ''}`;
  }
  if (!r.stopped && p.paused) await waitWhilePaused(r);
}
