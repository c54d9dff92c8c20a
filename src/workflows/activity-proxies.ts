// Activity stubs with the timeouts and retry policies each kind of call needs.
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { NON_RETRYABLE_TYPES as NON_RETRYABLE } from '../shared/failures';

/** One short API call: retried with backoff on network errors, 429 (honouring Retry-After) and 5xx. */
export const cloud = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  scheduleToCloseTimeout: '10m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', nonRetryableErrorTypes: NON_RETRYABLE },
});

/**
 * Long polls of jobs and states: one heartbeating activity each; a dead worker is noticed in 10 s.
 * Each wait ends itself at its own deadline (at most 24 h, src/shared/deadlines.ts); this timeout is
 * only a backstop above that, so it never cuts a wait short.
 */
export const waits = proxyActivities<Activities>({
  startToCloseTimeout: '25h',
  heartbeatTimeout: '10s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 20, nonRetryableErrorTypes: NON_RETRYABLE },
});

/** Audit writes must not be lost: retried for up to an hour. */
export const audit = proxyActivities<Activities>({
  startToCloseTimeout: '15s',
  scheduleToCloseTimeout: '1h',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '30s' },
});

/**
 * The same writes as local activities: run by the worker inside the workflow task, no server round
 * trip. Under load a round trip cost ~100 ms per audit event (4 per patched service, see
 * BENCHMARKS.md); a write is a few ms. Retried in the task for 10 s, then with timers, up to an hour.
 */
export const localAudit = proxyLocalActivities<Activities>({
  startToCloseTimeout: '15s',
  scheduleToCloseTimeout: '1h',
  localRetryThreshold: '10s',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '30s' },
});

/**
 * Short reads of a service as local activities (maintainService's pass, the read before and after a
 * change): one workflow task instead of two plus an activity task. Server round trips are what bound
 * how many services one server and worker can maintain and how fast a batch turns over
 * (BENCHMARKS.md). A read with no answer within 2 minutes fails like a regular one would.
 */
export const localReads = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30s',
  scheduleToCloseTimeout: '2m',
  localRetryThreshold: '10s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', nonRetryableErrorTypes: NON_RETRYABLE },
});

/** A fleet report (SQL over the audit store plus the cloud's answers): seconds, retried twice. */
export const reports = proxyActivities<Activities>({
  startToCloseTimeout: '2m',
  retry: { initialInterval: '1s', maximumAttempts: 3, nonRetryableErrorTypes: NON_RETRYABLE },
});

/** Webhooks: a few quick retries, then given up; the rollout never waits long on them. */
export const notifications = proxyActivities<Activities>({
  startToCloseTimeout: '15s',
  scheduleToCloseTimeout: '2m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s', maximumAttempts: 5 },
});
