// Backups and recovery over the DBCS API (reference §2.8), and our records of them. The API gives no
// job for a backup or a recovery (FOG's backup_instance.rb and recover_instance.rb read none): a
// start is a POST answered 202, and the wait watches the backup list (or the recovery history) for the
// entry that start made, as FOG's models do. Each start is idempotent: the workflow first reads what
// was listed before (`known`), and a start (first or retried) that finds an entry beyond those adopts
// it instead of starting a second one.
import { ApplicationFailure } from '@temporalio/common';
import { Context } from '@temporalio/activity';
import type { AuditStore, BackupRecord } from '../audit/types';
import type { DbcsClient } from '../cloud/client';
import { CloudApiError } from '../cloud/errors';
import type { BackupListAnswer, RecoveryAnswer } from '../cloud/schemas';
import {
  backupListRequestSchema,
  DEFAULT_BACKUP_RETENTION_DAYS,
  describeTarget,
  isoOfApiDate,
  recoveryKey,
  retentionDaysSchema,
  type BackupEntry,
  type BackupListRequest,
  type RecoveryEntry,
  type RecoveryTarget,
} from '../shared/backups';
import { defaultJobDeadlineMs } from '../shared/deadlines';
import { classified, FAILURE_TYPES, toFailure } from './failures';
import { DEFAULT_POLL_SETTINGS, type PollSettings, type ServiceRef } from './cloud';
import { recordJobWait } from './job-metrics';
import { learningWait, type JobEndLearning, type LearningDetail } from './job-ends';
import { pollUntil, waitTimedOut, type PollOptions, type PollState } from './polling';

export function backupEntry(b: BackupListAnswer): BackupEntry {
  const entry: BackupEntry = {
    dbTag: b.dbTag,
    status: b.status,
    startedAt: isoOfApiDate(b.backupStartDate),
    completedAt: isoOfApiDate(b.backupCompleteDate ?? b.backupCompletedDate),
    databaseSizeGb: b.databaseSizeGb ?? undefined,
    backupSizeGb: b.backupSizeGb ?? undefined,
    message: b.message ?? undefined,
  };
  return withoutUndefined(entry);
}

export function recoveryEntry(r: RecoveryAnswer): RecoveryEntry {
  return withoutUndefined({
    status: r.status,
    startedAt: isoOfApiDate(r.recoveryStartDate),
    completedAt: isoOfApiDate(r.recoveryCompleteDate ?? r.recoveryCompletedDate),
    dbTag: r.dbTag ?? undefined,
    latest: r.latest ?? undefined,
    timestamp: r.timestamp ?? undefined,
    scn: r.scn ?? undefined,
    message: r.message ?? undefined,
  });
}

function withoutUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

const FINAL = ['COMPLETED', 'FAILED'];

export interface StartBackupInput extends ServiceRef {
  /** Tags listed before the backup was asked for (the workflow read them first). */
  knownTags: string[];
}

export interface WaitForBackupInput extends StartBackupInput {
  /** The backup's tag when the start saw it; else the first entry beyond `knownTags`. */
  dbTag?: string;
  deadlineMs?: number;
  poll?: Partial<PollOptions>;
}

export interface StartRecoveryInput extends ServiceRef {
  target: RecoveryTarget;
  /** recoveryKey of each entry the history listed before. */
  knownRecoveries: string[];
}

export interface WaitForRecoveryInput extends StartRecoveryInput {
  deadlineMs?: number;
  poll?: Partial<PollOptions>;
}

export interface BackupStart {
  /** The backup's entry when the list already shows it. */
  backup?: BackupEntry;
  /** A retried start found the backup an earlier attempt started (its answer was lost). */
  adopted: boolean;
}

interface WaitDetail extends LearningDetail {
  status: string;
  dbTag?: string;
}

function isFatal(err: unknown): boolean {
  return err instanceof ApplicationFailure || !(err instanceof CloudApiError && err.retryable);
}

/** DBAAS_BACKUP_RETENTION_DAYS (whole days, ≥ 1) or 30; a bad value is an error, not a silent default. */
export function retentionDaysFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.DBAAS_BACKUP_RETENTION_DAYS;
  if (raw === undefined || raw === '') return DEFAULT_BACKUP_RETENTION_DAYS;
  const parsed = retentionDaysSchema.safeParse(Number(raw));
  if (!/^\d+$/.test(raw) || !parsed.success) throw ApplicationFailure.nonRetryable(`DBAAS_BACKUP_RETENTION_DAYS must be a whole number of days from 1 to 36500 (got ${JSON.stringify(raw)})`, FAILURE_TYPES.invalidInput);
  return parsed.data;
}

