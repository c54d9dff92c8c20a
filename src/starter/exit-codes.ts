// Exit codes of the dbaas CLI, so scripts can tell outcomes apart.
import { FAILURE_TYPES } from '../shared/failures';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { describeZodError, identityDomainSchema } from '../shared/schemas';

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
  /** The worker refused the request (PermissionDenied: no or bad token, or the policy): nothing was done. */
  denied: 6,
  /** --max-wait passed before the operation ended: the CLI stopped watching; the operation goes on (not cancelled). */
  stillRunning: 7,
  /** Ctrl+C at a prompt, or a second Ctrl+C while watching (the shell's 128 + SIGINT). */
  interrupted: 130,
} as const;

/** The exit code of a watch: the workflow ended ok, denied or failed, or it is still running past --max-wait. */
export const exitCodeOf = (outcome: { ok: boolean; errorType?: string; stillRunning?: boolean }) =>
  outcome.ok ? EXIT.ok : outcome.stillRunning ? EXIT.stillRunning : outcome.errorType === FAILURE_TYPES.permissionDenied ? EXIT.denied : EXIT.failed;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

/** The identity domain of a command: --domain, else $DBAAS_IDENTITY_DOMAIN, else a clear error; checked either way. */
export function requireDomain(options: { domain?: string }): string {
  const domain = options.domain ?? process.env.DBAAS_IDENTITY_DOMAIN;
  if (!domain) throw new CliError('no identity domain: give --domain or set DBAAS_IDENTITY_DOMAIN', EXIT.invalid);
  const parsed = identityDomainSchema.safeParse(domain);
  const source = options.domain !== undefined ? '--domain' : 'DBAAS_IDENTITY_DOMAIN';
  if (!parsed.success) throw new CliError(`invalid identity domain (${source}): ${describeZodError(parsed.error).replace(/^\(input\): /, '')}`, EXIT.invalid);
  return domain;
}

/** A control message (update) that failed: refused by the workflow, or no such workflow; else rethrown. */
export function updateFailure(err: unknown, action: string, notFound: string): never {
  if (err instanceof WorkflowUpdateFailedError) throw new CliError(`${action} refused: ${(err.cause as Error | undefined)?.message ?? err.message}`, EXIT.invalid);
  if (err instanceof WorkflowNotFoundError) throw new CliError(notFound, EXIT.notFound);
  throw err;
}
