// dbaas_job_wait_seconds{job_kind, job_outcome}: how long the cloud's async jobs took to end, as the
// waiting activity saw it (from the first poll of the wait, kept across worker restarts).
// On the activity's meter, so the SDK's activity tags (namespace, task queue, activity type) come along.
import { Context } from '@temporalio/activity';

export type JobWaitOutcome = 'succeeded' | 'failed' | 'timed_out';

export function recordJobWait(jobKind: string, outcome: JobWaitOutcome, waitedMs: number): void {
  Context.current()
    .metricMeter.createHistogram('dbaas_job_wait_seconds', 'float', 's', 'Time until a DBCS job ended, by job kind and outcome')
    .record(waitedMs / 1000, { job_kind: jobKind, job_outcome: outcome });
}
