// A maintainer's backup schedule (desired `backupEveryHours`): when the newest completed backup is older
// than that, a pass that corrected nothing else starts backupService (type scheduled) as a child under
// the service's id, like its other corrections. Only runs whose desired state has a schedule come here.
import type { BackupResult } from '../../shared/backups';
import { latestCompleted } from '../../shared/backups';
import { rootMessage } from '../../shared/failures';
import type { BackupSchedule, MaintainOptions, MaintainProgress, PassRecord } from '../../shared/maintain';
import type { ServiceSummary } from '../../shared/schemas';
import { localReads } from '../activity-proxies';
import { backupService } from '../backupService';
import { startServiceChild } from '../support/service-child';
import { nextTryAt } from './policy';
import type { Reporter } from './reporter';

/** Whether a backup is due: none known, or the newest completed one is at least `everyHours` old. Pure. */
export function backupDue(lastCompletedAt: string | undefined, everyHours: number, nowMs: number): boolean {
  return !lastCompletedAt || nowMs - Date.parse(lastCompletedAt) >= everyHours * 3_600_000;
}

/** Whether this pass may take a backup: maintaining, not paused, Running, nothing corrected, no back-off running. */
export function mayBackUp(p: MaintainProgress, pass: PassRecord, service: ServiceSummary | null | undefined, nowMs: number): boolean {
  if (p.paused || p.state !== 'maintaining' || service?.status !== 'Running' || pass.action !== undefined) return false;
  return !p.backups?.nextTryAt || nowMs >= Date.parse(p.backups.nextTryAt);
}

export async function keepBackups(opts: MaintainOptions, p: MaintainProgress, report: Reporter, pass: PassRecord, service: ServiceSummary | null | undefined): Promise<void> {
  const every = p.desired.backupEveryHours;
  if (every === undefined || !mayBackUp(p, pass, service, Date.now())) return;
  const schedule: BackupSchedule = (p.backups ??= { taken: 0, failures: 0 });
  if (!backupDue(schedule.lastCompletedAt, every, Date.now())) return;
  // Due by what this run knows: the API's list may know a newer one (taken by hand, say).
  const ref = { identityDomain: opts.identityDomain, serviceName: opts.serviceName };
  const listed = await localReads.listBackups(ref).catch(() => undefined);
  const newest = listed && latestCompleted(listed);
  if (newest && (!schedule.lastCompletedAt || Date.parse(newest.completedAt ?? newest.startedAt ?? '') > Date.parse(schedule.lastCompletedAt))) {
    Object.assign(schedule, { lastCompletedAt: newest.completedAt ?? newest.startedAt, lastTag: newest.dbTag });
  }
  if (!listed || !backupDue(schedule.lastCompletedAt, every, Date.now())) return;

  pass.action = 'backup (scheduled)';
  const args = { identityDomain: opts.identityDomain, serviceName: opts.serviceName, type: 'scheduled' as const, requestedBy: opts.requestedBy ?? 'maintainService', ticket: opts.ticket };
  try {
    const started = await startServiceChild(backupService, opts.identityDomain, opts.serviceName, [args]);
    if (started.busy) return void (pass.outcome = 'busy');
    const result: BackupResult = await started.handle.result();
    pass.outcome = 'done';
    Object.assign(schedule, { lastCompletedAt: result.backup.completedAt ?? new Date().toISOString(), lastTag: result.backup.dbTag, taken: schedule.taken + 1, failures: 0, nextTryAt: undefined, lastError: undefined });
    await report.record('action_taken', `pass:${pass.pass}:backup`, { action: pass.action, dbTag: result.backup.dbTag, backupSizeGb: result.backup.backupSizeGb });
  } catch (err) {
    pass.outcome = 'failed';
    pass.error = rootMessage(err);
    schedule.failures += 1;
    // Backs off 2^n passes (capped), never longer than the schedule's own interval.
    const backoff = Date.parse(nextTryAt(Date.now(), opts.passIntervalSeconds, schedule.failures, true));
    Object.assign(schedule, { lastError: pass.error, nextTryAt: new Date(Math.min(backoff, Date.now() + every * 3_600_000)).toISOString() });
    await report.record('action_failed', `pass:${pass.pass}:backup`, { action: pass.action, error: pass.error, failures: schedule.failures });
  }
}
