// What job waits learn from (issue 16): each finished job's end bracket goes to the audit store, and
// each wait starts by reading the recent brackets of its kind. Best effort both ways: a store that
// cannot answer leaves the wait on the growth schedule, and a bracket not written is one sample less.
import { log } from '@temporalio/activity';
import type { AuditStore, JobEndInput } from '../audit/types';
import { expectedEnd, MIN_SAMPLES, type ExpectedEnd } from './poll-schedule';

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
        log.warn('job history unreadable: polling on the growth schedule', { kind, error: err instanceof Error ? err.message : String(err) });
        return undefined;
      }
    },
    async record(end) {
      try {
        await (await getStore()).recordJobEnd(end);
      } catch (err) {
        log.warn('job end not recorded', { kind: end.kind, jobId: end.jobId, error: err instanceof Error ? err.message : String(err) });
      }
    },
  };
}
