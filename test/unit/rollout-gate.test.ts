// The gate before each batch, with synthetic clocks: whatever the run waited for last, a batch starts
// only inside the maintenance window.
import { describe, expect, it } from 'vitest';
import { needsApproval, nextGate, passGateLoop, type Gate, type GateRun, type GateState } from '../../src/workflows/rollout/gate';
import { nextWindowStart } from '../../src/shared/maintenance-window';
import type { MaintenanceWindow } from '../../src/shared/patching';

const at = (iso: string) => Date.parse(iso);
const nights: MaintenanceWindow = { startHour: 22, endHour: 2 };
const open: GateState = { window: nights, approvalPending: false, paused: false };

describe('nextGate', () => {
  it('goes inside the window with nothing pending', () => {
    expect(nextGate(open, at('2026-11-24T23:00:00Z'))).toBe('go');
    expect(nextGate({ approvalPending: false, paused: false }, at('2026-11-24T12:00:00Z'))).toBe('go');
  });

  it('checks the window first, then the approval, then a pause', () => {
    const all: GateState = { window: nights, approvalPending: true, paused: true };
    expect(nextGate(all, at('2026-11-24T12:00:00Z'))).toBe('window');
    expect(nextGate(all, at('2026-11-24T23:00:00Z'))).toBe('approval');
    expect(nextGate({ ...all, approvalPending: false }, at('2026-11-24T23:00:00Z'))).toBe('pause');
  });

  it('waits for the window again when the approval came after it closed', () => {
    expect(nextGate({ ...open, approvalPending: true }, at('2026-11-24T23:30:00Z'))).toBe('approval');
    // Approved at 03:10, after the window closed at 02:00.
    expect(nextGate(open, at('2026-11-25T03:10:00Z'))).toBe('window');
  });

  it('waits for the window again when a pause was released after it closed', () => {
    expect(nextGate({ ...open, paused: true }, at('2026-11-25T01:00:00Z'))).toBe('pause');
    expect(nextGate(open, at('2026-11-25T02:00:00Z'))).toBe('window');
    expect(nextGate(open, at('2026-11-25T01:59:59Z'))).toBe('go');
  });

  it('asks for approval before the first batch or each batch as configured', () => {
    expect([0, 1, 2].map((b) => needsApproval('first', b))).toEqual([true, false, false]);
    expect([0, 1].map((b) => needsApproval('each', b))).toEqual([true, true]);
    expect(needsApproval('none', 0)).toBe(false);
  });
});

/** Runs the workflow's own gate loop on a synthetic clock: each wait moves it; returns the waits made and when the batch starts. */
async function drive(start: number, window: MaintenanceWindow, waits: { approvalTakesMs: number; pauseTakesMs: number; pausedAtStart: boolean }, recheckWindow = true) {
  let now = start;
  const state: GateState = { window, approvalPending: true, paused: waits.pausedAtStart };
  const seen: Gate[] = [];
  const run: GateRun = {
    state: (withWindow) => (seen.length > 20 ? undefined : { ...state, window: withWindow ? state.window : undefined }),
    now: () => now,
    waitForWindow: async () => {
      seen.push('window');
      now = nextWindowStart(now, window)!;
      return true;
    },
    waitForApproval: async () => {
      seen.push('approval');
      [now, state.approvalPending] = [now + waits.approvalTakesMs, false];
    },
    waitWhilePaused: async () => {
      seen.push('pause');
      [now, state.paused] = [now + waits.pauseTakesMs, false];
    },
  };
  if (!(await passGateLoop(run, recheckWindow))) throw new Error(`no go after ${seen.join(' → ')}`);
  return { seen: [...seen, 'go'], startsAt: now };
}

describe('the gate loop', () => {
  const hour = 3_600_000;

  it('a slow approval: window → approval (past the window) → window → go, inside the next window', async () => {
    const r = await drive(at('2026-11-24T12:00:00Z'), nights, { approvalTakesMs: 5 * hour, pauseTakesMs: 0, pausedAtStart: false });
    expect(r.seen).toEqual(['window', 'approval', 'window', 'go']);
    expect(new Date(r.startsAt).toISOString()).toBe('2026-11-25T22:00:00.000Z');
  });

  it('a quick approval inside the window starts at once', async () => {
    const r = await drive(at('2026-11-24T22:00:00Z'), nights, { approvalTakesMs: 10 * 60_000, pauseTakesMs: 0, pausedAtStart: false });
    expect(r.seen).toEqual(['approval', 'go']);
    expect(new Date(r.startsAt).toISOString()).toBe('2026-11-24T22:10:00.000Z');
  });

  it('a pause released after the window closed waits for the next window', async () => {
    const r = await drive(at('2026-11-24T23:00:00Z'), nights, { approvalTakesMs: 30 * 60_000, pauseTakesMs: 4 * hour, pausedAtStart: true });
    expect(r.seen).toEqual(['approval', 'pause', 'window', 'go']);
    expect(new Date(r.startsAt).toISOString()).toBe('2026-11-25T22:00:00.000Z');
  });

  it('runs from before the re-check look at the window once, first (the behaviour the re-check fixed)', async () => {
    const r = await drive(at('2026-11-24T12:00:00Z'), nights, { approvalTakesMs: 5 * hour, pauseTakesMs: 0, pausedAtStart: false }, false);
    expect(r.seen).toEqual(['window', 'approval', 'go']);
    expect(new Date(r.startsAt).toISOString()).toBe('2026-11-25T03:00:00.000Z'); // outside the window
  });

  it('with no window, only approval and pause hold a batch', async () => {
    const r = await drive(at('2026-11-24T12:00:00Z'), undefined as never, { approvalTakesMs: 5 * hour, pauseTakesMs: hour, pausedAtStart: true });
    expect(r.seen).toEqual(['approval', 'pause', 'go']);
  });
});
