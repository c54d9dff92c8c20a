// Every failure type name the project uses, in one place, and the helpers that read a failure chain.
// Workflows decide on these types and on structured details, never on message text. Workflow-safe.
import { ApplicationFailure } from '@temporalio/common';

export const FAILURE_TYPES = {
  /** Network, timeout, 429 or 5xx: Temporal retries the activity. */
  transient: 'CloudTransient',
  /** The instance is busy with another operation: retried after a pause. */
  busy: 'CloudBusy',
  /** 400/401/403/404 and other final answers of the API: not retried. */
  rejected: 'CloudRejected',
  /** An answer the client cannot read (no status in a job body, a body that is not what the API documents). */
  unreadableAnswer: 'CloudAnswerUnreadable',
  /** A service with the requested name exists already and is not ours. */
  alreadyExists: 'ServiceAlreadyExists',
  /** An async job ended Failed. */
  jobFailed: 'JobFailed',
  /** A job or a service did not reach the awaited state before the wait's deadline. */
  waitTimedOut: 'WaitTimedOut',
  /** The service did not reach the expected state. */
  unexpectedState: 'UnexpectedServiceState',
  /** The input of a workflow is invalid (names every bad field). */
  invalidInput: 'InvalidInput',
  /** The service's state does not allow the operation (e.g. scale of a Stopped service). */
  invalidState: 'InvalidState',
  /** A message (update) that makes no sense in the workflow's state. */
  invalidRequest: 'InvalidRequest',
  serviceNotFound: 'ServiceNotFound',
  healthGateFailed: 'HealthGateFailed',
  notificationFailed: 'NotificationFailed',
  /** An operation failed and undid what it had done. */
  operationRolledBack: 'OperationRolledBack',
  operationFailed: 'OperationFailed',
  cancelled: 'Cancelled',
  /** The requester may not run this operation here (or could not be verified): nothing was done. */
  permissionDenied: 'PermissionDenied',
  /** Kept for histories of earlier versions. */
  nothingToRollBack: 'NothingToRollBack',
} as const;

export type FailureType = (typeof FAILURE_TYPES)[keyof typeof FAILURE_TYPES];

/** Types that retrying cannot fix: activities throw them non-retryable and the proxies never retry them. */
export const NON_RETRYABLE_TYPES: string[] = [
  FAILURE_TYPES.rejected,
  FAILURE_TYPES.unreadableAnswer,
  FAILURE_TYPES.alreadyExists,
  FAILURE_TYPES.jobFailed,
  FAILURE_TYPES.waitTimedOut,
  FAILURE_TYPES.invalidInput,
  FAILURE_TYPES.permissionDenied,
  FAILURE_TYPES.unexpectedState,
  FAILURE_TYPES.nothingToRollBack,
];

/**
 * What a failed service operation reports about itself (the details of its ApplicationFailure), so a
 * parent decides what to undo from facts, not from the message.
 */
export interface OperationFailureDetails {
  failedStep: string;
  cause: string;
  /** The operation's state at its end: failed, rolled_back. */
  state: string;
  workflowId: string;
  /** The failure type of the cause (CloudRejected, JobFailed, HealthGateFailed, Cancelled, ...). */
  causeType?: string;
  /** Whether the cloud accepted a change of this operation (a job was submitted or found under way or applied). */
  changeAccepted?: boolean;
}

/** The deepest message of a failure chain: what the API or the activity actually said. */
export function rootMessage(err: unknown): string {
  let current: unknown = err;
  let message = err instanceof Error ? err.message : String(err);
  while (current instanceof Error) {
    if (current.message) message = current.message;
    current = (current as { cause?: unknown }).cause;
  }
  return message;
}

/** The ApplicationFailure type nearest the root of a failure chain (activity and child failures wrap it). */
export function failureType(err: unknown): string | undefined {
  let current: unknown = err;
  let type: string | undefined;
  while (current instanceof Error) {
    if (current instanceof ApplicationFailure && current.type) type = current.type;
    current = (current as { cause?: unknown }).cause;
  }
  return type;
}

/** The attempt an activity failure ended on, when the activity reports it in its details. */
export function failureAttempt(err: unknown): number | undefined {
  let current: unknown = err;
  while (current instanceof Error) {
    const attempt = current instanceof ApplicationFailure ? (current.details?.[0] as { attempt?: unknown } | undefined)?.attempt : undefined;
    if (typeof attempt === 'number') return attempt;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The structured details of the outermost operation failure in a chain (a child's failure, say). */
export function operationFailureDetails(err: unknown): OperationFailureDetails | undefined {
  let current: unknown = err;
  while (current instanceof Error) {
    if (current instanceof ApplicationFailure) {
      const d = current.details?.[0] as Partial<OperationFailureDetails> | undefined;
      if (d && typeof d === 'object' && typeof d.failedStep === 'string') return d as OperationFailureDetails;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
