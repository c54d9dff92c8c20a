// deleteService: delete a service (optionally with its backups) and wait until it is gone. The input
// must repeat the service name in `confirm`, so a stray call cannot destroy a database.
import { deleteServiceInputSchema, type DeleteServiceInput, type OperationResult } from '../shared/schemas';
import { cloud } from './activity-proxies';
import { requireService, submitAndWait } from './jobs';
import { ServiceOperation, validateInput } from './operation';

export async function deleteService(input: DeleteServiceInput): Promise<OperationResult> {
  const { identityDomain, serviceName, deleteBackup, requestedBy, ticket, timeouts } = validateInput('deleteService', deleteServiceInputSchema, input);
  const op = new ServiceOperation('deleteService', identityDomain, serviceName, { requestedBy, ticket });
  op.timeouts = timeouts ?? {};
  const ref = { identityDomain, serviceName };
  await op.begin({ deleteBackup: deleteBackup ?? false });

  try {
    const before = await op.step('precheck', () => requireService(op, ref));
    await submitAndWait(op, 'delete', 'delete', async () => {
      const deletion = await cloud.deleteService({ ...ref, deleteBackup });
      return deletion.jobId ? { jobId: deletion.jobId } : { found: 'applied' };
    });
    await op.step('waitUntilGone', () => op.waitForStatus('gone'));
    op.after = null;
    op.finish();
    await op.audit('succeeded');
    return { before, after: null, jobIds: op.jobIds, durationMs: op.elapsedMs };
  } catch (err) {
    return op.fail(err);
  }
}