export function createBackupActivities(client: DbcsClient, getStore: () => Promise<AuditStore>, polling: PollSettings = DEFAULT_POLL_SETTINGS, jobEnds?: JobEndLearning) {
  const { clock } = polling;

  async function newEntry(ref: ServiceRef, known: string[], dbTag?: string): Promise<BackupEntry | undefined> {
    const list = (await client.listBackups(ref.identityDomain, ref.serviceName)).map(backupEntry);
    return dbTag ? list.find((b) => b.dbTag === dbTag) : list.filter((b) => !known.includes(b.dbTag)).at(-1);
  }

  async function newRecovery(ref: ServiceRef, known: string[]): Promise<RecoveryEntry | undefined> {
    const list = (await client.listRecoveries(ref.identityDomain, ref.serviceName)).map(recoveryEntry);
    return list.filter((r) => !known.includes(recoveryKey(r))).at(-1);
  }

  return {
    /** The service's backups as the API lists them (dates as ISO). */
    async listBackups({ identityDomain, serviceName }: ServiceRef): Promise<BackupEntry[]> {
      return classified(async () => (await client.listBackups(identityDomain, serviceName)).map(backupEntry));
    },

    /** The service's recovery history as the API lists it. */
    async listRecoveries({ identityDomain, serviceName }: ServiceRef): Promise<RecoveryEntry[]> {
      return classified(async () => (await client.listRecoveries(identityDomain, serviceName)).map(recoveryEntry));
    },

    /**
     * Starts a backup unless one beyond `knownTags` is listed already (an earlier attempt's, whose
     * answer was lost): a retried start never starts a second backup.
     */
    async startBackup(input: StartBackupInput): Promise<BackupStart> {
      return classified(async () => {
        const earlier = await newEntry(input, input.knownTags);
        if (earlier) {
          Context.current().log.info('a backup started by an earlier attempt is listed; adopting it', { dbTag: earlier.dbTag });
          return { backup: earlier, adopted: true };
        }
        await client.startBackup(input.identityDomain, input.serviceName);
        // Best effort: the list may show it only later; the wait finds it then.
        const backup = await newEntry(input, input.knownTags).catch(() => undefined);
        return backup ? { backup, adopted: false } : { adopted: false };
      });
    },

    /** Polls the backup list until the backup ends (COMPLETED or FAILED), heartbeating; resumes after a worker crash. */
    async waitForBackup(input: WaitForBackupInput): Promise<BackupEntry> {
      const limitMs = input.deadlineMs ?? defaultJobDeadlineMs('backup');
      const what = `the backup${input.dbTag ? ` ${input.dbTag}` : ''} of service [${input.serviceName}] in domain [${input.identityDomain}] to end`;
      const options = { ...polling.options, ...input.poll };
      const learned = await learningWait(jobEnds, { kind: 'backup', identityDomain: input.identityDomain }, options, input.poll !== undefined);
      const { value } = await pollUntil<BackupEntry, WaitDetail>(
        options,
        async (s) => {
          const probedAtMs = clock.now() - s.startedAt;
          const tag = input.dbTag ?? s.detail?.dbTag;
          const entry = await newEntry(input, input.knownTags, tag);
          if (!entry) {
            // Seen once and gone since: the list no longer says what became of it.
            if (tag) throw ApplicationFailure.nonRetryable(`backup ${tag} of service [${input.serviceName}] is no longer listed`, FAILURE_TYPES.unexpectedState);
            return { done: false, detail: { status: '(not listed yet)', runningAtMs: probedAtMs } };
          }
          const detail = { status: entry.status, dbTag: entry.dbTag, runningAtMs: probedAtMs };
          if (!FINAL.includes(entry.status)) return { done: false, detail };
          const outcome = entry.status === 'COMPLETED' ? 'succeeded' : 'failed';
          await learned.ended(`${input.serviceName}/${entry.dbTag}`, outcome, s.detail, probedAtMs);
          recordJobWait('backup', outcome, clock.now() - s.startedAt);
          return { done: true, value: entry, detail };
        },
        isFatal,
        clock,
        { ...learned.extras, deadline: { ms: limitMs, onExpiry: (s, waitedMs) => expire('backup', what, s, waitedMs, limitMs) } },
      ).catch((err: unknown) => {
        throw toFailure(err);
      });
      return value;
    },

    /** Starts a recovery unless the history lists one beyond `knownRecoveries` (an earlier attempt's). */
    async startRecovery(input: StartRecoveryInput): Promise<{ adopted: boolean }> {
      return classified(async () => {
        const earlier = await newRecovery(input, input.knownRecoveries);
        if (earlier) {
          Context.current().log.info('a recovery started by an earlier attempt is listed; adopting it', { recovery: earlier });
          return { adopted: true };
        }
        await client.startRecovery(input.identityDomain, input.serviceName, input.target);
        return { adopted: false };
      });
    },

    /** Polls the recovery history until the new entry ends (COMPLETED or FAILED), heartbeating. */
    async waitForRecovery(input: WaitForRecoveryInput): Promise<RecoveryEntry> {
      const limitMs = input.deadlineMs ?? defaultJobDeadlineMs('recovery');
      const what = `the recovery of service [${input.serviceName}] in domain [${input.identityDomain}] to ${describeTarget(input.target)} to end`;
      const options = { ...polling.options, ...input.poll };
      const learned = await learningWait(jobEnds, { kind: 'recovery', identityDomain: input.identityDomain }, options, input.poll !== undefined);
      const { value } = await pollUntil<RecoveryEntry, WaitDetail>(
        options,
        async (s) => {
          const probedAtMs = clock.now() - s.startedAt;
          const entry = await newRecovery(input, input.knownRecoveries);
          if (!entry) return { done: false, detail: { status: '(not listed yet)', runningAtMs: probedAtMs } };
          if (!FINAL.includes(entry.status)) return { done: false, detail: { status: entry.status, runningAtMs: probedAtMs } };
          const outcome = entry.status === 'COMPLETED' ? 'succeeded' : 'failed';
          await learned.ended(`${input.serviceName}/${recoveryKey(entry)}`, outcome, s.detail, probedAtMs);
          recordJobWait('recovery', outcome, clock.now() - s.startedAt);
          return { done: true, value: entry, detail: { status: entry.status } };
        },
        isFatal,
        clock,
        { ...learned.extras, deadline: { ms: limitMs, onExpiry: (s, waitedMs) => expire('recovery', what, s, waitedMs, limitMs) } },
      ).catch((err: unknown) => {
        throw toFailure(err);
      });
      return value;
    },

    /** Writes (or updates) our record of the backup this run takes; idempotent by workflow run. */
    async recordBackup(record: Omit<BackupRecord, 'workflowId' | 'rolledOffAt'>): Promise<void> {
      const { workflowExecution } = Context.current().info;
      if (!workflowExecution) throw new Error('recordBackup must run as part of a workflow');
      const store = await getStore();
      await store.recordBackup({ ...record, workflowId: workflowExecution.workflowId, recordKey: `${workflowExecution.workflowId}:${workflowExecution.runId}` });
    },

    /**
     * Rolls off our backup records older than the retention (input, else DBAAS_BACKUP_RETENTION_DAYS,
     * else 30 days): flagged, not deleted; each service keeps its newest completed record.
     */
    async rollOffBackups({ identityDomain, serviceName, retentionDays }: { identityDomain: string; serviceName?: string; retentionDays?: number }): Promise<{ rolledOff: number; retentionDays: number }> {
      const days = retentionDays ?? retentionDaysFromEnv();
      const now = Date.now();
      const store = await getStore();
      const rolledOff = await store.rollOffBackups({ identityDomain, serviceName, olderThan: new Date(now - days * 86_400_000), at: new Date(now) });
      return { rolledOff, retentionDays: days };
    },

    /** Our records of a service's backups, newest first (`dbaas backup list` through the worker, when its store is PGlite). */
    async listBackupRecords(request: BackupListRequest): Promise<BackupRecord[]> {
      const parsed = backupListRequestSchema.safeParse(request);
      if (!parsed.success) throw ApplicationFailure.nonRetryable(`invalid backup list request: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, FAILURE_TYPES.invalidInput);
      return (await getStore()).listBackups(parsed.data);
    },
  };
}

function expire(kind: 'backup' | 'recovery', what: string, s: PollState<WaitDetail>, waitedMs: number, limitMs: number): never {
  recordJobWait(kind, 'timed_out', waitedMs);
  const seen = s.detail ? `status ${s.detail.status}` : 'no answer';
  throw waitTimedOut(what, waitedMs, limitMs, s.lastError ? `${seen}; last error: ${s.lastError}` : seen);
}

export type BackupActivities = ReturnType<typeof createBackupActivities>;
