// What holds the next batch back, as a pure function of the rollout's state and the time, so the
// order of the checks can be tested with synthetic clocks. The runner waits for whatever this names
// and asks again, until it says go: a window that closed during an approval or a pause is waited
// for again, so no batch starts outside the window.
import { inWindow } from '../../shared/maintenance-window';
import type { MaintenanceWindow } from '../../shared/patching';

export type Gate = 'window' | 'approval' | 'pause' | 'go';

export interface GateState {
  window?: MaintenanceWindow;
  /** The batch needs an approval it has not had yet. */
  approvalPending: boolean;
  paused: boolean;
}

export function nextGate(state: GateState, nowMs: number): Gate {
  if (state.window && !inWindow(nowMs, state.window)) return 'window';
  if (state.approvalPending) return 'approval';
  if (state.paused) return 'pause';
  return 'go';
}

/** Whether batch `batch` (0-based) asks for an approval under the rollout's approval setting. */
export function needsApproval(approval: 'none' | 'first' | 'each', batch: number): boolean {
  return approval === 'each' || (approval === 'first' && batch === 0);
}

/** How the gate loop sees the run: its state, its clock and its waits (the workflow's, or a test's). */
export interface GateRun {
  /** What holds the batch back now (the window left out when asked to); undefined once the run stops. */
  state(withWindow: boolean): GateState | undefined;
  now(): number;
  /** Waits for the window to open; false when it never does or the run stops meanwhile. */
  waitForWindow(): Promise<boolean>;
  waitForApproval(): Promise<void>;
  waitWhilePaused(): Promise<void>;
}

/**
 * Asks nextGate what holds the batch back, waits for it, and asks again until it says go: true when
 * the batch may start, false when the run stops. `recheckWindow` false is the behaviour of runs from
 * before the re-check (the window looked at once, first).
 */
export async function passGateLoop(run: GateRun, recheckWindow: boolean): Promise<boolean> {
  for (let round = 0; ; round++) {
    const state = run.state(round === 0 || recheckWindow);
    if (!state) return false;
    const gate = nextGate(state, run.now());
    if (gate === 'go') return true;
    if (gate === 'window' && !(await run.waitForWindow())) return false;
    if (gate === 'approval') await run.waitForApproval();
    if (gate === 'pause') await run.waitWhilePaused();
  }
}
