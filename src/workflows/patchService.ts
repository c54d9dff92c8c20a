// patchService: one service's part of a rolling patch, run as a child workflow under the service's
// id (so it never overlaps another operation on it): apply → health gate → soak → health gate.
// It does not roll back by itself: the rollout decides that by its failure policy.
import { ApplicationFailure, sleep } from '@temporalio/workflow';
import { z } from 'zod';
import type { OperationResult } from '../shared/schemas';
import { identityDomainSchema } from '../shared/schemas';
import { cloud, waits } from './activity-proxies';
import type { HealthResult } from '../activities';
import { finishChange, readService, requireService, submitAndWait } from './jobs';
import { ServiceOperation, validateInput } from './operation';
import { FAILURE_TYPES } from '../shared/failures';
import { waitTimeoutsSchema } from '../shared/deadlines';

export const patchServiceInputSchema = z.object({
  identityDomain: identityDomainSchema,
  serviceName: z.string().min(1),
  patchId: z.string().min(1),
  /** The release the service must report once patched. */
  expectedLevel: z.string().min(1),
  forceApply: z.boolean().default(false),
  healthTimeoutSeconds: z.number().int().min(1).default(900),
  soakSeconds: z.number().int().min(0).default(0),
  /** The rollout this is part of (recorded in the audit trail). */
  rolloutId: z.string().optional(),
  requestedBy: z.string().optional(),
  ticket: z.string().optional(),
  timeouts: waitTimeoutsSchema.optional(),
});
export type PatchServiceInput = z.input<typeof patchServiceInputSchema>;

export async function patchService(input: PatchServiceInput): Promise<OperationResult & { patchLevel: string }> {
  const v = validateInput('patchService', patchServiceInputSchema, input);
  const op = new ServiceOperation('patchService', v.identityDomain, v.serviceName, { requestedBy: v.requestedBy, ticket: v.ticket }, v.patchId);
  op.timeouts = v.timeouts ?? {};
  const ref = { identityDomain: v.identityDomain, serviceName: v.serviceName };
  await op.begin({ patchId: v.patchId, expectedLevel: v.expectedLevel, rolloutId: v.rolloutId });
  try {
    const before = await op.step('precheck', async () => {
      const service = await requireService(op, ref);
      if (service.status !== 'Running') throw ApplicationFailure.nonRetryable(`service [${v.serviceName}] is ${service.status}: it can be patched only when Running`, FAILURE_TYPES.invalidState);
      return service;
    });
    await submitAndWait(op, 'apply', 'patch', () => cloud.submitPatch({ ...ref, patchId: v.patchId, forceApply: v.forceApply, note: v.rolloutId }));
    await healthGate(op, ref, v.expectedLevel, v.healthTimeoutSeconds, 'healthGate');
    if (v.soakSeconds > 0) {
      await op.step('soak', () => sleep(v.soakSeconds * 1000));
      await healthGate(op, ref, v.expectedLevel, 60, 'healthGateAfterSoak');
    }
    return { ...(await finishChange(op, ref, before)), patchLevel: v.expectedLevel };
  } catch (err) {
    return op.fail(err);
  }
}

async function healthGate(op: ServiceOperation, ref: { identityDomain: string; serviceName: string }, expectedLevel: string, timeoutSeconds: number, step: string): Promise<void> {
  let health: HealthResult | undefined;
  // A patch job usually ends with the service Running at the new level: one local read settles the
  // gate without a polling activity (a server round trip per service per batch, BENCHMARKS.md).
  if (op.rules.follows('healthGateReadFirst')) {
    const now = await op.step(step, () => readService(ref, op.rules));
    if (now?.status === 'Running' && now.patchLevel === expectedLevel) health = { healthy: true, status: now.status, patchLevel: now.patchLevel };
  }
  health ??= await op.step(step, () => waits.healthGate({ ...ref, expectedLevel, timeoutMs: timeoutSeconds * 1000 }));
  await op.audit(health.healthy ? 'health_gate_passed' : 'health_gate_failed', { key: `${step}:${health.healthy}`, step, details: { ...health } });
  if (!health.healthy) throw ApplicationFailure.nonRetryable(`health gate failed: ${health.reason}`, FAILURE_TYPES.healthGateFailed);
}
