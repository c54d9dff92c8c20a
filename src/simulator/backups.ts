// Backups and recovery in the simulated cloud (reference/dbcs-api.md §2.8):
//   GET  …/{service}/backups                    → 200 {backupList: [...]}
//   POST …/{service}/backups            body {} → 202 (no body, no Location: the API gives no job)
//   POST …/{service}/backups/recovery   body {latest: true} | {tag} | {timestamp} | {scn} → 202
//   GET  …/{service}/backups/recovery/history   → 200 {recoveryList: [...]}
// A backup runs as a job inside the simulator: it takes `jobDurationMs.backup`, holds the service (other
// operations are refused as busy meanwhile), and lands in the recovery area (FRA), whose space it
// uses. Clients see it only through the list (FOG waits that way): status IN PROGRESS, then COMPLETED
// or FAILED. A recovery puts the service in Maintenance for `jobDurationMs.recovery`, then Running.
//
// Choices where the reference is silent (README, "The DBCS simulator"):
// - A second POST while a backup runs: 400 "Only one backup can be in progress at a time …" (the DBCS
//   status page lists no 409; 400 is what the API answers for every other conflict).
// - Only the most recent FAILED backup is listed (documented): an older failed one is dropped.
// - Sizes: list entries carry `databaseSizeGb` and `backupSizeGb` and a FAILED one a `message`:
//   extension fields (the documented list has none), which clients must treat as optional.
// - The database uses a fifth of its data volume unless told otherwise (SimInstance.databaseSizeGb); a
//   backup is half the database (compressed). A backup bigger than the FRA's free space is accepted
//   and then fails (ORA-19809), as RMAN does; growing the FRA (scale, usage fra) makes room.
//   Completed backups older than 7 days (RMAN's recovery window) are obsolete and deleted when a new
//   backup starts, except the newest completed one.
// - A recovery needs a COMPLETED backup to restore from (the newest; the one with the tag; the newest
//   completed at or before the timestamp; for an SCN the newest): else 400. The timestamp is ISO 8601
//   or the list's own format (`23-Nov-2026 18:11:02`, UTC).
import { parseApiDate } from '../shared/backups';
import { asObject, HttpError } from './http-util';
import { InstanceOperations } from './operations';
import type { SimBackup, SimInstance, SimRecovery } from './state';
import { fmtFogDate, fmtFogTag } from './views';

const RECOVERY_WINDOW_MS = 7 * 24 * 3600_000;
const round2 = (n: number) => Math.round(n * 100) / 100;

export function databaseSizeGb(i: SimInstance): number {
  return i.databaseSizeGb ?? round2(i.usableStorageGb * 0.2);
}

/** What the backups in the recovery area use (completed and running ones), GB. */
export function fraUsedGb(i: SimInstance): number {
  return round2((i.backups ?? []).filter((b) => b.status !== 'FAILED').reduce((n, b) => n + b.backupSizeGb, 0));
}

export class BackupOperations extends InstanceOperations {
  list(domain: string, name: string) {
    const instance = this.existing(domain, name);
    return { backupList: (instance.backups ?? []).map(describeBackup) };
  }

  history(domain: string, name: string) {
    const instance = this.existing(domain, name);
    return { recoveryList: (instance.recoveries ?? []).map(describeRecovery) };
  }

