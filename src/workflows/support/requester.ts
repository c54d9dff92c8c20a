// The requester check at the start of every operation: before any cloud call, a local activity
// verifies the sealed credential of the start request and asks the policy (src/auth/policy.ts); a
// refusal is audited by that activity and ends the run with PermissionDenied. A child (started by a
// verified parent) and a continued run (its first run was checked) take the requester they are given.
// The control messages of long-running workflows get the same check per message (SenderCheck).
import { ApplicationFailure, proxyLocalActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { FAILURE_TYPES } from '../../shared/failures';
import type { AuthorizeRequest } from '../../shared/identity';
import type { RunRules } from './rules';
import { takeMessageCredential, takeStartCredential } from './credential-interceptor';

const requesterCheck = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30s',
  scheduleToCloseTimeout: '5m',
  localRetryThreshold: '10s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' },
});

/** Who the operation runs for (the audit trail's requestedBy); throws PermissionDenied when refused. */
export async function authorizeStart(rules: RunRules, request: Omit<AuthorizeRequest, 'credential' | 'receivedAtMs'>): Promise<string | undefined> {
  const credential = takeStartCredential();
  if (!rules.follows('verifiedRequester')) return request.claimedBy;
  const info = workflowInfo();
  if (info.parent || info.continuedFromExecutionRunId) return request.claimedBy;
  const decision = await requesterCheck.authorizeRequest({ ...request, credential, receivedAtMs: info.runStartTime.getTime() });
  if (!decision.allowed) throw ApplicationFailure.nonRetryable(`permission denied: ${decision.reason}`, FAILURE_TYPES.permissionDenied);
  return decision.subject;
}

type Scope = Pick<AuthorizeRequest, 'operation' | 'identityDomain' | 'target' | 'ticket'>;

/** Who sends a control message: checked as if they asked for the workflow's own operation. */
export class SenderCheck {
  private messages = 0;

  constructor(private readonly scope: () => Scope) {}

  /** Must be the first call of a handler (it takes the message's credential before any await). */
  async verify(message: string, claimedBy: string | undefined): Promise<string> {
    const credential = takeMessageCredential();
    const auditKey = `refused:${message}:${++this.messages}`;
    const decision = await requesterCheck.authorizeRequest({ ...this.scope(), claimedBy, credential, message, auditKey, receivedAtMs: Date.now() });
    if (!decision.allowed) throw ApplicationFailure.nonRetryable(`permission denied: ${decision.reason}`, FAILURE_TYPES.permissionDenied);
    return decision.subject;
  }
}
