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

export const jobStatusSchema = z
  .object({
    service_name: z.string().optional(),
    status: z.string().optional(),
    job_status: z.string().default('InProgress'),
    job_operation: z.string().optional(),
    job_start_date: z.string().optional(),
    findings: z.array(z.string()).optional(),
    precheck_status: z.string().optional(),
    // Seen as an array of strings; accept a single string too.
    message: z
      .union([z.array(z.string()), z.string()])
      .optional()
      .transform((m) => (m === undefined ? [] : Array.isArray(m) ? m : [m])),
  })
  .passthrough();
export type JobStatus = z.infer<typeof jobStatusSchema>;

export function isTerminalJobStatus(jobStatus: string): jobStatus is (typeof TERMINAL_JOB_STATES)[number] {
  return (TERMINAL_JOB_STATES as readonly string[]).includes(jobStatus);
}

/** A reference to an async job, as parsed from a 202's Location header. */
export interface JobRef {
  requestName: string;
  jobId: string;
  location: string;
}
