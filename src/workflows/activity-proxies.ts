// Activity stubs with the timeouts and retry policies each kind of call needs.
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';

/** Types that retrying cannot fix (kept in step with src/activities/failures.ts). */
const NON_RETRYABLE = ['CloudRejected', 'ServiceAlreadyExists', 'JobFailed', 'InvalidInput', 'UnexpectedServiceState', 'NothingToRollBack'];

/** One short API call: retried with backoff on network errors, 429 (honouring Retry-After) and 5xx. */
export const cloud = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  scheduleToCloseTimeout: '10m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', nonRetryableErrorTypes: NON_RETRYABLE },
});

/** Long polls of jobs and states: one heartbeating activity each; a dead worker is noticed in 10 s. */
export const waits = proxyActivities<Activities>({
  startToCloseTimeout: '2h',
  heartbeatTimeout: '10s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 20, nonRetryableErrorTypes: NON_RETRYABLE },
});

/** Audit writes must not be lost: retried for up to an hour. */
export const audit = proxyActivities<Activities>({
  startToCloseTimeout: '15s',
  scheduleToCloseTimeout: '1h',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '30s' },
});

/** Webhooks: a few quick retries, then given up; the rollout never waits long on them. */
export const notifications = proxyActivities<Activities>({
  startToCloseTimeout: '15s',
  scheduleToCloseTimeout: '2m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s', maximumAttempts: 5 },
});
