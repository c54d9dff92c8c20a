// Waiting on services another operation holds (Temporal refused a second run under the service's
// id): rounds of start attempts, one durable timer per round for all of them, the pause doubling up
// to busyRetrySeconds.max and never past the deadline (busyWaitSeconds from the first attempt). One
// helper for a batch's patches and for each rollback.
import { condition } from '@temporalio/workflow';
import type { BusyCarry, Rollout } from './state';
import { windowOpenBefore } from './waits';

export type BusyEnd =
  /** Every service started. */
  | 'started'
  /** The deadline passed with services still held. */
  | 'deadline'
  /** `halted` said stop (abort, cancellation). */
  | 'halted'
  /** `handOver` said the run should continue as new with the services still held. */
  | 'hand_over'
  /** The maintenance window is closed and opens only after the deadline. */
  | 'window_late';

export interface BusyRetry {
  /** One round: tries to start each service; returns those still held. */
  round(names: string[]): Promise<string[]>;
  /** Ends the wait early (a batch: abort or cancellation; a rollback never stops). */
  halted(): boolean;
  /** Between rounds: whether the run hands the services still held over to a new run. */
  handOver?(waiting: string[]): boolean;
  /** Rounds after the first start only inside the maintenance window. */
  inWindow?: boolean;
}

/** A fresh wait on `services`, its deadline busyWaitSeconds from now. */
export function busyWait(r: Rollout, services: string[]): BusyCarry {
  return { services, deadline: Date.now() + r.opts.busyWaitSeconds * 1000, backoffMs: r.opts.busyRetrySeconds.initial * 1000 };
}

/** Runs rounds until every service started or the wait ends; `wait.backoffMs` goes on doubling (it is carried across runs). */
export async function retryWhileBusy(r: Rollout, wait: BusyCarry, retry: BusyRetry): Promise<{ end: BusyEnd; waiting: string[] }> {
  let waiting = wait.services;
  for (;;) {
    waiting = await retry.round(waiting);
    if (waiting.length === 0) return { end: 'started', waiting };
    if (Date.now() >= wait.deadline) return { end: 'deadline', waiting };
    await condition(() => retry.halted(), Math.max(1, Math.min(wait.backoffMs, wait.deadline - Date.now())));
    wait.backoffMs = Math.min(wait.backoffMs * 2, r.opts.busyRetrySeconds.max * 1000);
    if (retry.halted()) return { end: 'halted', waiting };
    if (retry.handOver?.(waiting)) return { end: 'hand_over', waiting };
    if (retry.inWindow) {
      const window = await windowOpenBefore(r, wait.deadline);
      if (window === 'late') return { end: 'window_late', waiting };
      if (window === 'halted') return { end: 'halted', waiting };
    }
  }
}
