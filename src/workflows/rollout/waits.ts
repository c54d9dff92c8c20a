// The waits before a batch: the maintenance window, an approval, a pause. passGate asks nextGate
// what holds the batch back, waits for it, and asks again until it says go, so whatever was waited
// for last, the window is open when the batch starts. Every wait ends early on abort or cancellation.
import { condition } from '@temporalio/workflow';
import { nextWindowStart } from '../../shared/maintenance-window';
import { needsApproval, nextGate, passGateLoop, type GateState } from './gate';
import type { Rollout } from './state';

/** True when the batch may start; false when the run stops instead. */
export function passGate(r: Rollout): Promise<boolean> {
  return passGateLoop(
    {
      state: (withWindow) => (r.stopped ? undefined : gateState(r, withWindow)),
      now: () => Date.now(),
      waitForWindow: () => waitForWindow(r),
      waitForApproval: () => waitForApproval(r),
      waitWhilePaused: () => waitWhilePaused(r),
    },
    // Runs from before the re-check looked at the window once, first.
    r.compat.windowRecheck,
  );
}

function gateState(r: Rollout, withWindow: boolean): GateState {
  const b = r.p.currentBatch;
  return {
    window: withWindow ? r.opts.maintenanceWindow : undefined,
    approvalPending: needsApproval(r.opts.approval, b) && !r.s.approvedBatches.includes(b),
    paused: r.p.paused,
  };
}

/** Waits (one durable timer) until the window opens; false when it never does or the run stops meanwhile. */
async function waitForWindow(r: Rollout): Promise<boolean> {
  const opensAt = nextWindowStart(Date.now(), r.opts.maintenanceWindow!);
  if (opensAt === undefined) {
    r.s.stopReason = 'the maintenance window never opens';
    return false;
  }
  if (opensAt <= Date.now()) return true;
  r.setState('waiting_window');
  r.p.waitingUntil = new Date(opensAt).toISOString();
  await condition(() => r.halting, opensAt - Date.now());
  r.p.waitingUntil = undefined;
  r.setState('running');
  return !r.halting;
}

/**
 * Before a busy round after the first: waits for the window when it is closed and opens before
 * `deadline`. 'late' when it opens only after (or never): the services waiting are not started.
 */
export async function windowOpenBefore(r: Rollout, deadline: number): Promise<'open' | 'late' | 'halted'> {
  const window = r.opts.maintenanceWindow;
  if (!window || nextGate({ window, approvalPending: false, paused: false }, Date.now()) !== 'window') return 'open';
  const opensAt = nextWindowStart(Date.now(), window);
  if (opensAt === undefined || opensAt > deadline) return 'late';
  if (opensAt <= Date.now()) return 'open';
  const before = r.p.state;
  r.setState('waiting_window');
  r.p.waitingUntil = new Date(opensAt).toISOString();
  await condition(() => r.halting, opensAt - Date.now());
  r.p.waitingUntil = undefined;
  if (r.p.state === 'waiting_window') r.setState(before);
  return r.halting ? 'halted' : 'open';
}

async function waitForApproval(r: Rollout): Promise<void> {
  const b = r.p.currentBatch;
  r.setState('awaiting_approval');
  r.p.awaitingApproval = true;
  r.notifier.notify('awaiting_approval', { batch: b, services: r.p.batches[b] });
  await condition(() => !r.p.awaitingApproval || r.halting);
  if (!r.halting) r.setState('running');
}

/** Holds the run while paused (a pause asked for during a batch takes effect after it). */
export async function waitWhilePaused(r: Rollout): Promise<void> {
  r.setState('paused');
  await condition(() => !r.p.paused || r.halting);
  if (!r.halting) r.setState('running');
}
