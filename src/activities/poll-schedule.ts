// When to poll a job next, from what recent jobs of its kind say about when it will end (issue 16).
//
// Each finished job leaves a bracket: its end fell after the last poll that saw it running (lowMs) and
// at or before the first poll that saw it ended (highMs), both counted from the start of the wait.
// From recent brackets comes a window where this job should end:
//  - tight: every bracket overlaps one interval (the jobs take the same time): their intersection;
//  - spread: otherwise, from the 10th percentile of the lows to the 90th of the highs.
// The schedule is sparse before the window (a job ending early is seen late, by at most a fifth of the
// time waited), dense inside it (its end is seen within max(1 s, 3 %) of the wait, and in a tight
// window within a few ms, since its polls halve the bracket run after run), and after it falls back
// to growth of 3 % of the time waited, capped: O(log t) polls for a job that overruns, still within
// the bound. With no history (a fresh install, a new kind) it is today's growth schedule.
// Pure functions: the waits (job-ends.ts: learningWait) read the brackets and record their own.
import type { JobEndBracket } from '../audit/types';

export type { JobEndBracket };

/** The window in which the next job of the kind should end, in ms from the start of its wait. */
export interface ExpectedEnd {
  fromMs: number;
  toMs: number;
  /** The brackets overlapped (jobs of the kind take the same time): the window is their intersection. */
  tight: boolean;
  samples: number;
}

export interface ScheduleOptions {
  /** Floor of the growth schedule's interval (DBAAS_POLL_FLOOR_MS), ms. */
  floorMs: number;
  /** Ceiling of the interval once the window has passed (and with no window), ms. */
  capMs: number;
  /** With no history: share of the time waited as the next interval (today's 10 %). */
  growth: number;
}

/** Fewer finished jobs than this: no expectation, the growth schedule. */
export const MIN_SAMPLES = 3;
/** Detection bound inside and after the window: max(BOUND_FLOOR_MS, BOUND_SHARE of the time waited). */
const BOUND_SHARE = 0.03;
const BOUND_FLOOR_MS = 1_000;
/** Before the window: a poll every fifth of the time waited, at least 1 s apart, at most 5 min. */
const SPARSE_SHARE = 0.2;
const SPARSE_FLOOR_MS = 1_000;
const SPARSE_CAP_MS = 300_000;
/** Slack past the window's end (answer latency, the gap between submit and wait): 25 ms or 0.2 %. */
const PAD_MS = 25;
const PAD_SHARE = 0.002;
/** After the window, polls no closer than this (a short job that overruns is still seen within the bound). */
const OVERRUN_FLOOR_MS = 500;

export function boundMs(waitedMs: number): number {
  return Math.max(BOUND_FLOOR_MS, BOUND_SHARE * waitedMs);
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.floor(q * (sorted.length - 1))))]!;
}

/** The window of the next end from recent brackets (newest first or any order); undefined below MIN_SAMPLES. */
export function expectedEnd(brackets: JobEndBracket[]): ExpectedEnd | undefined {
  if (brackets.length < MIN_SAMPLES) return undefined;
  const lows = brackets.map((b) => b.lowMs).sort((a, b) => a - b);
  const highs = brackets.map((b) => b.highMs).sort((a, b) => a - b);
  const latestLow = lows.at(-1)!;
  const earliestHigh = highs[0]!;
  if (latestLow < earliestHigh) return { fromMs: latestLow, toMs: earliestHigh, tight: true, samples: brackets.length };
  return { fromMs: quantile(lows, 0.1), toMs: quantile(highs, 0.9), tight: false, samples: brackets.length };
}

/** The window's polls: evenly spaced up to its padded end, each gap within the bound; a tight window wider than its pad gets two (halving the bracket). */
function windowPolls(e: ExpectedEnd): { startMs: number; endMs: number; gapMs: number } {
  const pad = Math.max(PAD_MS, PAD_SHARE * e.toMs);
  const startMs = e.fromMs;
  const endMs = e.toMs + pad;
  const width = endMs - startMs;
  const count = Math.max(e.tight && width > 2 * pad ? 2 : 1, Math.ceil(width / (0.9 * boundMs(startMs))));
  return { startMs, endMs, gapMs: width / count };
}

export interface NextPoll {
  /** How long to wait before the next poll, ms. */
  delayMs: number;
  /** Whether the delay may be shortened by jitter (not a window's polls: they are already where they must be). */
  jitter: boolean;
  phase: 'growth' | 'sparse' | 'window' | 'overrun';
}

/** The wait before the next poll, `waitedMs` after the wait began (the last poll said: still running). */
export function nextPoll(waitedMs: number, expected: ExpectedEnd | undefined, o: ScheduleOptions): NextPoll {
  const grow = (share: number, floorMs: number) => Math.round(Math.min(o.capMs, Math.max(floorMs, share * waitedMs)));
  if (!expected) return { delayMs: grow(o.growth, o.floorMs), jitter: true, phase: 'growth' };
  const w = windowPolls(expected);
  if (waitedMs >= w.endMs - 1) return { delayMs: grow(BOUND_SHARE, Math.max(o.floorMs, OVERRUN_FLOOR_MS)), jitter: true, phase: 'overrun' };
  const firstWindowPoll = w.startMs + w.gapMs;
  if (waitedMs < w.startMs) {
    const step = Math.min(SPARSE_CAP_MS, Math.max(SPARSE_FLOOR_MS, SPARSE_SHARE * waitedMs));
    // A sparse poll that would leave less than a step before the window is not worth its call.
    if (waitedMs + 2 * step <= w.startMs) return { delayMs: Math.round(step), jitter: true, phase: 'sparse' };
    return { delayMs: Math.max(1, Math.round(firstWindowPoll - waitedMs)), jitter: false, phase: 'window' };
  }
  const k = Math.floor((waitedMs - w.startMs) / w.gapMs) + 1;
  const at = Math.min(w.endMs, w.startMs + k * w.gapMs);
  return { delayMs: Math.max(1, Math.round(at - waitedMs)), jitter: false, phase: 'window' };
}

/** The wait before the first poll: none without history (a retried submit may find its job ended), else where the schedule puts it. */
export function firstPollDelay(expected: ExpectedEnd | undefined, o: ScheduleOptions): number {
  return expected ? nextPoll(0, expected, o).delayMs : 0;
}
