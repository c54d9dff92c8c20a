// zod schemas of what the DBCS API answers (reference/dbcs-api.md §1.4, §2.2, §2.3). Unknown fields
// pass through: the API adds fields over time and the client must not break on them.
import { z } from 'zod';

export const instanceSchema = z
  .object({
    service_name: z.string(),
    status: z.string(),
    version: z.string().optional(),
    description: z.string().optional(),
    identity_domain: z.string().optional(),
    creation_time: z.string().optional(),
    last_modified_time: z.string().optional(),
    created_by: z.string().optional(),
    service_uri: z.string().optional(),
    num_nodes: z.number().optional(),
    level: z.string().optional(),
    edition: z.string().optional(),
    shape: z.string().optional(),
    subscriptionType: z.string().optional(),
    creation_job_id: z.union([z.string(), z.number()]).transform(String).optional(),
    connect_descriptor: z.string().optional(),
    usable_storage: z.number().optional(),
    fra_storage: z.number().optional(),
    patch_level: z.string().optional(),
    applied_patches: z.array(z.string()).optional(),
    additional_volumes: z.array(z.number()).optional(),
  })
  .passthrough();
export type Instance = z.infer<typeof instanceSchema>;

export const instanceListSchema = z
  .object({
    uri: z.string().optional(),
    service_type: z.string().optional(),
    services: z.array(z.object({ service_name: z.string(), status: z.string().optional(), service_uri: z.string().optional() }).passthrough()).default([]),
  })
  .passthrough();
export type InstanceList = z.infer<typeof instanceListSchema>;

export const verboseListSchema = z.object({ services: z.array(instanceSchema).default([]) }).passthrough();

export const availablePatchesSchema = z
  .object({
    availablePatches: z.array(z.object({ patchId: z.string(), releaseVersion: z.string().optional(), displayName: z.string().optional(), serviceVersion: z.string().optional() }).passthrough()).default([]),
  })
  .passthrough();
export type AvailablePatch = z.infer<typeof availablePatchesSchema>['availablePatches'][number];

export const appliedPatchesSchema = z
  .object({
    appliedPatches: z.array(z.object({ patchId: z.string(), rollbackId: z.string(), status: z.string(), fromLevel: z.string().optional(), toLevel: z.string().optional() }).passthrough()).default([]),
  })
  .passthrough();
export type AppliedPatch = z.infer<typeof appliedPatchesSchema>['appliedPatches'][number];

export const serverListSchema = z.array(
  z
    .object({
      vmName: z.string().optional(),
      hostname: z.string().optional(),
      status: z.string(),
      shape: z.string().optional(),
    })
    .passthrough(),
);
export type Server = z.infer<typeof serverListSchema>[number];

export const TERMINAL_JOB_STATES = ['Succeeded', 'Failed'] as const;

/** Seen as an array of strings; a single string is accepted too (see messageList). */
const messages = z.union([z.array(z.string()), z.string()]).nullish();

/** Messages as a list, whichever way the answer gave them. */
export function messageList(m: string | string[] | null | undefined): string[] {
  return m == null ? [] : Array.isArray(m) ? m : [m];
}

/**
 * A service job (create, delete, scale, control; §1.4). `job_status` has no default: a body without
 * one is not "still running", it is unreadable (src/cloud/job-reading.ts says so). Parsed as the API
 * answered, so an error can name the fields it really had.
 */
export const serviceJobSchema = z
  .object({
    service_name: z.string().optional(),
    status: z.string().optional(),
    job_status: z.string().optional(),
    job_operation: z.string().optional(),
    job_start_date: z.string().optional(),
    message: messages,
  })
  .passthrough();
export type ServiceJobAnswer = z.infer<typeof serviceJobSchema>;
/** A service job with its messages as a list. */
export type ServiceJob = ServiceJobAnswer & { message: string[] };
/** Kept for callers that show a service job as the API answered it. */
export type JobStatus = ServiceJob;

/** The documented booleans, and their string spellings some endpoints use. */
const flag = z.union([z.boolean(), z.string().regex(/^(true|false)$/i, 'expected true or false').transform((v) => v.toLowerCase() === 'true')]);
const text = z.string().nullish();
const id = z.union([z.string(), z.number()]).transform(String).nullish();

