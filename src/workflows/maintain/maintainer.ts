// The state of one maintained service and everything that changes it: the passes and the control
// messages (the shape of Temporal's safe-message-handlers sample). maintainService.ts loops over it.
import { allHandlersFinished, condition, setHandler } from '@temporalio/workflow';
import {
  desiredStateSchema,
  maintainControlArgument,
  setDesiredRequestSchema,
  detachSignal,
  detachUpdate,
  maintainPauseSignal,
  maintainPauseUpdate,
  maintainProgressQuery,
  maintainResumeSignal,
  maintainResumeUpdate,
  setDesiredSignal,
  setDesiredUpdate,
  type CarriedMaintainProgress,
  type DesiredState,
  type DesiredStateInput,
  type MaintainOptions,
  type MaintainProgress,
  type MaintainResult,
  type PassRecord,
} from '../../shared/maintain';
import type { ServiceSummary } from '../../shared/schemas';
import { rootMessage } from '../../shared/failures';
import { readService } from '../jobs';
import { onControl } from '../support/control';
import { act } from './act';
import { keepBackups } from './backups';
import { SenderCheck } from '../support/requester';
import { RunRules } from '../support/rules';
import { assessHealth, childArgs, plan, type PlannedAction } from './plan';
import { backoffOver, decideAct, driftChange, nextTryAt } from './policy';
import { fromCarried, initialProgress, RECENT_PASSES_KEPT } from './progress';
import { Reporter } from './reporter';

export class Maintainer {
  readonly progress: MaintainProgress;
  detached = false;
  private detachReason?: string;
  /** The rules this run follows (support/rules.ts); constructed before anything else. */
  readonly rules = new RunRules();
  private readonly report: Reporter;
  /** Numbers this run's control events (their audit keys). */
  private controls = 0;

  constructor(
    private readonly opts: MaintainOptions,
    carried?: CarriedMaintainProgress,
  ) {
    this.progress = carried ? fromCarried(carried) : initialProgress(opts.identityDomain, opts.serviceName, opts.desired);
    this.report = new Reporter(opts, () => this.progress);
  }

  /** The progress query and the control messages, each an update and a same-named signal. */
  registerHandlers(): void {
    setHandler(maintainProgressQuery, () => this.progress);
    // Runs that check requesters check each sender as if they asked to maintain the service.
    const sender = new SenderCheck(() => ({ operation: 'maintainService', identityDomain: this.opts.identityDomain, target: this.opts.serviceName, ticket: this.opts.ticket }));
    const checks = { rules: this.rules, schema: maintainControlArgument, sender };
    onControl(setDesiredUpdate, setDesiredSignal, { refuse: (d) => this.desiredProblem(d), run: (d, by) => this.setDesired(d, by) }, { ...checks, schema: setDesiredRequestSchema });
    // (r?.: runs from before checkedControlMessages get no argument check, and a null one must not throw.)
    onControl(detachUpdate, detachSignal, { refuse: () => (this.detached ? 'already detaching' : undefined), run: (r) => this.detach(r?.reason) }, checks);
    onControl(maintainPauseUpdate, maintainPauseSignal, { refuse: () => (this.progress.paused ? 'already paused' : undefined), run: (r, by) => this.pause(r?.reason, by) }, checks);
    onControl(maintainResumeUpdate, maintainResumeSignal, { refuse: () => (this.progress.paused ? undefined : `not paused (${this.progress.state})`), run: (r, by) => this.resume(r?.reason, by) }, checks);
  }

  /** One pass: observe, account for drift and health, correct at most one thing. */
  async pass(): Promise<'deleted' | undefined> {
    const p = this.progress;
    const pass: PassRecord = { pass: ++p.counters.passes, at: new Date().toISOString(), drift: [] };
    if (p.pendingDesired) {
      p.desired = p.pendingDesired;
      p.pendingDesired = undefined;
    }
    const service = await this.observe(pass);
    if (service === null) return this.deleted(pass);
    const health = assessHealth(service, p.unhealthySince, pass.at, Date.now(), this.opts.healthTimeoutSeconds);
    p.unhealthySince = health.unhealthySince;
    // Runs from before attentionWhenNoRecovery tried a restart (always refused) before asking for attention.
    const planned = plan(p.desired, service, health.failed, { restartFailed: !this.rules.follows('attentionWhenNoRecovery') });
    pass.drift = planned.drift;
    await this.accountDrift(pass, service !== undefined || health.failed);
    if (planned.drift.length === 0 && health.healthy && p.state === 'needs_attention') await this.clearAttention(pass, 'healthy, no drift');
    if (planned.attention && p.state === 'maintaining' && this.attendsWhilePaused()) await this.askForAttention(pass.pass, { reason: planned.attention });
    if (planned.action) await this.correct(pass, planned.action, health.healthy);
    // A backup schedule only when the desired state has one: passes without it act as before.
    if (p.desired.backupEveryHours !== undefined) await keepBackups(this.opts, p, this.report, pass, service);
    p.lastPass = pass;
    if (pass.drift.length > 0 || pass.action) p.recent = [...p.recent, pass].slice(-RECENT_PASSES_KEPT);
    return undefined;
  }

