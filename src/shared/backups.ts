// The backupService and restoreService contract: inputs, results, the records the audit store keeps of
// backups, and reading the API's dates. Workflow-safe (shared by the CLI, workflows and activities).
import { z } from 'zod';
import { waitTimeoutsSchema } from './deadlines';
import { existingServiceNameSchema, identityDomainSchema } from './schemas';

/**
 * Why a backup was taken (our records' `type`): on demand (`dbaas backup create`), by a maintainer's
 * schedule (desired `backupEveryHours`), or before a patch (rollingPatch `backupFirst`).
 */
export const BACKUP_TYPES = ['on-demand', 'scheduled', 'pre-patch'] as const;
export type BackupType = (typeof BACKUP_TYPES)[number];

/** The API's backup and recovery statuses (reference §2.8). */
export type BackupStatus = 'IN PROGRESS' | 'COMPLETED' | 'FAILED';

/** How long our backup records are kept before they roll off, when neither input nor DBAAS_BACKUP_RETENTION_DAYS says. */
export const DEFAULT_BACKUP_RETENTION_DAYS = 30;
export const retentionDaysSchema = z.number().int().min(1).max(36_500);

const who = {
  requestedBy: z.string().max(200).optional(),
  ticket: z.string().max(200).optional(),
  /** `jobMinutes`: how long the backup (or recovery) may run; `statusMinutes`: the service's return to Running. */
  timeouts: waitTimeoutsSchema.optional(),
};

export const backupServiceInputSchema = z
  .object({
    identityDomain: identityDomainSchema,
    serviceName: existingServiceNameSchema,
    type: z.enum(BACKUP_TYPES).default('on-demand'),
    /** Our records of this service's backups older than this roll off at the end (default: DBAAS_BACKUP_RETENTION_DAYS, else 30). */
    retentionDays: retentionDaysSchema.optional(),
    ...who,
  })
  .strict();
export type BackupServiceInput = z.input<typeof backupServiceInputSchema>;

/** What a recovery restores to: exactly one of the latest backup, a backup's tag, a point in time (reference §2.8). */
export type RecoveryTarget = { latest: true } | { tag: string } | { timestamp: string };

export const restoreServiceInputSchema = z
  .object({
    identityDomain: identityDomainSchema,
    serviceName: existingServiceNameSchema,
    latest: z.literal(true, { errorMap: () => ({ message: 'must be true (or leave it out and give a tag or a timestamp)' }) }).optional(),
    tag: z.string().min(1).max(128).regex(/^[A-Za-z0-9_.-]+$/, 'must be a backup tag such as TAG20261123T181102').optional(),
    /** ISO 8601 (2026-11-23T18:11:02Z) or the API's own `23-Nov-2026 18:11:02` (UTC). */
    timestamp: z
      .string()
      .max(64)
      .refine((t) => parseApiDate(t) !== undefined, 'must be a date such as 2026-11-23T18:11:02Z or 23-Nov-2026 18:11:02 (UTC)')
      .optional(),
    ...who,
  })
  .strict()
  .superRefine((v, ctx) => {
    const given = [v.latest !== undefined, v.tag !== undefined, v.timestamp !== undefined].filter(Boolean).length;
    if (given !== 1) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['latest'], message: `give exactly one of latest, tag or timestamp (got ${given})` });
  });
export type RestoreServiceInput = z.input<typeof restoreServiceInputSchema>;

export function recoveryTargetOf(v: { latest?: true; tag?: string; timestamp?: string }): RecoveryTarget {
  if (v.tag !== undefined) return { tag: v.tag };
  if (v.timestamp !== undefined) return { timestamp: v.timestamp };
  return { latest: true };
}

export function describeTarget(t: RecoveryTarget): string {
  return 'tag' in t ? `backup ${t.tag}` : 'timestamp' in t ? `the state at ${t.timestamp}` : 'the latest backup';
}

/** One backup as the API lists it, dates read (ISO) and sizes when the API gives them. */
export interface BackupEntry {
  dbTag: string;
  status: string;
  startedAt?: string;
  completedAt?: string;
  /** Extensions the simulator adds (the documented list has no sizes): absent from the real API. */
  databaseSizeGb?: number;
  backupSizeGb?: number;
  message?: string;
}

