// Polls inside one heartbeating activity: the interval grows with the time already waited (a tenth of
// it, between a floor and a cap), so a short job is seen quickly, a long one costs O(log t) polls until
// the cap, and the workflow's history does not grow with the job's duration. A job wait brings its own
// schedule instead (poll-schedule.ts: dense where jobs of its kind ended). The state is heartbeated,
// so a retry on another worker (after a crash) resumes where the last one stopped, deadline included.
import { Context, sleep } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { FAILURE_TYPES } from '../shared/failures';
import type { NextPoll } from './poll-schedule';

export interface PollOptions {
  /** First interval and floor, ms. */
  initialMs: number;
  /** Ceiling of the interval, ms. */
  maxMs: number;
  /** Share of the time already waited used as the next interval (0.1: detection delay ≤ 10%). */
  growth?: number;
}

/** Time as the poller sees it. Real by default; a benchmark runs long jobs quickly with a faster one. */
export interface PollClock {
  now(): number;
  /** Sleeps, and throws when the activity is cancelled. */
  sleep(ms: number): Promise<void>;
}

export const realClock: PollClock = { now: () => Date.now(), sleep: (ms) => sleep(ms) };

export interface PollState<D> {
  /** When the first attempt started: the deadline counts from here, across retries. */
  startedAt: number;
  polls: number;
  consecutiveErrors: number;
  lastError?: string;
  detail?: D;
}

export type ProbeResult<T, D> = { done: true; value: T; detail?: D } | { done: false; detail?: D };

/** How long a wait may take in all, and what it ends with when that time is up. */
export interface PollDeadline<T, D> {
  /** Measured from the first attempt's start (heartbeated), so a retry does not start it over. */
  ms: number;
  /** Called once the deadline has passed and a last probe said not done: a value, or a throw. */
  onExpiry: (state: PollState<D>, waitedMs: number) => T;
}

export interface PollExtras<T, D> {
  deadline?: PollDeadline<T, D>;
  /** When to poll next, from the time waited (default: the growth of `options`, jittered). */
  schedule?: (waitedMs: number) => NextPoll;
  /** How long a first attempt waits before its first poll (default: none). */
  firstPollDelayMs?: number;
  /** How often to heartbeat while a probe is in flight (a slow API answer must not time the activity out). */
  heartbeatEveryMs?: number;
}

/** Heartbeat no less often than this while sleeping or probing, so cancellation and crashes are noticed. */
const HEARTBEAT_SLICE_MS = 2_000;

export function nextIntervalMs(waitedMs: number, options: PollOptions): number {
  const grown = waitedMs * (options.growth ?? 0.1);
  return Math.round(Math.min(options.maxMs, Math.max(options.initialMs, grown)));
}

/**
 * Calls probe until it says done. A probe that throws a retryable error is counted and polled again;
 * `isFatal` decides which errors end the activity at once. With a deadline, the last probe lands on
 * it, and `onExpiry` decides how the wait ends.
 */
export async function pollUntil<T, D>(
  options: PollOptions,
  probe: (state: PollState<D>) => Promise<ProbeResult<T, D>>,
  isFatal: (err: unknown, state: PollState<D>) => boolean,
  clock: PollClock = realClock,
  extras: PollExtras<T, D> = {},
): Promise<{ value: T; state: PollState<D> }> {
  const ctx = Context.current();
  const resumed = ctx.info.heartbeatDetails as PollState<D> | undefined;
  const state: PollState<D> = resumed ? { ...resumed } : { startedAt: clock.now(), polls: 0, consecutiveErrors: 0 };
  const { deadline } = extras;
  if (!resumed && extras.firstPollDelayMs) await sleepBeating(extras.firstPollDelayMs, clock, () => ctx.heartbeat(state));
  for (;;) {
    state.polls += 1;
    // An API answer may take longer than the heartbeat timeout: keep beating while it is awaited.
    const beat = setInterval(() => ctx.heartbeat(state), extras.heartbeatEveryMs ?? HEARTBEAT_SLICE_MS);
    try {
      const result = await probe(state);
      state.consecutiveErrors = 0;
      state.lastError = undefined;
      if (result.detail !== undefined) state.detail = result.detail;
      if (result.done) {
        ctx.heartbeat(state);
        return { value: result.value, state };
      }
    } catch (err) {
      if (isFatal(err, state)) throw err;
      state.consecutiveErrors += 1;
      state.lastError = err instanceof Error ? err.message : String(err);
      ctx.log.warn('poll failed; polling again', { error: state.lastError, consecutiveErrors: state.consecutiveErrors });
    } finally {
      clearInterval(beat);
    }
    ctx.heartbeat(state);
    const waitedMs = clock.now() - state.startedAt;
    if (deadline && waitedMs >= deadline.ms) return { value: deadline.onExpiry(state, waitedMs), state };
    // Jitter only shortens an interval, so the detection delay stays within its bound; a schedule's
    // window polls are not jittered (they are where the job should end).
    const next = extras.schedule?.(waitedMs) ?? { delayMs: nextIntervalMs(waitedMs, options), jitter: true };
    let remaining = Math.max(1, Math.round(next.delayMs * (next.jitter ? 0.9 + Math.random() * 0.1 : 1)));
    if (deadline) remaining = Math.min(remaining, Math.max(1, deadline.ms - waitedMs));
    await sleepBeating(remaining, clock, () => ctx.heartbeat(state));
  }
}

/** Sleeps in slices, heartbeating after each, so cancellation and crashes are noticed; throws CancelledFailure on cancel. */
async function sleepBeating(ms: number, clock: PollClock, beat: () => void): Promise<void> {
  let remaining = ms;
  while (remaining > 0) {
    const slice = Math.min(remaining, HEARTBEAT_SLICE_MS);
    await clock.sleep(slice);
    remaining -= slice;
    beat();
  }
}

/** "2 h 5 min", "3 min 20 s", "12 s": how long a wait took, for people. */
export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m} min ${s % 60} s` : `${m} min`;
  return m % 60 ? `${Math.floor(m / 60)} h ${m % 60} min` : `${Math.floor(m / 60)} h`;
}

/** The failure of a wait past its deadline: what it waited for, how long, and what it saw last. */
export function waitTimedOut(what: string, waitedMs: number, deadlineMs: number, lastSeen: string): ApplicationFailure {
  return ApplicationFailure.create({
    message: `gave up waiting for ${what} after ${formatDuration(waitedMs)} (deadline ${formatDuration(deadlineMs)}); last seen: ${lastSeen}`,
    type: FAILURE_TYPES.waitTimedOut,
    nonRetryable: true,
    details: [{ waitedMs, deadlineMs, lastSeen }],
  });
}
