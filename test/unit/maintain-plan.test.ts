// maintainService's pure rules: what a pass finds and plans, when it may act, how a failing
// correction backs off, when a drift starts and ends, and the progress a run starts from.
import { describe, expect, it } from 'vitest';
import type { CarriedMaintainProgress } from '../../src/shared/maintain';
import { changeLifecycleInputSchema, type ServiceSummary } from '../../src/shared/schemas';
import { assessHealth, childArgs, plan } from '../../src/workflows/maintain/plan';
import { backoffOver, backoffPasses, decideAct, driftChange, MAX_BACKOFF_EXPONENT, nextTryAt, type ActFacts } from '../../src/workflows/maintain/policy';
import { fromCarried, initialProgress } from '../../src/workflows/maintain/progress';

const svc = (over: Partial<ServiceSummary> = {}): ServiceSummary => ({ serviceName: 'db1', identityDomain: 'd', status: 'Running', shape: 'oc3', usableStorageGb: 25, ...over });
const running = { status: 'Running' as const };
const newRules = { restartFailed: false };

describe('plan', () => {
  it('finds no drift and plans nothing for a service as desired', () => {
    expect(plan({ ...running, shape: 'oc3', minStorageGb: 25 }, svc(), false, newRules)).toEqual({ drift: [], action: undefined, attention: undefined });
  });

  it('starts a Stopped service that should run, and scales only once it runs', () => {
    const p = plan({ ...running, shape: 'oc4', minStorageGb: 40 }, svc({ status: 'Stopped' }), false, newRules);
    expect(p.drift).toEqual(['Stopped, should be Running', 'shape oc3, should be oc4', 'data storage 25 GB, should be at least 40 GB']);
    expect(p.action).toMatchObject({ describe: 'start', recovery: false, workflow: 'changeLifecycle', args: { lifecycleState: 'start' } });
    expect(plan({ status: 'Stopped', shape: 'oc4' }, svc({ status: 'Stopped' }), false, newRules)).toMatchObject({ drift: ['shape oc3, should be oc4'], action: undefined });
  });

  it('stops a Running service that should be stopped; scales shape before storage', () => {
    expect(plan({ status: 'Stopped' }, svc(), false, newRules).action).toMatchObject({ describe: 'stop', args: { lifecycleState: 'stop' } });
    expect(plan({ ...running, shape: 'oc4', minStorageGb: 40 }, svc(), false, newRules).action).toMatchObject({ describe: 'scale shape to oc4', workflow: 'scaleService', args: { shape: 'oc4' } });
    expect(plan({ ...running, minStorageGb: 40 }, svc(), false, newRules).action).toMatchObject({ describe: 'add 15 GB of data storage', args: { additionalStorage: 15, usage: 'data' } });
  });

  it('hands a Failed service to a human at once (no action the API accepts repairs it)', () => {
    const p = plan(running, svc({ status: 'Failed' }), true, newRules);
    expect(p.drift).toEqual(['unhealthy: Failed for longer than the health timeout']);
    expect(p.action).toBeUndefined();
    expect(p.attention).toContain('no action that repairs a Failed service');
    // Runs from before ATTENTION_WHEN_NO_RECOVERY planned a restart.
    expect(plan(running, svc({ status: 'Failed' }), true, { restartFailed: true }).action).toMatchObject({ describe: 'restart (recovery)', recovery: true });
  });

  it('restarts a service stuck in another status, asking changeLifecycle for a recovery', () => {
    const p = plan(running, svc({ status: 'Maintenance' }), true, newRules);
    expect(p.drift).toEqual(['unhealthy: Maintenance for longer than the health timeout']);
    expect(p.action).toMatchObject({ describe: 'restart (recovery)', recovery: true, args: { lifecycleState: 'restart' } });
    expect(childArgs(p.action!, true)).toEqual({ lifecycleState: 'restart', recovery: true });
    expect(childArgs(p.action!, false)).toEqual({ lifecycleState: 'restart' });
    expect(childArgs(plan(running, svc({ status: 'Stopped' }), false, newRules).action!, true)).toEqual({ lifecycleState: 'start' });
    expect(plan(running, svc({ status: 'Maintenance' }), false, newRules)).toMatchObject({ drift: [], action: undefined });
  });

  it('reports an API that has not answered for longer than the health timeout as drift, with nothing to do', () => {
    expect(plan(running, undefined, true, newRules)).toEqual({ drift: ['the API has not answered for longer than the health timeout'] });
    expect(plan(running, undefined, false, newRules)).toEqual({ drift: [] });
  });
});

describe('changeLifecycle recovery option', () => {
  const base = { identityDomain: 'dom1', serviceName: 'db1' };
  it('is accepted only with a restart', () => {
    expect(changeLifecycleInputSchema.safeParse({ ...base, lifecycleState: 'restart', recovery: true }).success).toBe(true);
    const bad = changeLifecycleInputSchema.safeParse({ ...base, lifecycleState: 'start', recovery: true });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]).toMatchObject({ path: ['recovery'], message: 'only a restart can be a recovery (got start)' });
  });
});

