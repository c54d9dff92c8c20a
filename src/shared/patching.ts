// The rollingPatch contract: input schema, per-service states, progress, and the control messages
// (updates with validators, plus same-named signals for fire-and-forget callers).
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import { existingServiceNameSchema, identityDomainSchema } from './schemas';
import { waitTimeoutsSchema } from './deadlines';

export const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;

export const maintenanceWindowSchema = z
  .object({
    /** Days (UTC) a batch may start on; all days when absent. */
    days: z.array(z.enum(DAYS)).min(1).optional(),
    /** Hours (UTC, 0-24) a batch may start in: [startHour, endHour); wraps past midnight when end < start. */
    startHour: z.number().int().min(0).max(23),
    endHour: z.number().int().min(1).max(24),
  })
  .refine((w) => w.startHour !== w.endHour, { message: 'startHour and endHour must differ', path: ['endHour'] });
export type MaintenanceWindow = z.infer<typeof maintenanceWindowSchema>;

/** A webhook: http or https only (the worker posts to it; file:, data: or javascript: URLs are refused). */
export const webhookUrlSchema = z
  .string()
  .max(2048)
  .url('must be a webhook URL')
  .regex(/^https?:\/\//i, 'must be an http:// or https:// URL');

export const contactSchema = z.object({
  url: webhookUrlSchema,
  /** Only events about these services (run-level events always go to every contact). */
  services: z.array(z.string()).optional(),
});

export const rollingPatchInputSchema = z
  .object({
    identityDomain: identityDomainSchema,
    /** Part of the workflow id (patch:<domain>:<patchId>) and of the API's paths: no colons, slashes or spaces. */
    patchId: z.string().min(1).max(100).regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be a patch id such as 12201-190416 (letters, digits, . _ -)'),
    /** The fleet, by name; or a selector: every service of `version` that lacks the patch. */
    services: z.array(existingServiceNameSchema).min(1).max(5000).optional(),
    version: z.string().max(30).regex(/^\d+(\.\d+)*$/, 'must be a database version such as 12.2.0.1').optional(),
    maxParallel: z.number().int().min(1).max(200).default(1),
    /** Patch one service alone first. */
    canary: z.boolean().default(false),
    /** Seconds to watch each batch stay healthy before the next one. */
    soakSeconds: z.number().int().min(0).max(86_400).default(0),
    /** How long a patched service may take to come back Running at the new level. */
    healthTimeoutSeconds: z.number().int().min(1).max(86_400).default(900),
    /** halt: stop at the first failure; rollback: stop and roll back what this run patched; continue: go on until the budget is spent. */
    failurePolicy: z.enum(['halt', 'rollback', 'continue']).default('halt'),
    /** How many services may fail (with `continue`) before the run stops. */
    failureBudget: z.number().int().min(0).default(0),
    /** Services whose precheck fails: left out of the run, or the whole run stops. */
    precheckPolicy: z.enum(['exclude', 'stop']).default('exclude'),
    /** Ask for approval before the first batch, before each batch, or never. */
    approval: z.enum(['none', 'first', 'each']).default('none'),
    maintenanceWindow: maintenanceWindowSchema.optional(),
    /** How long to wait for a service busy with another operation before counting it failed. */
    busyWaitSeconds: z.number().int().min(0).max(86_400).default(300),
    /** Pause between attempts on busy services: doubles from `initial` up to `max` (one timer per attempt for the whole batch). */
    busyRetrySeconds: z
      .object({ initial: z.number().int().min(1).max(3_600).default(5), max: z.number().int().min(1).max(3_600).default(300) })
      .refine((b) => b.max >= b.initial, { message: 'max must be at least initial', path: ['max'] })
      .default({}),
    forceApply: z.boolean().default(false),
    /** Estimated minutes one patch job takes (for the plan's duration). */
    estimatedPatchMinutes: z.number().min(0).default(30),
    contacts: z.array(contactSchema).max(20).default([]),
    /** Continue as new at a batch boundary once the run's history has this many events. */
    continueAsNewAfterEvents: z.number().int().min(20).max(40_000).default(3_000),
    /** Plan only: precheck and batch, change nothing. */
    dryRun: z.boolean().default(false),
    /**
     * Back up each service (a backupService child, type pre-patch, under the service's id) right before
     * its patch; a service whose backup fails is left out (state backup_failed), the others go on.
     * (No default: an input without it runs exactly as before the option existed.)
     */
    backupFirst: z.boolean().optional(),
    requestedBy: z.string().max(200).optional(),
    ticket: z.string().max(200).optional(),
    /** Deadlines of each service's patch and rollback jobs and status waits (defaults: src/shared/deadlines.ts). */
    timeouts: waitTimeoutsSchema.optional(),
  })
  .superRefine((v, ctx) => {
    if (!v.services && !v.version) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['services'], message: 'give services (names) or version (a selector)' });
    if (v.services && new Set(v.services).size !== v.services.length) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['services'], message: 'lists a service twice' });
  });
