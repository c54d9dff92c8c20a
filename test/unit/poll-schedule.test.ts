// The job poll schedule (issue 16): the window recent jobs give, and where polls land before, inside
// and after it. The simulated waits below poll like pollUntil does (a poll at the start, then after
// each delay; with history, the first after firstPollDelay), without jitter, against jobs of a fixed or spread length, learning run after run.
import { describe, expect, it } from 'vitest';
import { boundMs, expectedEnd, firstPollDelay, nextPoll, type JobEndBracket } from '../../src/activities/poll-schedule';

const options = { floorMs: 200, capMs: 30_000, growth: 0.1 };

/** One wait for a job ending at `endMs`, with answers `latencyMs` late, polling as pollUntil does; records its bracket. */
function wait(endMs: number, history: JobEndBracket[], latencyMs = 5) {
  const expected = expectedEnd(history.slice(-20));
  let t = firstPollDelay(expected, options);
  let low = 0;
  for (let polls = 1; ; polls++) {
    if (t + latencyMs >= endMs) {
      history.push({ lowMs: low, highMs: t });
      return { polls, delayMs: t + latencyMs - endMs, expected };
    }
    low = t;
    const answered = t + 2 * latencyMs;
    t = answered + nextPoll(answered, expected, options).delayMs;
  }
}

/** A reproducible spread of job lengths (no Math.random in tests). */
function spread(seed: number) {
  let x = seed;
  return () => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 - 0.5) * 0.2;
}

describe('expectedEnd', () => {
  it('needs three finished jobs', () => {
    expect(expectedEnd([{ lowMs: 1000, highMs: 1100 }, { lowMs: 1000, highMs: 1100 }])).toBeUndefined();
  });

  it('takes the intersection of brackets that overlap (jobs of one length), else the 10th to 90th percentile', () => {
    expect(expectedEnd([{ lowMs: 1900, highMs: 2100 }, { lowMs: 1950, highMs: 2200 }, { lowMs: 1800, highMs: 2050 }])).toEqual({ fromMs: 1950, toMs: 2050, tight: true, samples: 3 });
    const apart = Array.from({ length: 10 }, (_, i) => ({ lowMs: 1000 * (i + 1), highMs: 1000 * (i + 1) + 100 }));
    expect(expectedEnd(apart)).toEqual({ fromMs: 1000, toMs: 9100, tight: false, samples: 10 });
  });
});

describe('nextPoll', () => {
  const window = { fromMs: 600_000, toMs: 660_000, tight: false, samples: 10 };

  it('without history: growth of 10 % of the time waited, between floor and cap', () => {
    expect(nextPoll(0, undefined, options)).toMatchObject({ delayMs: 200, phase: 'growth', jitter: true });
    expect(nextPoll(50_000, undefined, options).delayMs).toBe(5_000);
    expect(nextPoll(3_600_000, undefined, options).delayMs).toBe(30_000);
  });

  it('before the window: a fifth of the time waited, at least 1 s; no poll that would leave less than a step before it', () => {
    expect(nextPoll(0, window, options)).toMatchObject({ delayMs: 1_000, phase: 'sparse' });
    expect(nextPoll(100_000, window, options)).toMatchObject({ delayMs: 20_000, phase: 'sparse' });
    const last = nextPoll(450_000, window, options);
    expect(last).toMatchObject({ phase: 'window', jitter: false });
    expect(450_000 + last.delayMs).toBeGreaterThan(window.fromMs);
  });

  it('inside the window: polls no further apart than the bound, the last one past its end', () => {
    let t = window.fromMs;
    const at: number[] = [];
    while (t < window.toMs) {
      const n = nextPoll(t, window, options);
      expect(n.phase).toBe('window');
      expect(n.delayMs).toBeLessThanOrEqual(boundMs(t));
      t += n.delayMs;
      at.push(t);
    }
    expect(at.at(-1)).toBeGreaterThanOrEqual(window.toMs);
    expect(at.length).toBeLessThanOrEqual(4);
  });

  it('after the window: 3 % of the time waited, capped: O(log t) polls for a job that overruns tenfold', () => {
    expect(nextPoll(700_000, window, options)).toMatchObject({ delayMs: 21_000, phase: 'overrun' });
    expect(nextPoll(20_000_000, window, options).delayMs).toBe(30_000);
    const history = Array.from({ length: 5 }, () => ({ lowMs: 9_000, highMs: 10_000 }));
    const r = wait(100_000, history);
    expect(r.delayMs).toBeLessThanOrEqual(boundMs(100_000));
    expect(r.polls).toBeLessThan(120);
  });
});

describe('waits that learn from the jobs before them', () => {
  const lengthsS = [2, 20, 60, 300, 1800];

  it.each(lengthsS)('a %i s job: after three jobs, no more polls than a 1 s poller and seen within max(1 s, 3 %)', (seconds) => {
    const endMs = seconds * 1000;
    const history: JobEndBracket[] = [];
    for (let run = 0; run < 3; run++) wait(endMs, history);
    for (let run = 0; run < 5; run++) {
      const r = wait(endMs, history);
      expect(r.expected).toBeDefined();
      expect(r.polls).toBeLessThanOrEqual(seconds);
      expect(r.delayMs).toBeLessThanOrEqual(boundMs(endMs));
      if (seconds === 1800) expect(r.polls).toBeLessThanOrEqual(60);
    }
  });

  it('converges on a job of one length: seen within 1 % of it in the end', () => {
    const history: JobEndBracket[] = [];
    for (let run = 0; run < 12; run++) wait(300_000, history);
    const r = wait(300_000, history);
    expect(r.expected?.tight).toBe(true);
    expect(r.delayMs).toBeLessThan(3_000);
  });

  it.each(lengthsS)('a %i s job whose length varies ±10 %: every end at or after the window start is seen within the bound', (seconds) => {
    const noise = spread(seconds);
    const history: JobEndBracket[] = [];
    for (let run = 0; run < 40; run++) {
      const endMs = seconds * 1000 * (1 + noise());
      const r = wait(endMs, history);
      if (r.expected && endMs >= r.expected.fromMs) expect(r.delayMs, `run ${run}`).toBeLessThanOrEqual(boundMs(endMs));
      if (run >= 3) expect(r.polls, `run ${run}`).toBeLessThanOrEqual(Math.max(4, seconds));
    }
  });
});
