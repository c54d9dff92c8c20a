// restoreService: recovers a Running service from a backup (the latest, one by tag) or to a point in
// time, under the service's id. The API gives no job for a recovery (reference §2.8): the start is
// idempotent by the history listed before it, the wait watches the recovery history, and the service
// must be Running again after it. The history entry is read back and recorded in the audit trail.
// Nothing can be undone: a recovery overwrites the database (hence admins only, src/auth/policy.ts).
import { ApplicationFailure } from '@temporalio/workflow';
import { recoveryKey, recoveryTargetOf, restoreServiceInputSchema, type RestoreResult, type RestoreServiceInput } from '../shared/backups';
import { FAILURE_TYPES } from '../shared/failures';
import { cloud, waits } from './activity-proxies';
import { assertRecoveryCompleted, waitDeadline } from './backup-steps';
import { auditState, requireService } from './jobs';
import { ServiceOperation, validateInput } from './operation';

export async function restoreService(input: RestoreServiceInput): Promise<RestoreResult> {
  const valid = validateInput('restoreService', restoreServiceInputSchema, input);
  const { identityDomain, serviceName, requestedBy, ticket, timeouts } = valid;
  const target = recoveryTargetOf(valid);
  const op = new ServiceOperation('restoreService', identityDomain, serviceName, { requestedBy, ticket });
  op.timeouts = timeouts ?? {};
  const ref = { identityDomain, serviceName };
  await op.begin({ target });

  try {
    await op.step('precheck', async () => {
      const service = await requireService(op, ref);
      if (service.status !== 'Running') throw ApplicationFailure.nonRetryable(`service [${serviceName}] is ${service.status}: it can be restored only when Running`, FAILURE_TYPES.invalidState);
    });
    const knownRecoveries = await op.step('listRecoveries', async () => (await cloud.listRecoveries(ref)).map(recoveryKey));
    const started = await op.step('startRecovery', () => cloud.startRecovery({ ...ref, target, knownRecoveries }));
    op.changeAccepted = true;
    await op.audit('started', { key: 'started:startRecovery', step: 'startRecovery', details: { target, adopted: started.adopted } });

    const ended = await op.step('waitForRecovery', () => waits.waitForRecovery({ ...ref, target, knownRecoveries, ...waitDeadline(op) }));
    op.progress.messages = [`recovery: ${ended.status}${ended.message ? `: ${ended.message}` : ''}`];
    assertRecoveryCompleted(target, ended);
    const after = await op.step('confirmRunning', () => op.waitForStatus(['Running'], { failOn: ['Failed', 'Stopped', 'Terminating'] }));
    // Read back: the history's entry as it stands once the service is Running again.
    const recovery = await op.step('readHistory', async () => (await cloud.listRecoveries(ref)).find((r) => recoveryKey(r) === recoveryKey(ended)) ?? ended);

    op.after = auditState(after) ?? undefined;
    op.finish();
    await op.audit('succeeded', { details: { target, recovery } });
    return { identityDomain, serviceName, target, recovery, status: after?.status ?? 'Running', durationMs: op.elapsedMs };
  } catch (err) {
    return op.fail(err);
  }
}
