// Turns cloud-client errors into Temporal failures: the type says what happened, nonRetryable says
// whether Temporal should try again, nextRetryDelay honours the API's Retry-After.
import { ApplicationFailure } from '@temporalio/common';
import { CloudApiError, isBusyAnswer } from '../cloud/errors';

export const FAILURE_TYPES = {
  /** Network, timeout, 429 or 5xx: Temporal retries the activity. */
  transient: 'CloudTransient',
  /** The instance is busy with another operation: retried after a pause. */
  busy: 'CloudBusy',
  /** 400/401/403/404 and other final answers: not retried. */
  rejected: 'CloudRejected',
  /** A service with the requested name exists already and is not ours. */
  alreadyExists: 'ServiceAlreadyExists',
  /** An async job ended Failed. */
  jobFailed: 'JobFailed',
  /** The service did not reach the expected state. */
  unexpectedState: 'UnexpectedServiceState',
  invalidInput: 'InvalidInput',
} as const;

export const NON_RETRYABLE_TYPES = [FAILURE_TYPES.rejected, FAILURE_TYPES.alreadyExists, FAILURE_TYPES.jobFailed, FAILURE_TYPES.invalidInput];

export function toFailure(err: unknown): unknown {
  if (!(err instanceof CloudApiError)) return err;
  const { status, apiMessage, retryAfterMs } = err.details;
  if (status !== undefined && isBusyAnswer(status, apiMessage ?? '')) {
    return ApplicationFailure.create({ message: err.message, type: FAILURE_TYPES.busy, nonRetryable: false, nextRetryDelay: 2_000, details: [{ status, apiMessage }] });
  }
  if (err.retryable) {
    return ApplicationFailure.create({
      message: err.message,
      type: FAILURE_TYPES.transient,
      nonRetryable: false,
      nextRetryDelay: retryAfterMs,
      details: [{ kind: err.kind, status, apiMessage }],
    });
  }
  return ApplicationFailure.create({ message: err.message, type: FAILURE_TYPES.rejected, nonRetryable: true, details: [{ kind: err.kind, status, apiMessage }] });
}

/** Runs fn and rethrows any cloud error as a classified ApplicationFailure. */
export async function classified<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toFailure(err);
  }
}
