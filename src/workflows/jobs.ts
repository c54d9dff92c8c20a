// The step every change of an existing service shares: submit, audit `started`, wait for the job.
import { ApplicationFailure, patched } from '@temporalio/workflow';
import type { SubmitResult } from '../activities';
import { cloud, localReads, READS_AS_LOCAL_ACTIVITIES, waits } from './activity-proxies';
import type { ServiceSummary, OperationResult } from '../shared/schemas';
import type { ServiceOperation } from './operation';

export interface ServiceRef {
  identityDomain: string;
  serviceName: string;
}

/** Service facts worth keeping in the audit trail (before/after). */
export function auditState(s: { status: string; shape?: string; usableStorageGb?: number; fraStorageGb?: number; additionalVolumesGb?: number[] } | null) {
  return s && { status: s.status, shape: s.shape, usableStorageGb: s.usableStorageGb, fraStorageGb: s.fraStorageGb, additionalVolumesGb: s.additionalVolumesGb };
}

/** Reads a service (null: it does not exist); a local activity except in histories from before. */
export function readService(ref: ServiceRef): Promise<ServiceSummary | null> {
  return (patched(READS_AS_LOCAL_ACTIVITIES) ? localReads : cloud).findService(ref);
}

/** Reads the service or fails: there is nothing to change on a service that does not exist. */
export async function requireService(op: ServiceOperation, ref: ServiceRef) {
  const service = await readService(ref);
  if (!service) throw ApplicationFailure.nonRetryable(`no service [${ref.serviceName}] in domain [${ref.identityDomain}]`, 'ServiceNotFound');
  op.before ??= auditState(service) ?? undefined;
  return service;
}

/**
 * Runs `submit` as step `name`, records `started` with the job id, and waits for the job; a Failed
 * job ends the step with a JobFailed error quoting the API's last message. When a retried submit
 * found its change already under way or applied (no job id), the caller confirms the state instead.
 */
export async function submitAndWait(
  op: ServiceOperation,
  name: string,
  requestName: string,
  submit: () => Promise<SubmitResult>,
  options: { compensation?: boolean } = {},
): Promise<SubmitResult> {
  const submitted = await op.step(name, submit);
  if (submitted.jobId) op.noteJob(submitted.jobId);
  // A compensation's job is reported by the `rolled_back` event, so the trail reads requested → started → failed → rolled_back.
  if (!options.compensation) {
    await op.audit('started', { key: `started:${name}`, step: name, jobId: submitted.jobId, details: submitted.found ? { found: submitted.found } : undefined });
  }
  if (!submitted.jobId) return submitted;
  const jobId = submitted.jobId;
  const waitStep = `waitFor${name[0]!.toUpperCase()}${name.slice(1)}Job`;
  const outcome = await op.step(waitStep, () => waits.waitForJob({ identityDomain: op.identityDomain, serviceName: op.serviceName, requestName, jobId }));
  op.noteJob(jobId, outcome.messages);
  if (outcome.jobStatus === 'Failed') {
    throw ApplicationFailure.nonRetryable(`${requestName} job ${jobId} ended Failed: ${outcome.messages.at(-1) ?? 'no message'}`, 'JobFailed');
  }
  return submitted;
}

/** Ends a successful change: reads the service as it is now, audits `succeeded`, builds the result. */
export async function finishChange(op: ServiceOperation, ref: ServiceRef, before: ServiceSummary, extra: Partial<OperationResult> = {}): Promise<OperationResult> {
  const after = await readService(ref);
  op.after = op.after ?? auditState(after);
  op.finish();
  await op.audit('succeeded');
  return { before, after, jobIds: op.jobIds, durationMs: op.elapsedMs, ...extra };
}
