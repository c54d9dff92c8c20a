// backupService: an on-demand (or scheduled, or pre-patch) backup of a Running service, under the
// service's id so it never races another operation. The API gives no job for a backup (reference
// §2.8): the start is idempotent by the tags listed before it, and the wait watches the backup list.
// Records type, status, sizes, start and end in the audit trail and in our backup records, then rolls
// off the service's records older than the retention. Nothing to undo when it fails: a failed backup
// changed no data.
import { ApplicationFailure } from '@temporalio/workflow';
import { backupServiceInputSchema, type BackupResult, type BackupServiceInput } from '../shared/backups';
import { FAILURE_TYPES } from '../shared/failures';
import { audit, cloud, waits } from './activity-proxies';
import { assertBackupCompleted, backupFacts, recordBackup, waitDeadline } from './backup-steps';
import { requireService } from './jobs';
import { ServiceOperation, validateInput } from './operation';

export async function backupService(input: BackupServiceInput): Promise<BackupResult> {
  const { identityDomain, serviceName, type, retentionDays, requestedBy, ticket, timeouts } = validateInput('backupService', backupServiceInputSchema, input);
  const op = new ServiceOperation('backupService', identityDomain, serviceName, { requestedBy, ticket });
  op.timeouts = timeouts ?? {};
  const ref = { identityDomain, serviceName };
  await op.begin({ type });

  try {
    await op.step('precheck', async () => {
      const service = await requireService(op, ref);
      if (service.status !== 'Running') throw ApplicationFailure.nonRetryable(`service [${serviceName}] is ${service.status}: it can be backed up only when Running`, FAILURE_TYPES.invalidState);
    });
    // What was listed before: a retried start adopts the backup its earlier attempt started, never a second one.
    const knownTags = await op.step('listBackups', async () => (await cloud.listBackups(ref)).map((b) => b.dbTag));
    const started = await op.step('startBackup', () => cloud.startBackup({ ...ref, knownTags }));
    op.changeAccepted = true;
    await op.audit('started', { key: 'started:startBackup', step: 'startBackup', details: { type, dbTag: started.backup?.dbTag, adopted: started.adopted } });
    if (started.backup) await recordBackup(op, type, started.backup, requestedBy);

    const backup = await op.step('waitForBackup', () => waits.waitForBackup({ ...ref, knownTags, dbTag: started.backup?.dbTag, ...waitDeadline(op) }));
    op.progress.messages = [`backup ${backup.dbTag}: ${backup.status}${backup.message ? `: ${backup.message}` : ''}`];
    await recordBackup(op, type, backup, requestedBy);
    assertBackupCompleted(backup);

    const { rolledOff } = await op.step('rollOff', () => audit.rollOffBackups({ ...ref, retentionDays }));
    op.after = { status: 'Running', backup: backupFacts(type, backup) };
    op.finish();
    await op.audit('succeeded', { details: { ...backupFacts(type, backup), rolledOff } });
    return { identityDomain, serviceName, type, backup, rolledOff, durationMs: op.elapsedMs };
  } catch (err) {
    return op.fail(err);
  }
}