  /** POST …/backups with `{}`. */
  backup(domain: string, name: string, raw: unknown): void {
    const body = asObject(raw);
    if (Object.keys(body).length > 0) throw new HttpError(400, `The request body of a backup must be an empty JSON object {} (got fields ${Object.keys(body).slice(0, 5).join(', ')})`);
    const instance = this.existing(domain, name);
    const running = (instance.backups ?? []).find((b) => b.status === 'IN PROGRESS');
    if (running) throw new HttpError(400, `Only one backup can be in progress at a time: backup ${running.dbTag} of service [${name}] is in progress`);
    this.refuseIfBusy(instance);
    if (instance.status !== 'Running') throw new HttpError(400, `Service [${name}] is ${instance.status}: it can be backed up only when Running`);

    const now = this.ctx.now();
    this.dropObsolete(instance, now);
    const backups = (instance.backups ??= []);
    const dbSize = databaseSizeGb(instance);
    const backup: SimBackup = { dbTag: uniqueTag(backups, fmtFogTag(now)), status: 'IN PROGRESS', startedAt: now, databaseSizeGb: dbSize, backupSizeGb: round2(dbSize * 0.5) };
    const free = round2(instance.fraStorageGb - fraUsedGb(instance));
    const noRoom = backup.backupSizeGb > free ? `ORA-19809: limit exceeded for recovery files: backup ${backup.dbTag} needs ${backup.backupSizeGb} GB, the recovery area (FRA) has ${free} GB free of ${instance.fraStorageGb} GB` : undefined;
    backups.push(backup);
    const job = this.ctx.state.submit({
      domain,
      serviceName: name,
      requestName: 'backup',
      operation: 'backup-dbaas-service',
      durationMs: this.ctx.durations().backup,
      createdBy: this.ctx.username,
      requestParams: { serviceName: name, dbTag: backup.dbTag },
      failureMessage: this.ctx.faults.jobFailure('backup', name) ?? noRoom,
      submittedMessage: `Submitted job to back up service [${name}] in domain [${domain}]: ${backup.dbTag}.`,
      steps: [{ at: 0.2, text: `Backing up database of [${name}] (${dbSize} GB) to the recovery area` }],
      onSuccess: () => Object.assign(backup, { status: 'COMPLETED', completedAt: this.ctx.now() }),
      onFailure: (i) => {
        Object.assign(backup, { status: 'FAILED', completedAt: this.ctx.now(), message: job.failureMessage });
        // Only the most recent failed backup is listed (reference §2.8).
        if (i?.backups) i.backups = i.backups.filter((b) => b.status !== 'FAILED' || b === backup);
      },
    });
    this.ctx.log(`backup ${domain}/${name} ${backup.dbTag} job ${job.id}${job.failureMessage ? ' (will fail)' : ''}`);
  }

  /** POST …/backups/recovery with exactly one of latest, tag, timestamp, scn. */
  recover(domain: string, name: string, raw: unknown): void {
    const target = recoveryTarget(asObject(raw));
    const instance = this.existing(domain, name);
    this.refuseIfBusy(instance);
    if (instance.status !== 'Running') throw new HttpError(400, `Service [${name}] is ${instance.status}: it can be recovered only when Running`);
    const from = this.backupFor(instance, target);
    const previous = instance.status;
    instance.status = 'Maintenance';
    const recovery: SimRecovery = { target, status: 'IN PROGRESS', startedAt: this.ctx.now(), backupTag: from.dbTag };
    (instance.recoveries ??= []).push(recovery);
    const job = this.ctx.state.submit({
      domain,
      serviceName: name,
      requestName: 'recovery',
      operation: 'recover-dbaas-service',
      durationMs: this.ctx.durations().recovery,
      createdBy: this.ctx.username,
      requestParams: { serviceName: name, ...Object.fromEntries(Object.entries(target).map(([k, v]) => [k, String(v)])) },
      failureMessage: this.ctx.faults.jobFailure('recovery', name),
      submittedMessage: `Submitted job to recover service [${name}] in domain [${domain}] from backup ${from.dbTag}.`,
      steps: [{ at: 0.3, text: `Restoring database of [${name}] from backup ${from.dbTag}` }],
      onSuccess: (i) => {
        Object.assign(recovery, { status: 'COMPLETED', completedAt: this.ctx.now() });
        if (i) i.status = 'Running';
      },
      onFailure: (i) => {
        Object.assign(recovery, { status: 'FAILED', completedAt: this.ctx.now(), message: job.failureMessage });
        if (i) i.status = previous;
      },
    });
    this.ctx.log(`recover ${domain}/${name} from ${from.dbTag} job ${job.id}${job.failureMessage ? ' (will fail)' : ''}`);
  }

