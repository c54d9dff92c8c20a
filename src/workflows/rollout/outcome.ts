// How a rollout ends, as pure functions of per-service facts: what a failed patch left to undo, the
// final state and the reason. A rollout is `rolled_back` only when every service the failure policy
// had to undo is back at its old level; one rollback that failed or never ran makes it
// `rollback_failed`.
import type { OperationFailureDetails } from '../../shared/failures';
import type { RolloutState, ServicePatchStatus } from '../../shared/patching';

/** Steps of patchService before its apply is submitted: a failure there changed nothing. */
const STEPS_BEFORE_APPLY = ['starting', 'precheck'];

/**
 * Whether a failed patchService may have changed its service (so the rollback policy undoes it).
 * Children of earlier versions do not report `changeAccepted`: their failed step decides. A failure
 * with no details at all (terminated, timed out) may have changed anything: undo it.
 */
export function patchChangeAccepted(details: Pick<OperationFailureDetails, 'failedStep' | 'changeAccepted'> | undefined): boolean {
  if (!details) return true;
  if (typeof details.changeAccepted === 'boolean') return details.changeAccepted;
  return !STEPS_BEFORE_APPLY.includes(details.failedStep);
}

export interface Ending {
  cancelled: boolean;
  aborted: boolean;
  /** Why the run stopped before its last batch (failures, abort, window, cancellation). */
  stopReason?: string;
  /** Services the failure policy had to take the patch back off (empty when it did not ask). */
  rollbackTargets: string[];
  services: Record<string, Pick<ServicePatchStatus, 'state'>>;
}

/** Rollback targets that are not back at their old level. */
export function notRolledBack(e: Pick<Ending, 'rollbackTargets' | 'services'>): string[] {
  return e.rollbackTargets.filter((n) => e.services[n]?.state !== 'rolled_back');
}

export function finalState(e: Ending): RolloutState {
  if (e.cancelled) return 'cancelled';
  if (e.rollbackTargets.length > 0) return notRolledBack(e).length > 0 ? 'rollback_failed' : 'rolled_back';
  if (e.aborted) return 'aborted';
  return e.stopReason ? 'halted' : 'completed';
}

/** The stop reason, with what the rollback achieved when there was one. */
export function finalReason(e: Ending): string | undefined {
  if (e.rollbackTargets.length === 0) return e.stopReason;
  const failed = notRolledBack(e);
  const rollback = failed.length > 0 ? `ROLLBACK FAILED on ${failed.length} of ${e.rollbackTargets.length} service(s): ${failed.join(', ')}` : `rolled back ${e.rollbackTargets.length} service(s)`;
  // A plain policy rollback keeps the reason it had (the state says it was rolled back).
  return failed.length === 0 && !e.cancelled ? e.stopReason : `${e.stopReason ?? 'stopped'}; ${rollback}`;
}
