// Nothing waits forever: every job wait and every wait for a service status has a deadline. The
// defaults follow the documented job times (Terraform's provider: create 120 min, update 90 min,
// delete 120 min; a lifecycle change may take up to its lifecycleTimeout, 60 min by default), and
// each operation's input may set its own (`timeouts`).
import { z } from 'zod';

export const JOB_KINDS = ['create', 'delete', 'scale', 'control', 'precheck', 'patch', 'backup', 'recovery'] as const;
export type JobKind = (typeof JOB_KINDS)[number];

export const DEFAULT_JOB_DEADLINE_MINUTES: Record<JobKind, number> = {
  create: 120,
  delete: 120,
  scale: 90,
  control: 60,
  precheck: 30,
  patch: 180,
  /** A backup or a recovery (no job in the API: the backup list or the recovery history is watched). */
  backup: 180,
  recovery: 180,
};

/** Waiting for a service to reach a status (Running after a job, gone after a delete). */
export const DEFAULT_STATUS_DEADLINE_MINUTES = 60;

/** The deadline of a job wait when the operation sets none, in ms. */
export function defaultJobDeadlineMs(requestName: string): number {
  const minutes = (DEFAULT_JOB_DEADLINE_MINUTES as Record<string, number>)[requestName] ?? Math.max(...Object.values(DEFAULT_JOB_DEADLINE_MINUTES));
  return minutes * 60_000;
}

/** An operation's own deadlines (input field `timeouts`). */
export const waitTimeoutsSchema = z
  .object({
    /** How long each of the operation's jobs may run (fractions allowed: 0.5 is 30 s). */
    jobMinutes: z.number().min(0.05).max(24 * 60).optional(),
    /** How long the service may take to reach the status the operation waits for. */
    statusMinutes: z.number().min(0.05).max(24 * 60).optional(),
  })
  .strict();
export type WaitTimeouts = z.infer<typeof waitTimeoutsSchema>;