export type RollingPatchInput = z.input<typeof rollingPatchInputSchema>;
export type RollingPatchOptions = z.output<typeof rollingPatchInputSchema>;

export type ServicePatchState =
  | 'pending'
  | 'precheck_failed'
  | 'excluded'
  | 'waiting_busy'
  | 'patching'
  | 'patched'
  | 'failed'
  | 'rolling_back'
  | 'rolled_back'
  | 'rollback_failed'
  | 'skipped'
  /** backupFirst: the backup before the patch is running. */
  | 'backing_up'
  /** backupFirst: the backup before the patch failed; the service is left out (not patched, not a failure of the rollout). */
  | 'backup_failed';

export interface ServicePatchStatus {
  state: ServicePatchState;
  batch?: number;
  fromLevel?: string;
  toLevel?: string;
  findings?: string[];
  error?: string;
  /** For a failed service: whether the cloud accepted its patch (so a rollback has something to undo). */
  changeAccepted?: boolean;
  /** Why taking the patch back off failed. */
  rollbackError?: string;
}

export type RolloutState =
  | 'prechecking'
  | 'planned'
  | 'awaiting_approval'
  | 'waiting_window'
  | 'running'
  | 'paused'
  | 'rolling_back'
  | 'completed'
  | 'halted'
  | 'aborted'
  /** Every service the failure policy had to undo is back at its old level. */
  | 'rolled_back'
  /** At least one of them is not (its rollback failed or could not start). */
  | 'rollback_failed'
  /** The workflow was cancelled (the run ends CANCELLED; the progress query still answers). */
  | 'cancelled';

/** States a rollout ends in. */
export const FINAL_ROLLOUT_STATES: readonly RolloutState[] = ['planned', 'completed', 'halted', 'aborted', 'rolled_back', 'rollback_failed', 'cancelled'];

export interface RolloutProgress {
  patchId: string;
  identityDomain: string;
  state: RolloutState;
  failurePolicy: string;
  batches: string[][];
  /** Index of the batch running or next to run (0-based). */
  currentBatch: number;
  services: Record<string, ServicePatchStatus>;
  counts: Partial<Record<ServicePatchState, number>>;
  paused: boolean;
  awaitingApproval: boolean;
  waitingUntil?: string;
  startedAt: string;
  /** Estimated end, from the average batch so far (or the plan's estimate before the first). */
  eta?: string;
  runsSoFar: number;
  reason?: string;
  /** Set once the workflow is asked to cancel: in-flight children finish, nothing new starts. */
  cancelRequested?: boolean;
}

export interface RolloutResult {
  state: RolloutState;
  progress: RolloutProgress;
  expectedDurationMinutes: number;
}

export const rolloutProgressQuery = defineQuery<RolloutProgress>('progress');

/** The argument of every control message: who asks and why (both optional). */
export interface ControlRequest {
  by?: string;
  reason?: string;
}

/**
 * What a control message's argument must be (pause, resume, approve, abort; maintainService's pause,
 * resume, detach take `{ reason? }`, a subset): an object with at most these two short texts. The CLI
 * checks --reason with it. Workflows check it in each update's validator (refusing with
 * InvalidRequest naming the field) and ignore a signal that fails it (src/workflows/support/control.ts).
 */
export const controlRequestSchema = z
  .object({
    by: z.string().max(200).optional(),
    reason: z.string().max(1000).optional(),
  })
  .strict();
/** What a control message's handler gets: the request, `{}` when the caller sent none. */
export const controlArgument = controlRequestSchema.optional().transform((r): ControlRequest => r ?? {});

/** Updates: the caller learns at once whether the request made sense. */
export const pauseUpdate = defineUpdate<RolloutState, [ControlRequest]>('pause');
export const resumeUpdate = defineUpdate<RolloutState, [ControlRequest]>('resume');
export const approveUpdate = defineUpdate<RolloutState, [ControlRequest]>('approve');
export const abortUpdate = defineUpdate<RolloutState, [ControlRequest]>('abort');

/** The same requests as signals, for fire-and-forget callers (ignored when they make no sense). */
export const pauseSignal = defineSignal<[ControlRequest]>('pause');
export const resumeSignal = defineSignal<[ControlRequest]>('resume');
export const approveSignal = defineSignal<[ControlRequest]>('approve');
export const abortSignal = defineSignal<[ControlRequest]>('abort');

export function rolloutWorkflowId(identityDomain: string, patchId: string): string {
  return `patch:${identityDomain}:${patchId}`;
}
