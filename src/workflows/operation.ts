// What every service operation workflow shares: input validation, the progress query, search
// attributes, audit events and compensations (saga), so each workflow file reads as its steps only.
import { ApplicationFailure, CancellationScope, isCancellation, log, patched, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { ZodType, ZodTypeDef } from 'zod';
import type { AuditEventName } from '../audit/types';
import { SEARCH_ATTRIBUTES, type Operation } from '../shared/contract';
import { progressQuery, type OperationProgress } from '../shared/messages';
import { describeZodError } from '../shared/schemas';
import { AUDIT_AS_LOCAL_ACTIVITY, audit, localAudit } from './activity-proxies';

export interface Who {
  requestedBy?: string;
  ticket?: string;
}

/** Parses the input or fails the workflow at once, before any cloud call, naming every bad field. */
export function validateInput<T>(operation: Operation, schema: ZodType<T, ZodTypeDef, unknown>, input: unknown): T {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    throw ApplicationFailure.nonRetryable(`invalid ${operation} input: ${describeZodError(parsed.error)}`, 'InvalidInput');
  }
  return parsed.data;
}

/** The deepest message of a failure chain: what the API or the activity actually said. */
export function rootMessage(err: unknown): string {
  let current: unknown = err;
  let message = err instanceof Error ? err.message : String(err);
  while (current instanceof Error) {
    if (current.message) message = current.message;
    current = (current as { cause?: unknown }).cause;
  }
  return message;
}

/** The ApplicationFailure type nearest the root of a failure chain (activity failures wrap it). */
export function failureType(err: unknown): string | undefined {
  let current: unknown = err;
  let type: string | undefined;
  while (current instanceof Error) {
    if (current instanceof ApplicationFailure && current.type) type = current.type;
    current = (current as { cause?: unknown }).cause;
  }
  return type;
}

export class ServiceOperation {
  readonly progress: OperationProgress;
  /** The service before and after the change, written into every audit event once known. */
  before?: Record<string, unknown>;
  after?: Record<string, unknown> | null;
  readonly jobIds: string[] = [];
  private readonly compensations: { name: string; run: () => Promise<void> }[] = [];
  private readonly startedAtMs = Date.now();

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
    if (messages.length > 0) this.progress.messages = messages.slice(-10);
    this.progress.updatedAt = new Date().toISOString();
  }

  /** Records an audit event once per run (the key makes retries idempotent). */
  async audit(event: AuditEventName, extra: { key?: string; step?: string; jobId?: string; details?: Record<string, unknown> } = {}): Promise<void> {
    const record = patched(AUDIT_AS_LOCAL_ACTIVITY) ? localAudit.recordAudit : audit.recordAudit;
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
  }

  /**
   * The failure path every operation shares: audit `failed`, undo what was done, audit `rolled_back`
   * (or `rollback_failed`), and fail the workflow with an error that names the step and the cause.
   */
  async fail(err: unknown): Promise<never> {
    const failedStep = this.progress.step;
    const cause = isCancellation(err) ? 'cancelled on request' : rootMessage(err);
    const type = isCancellation(err) ? 'Cancelled' : (failureType(err) ?? 'OperationFailed');
    this.progress.error = `${failedStep}: ${cause}`;
    const run = () => CancellationScope.nonCancellable(async () => {
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
    });
    const message = await run();
    this.progress.updatedAt = new Date().toISOString();
    throw ApplicationFailure.create({
      message,
      type: this.progress.state === 'rolled_back' ? 'OperationRolledBack' : type,
      nonRetryable: true,
      details: [{ failedStep, cause, state: this.progress.state, workflowId: workflowInfo().workflowId }],
    });
  }
}
