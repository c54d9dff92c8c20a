// backupRecords: our records of a service's backups read through the worker (`dbaas backup list` when
// the CLI cannot open the store itself: the embedded PGlite belongs to the worker's process). Read-only,
// like auditTrail; the input is checked by the activity (backupListRequestSchema).
import type { BackupRecord } from '../audit/types';
import type { BackupListRequest } from '../shared/backups';
import { audit } from './activity-proxies';

export async function backupRecords(input: BackupListRequest): Promise<BackupRecord[]> {
  return audit.listBackupRecords(input);
}
