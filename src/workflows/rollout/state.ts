// One rollout run's state and what every part of it shares: the progress (also the `progress`
// query), per-service updates, webhooks, rollout-level audit events, whether a stop was asked for
// (abort, failures, workflow cancellation) and continue-as-new. Message handlers (controls.ts) only
// change this state; the main loop (rollingPatch.ts) waits on it and acts.
import { CancellationScope, allHandlersFinished, condition, continueAsNew, log, setCurrentDetails, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { AuditEventName } from '../../audit/types';
import { SEARCH_ATTRIBUTES } from '../../shared/contract';
import type { ControlChecks } from '../support/control';
import { showRolloutCounts } from '../support/gauges';
import { RunRules } from '../support/rules';
import { rootMessage } from '../../shared/failures';
import { rolloutProgressQuery, type ControlRequest, type RolloutProgress, type RolloutState, type RolloutResult, type RollingPatchInput, type RollingPatchOptions, type ServicePatchState, type ServicePatchStatus } from '../../shared/patching';
import { audit, notifications } from '../activity-proxies';
import { Notifier } from '../support/notifier';
import { childStartEvents, overBudget } from './budget';
import { registerControls } from './controls';

/** The batch a run left while services of it were busy: the next run goes on with them. */
export interface BusyCarry {
  services: string[];
  /** When they count as failed (epoch ms), from the batch's start. */
  deadline: number;
  backoffMs: number;
}

/** What a run hands to the next one when it continues as new (fields added later are optional). */
export interface CarriedState {
  progress: RolloutProgress;
  /** Services this rollout may have changed, oldest first, with the level each came from. */
  patched: { serviceName: string; fromLevel: string }[];
  targetLevel: string;
  expectedDurationMinutes: number;
  approvedBatches: number[];
  aborted: boolean;
  stopReason?: string;
  batchDurationsMs: number[];
  batchStartedAt?: number;
  busy?: BusyCarry;
  /** backupFirst: services backed up by this rollout (a busy retry of their patch does not back them up again). */
  backedUp?: string[];
}

/** Which changes of the rollout this run follows (src/workflows/support/rules.ts: all of them, unless the run started on the version before). */
export type Compat = {
  /** Busy services retried in rounds (one timer per round, doubling backoff, continue-as-new while held), not a 5 s timer each. */
  busyRounds: boolean;
  /** The maintenance window checked again after an approval or a pause wait. */
  windowRecheck: boolean;
  /** Rollout-level audit events: approved, paused, resumed, aborted, rolling_back, cancelled. */
  controlAudit: boolean;
  /** Busy rounds after the first start only inside the maintenance window; a batch resumed by a new run passes the gate. */
  busyWindow: boolean;
  /** A rollback whose service another operation holds waits for it (busy rounds up to busyWaitSeconds) instead of failing at once. */
  rollbackBusyWait: boolean;
  /** pause/approve/abort refused while rolling back or once the run stopped; an abort never overwrites the stop reason. */
  controlRefusals: boolean;
  /** The continue-as-new budget counts ~6 events per child a batch or busy round may start, not 2. */
  eventBudget: boolean;
  /** Audits and webhooks flushed until none is pending before the run hands over or ends. */
  flushAll: boolean;
  /**
   * Children started non-cancellable and the finish on cancel (rollback, webhooks, audit, the run
   * ending CANCELLED): runs of the version before (commit 1ec5e00, test/histories/v3) let the
   * cancellation propagate in the root scope instead.
   */
  cancelShield: boolean;
  /** A failed patch is undone by its failure details (changeAccepted, failed step), not by matching its message. */
  failureDetails: boolean;
  /** Every end but a cancellation (which has its own) is audited as `finished`, so an application's contacts hear of it. */
  endAudit: boolean;
};

/** Decided once, in the run's first activation; a new run (continue-as-new included) follows every change. */
export function rolloutCompat(rules = new RunRules()): Compat {
  const on = rules.follows('rolloutBusyRounds');
  return {
    busyRounds: on,
    windowRecheck: rules.follows('rolloutWindowRecheck'),
    controlAudit: rules.follows('rolloutControlAudit'),
    busyWindow: rules.follows('rolloutBusyWindow'),
    rollbackBusyWait: rules.follows('rolloutRollbackBusyWait'),
    controlRefusals: rules.follows('rolloutControlRefusals'),
    eventBudget: rules.follows('rolloutEventBudget'),
    flushAll: rules.follows('rolloutFlushAll'),
    cancelShield: on,
    failureDetails: on,
    endAudit: rules.follows('rolloutEndAudit'),
  };
}

/**
 * Webhooks as the version before the cancel shield sent them: in the scope of the caller (the root),
 * so a cancellation cancels the deliveries under way and refuses new ones, as its histories show.
 */
class RootScopeNotifier extends Notifier {
  private readonly inRoot: Promise<unknown>[] = [];

  constructor(
    private readonly list: RollingPatchOptions['contacts'],
    private readonly body: () => Record<string, unknown>,
  ) {
    super(list, body);
  }

  override notify(event: string, details: Record<string, unknown> = {}, services?: string[]): void {
    for (const c of this.list) {
      if (services && c.services && !services.some((x) => c.services!.includes(x))) continue;
      const body = { event, ...this.body(), at: new Date().toISOString(), ...details };
      this.inRoot.push(notifications.notify({ url: c.url, event: body }).catch((err: unknown) => log.warn('notification not delivered', { url: c.url, event, error: rootMessage(err) })));
    }
  }

  override async flush(): Promise<void> {
    await Promise.allSettled(this.inRoot.splice(0));
  }
}

export class Rollout {
  readonly s: CarriedState;
  readonly id = workflowInfo().workflowId;
  readonly notifier: Notifier;
  /** The CancelledFailure of a workflow cancellation, rethrown once the run has cleaned up. */
  cancellation?: unknown;
  private readonly audits: Promise<unknown>[] = [];
  private auditSeq = 0;
  /** Webhooks asked for so far (flushAll: a flush goes on until no new one came meanwhile). */
  private notified = 0;

  constructor(
    readonly opts: RollingPatchOptions,
    carried: CarriedState | undefined,
    readonly compat: Compat,
    checks?: ControlChecks<ControlRequest>,
  ) {
    this.s = carried ?? initialState(opts);
    if (carried) this.p.runsSoFar += 1;
    const base = () => ({ rollout: this.id, patchId: opts.patchId, identityDomain: opts.identityDomain, state: this.p.state, counts: this.p.counts });
    const notifier = compat.cancelShield ? new Notifier(opts.contacts, base) : new RootScopeNotifier(opts.contacts, base);
    const notify = notifier.notify.bind(notifier);
    notifier.notify = (...args) => {
      this.notified += 1;
      notify(...args);
    };
    this.notifier = notifier;
    setHandler(rolloutProgressQuery, () => this.p);
    registerControls(this, checks);
    // Created in the root scope: learns of the workflow's cancellation while the run goes on shielded.
    // (Runs of the version before the shield did not listen: the cancellation ended whatever waited.)
    if (compat.cancelShield) CancellationScope.current().cancelRequested.catch((err: unknown) => this.onCancel(err));
    upsertSearchAttributes([
      { key: SEARCH_ATTRIBUTES.identityDomain, value: opts.identityDomain },
      { key: SEARCH_ATTRIBUTES.operation, value: 'rollingPatch' },
      { key: SEARCH_ATTRIBUTES.patchId, value: opts.patchId },
    ]);
  }

  get p(): RolloutProgress {
    return this.s.progress;
  }

  get cancelled(): boolean {
    return this.cancellation !== undefined;
  }

  /** Abort or cancellation: nothing new starts, waits end. */
  get halting(): boolean {
    return this.s.aborted || this.cancelled;
  }

  /** No further batch runs. */
  get stopped(): boolean {
    return this.halting || this.s.stopReason !== undefined;
  }

  get ended(): boolean {
    return ['planned', 'completed', 'halted', 'aborted', 'rolled_back', 'rollback_failed', 'cancelled'].includes(this.p.state);
  }

  setService(name: string, update: Partial<ServicePatchStatus>): void {
    this.p.services[name] = { ...(this.p.services[name] ?? { state: 'pending' }), ...update };
    const counts: Partial<Record<ServicePatchState, number>> = {};
    for (const st of Object.values(this.p.services)) counts[st.state] = (counts[st.state] ?? 0) + 1;
    this.p.counts = counts;
    this.showDetails();
  }

  /** Sets the rollout's state, and what the UI shows as the run's current details. */
  setState(state: RolloutState): void {
    this.p.state = state;
    this.showDetails();
  }

  /** "batch 2/5 · awaiting_approval · patched 4, failed 0, pending 6" in the UI (no history: a query answers it). */
  showDetails(): void {
    const { state, currentBatch, batches, counts } = this.p;
    const tally = Object.entries(counts).map(([k, n]) => `${k} ${n}`).join(', ');
    setCurrentDetails(`batch ${Math.min(currentBatch + 1, batches.length)}/${batches.length} · ${state}${tally ? ` · ${tally}` : ''}`);
    showRolloutCounts(counts);
  }

  /** A rollout-level audit event (serviceName `*`): written in the background, awaited by flush. */
  audit(event: AuditEventName, details: Record<string, unknown> = {}, by?: string): void {
    if (!this.compat.controlAudit) return;
    const { identityDomain, patchId, requestedBy, ticket } = this.opts;
    const request = { key: `rollout:${++this.auditSeq}:${event}`, occurredAt: new Date().toISOString(), operation: 'rollingPatch', identityDomain, serviceName: '*', event, requestedBy: by ?? requestedBy, ticket, details: { patchId, ...details } };
    // Shielded: the `cancelled` trail must not be cut short by the cancellation it records. A regular
    // activity: a local one still pending when the workflow task completes made replay diverge.
    const write = CancellationScope.nonCancellable(() => audit.recordAudit(request));
    this.audits.push(write.catch((err: unknown) => log.error('rollout audit event not written', { event, error: rootMessage(err) })));
  }

  /** Waits for webhook deliveries and audit writes under way. */
  async flush(): Promise<void> {
    await this.notifier.flush();
    await Promise.allSettled(this.audits.splice(0));
  }

  /**
   * Flushes, and (flushAll) waits for message handlers and flushes again until nothing new was
   * asked for meanwhile: a control message handled during a flush may have sent a webhook or an audit.
   */
  private async settle(): Promise<void> {
    if (!this.compat.flushAll) return this.flush();
    for (;;) {
      const asked = this.notified + this.auditSeq;
      await this.flush();
      await condition(allHandlersFinished);
      if (asked === this.notified + this.auditSeq && this.audits.length === 0) return;
    }
  }

  /** History long enough (with `extraEvents` still to come) that the run should hand over. */
  historyFull(extraEvents = 0): boolean {
    const info = workflowInfo();
    return overBudget(info.historyLength, extraEvents, this.opts.continueAsNewAfterEvents, info.continueAsNewSuggested);
  }

  /** Events a batch or busy round starting children for `services` services may add (see eventBudget). */
  childStartEvents(services: number): number {
    const events = childStartEvents(services, this.compat.eventBudget);
    // backupFirst: each service also gets a backup child first (runs without it count as before).
    return this.opts.backupFirst ? 2 * events : events;
  }

  /** Hands the rollout to a new run; returns (instead) when a cancellation came meanwhile: it is this run's to honour. */
  async continueAsNew(input: RollingPatchInput): Promise<void> {
    await this.settle();
    await condition(allHandlersFinished);
    if (!this.cancelled) await continueAsNew<(input: RollingPatchInput, carried?: CarriedState) => Promise<RolloutResult>>(input, this.s);
  }

  /**
   * Ends the run: waits for deliveries and writes, then rethrows a cancellation (the run ends
   * CANCELLED) only when the final state says so: a cancellation that came after the final state was
   * decided (during the last flush, say) does not turn a completed, rolled back or halted run into a
   * CANCELLED one; it is logged.
   */
  async end(): Promise<RolloutResult> {
    await this.settle();
    if (this.cancelled) {
      if (this.p.state === 'cancelled') throw this.cancellation;
      log.info('cancellation ignored: it came after the rollout ended', { state: this.p.state, reason: this.p.reason });
    }
    return this.result();
  }

  result(): RolloutResult {
    return { state: this.p.state, progress: this.p, expectedDurationMinutes: this.s.expectedDurationMinutes };
  }

  private onCancel(err: unknown): void {
    this.cancellation = err;
    this.p.cancelRequested = true;
    this.s.stopReason ??= 'cancelled on request';
  }
}

function initialState(opts: RollingPatchOptions): CarriedState {
  return {
    progress: {
      patchId: opts.patchId,
      identityDomain: opts.identityDomain,
      state: 'prechecking',
      failurePolicy: opts.failurePolicy,
      batches: [],
      currentBatch: 0,
      services: {},
      counts: {},
      paused: false,
      awaitingApproval: false,
      startedAt: new Date().toISOString(),
      runsSoFar: 0,
    },
    patched: [],
    targetLevel: '',
    expectedDurationMinutes: 0,
    approvedBatches: [],
    aborted: false,
    batchDurationsMs: [],
  };
}
