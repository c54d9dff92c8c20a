// How a rollout ends, from per-service facts: never rolled_back when a rollback failed or did not run;
// what a failed patch left to undo, from its failure details (also those of earlier versions).
import { describe, expect, it } from 'vitest';
import type { ServicePatchState } from '../../src/shared/patching';
import { finalReason, finalState, patchChangeAccepted, type Ending } from '../../src/workflows/rollout/outcome';

const services = (states: Record<string, ServicePatchState>) => Object.fromEntries(Object.entries(states).map(([n, state]) => [n, { state }]));
const ending = (e: Partial<Ending>): Ending => ({ cancelled: false, aborted: false, rollbackTargets: [], services: {}, ...e });

describe('finalState', () => {
  it('completed, halted or aborted when nothing had to be rolled back', () => {
    expect(finalState(ending({ services: services({ a: 'patched' }) }))).toBe('completed');
    expect(finalState(ending({ stopReason: '1 service(s) failed', services: services({ a: 'failed', b: 'skipped' }) }))).toBe('halted');
    expect(finalState(ending({ aborted: true, stopReason: 'aborted: freeze' }))).toBe('aborted');
  });

  it('rolled_back only when every target is back', () => {
    const e = ending({ stopReason: 'x failed', rollbackTargets: ['b', 'a'], services: services({ a: 'rolled_back', b: 'rolled_back', c: 'skipped' }) });
    expect(finalState(e)).toBe('rolled_back');
    expect(finalReason(e)).toBe('x failed');
  });

  it('rollback_failed when one rollback failed', () => {
    const e = ending({ stopReason: 'x failed', rollbackTargets: ['b', 'a'], services: services({ a: 'rolled_back', b: 'rollback_failed' }) });
    expect(finalState(e)).toBe('rollback_failed');
    expect(finalReason(e)).toBe('x failed; ROLLBACK FAILED on 1 of 2 service(s): b');
  });

  it('rollback_failed when a rollback did not run', () => {
    expect(finalState(ending({ stopReason: 'x', rollbackTargets: ['a', 'b'], services: services({ a: 'rolled_back', b: 'patched' }) }))).toBe('rollback_failed');
    expect(finalState(ending({ stopReason: 'x', rollbackTargets: ['a'], services: {} }))).toBe('rollback_failed');
  });

  it('cancelled whatever the rollback did, with the rollback in the reason', () => {
    const base = { cancelled: true, stopReason: 'cancelled on request', rollbackTargets: ['a'] };
    expect(finalState(ending({ ...base, services: services({ a: 'rolled_back' }) }))).toBe('cancelled');
    expect(finalReason(ending({ ...base, services: services({ a: 'rolled_back' }) }))).toBe('cancelled on request; rolled back 1 service(s)');
    expect(finalReason(ending({ ...base, services: services({ a: 'rollback_failed' }) }))).toBe('cancelled on request; ROLLBACK FAILED on 1 of 1 service(s): a');
    expect(finalState(ending({ cancelled: true, stopReason: 'cancelled on request' }))).toBe('cancelled');
  });
});

describe('patchChangeAccepted', () => {
  it('trusts changeAccepted when the child reports it', () => {
    expect(patchChangeAccepted({ failedStep: 'waitForApplyJob', changeAccepted: false })).toBe(false);
    expect(patchChangeAccepted({ failedStep: 'precheck', changeAccepted: true })).toBe(true);
  });

  it('decides from the failed step for children of earlier versions', () => {
    expect(patchChangeAccepted({ failedStep: 'starting' })).toBe(false);
    expect(patchChangeAccepted({ failedStep: 'precheck' })).toBe(false);
    for (const step of ['apply', 'waitForApplyJob', 'healthGate', 'soak', 'healthGateAfterSoak']) expect(patchChangeAccepted({ failedStep: step })).toBe(true);
  });

  it('undoes a child that failed without details (terminated, timed out): it may have changed anything', () => {
    expect(patchChangeAccepted(undefined)).toBe(true);
  });
});
