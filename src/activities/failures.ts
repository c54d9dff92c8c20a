// Turns cloud-client errors into Temporal failures: the type says what happened, nonRetryable says
// whether Temporal should try again, nextRetryDelay honours the API's Retry-After.
import { ApplicationFailure } from '@temporalio/common';
import { CloudApiError, isBusyAnswer } from '../cloud/errors';
import { FAILURE_TYPES } from '../shared/failures';

export { FAILURE_TYPES, NON_RETRYABLE_TYPES } from '../shared/failures';

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
  // An answer the client cannot read will not read better on a retry: say so, apart from refusals.
  const type = err.kind === 'invalid-response' ? FAILURE_TYPES.unreadableAnswer : FAILURE_TYPES.rejected;
  return ApplicationFailure.create({ message: err.message, type, nonRetryable: true, details: [{ kind: err.kind, status, apiMessage }] });
}

/** Runs fn and rethrows any cloud error as a classified ApplicationFailure. */
export async function classified<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toFailure(err);
  }
}
