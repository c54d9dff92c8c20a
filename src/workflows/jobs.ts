// The step every change of an existing service shares: submit, audit `started`, wait for the job.
import { ApplicationFailure } from '@temporalio/workflow';
import type { JobOutcome, SubmitResult } from '../activities';
import { cloud, localReads } from './activity-proxies';
import type { RunRules } from './support/rules';
import type { ServiceSummary, OperationResult } from '../shared/schemas';
import type { ServiceOperation } from './operation';
import { FAILURE_TYPES, failureType } from '../shared/failures';

export interface ServiceRef {
  identityDomain: string;
  serviceName: string;
}

/** Service facts worth keeping in the audit trail (before/after). */
export function auditState(s: { status: string; shape?: string; usableStorageGb?: number; fraStorageGb?: number; additionalVolumesGb?: number[] } | null) {
  return s && { status: s.status, shape: s.shape, usableStorageGb: s.usableStorageGb, fraStorageGb: s.fraStorageGb, additionalVolumesGb: s.additionalVolumesGb };
}

/** Reads a service (null: it does not exist); a local activity except in runs from before. */
export function readService(ref: ServiceRef, rules: RunRules): Promise<ServiceSummary | null> {
  return (rules.follows('readsAsLocalActivities') ? localReads : cloud).findService(ref);
}

/** Reads the service or fails: there is nothing to change on a service that does not exist. */
export async function requireService(op: ServiceOperation, ref: ServiceRef) {
  const service = await readService(ref, op.rules);
  if (!service) throw ApplicationFailure.nonRetryable(`no service [${ref.serviceName}] in domain [${ref.identityDomain}]`, FAILURE_TYPES.serviceNotFound);
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
  /** compensation: a step of a rollback (no `started` event); undo: a change that undoes another (both wait at least the default deadlines). */
  options: { compensation?: boolean; undo?: boolean } = {},
): Promise<SubmitResult> {
  let submitted: SubmitResult;
  try {
    submitted = await op.step(name, submit);
  } catch (err) {
    // A refusal is final: nothing was accepted. Anything else (no answer in time, retries spent, a
    // cancel mid-call) may have been accepted unseen: say so, so that a parent undoes it to be safe.
    if (!options.compensation && !REFUSALS.includes(failureType(err) ?? '')) op.changeAccepted = true;
    throw err;
  }
  if (!options.compensation && (submitted.jobId || submitted.found)) op.changeAccepted = true;
  if (submitted.jobId) op.noteJob(submitted.jobId);
  // A compensation's job is reported by the `rolled_back` event, so the trail reads requested → started → failed → rolled_back.
  if (!options.compensation) {
    await op.audit('started', { key: `started:${name}`, step: name, jobId: submitted.jobId, details: submitted.found ? { found: submitted.found } : undefined });
  }
  if (!submitted.jobId) return submitted;
  const jobId = submitted.jobId;
  const waitStep = `waitFor${name[0]!.toUpperCase()}${name.slice(1)}Job`;
  const outcome = await op.step(waitStep, () => op.waitForJob(requestName, jobId, { undo: options.compensation || options.undo }));
  op.noteJob(jobId, outcome.messages);
  assertJobSucceeded(requestName, outcome);
  return submitted;
}

/** Failures of a submit that say the cloud refused it (a retried submit first looks for its earlier attempt's change). */
const REFUSALS: string[] = [FAILURE_TYPES.rejected, FAILURE_TYPES.alreadyExists, FAILURE_TYPES.invalidInput, FAILURE_TYPES.invalidState];

/** A job that ended Failed ends the step with a JobFailed error quoting the API's last message. */
export function assertJobSucceeded(requestName: string, outcome: JobOutcome): void {
  if (outcome.jobStatus === 'Failed') {
    throw ApplicationFailure.nonRetryable(`${requestName} job ${outcome.jobId} ended Failed: ${outcome.messages.at(-1) ?? 'no message'}`, FAILURE_TYPES.jobFailed);
  }
}

/** Ends a successful change: reads the service as it is now, audits `succeeded`, builds the result. */
export async function finishChange(op: ServiceOperation, ref: ServiceRef, before: ServiceSummary, extra: Partial<OperationResult> = {}): Promise<OperationResult> {
  const after = await readService(ref, op.rules);
  op.after = op.after ?? auditState(after);
  op.finish();
  await op.audit('succeeded');
  return { before, after, jobIds: op.jobIds, durationMs: op.elapsedMs, ...extra };
}
