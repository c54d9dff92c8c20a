// `dbaas backup create | restore | list`: on-demand backups and restores as workflows (each input
// checked with the workflow's own schema before anything starts), and our records of a service's
// backups (from PostgreSQL when DATABASE_URL is set, else through the worker, which owns PGlite).
import os from 'node:os';
import type { BackupRecord } from '../audit/types';
import { backupListRequestSchema, backupServiceInputSchema, describeTarget, recoveryTargetOf, restoreServiceInputSchema, type BackupListRequest, type BackupResult, type RestoreResult } from '../shared/backups';
import { EXIT, requireDomain } from './exit-codes';
import type { GlobalOptions } from './global-options';
import type { CommonOptions } from './operations';
import { formatOf, printList } from './output';
import { runOperation } from './run-operation';
import { cliNumber, COMMON_FLAGS, validatedFor, type FlagMap } from './validation';
import { throughStoreOrWorker } from './store-or-worker';

const FLAGS: FlagMap = { ...COMMON_FLAGS, retentionDays: '--retention-days', latest: '--latest', tag: '--tag', timestamp: '--timestamp', includeRolledOff: '--all', limit: '--limit' };

function who(service: string, options: CommonOptions) {
  return { identityDomain: requireDomain(options), serviceName: service, requestedBy: options.requestedBy ?? os.userInfo().username, ...(options.ticket ? { ticket: options.ticket } : {}) };
}

const gb = (n: number | undefined) => (n === undefined ? '?' : `${n} GB`);

export async function backupCreateCommand(service: string, options: CommonOptions & { retentionDays?: string }): Promise<number> {
  const input = { ...who(service, options), type: 'on-demand', ...(options.retentionDays !== undefined ? { retentionDays: cliNumber(options.retentionDays) } : {}) };
  validatedFor('request', backupServiceInputSchema, input, FLAGS);
  return runOperation('backupService', input, input, options, {
    doing: 'Backing up',
    done: (r) => {
      const { backup, rolledOff, durationMs } = r as BackupResult;
      return `backup ${backup.dbTag} of [${service}] ${backup.status} (database ${gb(backup.databaseSizeGb)}, backup ${gb(backup.backupSizeGb)}) in ${(durationMs / 1000).toFixed(1)} s${rolledOff ? `; ${rolledOff} old record(s) rolled off` : ''}`;
    },
  });
}

export async function backupRestoreCommand(service: string, options: CommonOptions & { latest?: boolean; tag?: string; timestamp?: string }): Promise<number> {
  const input = {
    ...who(service, options),
    ...(options.latest ? { latest: true } : {}),
    ...(options.tag !== undefined ? { tag: options.tag } : {}),
    ...(options.timestamp !== undefined ? { timestamp: options.timestamp } : {}),
  };
  const checked = validatedFor('request', restoreServiceInputSchema, input, FLAGS);
  return runOperation('restoreService', input, input, options, {
    doing: `Restoring ${describeTarget(recoveryTargetOf(checked))} to`,
    done: (r) => {
      const { target, recovery, status, durationMs } = r as RestoreResult;
      return `[${service}] restored to ${describeTarget(target)} (recovery ${recovery.status}), now ${status}, in ${(durationMs / 1000).toFixed(1)} s`;
    },
  });
}

export async function backupListCommand(service: string, options: GlobalOptions & { domain?: string; all?: boolean; limit?: string }): Promise<number> {
  const request = validatedFor(
    'request',
    backupListRequestSchema,
    { identityDomain: requireDomain(options), serviceName: service, includeRolledOff: !!options.all, ...(options.limit !== undefined ? { limit: cliNumber(options.limit) } : {}) },
    FLAGS,
  );
  const records = await readBackupRecords(request, options);
  if (formatOf(options) !== 'text') {
    printList(options, records);
    return EXIT.ok;
  }
  if (records.length === 0) {
    console.log(`no backup records for [${service}] in domain [${request.identityDomain}]${options.all ? '' : ' (within their retention; --all shows rolled-off ones)'}`);
    return EXIT.ok;
  }
  for (const b of records) {
    const flags = [b.rolledOffAt ? `rolled off ${b.rolledOffAt}` : '', b.message ?? ''].filter(Boolean).join('; ');
    console.log(`${(b.startedAt ?? '?').padEnd(24)} ${(b.dbTag ?? '-').padEnd(22)} ${b.type.padEnd(10)} ${b.status.padEnd(11)} db ${gb(b.databaseSizeGb).padEnd(7)} backup ${gb(b.backupSizeGb).padEnd(7)} ${flags}`);
  }
  return EXIT.ok;
}

/** Straight from PostgreSQL when DATABASE_URL is set; otherwise the worker reads its own store (backupRecords). */
function readBackupRecords(request: BackupListRequest, options: GlobalOptions): Promise<BackupRecord[]> {
  return throughStoreOrWorker(options, (store) => store.listBackups(request), { workflow: 'backupRecords', idPrefix: `backups:${request.identityDomain}:${request.serviceName}`, args: [request] });
}
