// rollbackServicePatch: takes a patch back off one service (through the patch rollback API) and
// confirms the service is Running at its earlier level. A child of rollingPatch, under the service's id.
import { ApplicationFailure } from '@temporalio/workflow';
import { z } from 'zod';
import type { OperationResult } from '../shared/schemas';
import { identityDomainSchema } from '../shared/schemas';
import { cloud, waits } from './activity-proxies';
import { finishChange, requireService, submitAndWait } from './jobs';
import { ServiceOperation, validateInput } from './operation';
import { FAILURE_TYPES } from '../shared/failures';
import { waitTimeoutsSchema } from '../shared/deadlines';

export const rollbackServicePatchInputSchema = z.object({
  identityDomain: identityDomainSchema,
  serviceName: z.string().min(1),
  patchId: z.string().min(1),
  /** The release the service must be back at. */
  expectedLevel: z.string().min(1),
  healthTimeoutSeconds: z.number().int().min(1).default(900),
  rolloutId: z.string().optional(),
  requestedBy: z.string().optional(),
  ticket: z.string().optional(),
  timeouts: waitTimeoutsSchema.optional(),
});
export type RollbackServicePatchInput = z.input<typeof rollbackServicePatchInputSchema>;

export async function rollbackServicePatch(input: RollbackServicePatchInput): Promise<OperationResult> {
  const v = validateInput('rollbackServicePatch', rollbackServicePatchInputSchema, input);
  const op = new ServiceOperation('rollbackServicePatch', v.identityDomain, v.serviceName, { requestedBy: v.requestedBy, ticket: v.ticket }, v.patchId);
  op.timeouts = v.timeouts ?? {};
  const ref = { identityDomain: v.identityDomain, serviceName: v.serviceName };
  await op.begin({ patchId: v.patchId, expectedLevel: v.expectedLevel, rolloutId: v.rolloutId });
  try {
    const before = await op.step('precheck', () => requireService(op, ref));
    // An unhealthy service (stuck in Maintenance after its patch) is rolled back as soon as the API accepts it.
    await submitAndWait(op, 'rollback', 'patch', () => cloud.submitPatchRollback({ ...ref, patchId: v.patchId, note: v.rolloutId }), { undo: true });
    const health = await op.step('healthGate', () => waits.healthGate({ ...ref, expectedLevel: v.expectedLevel, timeoutMs: v.healthTimeoutSeconds * 1000 }));
    await op.audit(health.healthy ? 'health_gate_passed' : 'health_gate_failed', { key: `healthGate:${health.healthy}`, step: 'healthGate', details: { ...health } });
    if (!health.healthy) throw ApplicationFailure.nonRetryable(`after the rollback: ${health.reason}`, FAILURE_TYPES.healthGateFailed);
    return await finishChange(op, ref, before);
  } catch (err) {
    return op.fail(err);
  }
}
