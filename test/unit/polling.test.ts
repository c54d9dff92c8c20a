// The job-wait loop inside one activity: interval growth, resuming from heartbeat details, deadlines,
// and heartbeats while a slow probe is in flight.
import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import { formatDuration, nextIntervalMs, pollUntil, waitTimedOut, type PollState } from '../../src/activities/polling';

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

  it('ends at its deadline with a last probe on it, through onExpiry', async () => {
    let now = 0;
    const clock = { now: () => now, sleep: async (ms: number) => void (now += ms) };
    const probes: number[] = [];
    const run = new MockActivityEnvironment().run(() =>
      pollUntil<never, { status: string }>(
        { initialMs: 1_000, maxMs: 60_000 },
        async () => {
          probes.push(now);
          return { done: false, detail: { status: 'IN PROGRESS' } };
        },
        () => false,
        clock,
        { deadline: { ms: 600_000, onExpiry: (s, waited) => { throw waitTimedOut('job 7', waited, 600_000, s.detail!.status); } } },
      ),
    );
    const err = await run.then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({ type: 'WaitTimedOut', nonRetryable: true, message: 'gave up waiting for job 7 after 10 min (deadline 10 min); last seen: IN PROGRESS' });
    expect(probes.at(-1)).toBe(600_000); // the last look is at the deadline, not an interval past it
    expect(probes.at(-2)).toBeLessThan(600_000);
  });

  it('counts the deadline from the first attempt (heartbeated), and may end with a value', async () => {
    const env = new MockActivityEnvironment({ heartbeatDetails: { startedAt: Date.now() - 90_000, polls: 30, consecutiveErrors: 0, detail: 'Maintenance' } });
    let probes = 0;
    const { value, state } = (await env.run(() =>
      pollUntil<string, string>(
        { initialMs: 5, maxMs: 10 },
        async () => {
          probes += 1;
          return { done: false, detail: 'still Maintenance' };
        },
        () => false,
        undefined,
        { deadline: { ms: 60_000, onExpiry: (s) => `gave up: ${s.detail}` } },
      ),
    )) as Polled<string>;
    expect(value).toBe('gave up: still Maintenance');
    expect(probes).toBe(1);
    expect(state.polls).toBe(31);
  });

  it('heartbeats while a slow probe is in flight, not only between probes', async () => {
    const env = new MockActivityEnvironment();
    let beats = 0;
    let answer: () => void = () => undefined;
    const answered = new Promise<void>((r) => (answer = r));
    env.on('heartbeat', () => {
      beats += 1;
      if (beats === 3) answer(); // the API answers only once three heartbeats went out while it was asked
    });
    const { value } = (await env.run(() =>
      pollUntil<string, never>(
        { initialMs: 5, maxMs: 10 },
        async () => {
          await answered;
          return { done: true, value: 'answered' };
        },
        () => false,
        undefined,
        { heartbeatEveryMs: 10 },
      ),
    )) as Polled<string>;
    expect(value).toBe('answered');
    expect(beats).toBeGreaterThanOrEqual(3);
  });

  it('says how long in words people read', () => {
    expect(formatDuration(12_400)).toBe('12 s');
    expect(formatDuration(200_000)).toBe('3 min 20 s');
    expect(formatDuration(7_200_000)).toBe('2 h');
    expect(formatDuration(7_500_000)).toBe('2 h 5 min');
  });
});
