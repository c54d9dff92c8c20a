// What one pass finds and what it would do about it: pure functions of the desired and the observed
// state (no Temporal, no clock), so every rule is unit-tested on its own (test/unit/maintain-plan.test.ts).
import type { DesiredState } from '../../shared/maintain';
import type { ServiceSummary } from '../../shared/schemas';

/** Statuses in which a service needs nothing repaired (Stopped may still be drift). */
export const HEALTHY_STATUSES = ['Running', 'Stopped'];

export interface PlannedAction {
  describe: string;
  /** A restart that brings an unhealthy service back (counted as a recovery). */
  recovery: boolean;
  workflow: 'changeLifecycle' | 'scaleService';
  args: Record<string, unknown>;
}

export interface Plan {
  drift: string[];
  /** The one correction this pass would make (the most urgent). */
  action?: PlannedAction;
  /** Why a human is needed now (no action can repair it). */
  attention?: string;
}

export interface PlanOptions {
  /** Runs from before ATTENTION_WHEN_NO_RECOVERY: a Failed service gets a restart (always refused). */
  restartFailed: boolean;
}

export interface Health {
  healthy: boolean;
  unhealthySince?: string;
  /** Unhealthy (or unanswered) for longer than the health timeout. */
  failed: boolean;
}

/**
 * Not Running/Stopped, or no answer, counts only once it lasts longer than the timeout. A new
 * unhealthy spell starts at the pass's start (`passAt`) and is measured at `nowMs` (after the read).
 */
export function assessHealth(service: ServiceSummary | undefined, unhealthySince: string | undefined, passAt: string, nowMs: number, timeoutSeconds: number): Health {
  const healthy = service !== undefined && HEALTHY_STATUSES.includes(service.status);
  if (healthy) return { healthy, failed: false };
  const since = unhealthySince ?? passAt;
  return { healthy, unhealthySince: since, failed: nowMs - Date.parse(since) >= timeoutSeconds * 1000 };
}

/** The drift between desired and observed, and the one action (the most urgent) that corrects it. */
export function plan(desired: DesiredState, service: ServiceSummary | undefined, failed: boolean, options: PlanOptions): Plan {
  if (!service) return { drift: failed ? ['the API has not answered for longer than the health timeout'] : [] };
  const found: Plan[] = [recovery(service, failed, options), lifecycle(desired, service), shape(desired, service), storage(desired, service)];
  return {
    drift: found.flatMap((f) => f.drift),
    action: found.find((f) => f.action)?.action,
    attention: found.find((f) => f.attention)?.attention,
  };
}

function recovery(service: ServiceSummary, failed: boolean, options: PlanOptions): Plan {
  if (!failed) return { drift: [] };
  const drift = [`unhealthy: ${service.status} for longer than the health timeout`];
  // A Failed service has nothing in flight and no API action that repairs it: ask a human at once
  // instead of being refused restartLimit times. Other unhealthy statuses (Maintenance, In Progress)
  // may be stuck: a recovery restart brings them back, or the API refuses it as busy and we back off.
  if (service.status === 'Failed' && !options.restartFailed) {
    return { drift, attention: 'Failed for longer than the health timeout, and the API offers no action that repairs a Failed service' };
  }
  return { drift, action: { describe: 'restart (recovery)', recovery: true, workflow: 'changeLifecycle', args: { lifecycleState: 'restart' } } };
}

/**
 * The child's input for an action: a recovery restart says so (RECOVERY_RESTART), so changeLifecycle
 * accepts a service that is not Running; runs from before sent a plain restart.
 */
export function childArgs(action: PlannedAction, recoveryFlag: boolean): Record<string, unknown> {
  return action.recovery && recoveryFlag ? { ...action.args, recovery: true } : action.args;
}

function lifecycle(desired: DesiredState, service: ServiceSummary): Plan {
  if (desired.status === 'Running' && service.status === 'Stopped') {
    return { drift: ['Stopped, should be Running'], action: { describe: 'start', recovery: false, workflow: 'changeLifecycle', args: { lifecycleState: 'start' } } };
  }
  if (desired.status === 'Stopped' && service.status === 'Running') {
    return { drift: ['Running, should be Stopped'], action: { describe: 'stop', recovery: false, workflow: 'changeLifecycle', args: { lifecycleState: 'stop' } } };
  }
  return { drift: [] };
}

/** Scaling needs a Running service: otherwise the drift is reported and waits. */
function shape(desired: DesiredState, service: ServiceSummary): Plan {
  if (!desired.shape || !service.shape || desired.shape === service.shape) return { drift: [] };
  const drift = [`shape ${service.shape}, should be ${desired.shape}`];
  if (service.status !== 'Running') return { drift };
  return { drift, action: { describe: `scale shape to ${desired.shape}`, recovery: false, workflow: 'scaleService', args: { shape: desired.shape } } };
}

function storage(desired: DesiredState, service: ServiceSummary): Plan {
  const gb = service.usableStorageGb ?? 0;
  if (!desired.minStorageGb || gb >= desired.minStorageGb) return { drift: [] };
  const drift = [`data storage ${gb} GB, should be at least ${desired.minStorageGb} GB`];
  if (service.status !== 'Running') return { drift };
  const more = desired.minStorageGb - gb;
  return { drift, action: { describe: `add ${more} GB of data storage`, recovery: false, workflow: 'scaleService', args: { additionalStorage: more, usage: 'data' } } };
}
