// What every service operation workflow shares: input validation, the progress query, search
// attributes, audit events and compensations (saga), so each workflow file reads as its steps only.
import { ApplicationFailure, CancellationScope, isCancellation, log, setCurrentDetails, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { ZodType, ZodTypeDef } from 'zod';
import type { AuditEventName } from '../audit/types';
import { SEARCH_ATTRIBUTES, type Operation } from '../shared/contract';
import { progressQuery, type OperationProgress } from '../shared/messages';
import { describeZodError } from '../shared/schemas';
import { FAILURE_TYPES, failureType, rootMessage, type OperationFailureDetails } from '../shared/failures';

export { failureType, rootMessage };
import type { JobOutcome, WaitForStatusInput } from '../activities';
import { DEFAULT_STATUS_DEADLINE_MINUTES, defaultJobDeadlineMs, type WaitTimeouts } from '../shared/deadlines';
import type { ServiceSummary } from '../shared/schemas';
import { audit, localAudit, waits } from './activity-proxies';
import { authorizeStart } from './support/requester';
import { RunRules } from './support/rules';

export interface Who {
  requestedBy?: string;
  ticket?: string;
}

/** Parses the input or fails the workflow at once, before any cloud call, naming every bad field. */
export function validateInput<T>(operation: Operation, schema: ZodType<T, ZodTypeDef, unknown>, input: unknown): T {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    throw ApplicationFailure.nonRetryable(`invalid ${operation} input: ${describeZodError(parsed.error)}`, FAILURE_TYPES.invalidInput);
  }
  return parsed.data;
}

export class ServiceOperation {
  readonly progress: OperationProgress;
  /** The service before and after the change, written into every audit event once known. */
  before?: Record<string, unknown>;
  after?: Record<string, unknown> | null;
  readonly jobIds: string[] = [];
  /** Whether the cloud accepted a change of this operation (reported in the failure's details). */
  changeAccepted = false;
  /** The operation's own deadlines (input `timeouts`); absent: the defaults of src/shared/deadlines.ts. */
  timeouts: WaitTimeouts = {};
  private readonly compensations: { name: string; run: () => Promise<void> }[] = [];
  private readonly startedAtMs = Date.now();
  /** The rules this run follows, decided before anything else (see support/rules.ts). */
  readonly rules = new RunRules();

  constructor(
    readonly operation: Operation,
    readonly identityDomain: string,
    readonly serviceName: string,
    private readonly who: Who,
    patchId?: string,
  ) {
    const now = new Date().toISOString();
    this.progress = { operation, identityDomain, serviceName, state: 'running', step: 'starting', steps: [], messages: [], startedAt: now, updatedAt: now };
    setHandler(progressQuery, () => this.progress);
    upsertSearchAttributes([
      { key: SEARCH_ATTRIBUTES.serviceName, value: serviceName },
      { key: SEARCH_ATTRIBUTES.identityDomain, value: identityDomain },
      { key: SEARCH_ATTRIBUTES.operation, value: operation },
      ...(patchId ? [{ key: SEARCH_ATTRIBUTES.patchId, value: patchId }] : []),
    ]);
  }

  get elapsedMs(): number {
    return Date.now() - this.startedAtMs;
  }

