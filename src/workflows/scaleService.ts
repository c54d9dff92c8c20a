// scaleService: change the shape (up or down) and/or add storage to a Running service.
// A shape change whose job fails puts the original shape back; storage only grows, so a failed
// storage step is reported, not reversed.
import { ApplicationFailure } from '@temporalio/workflow';
import { scaleServiceInputSchema, type OperationResult, type ScaleServiceInput } from '../shared/schemas';
import { cloud } from './activity-proxies';
import { finishChange, requireService, submitAndWait } from './jobs';
import { ServiceOperation, validateInput } from './operation';
import { FAILURE_TYPES } from '../shared/failures';

export async function scaleService(input: ScaleServiceInput): Promise<OperationResult> {
  const { identityDomain, serviceName, shape, additionalStorage, usage, requestedBy, ticket, timeouts } = validateInput('scaleService', scaleServiceInputSchema, input);
  const op = new ServiceOperation('scaleService', identityDomain, serviceName, { requestedBy, ticket });
  op.timeouts = timeouts ?? {};
  const ref = { identityDomain, serviceName };
  await op.begin({ shape, additionalStorage, usage });

  try {
    const before = await op.step('precheck', async () => {
      const service = await requireService(op, ref);
      if (service.status !== 'Running') throw ApplicationFailure.nonRetryable(`service [${serviceName}] is ${service.status}: it can be scaled only when Running`, FAILURE_TYPES.invalidState);
      if (shape === service.shape && additionalStorage === undefined) throw ApplicationFailure.nonRetryable(`service [${serviceName}] already has shape ${shape}: nothing to change`, FAILURE_TYPES.invalidInput);
      return service;
    });

    if (shape !== undefined && shape !== before.shape) {
      // Registered before the call: a job that fails after the cloud began it leaves the new shape half applied.
      op.addCompensation('restoreShape', async () => {
        const now = await op.waitForStatus(['Running', 'Stopped', 'Failed'], { undo: true });
        if (!now || now.shape === before.shape) return;
        await submitAndWait(op, 'restoreShape', 'scale', () => cloud.submitScale({ ...ref, shape: before.shape, before: now }), { compensation: true });
        const restored = await op.waitForStatus(['Running'], { failOn: ['Failed', 'Stopped'], undo: true });
        if (restored?.shape !== before.shape) throw ApplicationFailure.nonRetryable(`the shape is ${restored?.shape} after restoring ${before.shape}`, FAILURE_TYPES.unexpectedState);
      });
      await submitAndWait(op, 'scaleShape', 'scale', () => cloud.submitScale({ ...ref, shape, before }));
      const scaled = await op.step('confirmShape', () => op.waitForStatus(['Running'], { failOn: ['Failed', 'Stopped'] }));
      if (scaled?.shape !== shape) throw ApplicationFailure.nonRetryable(`the scale job ended but the shape is ${scaled?.shape}, not ${shape}`, FAILURE_TYPES.unexpectedState);
      // The shape change is done and stays done, whatever happens to the storage step.
      op.dropCompensation('restoreShape');
    }

    if (additionalStorage !== undefined) {
      await submitAndWait(op, 'addStorage', 'scale', () => cloud.submitScale({ ...ref, additionalStorage, usage, before }));
      await op.step('confirmStorage', () => op.waitForStatus(['Running'], { failOn: ['Failed', 'Stopped'] }));
    }

    return await finishChange(op, ref, before);
  } catch (err) {
    return op.fail(err);
  }
}
