// Polls inside one heartbeating activity: the interval grows with the time already waited (a tenth of
// it, between a floor and a cap), so a short job is seen quickly, a long one costs O(log t) polls until
// the cap, and the workflow's history does not grow with the job's duration. The state is heartbeated,
// so a retry on another worker (after a crash) resumes where the last one stopped.
import { Context, sleep } from '@temporalio/activity';

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
  startedAt: number;
  polls: number;
  consecutiveErrors: number;
  lastError?: string;
  detail?: D;
}

export type ProbeResult<T, D> = { done: true; value: T; detail?: D } | { done: false; detail?: D };

/** Heartbeat no less often than this while sleeping, so cancellation and crashes are noticed. */
const HEARTBEAT_SLICE_MS = 2_000;

export function nextIntervalMs(waitedMs: number, options: PollOptions): number {
  const grown = waitedMs * (options.growth ?? 0.1);
  return Math.round(Math.min(options.maxMs, Math.max(options.initialMs, grown)));
}

/**
 * Calls probe until it says done. A probe that throws a retryable error is counted and polled again;
 * `isFatal` decides which errors end the activity at once.
 */
export async function pollUntil<T, D>(
  options: PollOptions,
  probe: (state: PollState<D>) => Promise<ProbeResult<T, D>>,
  isFatal: (err: unknown, state: PollState<D>) => boolean,
  clock: PollClock = realClock,
): Promise<{ value: T; state: PollState<D> }> {
  const ctx = Context.current();
  const resumed = ctx.info.heartbeatDetails as PollState<D> | undefined;
  const state: PollState<D> = resumed ? { ...resumed } : { startedAt: clock.now(), polls: 0, consecutiveErrors: 0 };
  for (;;) {
    state.polls += 1;
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
    }
    ctx.heartbeat(state);
    // Jitter only shortens the interval, so the detection delay stays within `growth` of the wait.
    const jitter = 0.9 + Math.random() * 0.1;
    let remaining = Math.round(nextIntervalMs(clock.now() - state.startedAt, options) * jitter);
    while (remaining > 0) {
      const slice = Math.min(remaining, HEARTBEAT_SLICE_MS);
      await clock.sleep(slice); // throws CancelledFailure when the workflow cancels the activity
      remaining -= slice;
      ctx.heartbeat(state);
    }
  }
}
