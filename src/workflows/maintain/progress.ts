// The progress a maintainService run starts from: a fresh one, or the one an earlier run carried over
// continue-as-new (possibly from an older version of the workflow). Pure.
import type { CarriedMaintainProgress, DesiredState, MaintainProgress } from '../../shared/maintain';

/** The last passes that found drift or acted, kept in the progress. */
export const RECENT_PASSES_KEPT = 20;

export function initialProgress(identityDomain: string, serviceName: string, desired: DesiredState): MaintainProgress {
  return {
    identityDomain,
    serviceName,
    desired,
    state: 'maintaining',
    paused: false,
    recent: [],
    counters: { passes: 0, drifts: 0, actions: 0, failedActions: 0, recoveries: 0, runs: 0 },
    consecutiveRecoveryFailures: 0,
    attentionNotified: false,
  };
}

/** Carried progress of an earlier run; runs from before the pause flag carried `state: 'paused'`. */
export function fromCarried(carried: CarriedMaintainProgress): MaintainProgress {
  const { state, paused, ...rest } = carried;
  return {
    ...rest,
    state: state === 'paused' ? 'maintaining' : state,
    paused: paused ?? state === 'paused',
    counters: { ...rest.counters, runs: rest.counters.runs + 1 },
  };
}
