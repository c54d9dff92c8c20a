// The steps backupService and restoreService share with nothing else: our backup record, the checks
// of a finished backup or recovery, and the deadline of their waits. Workflow code.
import { ApplicationFailure } from '@temporalio/workflow';
import type { BackupEntry, BackupType, RecoveryEntry, RecoveryTarget } from '../shared/backups';
import { describeTarget } from '../shared/backups';
import { FAILURE_TYPES } from '../shared/failures';
import { audit } from './activity-proxies';
import type { ServiceOperation } from './operation';

/** The operation's own job deadline (input `timeouts.jobMinutes`), or the default of the kind. */
export function waitDeadline(op: ServiceOperation): { deadlineMs?: number } {
  return op.timeouts.jobMinutes ? { deadlineMs: op.timeouts.jobMinutes * 60_000 } : {};
}

/** Writes (or updates) our record of the run's backup: type, status, tag, sizes (when the API gives them), start and end. */
export function recordBackup(op: ServiceOperation, type: BackupType, backup: BackupEntry, requestedBy: string | undefined): Promise<void> {
  const status = backup.status === 'COMPLETED' || backup.status === 'FAILED' ? backup.status : 'IN PROGRESS';
  return audit.recordBackup({
    identityDomain: op.identityDomain,
    serviceName: op.serviceName,
    type,
    status,
    dbTag: backup.dbTag,
    databaseSizeGb: backup.databaseSizeGb,
    backupSizeGb: backup.backupSizeGb,
    startedAt: backup.startedAt,
    endedAt: backup.completedAt,
    requestedBy,
    message: backup.message,
  });
}

/** A backup that ended FAILED fails the step, quoting the API (the simulator says why; the documented list does not). */
export function assertBackupCompleted(backup: BackupEntry): void {
  if (backup.status !== 'COMPLETED') {
    throw ApplicationFailure.nonRetryable(`backup ${backup.dbTag} ended ${backup.status}: ${backup.message ?? 'the API lists it FAILED and gives no reason'}`, FAILURE_TYPES.jobFailed);
  }
}

export function assertRecoveryCompleted(target: RecoveryTarget, recovery: RecoveryEntry): void {
  if (recovery.status !== 'COMPLETED') {
    throw ApplicationFailure.nonRetryable(`the recovery to ${describeTarget(target)} ended ${recovery.status}: ${recovery.message ?? 'the API lists it FAILED and gives no reason'}`, FAILURE_TYPES.jobFailed);
  }
}

/** What the audit trail says of a backup. */
export function backupFacts(type: BackupType, b: BackupEntry): Record<string, unknown> {
  return { type, status: b.status, dbTag: b.dbTag, databaseSizeGb: b.databaseSizeGb, backupSizeGb: b.backupSizeGb, startedAt: b.startedAt, endedAt: b.completedAt, ...(b.message ? { message: b.message } : {}) };
}
