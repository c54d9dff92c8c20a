// What job waits learn from (issue 16): each finished job's end bracket goes to the audit store, and
// each wait starts by reading the recent brackets of its kind. Best effort both ways: a store that
// cannot answer leaves the wait on the growth schedule, and a bracket not written is one sample less.
import { log } from '@temporalio/activity';
import type { AuditStore, JobEndInput } from '../audit/types';
import { rootMessage } from '../shared/failures';
import { expectedEnd, firstPollDelay, MIN_SAMPLES, nextPoll, type ExpectedEnd } from './poll-schedule';
import type { PollOptions } from './polling';

/** How many recent jobs, and how recent, the expectation is drawn from. */
const RECENT_JOBS = 20;
const WITHIN_DAYS = 14;

export interface JobEndLearning {
  /** The window in which a job of this kind should end; undefined with too little history. */
  expect(kind: string, identityDomain: string): Promise<ExpectedEnd | undefined>;
  record(end: JobEndInput): Promise<void>;
}

export function learnJobEnds(getStore: () => Promise<Pick<AuditStore, 'recordJobEnd' | 'recentJobEnds'>>): JobEndLearning {
  return {
    async expect(kind, identityDomain) {
      try {
        const store = await getStore();
        return expectedEnd(await store.recentJobEnds({ kind, identityDomain, limit: RECENT_JOBS, enough: MIN_SAMPLES, withinDays: WITHIN_DAYS }));
      } catch (err) {
        log.warn('job history unreadable: polling on the growth schedule', { kind, error: rootMessage(err) });
        return undefined;
      }
    },
    async record(end) {
      try {
        await (await getStore()).recordJobEnd(end);
      } catch (err) {
        log.warn('job end not recorded', { kind: end.kind, jobId: end.jobId, error: rootMessage(err) });
      }
    },
  };
}

/** What a learning wait keeps between polls (heartbeated with the rest of its detail). */
export interface LearningDetail {
  /** When the last poll that saw the job running was made, ms into the wait (the low end of its end's bracket). */
  runningAtMs?: number;
}

/**
 * One wait's use of the history: its schedule (dense where the kind's jobs ended), and the bracket it
 * records once its job has ended. With `explicit` poll options, or no learning, the growth schedule.
 */
export async function learningWait(learning: JobEndLearning | undefined, job: { kind: string; identityDomain: string }, options: PollOptions, explicit: boolean) {
  const expected = explicit ? undefined : await learning?.expect(job.kind, job.identityDomain);
  const schedule = { floorMs: options.initialMs, capMs: options.maxMs, growth: options.growth ?? 0.1 };
  return {
    extras: { schedule: (waitedMs: number) => nextPoll(waitedMs, expected, schedule), firstPollDelayMs: firstPollDelay(expected, schedule) },
    /** Records where the job's end fell: after `last.runningAtMs`, at or before `probedAtMs`. */
    ended: (jobId: string, outcome: 'succeeded' | 'failed', last: LearningDetail | undefined, probedAtMs: number) =>
      learning?.record({ ...job, jobId, outcome, lowMs: last?.runningAtMs ?? 0, highMs: probedAtMs }) ?? Promise.resolve(),
  };
}