/** One recovery as the history lists it. */
export interface RecoveryEntry {
  status: string;
  startedAt?: string;
  completedAt?: string;
  dbTag?: string;
  latest?: boolean;
  timestamp?: string;
  scn?: string;
  message?: string;
}

/** What identifies a recovery in the history (which has no ids): when it started and what it recovered to. */
export function recoveryKey(r: Pick<RecoveryEntry, 'startedAt' | 'dbTag' | 'latest' | 'timestamp' | 'scn'>): string {
  return `${r.startedAt ?? '?'}|${r.dbTag ?? ''}|${r.latest ? 'latest' : ''}|${r.timestamp ?? ''}|${r.scn ?? ''}`;
}

export interface BackupResult {
  identityDomain: string;
  serviceName: string;
  type: BackupType;
  backup: BackupEntry;
  /** Our records that rolled off at the end (older than the retention). */
  rolledOff: number;
  durationMs: number;
}

export interface RestoreResult {
  identityDomain: string;
  serviceName: string;
  target: RecoveryTarget;
  recovery: RecoveryEntry;
  status: string;
  durationMs: number;
}

/** Our record of a backup (the audit store's `backups` table). */
export interface BackupRecord {
  identityDomain: string;
  serviceName: string;
  type: BackupType;
  status: BackupStatus;
  dbTag?: string;
  databaseSizeGb?: number;
  backupSizeGb?: number;
  startedAt?: string;
  endedAt?: string;
  /** Who asked, the workflow that took it, why it failed. */
  requestedBy?: string;
  workflowId: string;
  message?: string;
  /** Set once the record passed its retention (rolled-off records are kept, flagged). */
  rolledOffAt?: string;
}

/** The CLI's `dbaas backup list <service> --domain D [--all]`. */
export const backupListRequestSchema = z
  .object({
    identityDomain: identityDomainSchema,
    serviceName: existingServiceNameSchema,
    /** Rolled-off records too. */
    includeRolledOff: z.boolean().default(false),
    limit: z.number().int().min(1).max(10_000).default(100),
  })
  .strict();
export type BackupListRequest = z.input<typeof backupListRequestSchema>;

const MONTHS: Record<string, number> = { jan: 0, feb: 1, mar: 2, apr: 3, may: 4, jun: 5, jul: 6, aug: 7, sep: 8, oct: 9, nov: 10, dec: 11 };

/**
 * A date as the API writes it, in epoch ms: FOG's `23-Nov-2026 18:11:02 UTC` (the backup list and
 * recovery history; UTC when no zone is given), ISO 8601, or anything Date.parse reads. Undefined
 * when unreadable.
 */
export function parseApiDate(text: string | undefined | null): number | undefined {
  if (!text) return undefined;
  const m = /^\s*(\d{1,2})-([A-Za-z]{3})-(\d{4})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?\s*(UTC|GMT|Z)?\s*$/i.exec(text);
  if (m) {
    const month = MONTHS[m[2]!.toLowerCase()];
    if (month === undefined) return undefined;
    const at = Date.UTC(Number(m[3]), month, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0));
    // Date.UTC rolls 32-Nov over into December and 25:00 into the next day: such a date is not one.
    const d = new Date(at);
    if (d.getUTCDate() !== Number(m[1]) || d.getUTCHours() !== Number(m[4]) || d.getUTCMinutes() !== Number(m[5]) || d.getUTCSeconds() !== Number(m[6] ?? 0)) return undefined;
    return at;
  }
  if (!/\d/.test(text)) return undefined;
  const t = Date.parse(text);
  return Number.isNaN(t) ? undefined : t;
}

/** ISO form of an API date, or undefined. */
export function isoOfApiDate(text: string | undefined | null): string | undefined {
  const t = parseApiDate(text);
  return t === undefined ? undefined : new Date(t).toISOString();
}

/** The newest COMPLETED backup of a list (by completion, else start). */
export function latestCompleted(entries: BackupEntry[]): BackupEntry | undefined {
  const at = (e: BackupEntry) => Date.parse(e.completedAt ?? e.startedAt ?? '') || 0;
  return entries.filter((e) => e.status === 'COMPLETED').sort((a, b) => at(a) - at(b)).at(-1);
}