/** A precheck job, `view-precheck-response` (§2.9): preCheckMessages is empty when the precheck passed. */
export const precheckJobSchema = z
  .object({
    id,
    jobId: id,
    patchId: text,
    inProgress: flag.nullish(),
    status: text,
    lastStatus: text,
    startDate: text,
    endDate: text,
    performedBy: text,
    // Items are strings or objects with a message/text/description field (the docs do not say).
    preCheckMessages: z.array(z.union([z.string(), z.record(z.unknown())])).nullish(),
    resultMessage: text,
    /** Older pages: the result as JSON (an object, an array of messages, or a JSON-encoded string). */
    jsonResult: z.unknown().optional(),
  })
  .passthrough();
export type PrecheckJob = z.infer<typeof precheckJobSchema>;

/** An apply or rollback job, `applied-patch` (§2.9). */
export const appliedPatchJobSchema = z
  .object({
    id,
    jobId: id,
    inProgress: flag.nullish(),
    lastStatus: text,
    status: text,
    currentPatchLevel: text,
    appliedBy: text,
    appliedDate: text,
    additionalNote: text,
    backupId: text,
    backupStatus: text,
    componentPatches: z.unknown().optional(),
    displayName: text,
    // Not in the documented shape; read when a variant carries it.
    resultMessage: text,
    message: messages,
  })
  .passthrough();
export type AppliedPatchJob = z.infer<typeof appliedPatchJobSchema>;

/** A job's activity log (§1.4: `GET /paas/api/v1.1/activitylog/{dom}/job/{jobId}`): its dated messages. */
export const activityLogSchema = z
  .object({
    jobId: id,
    status: text,
    summaryMessage: text,
    messages: z.array(z.union([z.string(), z.object({ activityDate: text, message: text }).passthrough()])).nullish(),
  })
  .passthrough();
export type ActivityLog = z.infer<typeof activityLogSchema>;

/** The raw `job_status` of a service job is final (the seed scripts' test); see job-reading.ts for the full reading. */
export function isTerminalJobStatus(jobStatus: string | undefined): jobStatus is (typeof TERMINAL_JOB_STATES)[number] {
  return (TERMINAL_JOB_STATES as readonly string[]).includes(jobStatus ?? '');
}

/** A reference to an async job, as parsed from a 202's Location header. */
export interface JobRef {
  requestName: string;
  jobId: string;
  location: string;
}

/**
 * A service's backups (§2.8: `{backupList: [{backupCompleteDate|backupCompletedDate, backupStartDate,
 * dbTag, status}]}`, status IN PROGRESS, FAILED or COMPLETED). Both spellings of the completion date
 * are read. `databaseSizeGb`, `backupSizeGb` and `message` are the simulator's extensions: optional,
 * absent from the documented answer.
 */
export const backupListSchema = z
  .object({
    backupList: z
      .array(
        z
          .object({
            dbTag: z.string(),
            status: z.string(),
            backupStartDate: text,
            backupCompleteDate: text,
            backupCompletedDate: text,
            databaseSizeGb: z.number().nonnegative().nullish(),
            backupSizeGb: z.number().nonnegative().nullish(),
            message: text,
          })
          .passthrough(),
      )
      .nullish()
      .transform((l) => l ?? []),
  })
  .passthrough();
export type BackupListAnswer = z.infer<typeof backupListSchema>['backupList'][number];

/** The recovery history (§2.8: `{recoveryList: [{recoveryStartDate, recoveryCompleteDate, status, dbTag|latest|timestamp}]}`). */
export const recoveryHistorySchema = z
  .object({
    recoveryList: z
      .array(
        z
          .object({
            status: z.string(),
            recoveryStartDate: text,
            recoveryCompleteDate: text,
            recoveryCompletedDate: text,
            dbTag: text,
            latest: flag.nullish(),
            timestamp: text,
            scn: z.union([z.string(), z.number()]).transform(String).nullish(),
            message: text,
          })
          .passthrough(),
      )
      .nullish()
      .transform((l) => l ?? []),
  })
  .passthrough();
export type RecoveryAnswer = z.infer<typeof recoveryHistorySchema>['recoveryList'][number];

/** The body of a recovery request: exactly one of these (§2.8). */
export type RecoveryRequest = { latest: true } | { tag: string } | { timestamp: string } | { scn: string };
