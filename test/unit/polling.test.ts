// The job-wait loop inside one activity: interval growth, and resuming from heartbeat details.
import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import { nextIntervalMs, pollUntil, type PollState } from '../../src/activities/polling';

type Polled<T> = { value: T; state: PollState<unknown> };

describe('polling', () => {
  it('waits a tenth of the time already waited, between the floor and the cap', () => {
    const o = { initialMs: 1000, maxMs: 30_000, growth: 0.1 };
    expect(nextIntervalMs(0, o)).toBe(1000);
    expect(nextIntervalMs(50_000, o)).toBe(5000);
    expect(nextIntervalMs(3_600_000, o)).toBe(30_000);
  });

  it('notices a job within a tenth of its duration (at most the cap), in O(log t) polls until the cap', async () => {
    const polls: Record<number, number> = {};
    for (const durationMs of [2_000, 10_000, 60_000, 300_000, 1_800_000]) {
      let now = 0; // a virtual clock: sleeping moves it, so a 30 min job is polled in microseconds
      const clock = { now: () => now, sleep: async (ms: number) => void (now += ms) };
      const { value, state } = (await new MockActivityEnvironment().run(() =>
        pollUntil<number, never>({ initialMs: 200, maxMs: 30_000, growth: 0.1 }, async () => (now >= durationMs ? { done: true, value: now } : { done: false }), () => false, clock),
      )) as Polled<number>;
      expect(value - durationMs).toBeLessThanOrEqual(Math.min(0.1 * durationMs, 30_000));
      polls[durationMs] = state.polls;
    }
    // Below the cap each poll waits 10 % longer than the last: 5x the duration costs ~17 more polls.
    expect(polls[300_000]! - polls[60_000]!).toBeLessThanOrEqual(20);
    expect(polls[60_000]! - polls[10_000]!).toBeLessThanOrEqual(20);
    // Past the cap (reached at 5 min) it is one poll per 27-30 s (jitter): 25 min more, at most 56 polls.
    expect(polls[1_800_000]! - polls[300_000]!).toBeLessThanOrEqual(56);
  });

  it('polls until done, heartbeating its state, and counts transient errors', async () => {
    const env = new MockActivityEnvironment();
    const beats: PollState<unknown>[] = [];
    env.on('heartbeat', (d: PollState<unknown>) => beats.push(structuredClone(d)));
    let calls = 0;
    const { value, state } = (await env.run(() =>
      pollUntil<string, { n: number }>(
        { initialMs: 5, maxMs: 10 },
        async () => {
          calls += 1;
          if (calls === 2) throw new Error('503 from the API');
          return calls < 4 ? { done: false, detail: { n: calls } } : { done: true, value: 'ok' };
        },
        () => false,
      ),
    )) as Polled<string>;
    expect(value).toBe('ok');
    expect(state.polls).toBe(4);
    expect(beats.some((b) => b.lastError === '503 from the API')).toBe(true);
    expect(beats.at(-1)?.consecutiveErrors).toBe(0);
  });

  it('resumes from heartbeat details after a crash instead of starting over', async () => {
    const env = new MockActivityEnvironment({ heartbeatDetails: { startedAt: Date.now() - 60_000, polls: 41, consecutiveErrors: 0 } });
    const { state } = (await env.run(() => pollUntil<number, never>({ initialMs: 5, maxMs: 10 }, async () => ({ done: true, value: 1 }), () => false))) as Polled<number>;
    expect(state.polls).toBe(42);
  });

  it('stops at once on a fatal error', async () => {
    const env = new MockActivityEnvironment();
    await expect(env.run(() => pollUntil({ initialMs: 5, maxMs: 10 }, async () => Promise.reject(new Error('401 Unauthorized')), () => true))).rejects.toThrow('401');
  });

  it('ends with a cancellation when the workflow cancels the wait', async () => {
    const env = new MockActivityEnvironment();
    const run = env.run(() => pollUntil({ initialMs: 50, maxMs: 50 }, async () => ({ done: false }), () => false));
    setTimeout(() => env.cancel(), 20);
    await expect(run).rejects.toThrow();
  });
});
