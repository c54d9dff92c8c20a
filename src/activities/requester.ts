// The requester check (a local activity, so its answer is recorded in history and a replay or a
// retry never asks again): unseal the credential of the request, verify the token against the
// identity provider's keys, ask the policy, and audit a refusal. Never throws for a refusal: the
// workflow turns it into PermissionDenied.
import { Context } from '@temporalio/activity';
import { CredentialRefused, unsealCredential } from '../auth/sealed-credential';
import { decide, type Policy } from '../auth/policy';
import { TokenRejected, type TokenVerifier } from '../auth/tokens';
import type { AuditStore } from '../audit/types';
import type { AuthorizeDecision, AuthorizeRequest } from '../shared/identity';
import { unverified } from '../shared/identity';
import type { EncryptionCodec } from '../worker/codec';

export interface RequesterCheckConfig {
  /** development: unsigned requests run, recorded as unverified. required: they are refused. */
  mode: 'development' | 'required';
  /** Absent only in development mode without an identity provider. */
  verify?: TokenVerifier;
  policy: Policy;
  codec: EncryptionCodec;
}

export function createRequesterActivities(config: RequesterCheckConfig, audit: () => Promise<AuditStore>) {
  async function identify(request: AuthorizeRequest, workflowId: string): Promise<{ subject: string; groups: string[] } | { refused: string } | 'unsigned'> {
    if (!request.credential || !config.verify) return 'unsigned';
    try {
      const token = await unsealCredential(config.codec, request.credential, workflowId, request.receivedAtMs);
      const verified = await config.verify(token, new Date(request.receivedAtMs));
      return { subject: verified.subject, groups: verified.groups };
    } catch (err) {
      if (err instanceof CredentialRefused || err instanceof TokenRejected) return { refused: err.message };
      throw err;
    }
  }

  async function decideFor(request: AuthorizeRequest, workflowId: string): Promise<AuthorizeDecision> {
    const who = await identify(request, workflowId);
    if (who === 'unsigned') {
      return config.mode === 'development'
        ? { allowed: true, subject: unverified(request.claimedBy), verified: false, groups: [] }
        : { allowed: false, reason: 'the request carries no identity token (sign in: DBAAS_TOKEN or DBAAS_TOKEN_FILE)' };
    }
    if ('refused' in who) return { allowed: false, reason: who.refused };
    const verdict = decide(config.policy, who, request);
    return verdict.allowed ? { allowed: true, subject: who.subject, verified: true, groups: who.groups, role: verdict.role } : { allowed: false, subject: who.subject, reason: verdict.reason };
  }

  return {
    async authorizeRequest(request: AuthorizeRequest): Promise<AuthorizeDecision> {
      const { workflowExecution } = Context.current().info;
      if (!workflowExecution) throw new Error('authorizeRequest must run as part of a workflow');
      const decision = await decideFor(request, workflowExecution.workflowId);
      if (!decision.allowed) {
        const store = await audit();
        await store.record({
          idempotencyKey: `${workflowExecution.workflowId}:${workflowExecution.runId}:${request.auditKey ?? 'refused'}`,
          occurredAt: new Date(request.receivedAtMs),
          workflowId: workflowExecution.workflowId,
          runId: workflowExecution.runId,
          operation: request.operation,
          identityDomain: request.identityDomain,
          serviceName: request.target,
          event: 'refused',
          requestedBy: decision.subject ?? unverified(request.claimedBy),
          ticket: request.ticket,
          details: { reason: decision.reason, claimedBy: request.claimedBy, ...(request.message ? { message: request.message } : {}) },
        });
      }
      return decision;
    },
  };
}