  private backupFor(instance: SimInstance, target: SimRecovery['target']): SimBackup {
    const completed = (instance.backups ?? []).filter((b) => b.status === 'COMPLETED');
    if (completed.length === 0) throw new HttpError(400, `Service [${instance.name}] has no completed backup to recover from`);
    if ('tag' in target) {
      const found = completed.find((b) => b.dbTag === target.tag);
      if (!found) throw new HttpError(400, `Service [${instance.name}] has no completed backup with tag ${target.tag}`);
      return found;
    }
    if ('timestamp' in target) {
      const at = parseApiDate(target.timestamp)!;
      const found = completed.filter((b) => (b.completedAt ?? Infinity) <= at).at(-1);
      if (!found) throw new HttpError(400, `Service [${instance.name}] has no backup completed at or before ${target.timestamp}: the oldest completed at ${fmtFogDate(completed[0]!.completedAt!)}`);
      return found;
    }
    return completed.at(-1)!;
  }

  /** Completed backups past the recovery window are deleted, except the newest completed one. */
  private dropObsolete(instance: SimInstance, now: number): void {
    const completed = (instance.backups ?? []).filter((b) => b.status === 'COMPLETED');
    const newest = completed.at(-1);
    instance.backups = (instance.backups ?? []).filter((b) => b.status !== 'COMPLETED' || b === newest || (b.completedAt ?? now) >= now - RECOVERY_WINDOW_MS);
  }
}

function uniqueTag(backups: SimBackup[], tag: string): string {
  if (!backups.some((b) => b.dbTag === tag)) return tag;
  for (let n = 1; ; n++) if (!backups.some((b) => b.dbTag === `${tag}_${n}`)) return `${tag}_${n}`;
}

function recoveryTarget(body: Record<string, unknown>): SimRecovery['target'] {
  const given = ['latest', 'tag', 'timestamp', 'scn'].filter((k) => body[k] !== undefined && body[k] !== null);
  const unknown = Object.keys(body).filter((k) => !['latest', 'tag', 'timestamp', 'scn'].includes(k));
  if (given.length !== 1 || unknown.length > 0) {
    throw new HttpError(400, `A recovery needs exactly one of {"latest": true}, {"tag": "TAG…"}, {"timestamp": "…"} or {"scn": "…"} (got ${Object.keys(body).join(', ') || 'none'})`);
  }
  const key = given[0]!;
  const value = body[key];
  if (key === 'latest') {
    if (value !== true) throw new HttpError(400, 'latest: must be true');
    return { latest: true };
  }
  if (key === 'scn') {
    if (!/^\d+$/.test(String(value))) throw new HttpError(400, `scn: must be a system change number (digits; got ${JSON.stringify(value)})`);
    return { scn: String(value) };
  }
  if (typeof value !== 'string' || value.trim() === '') throw new HttpError(400, `${key}: must be a non-empty string`);
  if (key === 'timestamp' && parseApiDate(value) === undefined) throw new HttpError(400, `timestamp: must be a date such as 2026-11-23T18:11:02Z or 23-Nov-2026 18:11:02 (got ${JSON.stringify(value)})`);
  return key === 'tag' ? { tag: value } : { timestamp: value };
}

/** A backupList entry: the documented fields (FOG's date format), plus the simulator's optional sizes and message. */
function describeBackup(b: SimBackup) {
  return {
    backupStartDate: fmtFogDate(b.startedAt),
    ...(b.completedAt !== undefined ? { backupCompleteDate: fmtFogDate(b.completedAt) } : {}),
    dbTag: b.dbTag,
    status: b.status,
    // Extensions (not in the documented list): sizes in GB, and why a backup failed.
    databaseSizeGb: b.databaseSizeGb,
    backupSizeGb: b.backupSizeGb,
    ...(b.message ? { message: b.message } : {}),
  };
}

/** A recoveryList entry: dates, status, and what it recovered to (dbTag, latest, timestamp or scn). */
function describeRecovery(r: SimRecovery) {
  const target = 'tag' in r.target ? { dbTag: r.target.tag } : r.target;
  return {
    recoveryStartDate: fmtFogDate(r.startedAt),
    ...(r.completedAt !== undefined ? { recoveryCompleteDate: fmtFogDate(r.completedAt) } : {}),
    status: r.status,
    ...target,
    ...(r.message ? { message: r.message } : {}),
  };
}
