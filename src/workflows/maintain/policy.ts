// When a pass may act, how long a failing correction waits, and when a drift starts or ends: pure
// decisions (no Temporal, times passed in), unit-tested in test/unit/maintain-plan.test.ts.
import type { MaintainState } from '../../shared/maintain';

/** New runs cap the back-off at 2^10 passes, so a service in needs_attention is still retried now and then. */
export const MAX_BACKOFF_EXPONENT = 10;

/** Passes to wait after the n-th failure in a row: 2^n (capped in new runs). */
export function backoffPasses(failures: number, capped: boolean): number {
  return 2 ** (capped ? Math.min(failures, MAX_BACKOFF_EXPONENT) : failures);
}

/** When the next try of a failing correction may run. */
export function nextTryAt(nowMs: number, passIntervalSeconds: number, failures: number, capped: boolean): string {
  return new Date(nowMs + passIntervalSeconds * 1000 * backoffPasses(failures, capped)).toISOString();
}

export function backoffOver(nextTry: string | undefined, nowMs: number): boolean {
  return !nextTry || nowMs >= Date.parse(nextTry);
}

export interface ActFacts {
  state: MaintainState;
  paused: boolean;
  healthy: boolean;
  /** A failure of this action backs off (every action in new runs). */
  backsOff: boolean;
  backoffOver: boolean;
  /** Whether needs_attention retries a correction once its back-off is over (ATTENTION_RETRY): asked only then. */
  attentionRetry: () => boolean;
}

/**
 * What a pass does with the action it planned: `act` (maintaining), `retry` (one try of a healthy
 * service in needs_attention once its back-off is over) or `skip` (paused, backing off, or waiting
 * for a human).
 */
export function decideAct(f: ActFacts): 'act' | 'retry' | 'skip' {
  if (f.paused) return 'skip';
  if (f.state === 'maintaining') return !f.backsOff || f.backoffOver ? 'act' : 'skip';
  if (f.state === 'needs_attention' && f.healthy && f.backoffOver && f.attentionRetry()) return 'retry';
  return 'skip';
}

export type DriftChange = 'started' | 'changed' | 'lasting' | 'resolved' | 'none';

/**
 * How the drift a pass found relates to the drift still open: one audit event when a drift starts
 * (or becomes a different one) and one when it ends. `found` undefined: nothing was observed (no
 * answer yet), which says nothing about the drift.
 */
export function driftChange(open: string[] | undefined, found: string[] | undefined): DriftChange {
  if (found === undefined) return open ? 'lasting' : 'none';
  if (found.length === 0) return open ? 'resolved' : 'none';
  if (!open) return 'started';
  return open.length === found.length && open.every((d, i) => d === found[i]) ? 'lasting' : 'changed';
}
