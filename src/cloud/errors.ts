// Errors of the DBCS client, classified so callers know whether to retry and how long to wait.

export type CloudErrorKind =
  /** The API answered with a non-2xx status. */
  | 'http'
  /** No answer: connection refused/reset/dropped, DNS. */
  | 'network'
  /** An answer did not arrive in time (connect, headers or body timeout). */
  | 'timeout'
  /** A 2xx answer whose body or headers are not what the API documents. */
  | 'invalid-response';

export class CloudApiError extends Error {
  override readonly name = 'CloudApiError';
  constructor(
    message: string,
    readonly kind: CloudErrorKind,
    readonly retryable: boolean,
    readonly details: {
      operation: string;
      status?: number;
      apiMessage?: string;
      retryAfterMs?: number;
    },
  ) {
    super(message);
  }

  get status(): number | undefined {
    return this.details.status;
  }

  get isNotFound(): boolean {
    return this.details.status === 404;
  }
}

/** The DBCS API refuses operations on a busy instance with a 400 whose text says so (reference §1.3). */
const BUSY_PATTERN = /\b(is busy|in progress|try again)\b/i;
const ALREADY_EXISTS_PATTERN = /already (in use|exists)/i;

export function isBusyAnswer(status: number, apiMessage: string): boolean {
  return status === 400 && BUSY_PATTERN.test(apiMessage);
}

export function isAlreadyExistsAnswer(status: number, apiMessage: string): boolean {
  return status === 400 && ALREADY_EXISTS_PATTERN.test(apiMessage);
}

/** Whether an HTTP status is worth retrying: 408, 429 and 5xx except 501 are; 4xx are final. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || (status >= 500 && status !== 501);
}

/** Retry-After as seconds or an HTTP date, in ms; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v.trim() === '') return undefined;
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