  /** Waits for what handlers and notifications started, before the run continues as new. */
  async settle(): Promise<void> {
    await this.report.flush();
    await condition(allHandlersFinished);
    await this.report.flush(); // a control message that arrived meanwhile (no-op when none did)
  }

  async endDetached(): Promise<MaintainResult> {
    this.progress.state = 'detached';
    await this.report.record('maintenance_ended', `detached:${this.progress.counters.passes}`, { reason: this.detachReason ?? 'detached' });
    this.report.notify('detached', { reason: this.detachReason });
    await condition(allHandlersFinished);
    await this.report.flush();
    return { ended: 'detached', progress: this.progress };
  }

  private async observe(pass: PassRecord): Promise<ServiceSummary | null | undefined> {
    try {
      const service = await readService({ identityDomain: this.opts.identityDomain, serviceName: this.opts.serviceName }, this.rules);
      if (service) pass.observed = { status: service.status, shape: service.shape, usableStorageGb: service.usableStorageGb };
      return service;
    } catch (err) {
      pass.error = `no answer: ${rootMessage(err)}`;
      return undefined;
    }
  }

  private async deleted(pass: PassRecord): Promise<'deleted'> {
    this.progress.state = 'deleted';
    pass.drift.push('the service was deleted outside the worker');
    this.progress.lastPass = pass;
    await this.report.record('maintenance_ended', `pass:${pass.pass}:deleted`, { reason: 'deleted out of band' });
    this.report.notify('deleted');
    await this.report.flush();
    return 'deleted';
  }

  /** One drift_detected when a drift starts or changes, one drift_resolved when it ends (runs from before: drift_detected every pass). */
  private async accountDrift(pass: PassRecord, observed: boolean): Promise<void> {
    const p = this.progress;
    const open = p.drift;
    const change = driftChange(open?.drift, observed ? pass.drift : undefined);
    if (pass.drift.length > 0) {
      p.counters.drifts += 1;
      if (change !== 'lasting' || !this.rules.follows('lastingConditionEvents')) await this.report.record('drift_detected', `pass:${pass.pass}:drift`, { drift: pass.drift, observed: pass.observed, desired: p.desired });
    } else if (open && change === 'resolved' && this.rules.follows('lastingConditionEvents')) {
      await this.report.record('drift_resolved', `pass:${pass.pass}:drift_resolved`, { drift: open.drift, since: open.since, passes: pass.pass - open.pass, observed: pass.observed });
    }
    if (change === 'started' || change === 'changed') p.drift = { drift: pass.drift, since: pass.at, pass: pass.pass };
    if (change === 'resolved') p.drift = undefined;
  }

  /** Runs from before CONTROL_MESSAGES never asked for attention while paused. */
  private attendsWhilePaused(): boolean {
    return !this.progress.paused || this.rules.follows('controlMessages');
  }

  /** Hands the service to a human: audited and notified once, until it is maintained again. */
  private async askForAttention(passNo: number, details: Record<string, unknown>): Promise<void> {
    const p = this.progress;
    // Runs from before CONTROL_MESSAGES: needs_attention replaced a pause.
    if (p.paused && !this.rules.follows('controlMessages')) p.paused = false;
    p.state = 'needs_attention';
    if (p.attentionNotified) return;
    p.attentionNotified = true;
    p.attentionSince = new Date().toISOString();
    await this.report.record('needs_attention', `pass:${passNo}:attention`, details);
    this.report.notify('needs_attention', details);
  }

  /** needs_attention ends: the service was repaired, or a retry of its correction succeeded. */
  private async clearAttention(pass: PassRecord, how: string): Promise<void> {
    const p = this.progress;
    const since = p.attentionSince;
    p.state = 'maintaining';
    p.consecutiveRecoveryFailures = 0;
    p.attentionNotified = false;
    p.attentionSince = undefined;
    // A repaired service starts afresh (runs from before kept the old back-off).
    if (this.rules.follows('attentionRetry')) p.nextRecoveryAt = undefined;
    if (this.rules.follows('lastingConditionEvents')) await this.report.record('attention_cleared', `pass:${pass.pass}:attention_cleared`, { how, since });
    this.report.notify('recovered');
  }

