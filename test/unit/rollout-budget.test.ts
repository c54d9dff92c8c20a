// The rollout's continue-as-new budget: ~6 events per child a batch or busy round may start.
import { describe, expect, it } from 'vitest';
import { EVENTS_PER_CHILD, childStartEvents, overBudget } from '../../src/workflows/rollout/budget';

describe('rollout continue-as-new budget', () => {
  it('counts about six events per child, plus ten', () => {
    expect(EVENTS_PER_CHILD).toBe(6);
    expect(childStartEvents(1, true)).toBe(16);
    expect(childStartEvents(200, true)).toBe(1_210);
  });

  it('keeps the old count (2 a service) for runs from before eventBudget', () => {
    expect(childStartEvents(200, false)).toBe(410);
  });

  it('hands over before a batch of 200 children would pass the limit, where the old count did not', () => {
    // At 2,000 events, a limit of 3,000: the batch adds ~1,210 (3,210 > 3,000), not 410.
    expect(overBudget(2_000, childStartEvents(200, true), 3_000, false)).toBe(true);
    expect(overBudget(2_000, childStartEvents(200, false), 3_000, false)).toBe(false);
    // A run that hands over at the check stays within the limit plus one batch's worth at most.
    expect(overBudget(1_700, childStartEvents(200, true), 3_000, false)).toBe(false);
    expect(1_700 + childStartEvents(200, true)).toBeLessThanOrEqual(3_000);
  });

  it('between busy rounds: counts the services still held', () => {
    expect(overBudget(900, childStartEvents(20, true), 1_000, false)).toBe(true);
    expect(overBudget(800, childStartEvents(20, true), 1_000, false)).toBe(false);
  });

  it('hands over whenever the server suggests it', () => {
    expect(overBudget(10, 0, 3_000, true)).toBe(true);
    expect(overBudget(10, 0, 3_000, false)).toBe(false);
  });
});
