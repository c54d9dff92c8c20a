// The maintainService contract: desired state, input, progress and control messages.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import { contactSchema } from './patching';
import { existingServiceNameSchema, identityDomainSchema } from './schemas';
import { SHAPE_NAMES } from './shapes';

export const desiredStateSchema = z.object({
  status: z.enum(['Running', 'Stopped'], { errorMap: () => ({ message: 'must be Running or Stopped' }) }).default('Running'),
  shape: z.enum(SHAPE_NAMES, { errorMap: () => ({ message: `must be one of ${SHAPE_NAMES.join(', ')}` }) }).optional(),
  /** The data volume must be at least this big (GB); storage only grows. */
  minStorageGb: z.number().int().min(15).max(4096).optional(),
  /**
   * Keep a backup schedule: when the newest completed backup the API lists is older than this many
   * hours (fractions allowed), a pass that corrects nothing else starts a backupService child (type
   * scheduled). Absent: no schedule (and a run without it runs exactly as before the option existed).
   */
  backupEveryHours: z.number().positive().max(24 * 366).optional(),
});
export type DesiredState = z.infer<typeof desiredStateSchema>;
export type DesiredStateInput = z.input<typeof desiredStateSchema>;

export const maintainServiceInputSchema = z.object({
  identityDomain: identityDomainSchema,
  serviceName: existingServiceNameSchema,
  desired: desiredStateSchema.default({}),
  passIntervalSeconds: z.number().int().min(1).max(86_400).default(60),
  /** A service counts as failed only after being unhealthy this long (Occopus: 600 s). */
  healthTimeoutSeconds: z.number().int().min(0).max(86_400).default(600),
  /** Recoveries (restarts) that may fail in a row before the service is marked needs_attention. */
  restartLimit: z.number().int().min(1).max(100).default(3),
  contacts: z.array(contactSchema).max(20).default([]),
  requestedBy: z.string().max(200).optional(),
  ticket: z.string().max(200).optional(),
  /**
   * Continue as new after this many passes (absent: only when Temporal suggests it). Short runs are
   * cheap to replay, so a worker with a bounded sticky cache can keep many maintainers (issue 15).
   */
  passesPerRun: z.number().int().min(1).max(100_000).optional(),
});
export type MaintainServiceInput = z.input<typeof maintainServiceInputSchema>;
export type MaintainOptions = z.output<typeof maintainServiceInputSchema>;

export interface PassRecord {
  pass: number;
  at: string;
  observed?: { status: string; shape?: string; usableStorageGb?: number };
  drift: string[];
  action?: string;
  outcome?: 'done' | 'failed' | 'busy' | 'skipped';
  error?: string;
}

export type MaintainState = 'maintaining' | 'needs_attention' | 'detached' | 'deleted';

/** A drift found by the passes, while it lasts: one drift_detected when it starts or changes, one drift_resolved when it ends. */
export interface LastingDrift {
  drift: string[];
  since: string;
  /** The pass that found it (or found it changed). */
  pass: number;
}

export interface MaintainProgress {
  identityDomain: string;
  serviceName: string;
  desired: DesiredState;
  /** A setDesired not yet realised: the next pass applies it. */
  pendingDesired?: DesiredState;
  state: MaintainState;
  /** Passes observe but never act. Independent of `state`: kept through needs_attention and an action in flight. */
  paused: boolean;
  lastPass?: PassRecord;
  /** The last passes that found drift or acted (newest last). */
  recent: PassRecord[];
  counters: { passes: number; drifts: number; actions: number; failedActions: number; recoveries: number; runs: number };
  unhealthySince?: string;
  consecutiveRecoveryFailures: number;
  nextRecoveryAt?: string;
  attentionNotified: boolean;
  /** When the current needs_attention began. */
  attentionSince?: string;
  drift?: LastingDrift;
  /** The backup schedule (desired backupEveryHours), once it has one. */
  backups?: BackupSchedule;
}

/** Where a maintainer's backup schedule stands. */
export interface BackupSchedule {
  /** The newest completed backup known (the API's list, or the last one this maintainer took). */
  lastCompletedAt?: string;
  lastTag?: string;
  /** Backups this maintainer took, and failures in a row. */
  taken: number;
  failures: number;
  /** After a failure: no new try before this. */
  nextTryAt?: string;
  lastError?: string;
}

/**
 * The progress a run hands to the next one (continue-as-new). Runs from before the pause flag carry
 * `state: 'paused'` and no `paused`; the fields added since are absent there too.
 */
export type CarriedMaintainProgress = Omit<MaintainProgress, 'state' | 'paused'> & { state: MaintainState | 'paused'; paused?: boolean };

export interface MaintainResult {
  ended: 'detached' | 'deleted';
  progress: MaintainProgress;
}

/** The argument of setDesired: an object with some of the desired state's fields, and no others. */
export const setDesiredRequestSchema = desiredStateSchema.partial().strict();
/** The argument of maintainService's pause, resume and detach: `{ reason? }` and nothing else. */
export const maintainControlRequestSchema = z.object({ reason: z.string().max(1000).optional() }).strict();
/** What pause, resume and detach handlers get: the request, `{}` when the caller sent none. */
export const maintainControlArgument = maintainControlRequestSchema.optional().transform((r): { reason?: string } => r ?? {});

export const maintainProgressQuery = defineQuery<MaintainProgress>('progress');
export const setDesiredUpdate = defineUpdate<DesiredState, [DesiredStateInput]>('setDesired');
export const detachUpdate = defineUpdate<string, [{ reason?: string }]>('detach');
export const maintainPauseUpdate = defineUpdate<string, [{ reason?: string }]>('pause');
export const maintainResumeUpdate = defineUpdate<string, [{ reason?: string }]>('resume');
export const setDesiredSignal = defineSignal<[DesiredStateInput]>('setDesired');
export const detachSignal = defineSignal<[{ reason?: string }]>('detach');
export const maintainPauseSignal = defineSignal<[{ reason?: string }]>('pause');
export const maintainResumeSignal = defineSignal<[{ reason?: string }]>('resume');

export function maintainWorkflowId(identityDomain: string, serviceName: string): string {
  return `maintain:${identityDomain}:${serviceName}`;
}