  /** Runs the planned correction unless paused, backing off, or waiting for a human. */
  private async correct(pass: PassRecord, action: PlannedAction, healthy: boolean): Promise<void> {
    const p = this.progress;
    // Every failed action backs off and counts towards needs_attention (runs from before: only starts and recoveries).
    const backsOff = action.recovery || action.describe.startsWith('start') || this.rules.follows('backoffEveryFailedAction');
    const over = backoffOver(p.nextRecoveryAt, Date.now());
    const decision = decideAct({ state: p.state, paused: p.paused, healthy, backsOff, backoffOver: over, attentionRetry: () => this.rules.follows('attentionRetry') });
    if (decision === 'skip') {
      pass.outcome = 'skipped';
      return;
    }
    pass.action = action.describe;
    const result = await act(this.opts, action, childArgs(action, action.recovery && this.rules.follows('recoveryRestart')));
    pass.outcome = result.outcome;
    if (result.outcome === 'done') await this.succeeded(pass, action);
    else if (result.outcome === 'failed') await this.failed(pass, action, result.error, backsOff);
  }

  private async succeeded(pass: PassRecord, action: PlannedAction): Promise<void> {
    const p = this.progress;
    p.counters.actions += 1;
    if (action.recovery) p.counters.recoveries += 1;
    p.consecutiveRecoveryFailures = 0;
    p.nextRecoveryAt = undefined;
    await this.report.record('action_taken', `pass:${pass.pass}:action`, { action: action.describe });
    this.report.notify('action_taken', { action: action.describe, drift: pass.drift });
    if (p.state === 'needs_attention') await this.clearAttention(pass, `${action.describe} succeeded`);
  }

  private async failed(pass: PassRecord, action: PlannedAction, error: string, backsOff: boolean): Promise<void> {
    const p = this.progress;
    p.counters.failedActions += 1;
    pass.error = error;
    await this.report.record('action_failed', `pass:${pass.pass}:action`, { action: action.describe, error });
    if (!backsOff) return;
    p.consecutiveRecoveryFailures += 1;
    // The next try waits 2^n passes (capped in new runs).
    p.nextRecoveryAt = nextTryAt(Date.now(), this.opts.passIntervalSeconds, p.consecutiveRecoveryFailures, this.rules.follows('attentionRetry'));
    if (p.consecutiveRecoveryFailures >= this.opts.restartLimit) await this.askForAttention(pass.pass, { failures: p.consecutiveRecoveryFailures, lastError: error });
  }

  private parseDesired(d: DesiredStateInput) {
    return desiredStateSchema.safeParse({ ...(this.progress.pendingDesired ?? this.progress.desired), ...d });
  }

  private desiredProblem(d: DesiredStateInput): string | undefined {
    const parsed = this.parseDesired(d);
    return parsed.success ? undefined : `invalid desired state: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`;
  }

  /** Realised by the next pass. */
  /** `by`: the checked sender of a control message (its audit event's requestedBy). */
  private setDesired(d: DesiredStateInput, by?: string): DesiredState {
    const previous = this.progress.pendingDesired ?? this.progress.desired;
    const next = this.parseDesired(d).data!;
    this.progress.pendingDesired = next;
    if (this.rules.follows('controlMessages')) this.report.recordLater('desired_changed', this.controlKey('desired_changed'), { desired: next, previous }, by);
    return next;
  }

  private detach(reason?: string): string {
    this.detached = true;
    this.detachReason = reason;
    return 'detaching';
  }

  private pause(reason?: string, by?: string): string {
    const flag = this.rules.follows('controlMessages');
    // Runs from before CONTROL_MESSAGES: a pause in needs_attention did nothing.
    if (!flag && this.progress.state === 'needs_attention') return this.progress.state;
    this.progress.paused = true;
    if (flag) this.report.recordLater('paused', this.controlKey('paused'), { reason, state: this.progress.state }, by);
    return 'paused';
  }

  private resume(reason?: string, by?: string): string {
    this.progress.paused = false;
    if (this.rules.follows('controlMessages')) this.report.recordLater('resumed', this.controlKey('resumed'), { reason, state: this.progress.state }, by);
    return this.progress.state;
  }

  private controlKey(event: string): string {
    return `control:${++this.controls}:${event}`;
  }
}