describe('health', () => {
  const t0 = '2025-01-01T00:00:00.000Z';
  const at = (s: number) => Date.parse(t0) + s * 1000;
  it('counts an unhealthy spell from the pass it began in, and fails it after the timeout', () => {
    expect(assessHealth(svc({ status: 'Maintenance' }), undefined, t0, at(0), 10)).toEqual({ healthy: false, unhealthySince: t0, failed: false });
    expect(assessHealth(svc({ status: 'Maintenance' }), t0, t0, at(9), 10).failed).toBe(false);
    expect(assessHealth(svc({ status: 'Maintenance' }), t0, t0, at(10), 10).failed).toBe(true);
    expect(assessHealth(undefined, t0, t0, at(10), 10)).toMatchObject({ healthy: false, failed: true });
  });

  it('ends the spell once the service is Running or Stopped', () => {
    expect(assessHealth(svc({ status: 'Stopped' }), t0, t0, at(100), 10)).toEqual({ healthy: true, failed: false });
    expect(assessHealth(svc(), t0, t0, at(100), 10).unhealthySince).toBeUndefined();
  });
});

describe('back-off', () => {
  it('waits 2^n passes after the n-th failure in a row', () => {
    expect([1, 2, 3].map((n) => backoffPasses(n, true))).toEqual([2, 4, 8]);
    expect(nextTryAt(Date.parse('2025-01-01T00:00:00Z'), 60, 2, true)).toBe('2025-01-01T00:04:00.000Z');
  });

  it('is capped in new runs only', () => {
    expect(backoffPasses(MAX_BACKOFF_EXPONENT + 5, true)).toBe(2 ** MAX_BACKOFF_EXPONENT);
    expect(backoffPasses(MAX_BACKOFF_EXPONENT + 5, false)).toBe(2 ** (MAX_BACKOFF_EXPONENT + 5));
  });

  it('is over at the time it named, or when none is set', () => {
    expect(backoffOver(undefined, 0)).toBe(true);
    expect(backoffOver('2025-01-01T00:01:00Z', Date.parse('2025-01-01T00:00:59Z'))).toBe(false);
    expect(backoffOver('2025-01-01T00:01:00Z', Date.parse('2025-01-01T00:01:00Z'))).toBe(true);
  });
});

describe('decideAct', () => {
  const facts = (over: Partial<ActFacts> = {}): ActFacts => ({ state: 'maintaining', paused: false, healthy: true, backsOff: true, backoffOver: true, attentionRetry: () => true, ...over });

  it('acts while maintaining unless backing off', () => {
    expect(decideAct(facts())).toBe('act');
    expect(decideAct(facts({ backoffOver: false }))).toBe('skip');
    // Runs from before BACKOFF_EVERY_FAILED_ACTION: a scale never backed off.
    expect(decideAct(facts({ backoffOver: false, backsOff: false }))).toBe('act');
  });

  it('never acts while paused, whatever the state', () => {
    expect(decideAct(facts({ paused: true }))).toBe('skip');
    expect(decideAct(facts({ paused: true, state: 'needs_attention' }))).toBe('skip');
  });

  it('retries a healthy service in needs_attention once its back-off is over', () => {
    expect(decideAct(facts({ state: 'needs_attention' }))).toBe('retry');
    expect(decideAct(facts({ state: 'needs_attention', backoffOver: false }))).toBe('skip');
    expect(decideAct(facts({ state: 'needs_attention', healthy: false }))).toBe('skip');
    // Runs from before ATTENTION_RETRY only watched.
    expect(decideAct(facts({ state: 'needs_attention', attentionRetry: () => false }))).toBe('skip');
  });

  it('asks for the retry rule only when it decides (a patch marker only where it matters)', () => {
    let asked = 0;
    const ask = () => (asked += 1) > 0;
    decideAct(facts({ attentionRetry: ask }));
    decideAct(facts({ state: 'needs_attention', healthy: false, attentionRetry: ask }));
    expect(asked).toBe(0);
    decideAct(facts({ state: 'needs_attention', attentionRetry: ask }));
    expect(asked).toBe(1);
  });
});

describe('driftChange', () => {
  const a = ['Stopped, should be Running'];
  const b = ['shape oc3, should be oc4'];
  it('tells a drift starting, lasting, changing and ending', () => {
    expect(driftChange(undefined, a)).toBe('started');
    expect(driftChange(a, [...a])).toBe('lasting');
    expect(driftChange(a, b)).toBe('changed');
    expect(driftChange(a, [...a, ...b])).toBe('changed');
    expect(driftChange(a, [])).toBe('resolved');
    expect(driftChange(undefined, [])).toBe('none');
  });

  it('learns nothing from a pass that observed nothing', () => {
    expect(driftChange(a, undefined)).toBe('lasting');
    expect(driftChange(undefined, undefined)).toBe('none');
  });
});

describe('progress', () => {
  it('starts maintaining, not paused', () => {
    expect(initialProgress('d', 'db1', running)).toMatchObject({ state: 'maintaining', paused: false, recent: [], consecutiveRecoveryFailures: 0, attentionNotified: false });
  });

  it('takes carried progress of a run from before the pause flag: state paused becomes the flag', () => {
    const old = { ...initialProgress('d', 'db1', running), state: 'paused' } as CarriedMaintainProgress;
    delete old.paused;
    expect(fromCarried(old)).toMatchObject({ state: 'maintaining', paused: true, counters: { runs: 1 } });
    const attention = { ...old, state: 'needs_attention' } as CarriedMaintainProgress;
    expect(fromCarried(attention)).toMatchObject({ state: 'needs_attention', paused: false });
    expect(fromCarried({ ...initialProgress('d', 'db1', running), paused: true }).paused).toBe(true);
  });
});