  /** Marks the start of a step (ending the previous one) and runs it. */
  async step<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const now = new Date().toISOString();
    const previous = this.progress.steps.at(-1);
    if (previous && !previous.endedAt) Object.assign(previous, { endedAt: now, outcome: 'ok' });
    this.progress.steps.push({ name, startedAt: now });
    this.progress.step = name;
    this.progress.updatedAt = now;
    this.showDetails();
    try {
      const result = await fn();
      return result;
    } catch (err) {
      const current = this.progress.steps.at(-1);
      if (current && !current.endedAt) Object.assign(current, { endedAt: new Date().toISOString(), outcome: 'failed' });
      throw err;
    }
  }

  noteJob(jobId: string, messages: string[] = []): void {
    if (!this.jobIds.includes(jobId)) this.jobIds.push(jobId);
    this.progress.jobId = jobId;
    this.showDetails();
    if (messages.length > 0) this.progress.messages = messages.slice(-10);
    this.progress.updatedAt = new Date().toISOString();
  }

  /**
   * Waits for a job of this operation within its job deadline. An undo (`undo: true`) waits at least
   * the default: the operation's own deadline may be exactly what ran out, and a rollback cut short
   * leaves something behind.
   */
  waitForJob(requestName: string, jobId: string, options: { undo?: boolean } = {}): Promise<JobOutcome> {
    const own = this.timeouts.jobMinutes && this.timeouts.jobMinutes * 60_000;
    const deadlineMs = own && options.undo ? Math.max(own, defaultJobDeadlineMs(requestName)) : own;
    return waits.waitForJob({ identityDomain: this.identityDomain, serviceName: this.serviceName, requestName, jobId, ...(deadlineMs ? { deadlineMs } : {}) });
  }

  /** Waits for the service (or one VM) to reach a status, or be gone, within the status deadline (at least the default for an undo). */
  waitForStatus(want: WaitForStatusInput['want'], options: { failOn?: string[]; vmName?: string; undo?: boolean } = {}): Promise<ServiceSummary | null> {
    const { undo, ...wait } = options;
    const own = this.timeouts.statusMinutes && this.timeouts.statusMinutes * 60_000;
    const deadlineMs = own && undo ? Math.max(own, DEFAULT_STATUS_DEADLINE_MINUTES * 60_000) : own;
    return waits.waitForServiceStatus({ identityDomain: this.identityDomain, serviceName: this.serviceName, want, ...wait, ...(deadlineMs ? { deadlineMs } : {}) });
  }

  /**
   * The start of every operation: who asked is checked against the policy (a refusal is audited by
   * the check and fails the run with PermissionDenied, before any cloud call), then `requested`.
   */
  async begin(details: Record<string, unknown>): Promise<void> {
    try {
      this.who.requestedBy = await authorizeStart(this.rules, { operation: this.operation, identityDomain: this.identityDomain, target: this.serviceName, ticket: this.who.ticket, claimedBy: this.who.requestedBy });
    } catch (err) {
      Object.assign(this.progress, { state: 'failed', error: rootMessage(err), updatedAt: new Date().toISOString() });
      throw err;
    }
    await this.audit('requested', { details });
  }

  /** Records an audit event once per run (the key makes retries idempotent). */
  async audit(event: AuditEventName, extra: AuditExtra = {}, options: { inBackground?: boolean } = {}): Promise<void> {
    // A write that runs beside other work is a regular activity: a local activity still pending when
    // the workflow task completes splits it, and a worker killed meanwhile made replay diverge.
    const record = options.inBackground || !this.rules.follows('auditAsLocalActivity') ? audit.recordAudit : localAudit.recordAudit;
    await record({
      key: extra.key ?? event,
      occurredAt: new Date().toISOString(),
      operation: this.operation,
      identityDomain: this.identityDomain,
      serviceName: this.serviceName,
      event,
      step: extra.step,
      jobId: extra.jobId,
      requestedBy: this.who.requestedBy,
      ticket: this.who.ticket,
      details: { ...extra.details, ...(this.before ? { before: this.before } : {}), ...(this.after !== undefined ? { after: this.after } : {}), elapsedMs: this.elapsedMs },
    });
  }



  /** Registers how to undo a step; compensations run newest first. */
  addCompensation(name: string, run: () => Promise<void>): void {
    this.compensations.unshift({ name, run });
  }

  /** Forgets a compensation whose step turned out to have changed nothing of ours. */
  dropCompensation(name: string): void {
    const i = this.compensations.findIndex((c) => c.name === name);
    if (i >= 0) this.compensations.splice(i, 1);
  }

  get hasCompensations(): boolean {
    return this.compensations.length > 0;
  }

  /**
   * Runs the compensations newest first, shielded from cancellation (the operation may be rolling
   * back precisely because it was cancelled). Returns the errors of compensations that failed.
   */
  async compensate(): Promise<string[]> {
    this.progress.state = 'rolling_back';
    const errors: string[] = [];
    await CancellationScope.nonCancellable(async () => {
      for (const c of this.compensations) {
        try {
          await this.step(`rollback:${c.name}`, c.run);
        } catch (err) {
          log.error('compensation failed', { compensation: c.name, error: rootMessage(err) });
          errors.push(`${c.name}: ${rootMessage(err)}`);
        }
      }
    });
    return errors;
  }

  /** Ends a successful operation. */
  finish(): void {
    const last = this.progress.steps.at(-1);
    const now = new Date().toISOString();
    if (last && !last.endedAt) Object.assign(last, { endedAt: now, outcome: 'ok' });
    this.progress.state = 'succeeded';
    this.progress.updatedAt = now;
    this.showDetails();
  }

  /** "running · step waitForCreateJob · job 10001" in the UI (no history: a query answers it). */
  private showDetails(): void {
    const { state, step, jobId } = this.progress;
    setCurrentDetails(`${state} · step ${step}${jobId ? ` · job ${jobId}` : ''}`);
  }

  /**
   * The failure path every operation shares: audit `failed`, undo what was done, audit `rolled_back`
   * (or `rollback_failed`), and fail the workflow with an error that names the step and the cause.
   */
  async fail(err: unknown): Promise<never> {
    const failedStep = this.progress.step;
    const cause = isCancellation(err) ? 'cancelled on request' : rootMessage(err);
    const type = isCancellation(err) ? FAILURE_TYPES.cancelled : (failureType(err) ?? FAILURE_TYPES.operationFailed);
    this.progress.error = `${failedStep}: ${cause}`;
    const ending = { failedStep, cause, type };
    const message = await CancellationScope.nonCancellable(() => (this.rules.follows('undoBeforeAudit') ? this.undoThenAudit(ending) : this.auditThenUndo(ending)));
    this.progress.updatedAt = new Date().toISOString();
    this.showDetails();
    throw ApplicationFailure.create({
      message,
      type: this.progress.state === 'rolled_back' ? FAILURE_TYPES.operationRolledBack : type,
      nonRetryable: true,
      details: [{ failedStep, cause, state: this.progress.state, workflowId: workflowInfo().workflowId, causeType: type, changeAccepted: this.changeAccepted } satisfies OperationFailureDetails],
    });
  }

  /**
   * Undo first: the audit writes start at once but never hold the compensations up, so an audit store
   * that is down delays the trail (written when it is back, retried up to an hour), never the rollback.
   * An event that could not be written at all is named in the failure, loudly.
   */
  private async undoThenAudit({ failedStep, cause, type }: Ending): Promise<string> {
    const writes = [this.audit('failed', { step: failedStep, jobId: this.progress.jobId, details: { error: cause, type } }, { inBackground: true })];
    let message = `${this.operation} of [${this.serviceName}] failed at step "${failedStep}": ${cause}`;
    this.progress.state = 'failed';
    if (this.hasCompensations) {
      const errors = await this.compensate();
      if (errors.length > 0) {
        writes.push(this.audit('rollback_failed', { details: { errors } }));
        this.progress.state = 'failed';
        message += `; ROLLBACK FAILED: ${errors.join('; ')}`;
      } else {
        writes.push(this.audit('rolled_back', { details: { failedStep, jobIds: this.jobIds } }));
        this.progress.state = 'rolled_back';
        message += '; rolled back';
      }
    }
    const unwritten = (await Promise.allSettled(writes)).flatMap((r) => (r.status === 'rejected' ? [rootMessage(r.reason)] : []));
    if (unwritten.length > 0) {
      log.error('audit events not written', { workflowId: workflowInfo().workflowId, errors: unwritten });
      message += `; AUDIT TRAIL INCOMPLETE: ${unwritten.length} event(s) not written (${unwritten[0]})`;
    }
    return message;
  }

  /** Runs from before undoBeforeAudit: each audit write awaited before the next step. */
  private async auditThenUndo({ failedStep, cause, type }: Ending): Promise<string> {
    await this.audit('failed', { step: failedStep, jobId: this.progress.jobId, details: { error: cause, type } });
    if (!this.hasCompensations) {
      this.progress.state = 'failed';
      return `${this.operation} of [${this.serviceName}] failed at step "${failedStep}": ${cause}`;
    }
    const errors = await this.compensate();
    if (errors.length > 0) {
      await this.audit('rollback_failed', { details: { errors } });
      this.progress.state = 'failed';
      return `${this.operation} of [${this.serviceName}] failed at step "${failedStep}": ${cause}; ROLLBACK FAILED: ${errors.join('; ')}`;
    }
    await this.audit('rolled_back', { details: { failedStep, jobIds: this.jobIds } });
    this.progress.state = 'rolled_back';
    return `${this.operation} of [${this.serviceName}] failed at step "${failedStep}": ${cause}; rolled back`;
  }
}

interface AuditExtra {
  key?: string;
  step?: string;
  jobId?: string;
  details?: Record<string, unknown>;
}

interface Ending {
  failedStep: string;
  cause: string;
  type: string;
}

