// Exit codes of the dbaas CLI, so scripts can tell outcomes apart.
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';

export const EXIT = {
  ok: 0,
  /** The operation ran and failed (rolled back or not). */
  failed: 1,
  /** Bad arguments or an invalid spec: nothing was started. */
  invalid: 2,
  /** Another operation holds the service: nothing was started. */
  busy: 3,
  /** The workflow, service or job does not exist. */
  notFound: 4,
  /** Temporal or the cloud API could not be reached. */
  unavailable: 5,
} as const;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

/** The identity domain of a command: --domain, else $DBAAS_IDENTITY_DOMAIN, else a clear error. */
export function requireDomain(options: { domain?: string }): string {
  const domain = options.domain ?? process.env.DBAAS_IDENTITY_DOMAIN;
  if (!domain) throw new CliError('no identity domain: give --domain or set DBAAS_IDENTITY_DOMAIN', EXIT.invalid);
  return domain;
}

/** A control message (update) that failed: refused by the workflow, or no such workflow; else rethrown. */
export function updateFailure(err: unknown, action: string, notFound: string): never {
  if (err instanceof WorkflowUpdateFailedError) throw new CliError(`${action} refused: ${(err.cause as Error | undefined)?.message ?? err.message}`, EXIT.invalid);
  if (err instanceof WorkflowNotFoundError) throw new CliError(notFound, EXIT.notFound);
  throw err;
}
