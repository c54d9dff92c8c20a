// maintainService: the Occopus maintain loop, made durable. Every pass reads the service; drift from
// the desired state (stopped when it should run, wrong shape, too little storage) is corrected by the
// matching operation as a child workflow under the service's id, so it never races a manual
// operation. A service unhealthy for longer than the health timeout, or whose corrections keep
// failing, is marked needs_attention (contacts told once) and only watched. Runs for months:
// continues as new when Temporal suggests it, carrying desired state, counters and pending requests.
import { ApplicationFailure, allHandlersFinished, condition, continueAsNew, log, patched, setHandler, startChild, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { ServiceSummary } from '../shared/schemas';
import { SEARCH_ATTRIBUTES, serviceWorkflowId } from '../shared/contract';
import {
  desiredStateSchema,
  detachSignal,
  detachUpdate,
  maintainPauseSignal,
  maintainPauseUpdate,
  maintainProgressQuery,
  maintainResumeSignal,
  maintainResumeUpdate,
  maintainServiceInputSchema,
  setDesiredSignal,
  setDesiredUpdate,
  type DesiredState,
  type DesiredStateInput,
  type MaintainProgress,
  type MaintainResult,
  type MaintainServiceInput,
  type PassRecord,
} from '../shared/maintain';
import { audit, notifications } from './activity-proxies';
import { readService } from './jobs';
import { changeLifecycle } from './changeLifecycle';
import { rootMessage, validateInput } from './operation';
import { scaleService } from './scaleService';

const HEALTHY = ['Running', 'Stopped'];
const RECENT_PASSES_KEPT = 20;
/** Patch id: a Failed service is handed to a human at once instead of restarted (which the API refuses). */
const ATTENTION_WHEN_NO_RECOVERY = 'attention-when-no-recovery';
/** Patch id: a failing scale backs off and ends in needs_attention like a failing start. */
const BACKOFF_EVERY_FAILED_ACTION = 'backoff-every-failed-action';

export async function maintainService(input: MaintainServiceInput, carried?: MaintainProgress): Promise<MaintainResult> {
  const opts = validateInput('maintainService', maintainServiceInputSchema, input);
  const ref = { identityDomain: opts.identityDomain, serviceName: opts.serviceName };
  const p: MaintainProgress = carried ?? {
    ...ref,
    desired: opts.desired,
    state: 'maintaining',
    recent: [],
    counters: { passes: 0, drifts: 0, actions: 0, failedActions: 0, recoveries: 0, runs: 0 },
    consecutiveRecoveryFailures: 0,
    attentionNotified: false,
  };
  if (carried) p.counters.runs += 1;
  let detached = false;
  let detachReason: string | undefined;
  const pending: Promise<unknown>[] = [];

  const notify = (event: string, details: Record<string, unknown> = {}) => {
    for (const c of opts.contacts) {
      const body = { event, maintainer: workflowInfo().workflowId, service: opts.serviceName, identityDomain: opts.identityDomain, at: new Date().toISOString(), ...details };
      pending.push(notifications.notify({ url: c.url, event: body }).catch((err: unknown) => log.warn('notification not delivered', { url: c.url, error: rootMessage(err) })));
    }
  };
  const record = (event: 'drift_detected' | 'action_taken' | 'action_failed' | 'needs_attention' | 'maintenance_ended', key: string, details: Record<string, unknown>) =>
    audit.recordAudit({ key, occurredAt: new Date().toISOString(), operation: 'maintainService', ...ref, event, requestedBy: opts.requestedBy, ticket: opts.ticket, details });

  /** Hands the service to a human: audited and notified once, until it is healthy again. */
  const askForAttention = async (passNo: number, details: Record<string, unknown>) => {
    p.state = 'needs_attention';
    if (p.attentionNotified) return;
    p.attentionNotified = true;
    await record('needs_attention', `pass:${passNo}:attention`, details);
    notify('needs_attention', details);
  };

  // Messages. setDesired is validated against the shape table and realised by the next pass.
  const reject = (message: string): never => {
    throw ApplicationFailure.nonRetryable(message, 'InvalidRequest');
  };
  const parseDesired = (d: DesiredStateInput): DesiredState => {
    const parsed = desiredStateSchema.safeParse({ ...(p.pendingDesired ?? p.desired), ...d });
    if (!parsed.success) reject(`invalid desired state: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    return parsed.data!;
  };
  setHandler(maintainProgressQuery, () => p);
  setHandler(setDesiredUpdate, (d: DesiredStateInput) => (p.pendingDesired = parseDesired(d)), { validator: (d: DesiredStateInput) => void parseDesired(d) });
  setHandler(setDesiredSignal, (d: DesiredStateInput) => {
    const parsed = desiredStateSchema.safeParse({ ...(p.pendingDesired ?? p.desired), ...d });
    if (parsed.success) p.pendingDesired = parsed.data;
    else log.warn('setDesired signal ignored: invalid', { issues: parsed.error.issues.map((i) => i.message) });
  });
  const doDetach = (reason?: string) => {
    detached = true;
    detachReason = reason;
  };
  setHandler(
    detachUpdate,
    (r: { reason?: string }) => {
      doDetach(r.reason);
      return 'detaching';
    },
    { validator: (_r: { reason?: string }) => void (detached && reject('already detaching')) },
  );
  setHandler(detachSignal, (r: { reason?: string }) => doDetach(r.reason));
  const setPaused = (paused: boolean) => {
    if (p.state === 'maintaining' || p.state === 'paused') p.state = paused ? 'paused' : 'maintaining';
    return p.state;
  };
  setHandler(maintainPauseUpdate, (_r: { reason?: string }) => setPaused(true), { validator: (_r: { reason?: string }) => void (p.state === 'paused' && reject('already paused')) });
  setHandler(maintainResumeUpdate, (_r: { reason?: string }) => setPaused(false), { validator: (_r: { reason?: string }) => void (p.state !== 'paused' && reject(`not paused (${p.state})`)) });
  setHandler(maintainPauseSignal, () => void setPaused(true));
  setHandler(maintainResumeSignal, () => void setPaused(false));

  upsertSearchAttributes([
    { key: SEARCH_ATTRIBUTES.serviceName, value: opts.serviceName },
    { key: SEARCH_ATTRIBUTES.identityDomain, value: opts.identityDomain },
    { key: SEARCH_ATTRIBUTES.operation, value: 'maintainService' },
  ]);

  for (;;) {
    if (detached) break;
    const pass: PassRecord = { pass: ++p.counters.passes, at: new Date().toISOString(), drift: [] };
    if (p.pendingDesired) {
      p.desired = p.pendingDesired;
      p.pendingDesired = undefined;
    }
    let service: ServiceSummary | null | undefined;
    try {
      service = await readService(ref);
    } catch (err) {
      pass.error = `no answer: ${rootMessage(err)}`;
    }
    if (service === null) {
      p.state = 'deleted';
      pass.drift.push('the service was deleted outside the worker');
      p.lastPass = pass;
      await record('maintenance_ended', `pass:${pass.pass}:deleted`, { reason: 'deleted out of band' });
      notify('deleted');
      await Promise.allSettled(pending);
      return { ended: 'deleted', progress: p };
    }
    if (service) pass.observed = { status: service.status, shape: service.shape, usableStorageGb: service.usableStorageGb };

    // Health: not Running/Stopped, or no answer, counts only once it lasts longer than the timeout.
    const healthy = service !== undefined && HEALTHY.includes(service.status);
    if (healthy) p.unhealthySince = undefined;
    else p.unhealthySince ??= pass.at;
    const unhealthyFor = p.unhealthySince ? Date.now() - Date.parse(p.unhealthySince) : 0;
    const failed = !healthy && unhealthyFor >= opts.healthTimeoutSeconds * 1000;

    // Runs from before this change tried a restart (always refused) before asking for attention.
    const planned = plan(p.desired, service, failed, !patched(ATTENTION_WHEN_NO_RECOVERY));
    pass.drift = planned.drift;
    if (planned.drift.length > 0) {
      p.counters.drifts += 1;
      await record('drift_detected', `pass:${pass.pass}:drift`, { drift: planned.drift, observed: pass.observed, desired: p.desired });
    } else if (p.state === 'needs_attention' && healthy) {
      // Someone fixed it: act again.
      p.state = 'maintaining';
      p.consecutiveRecoveryFailures = 0;
      p.attentionNotified = false;
      notify('recovered');
    }

    if (planned.attention && p.state === 'maintaining') await askForAttention(pass.pass, { reason: planned.attention });

    const action = planned.action;
    // Every failed action backs off and counts towards needs_attention (runs from before: only starts and recoveries).
    const backsOff = action && (action.recovery || action.describe.startsWith('start') || patched(BACKOFF_EVERY_FAILED_ACTION));
    const mayAct = p.state === 'maintaining' && action && (!backsOff || !p.nextRecoveryAt || Date.now() >= Date.parse(p.nextRecoveryAt));
    if (action && !mayAct) pass.outcome = 'skipped';
    if (action && mayAct) {
      pass.action = action.describe;
      pass.outcome = await act(opts, action);
      if (pass.outcome === 'done') {
        p.counters.actions += 1;
        if (action.recovery) p.counters.recoveries += 1;
        p.consecutiveRecoveryFailures = 0;
        p.nextRecoveryAt = undefined;
        await record('action_taken', `pass:${pass.pass}:action`, { action: action.describe });
        notify('action_taken', { action: action.describe, drift: planned.drift });
      } else if (pass.outcome === 'failed') {
        p.counters.failedActions += 1;
        pass.error = action.error;
        await record('action_failed', `pass:${pass.pass}:action`, { action: action.describe, error: action.error });
        if (backsOff) {
          p.consecutiveRecoveryFailures += 1;
          // Back off: the next recovery waits 2^n passes.
          p.nextRecoveryAt = new Date(Date.now() + opts.passIntervalSeconds * 1000 * 2 ** p.consecutiveRecoveryFailures).toISOString();
          if (p.consecutiveRecoveryFailures >= opts.restartLimit) await askForAttention(pass.pass, { failures: p.consecutiveRecoveryFailures, lastError: action.error });
        }
      }
    }
    p.lastPass = pass;
    if (pass.drift.length > 0 || pass.action) p.recent = [...p.recent, pass].slice(-RECENT_PASSES_KEPT);

    await condition(() => detached, opts.passIntervalSeconds * 1000);
    if (!detached && workflowInfo().continueAsNewSuggested) {
      await Promise.allSettled(pending);
      await condition(allHandlersFinished);
      // A detach that arrived while finishing up must not be carried away by the new run.
      if (!detached) return continueAsNew<typeof maintainService>(input, p);
    }
  }
  p.state = 'detached';
  await record('maintenance_ended', `detached:${p.counters.passes}`, { reason: detachReason ?? 'detached' });
  notify('detached', { reason: detachReason });
  await condition(allHandlersFinished);
  await Promise.allSettled(pending);
  return { ended: 'detached', progress: p };
}

interface PlannedAction {
  describe: string;
  recovery: boolean;
  workflow: 'changeLifecycle' | 'scaleService';
  args: Record<string, unknown>;
  error?: string;
}

/** The drift between desired and observed, and the one action (the most urgent) that corrects it. */
function plan(desired: DesiredState, service: ServiceSummary | undefined, failed: boolean, restartToRecover: boolean): { drift: string[]; action?: PlannedAction; attention?: string } {
  if (!service) return { drift: failed ? ['the API has not answered for longer than the health timeout'] : [] };
  const drift: string[] = [];
  let action: PlannedAction | undefined;
  let attention: string | undefined;
  const first = (a: PlannedAction) => (action ??= a);
  if (failed) {
    drift.push(`unhealthy: ${service.status} for longer than the health timeout`);
    // A Failed service has nothing in flight and no API action that repairs it (a restart needs
    // Running): ask a human at once instead of being refused restartLimit times. Other unhealthy
    // statuses may be an operation still running; the restart attempt finds it busy and waits.
    if (service.status === 'Failed' && !restartToRecover) attention = 'Failed for longer than the health timeout, and the API offers no action that repairs a Failed service';
    else first({ describe: 'restart (recovery)', recovery: true, workflow: 'changeLifecycle', args: { lifecycleState: 'restart' } });
  }
  if (desired.status === 'Running' && service.status === 'Stopped') {
    drift.push('Stopped, should be Running');
    first({ describe: 'start', recovery: false, workflow: 'changeLifecycle', args: { lifecycleState: 'start' } });
  }
  if (desired.status === 'Stopped' && service.status === 'Running') {
    drift.push('Running, should be Stopped');
    first({ describe: 'stop', recovery: false, workflow: 'changeLifecycle', args: { lifecycleState: 'stop' } });
  }
  if (desired.shape && service.shape && desired.shape !== service.shape) {
    drift.push(`shape ${service.shape}, should be ${desired.shape}`);
    if (service.status === 'Running') first({ describe: `scale shape to ${desired.shape}`, recovery: false, workflow: 'scaleService', args: { shape: desired.shape } });
  }
  const storage = service.usableStorageGb ?? 0;
  if (desired.minStorageGb && storage < desired.minStorageGb) {
    drift.push(`data storage ${storage} GB, should be at least ${desired.minStorageGb} GB`);
    if (service.status === 'Running') {
      first({ describe: `add ${desired.minStorageGb - storage} GB of data storage`, recovery: false, workflow: 'scaleService', args: { additionalStorage: desired.minStorageGb - storage, usage: 'data' } });
    }
  }
  return { drift, action, attention };
}

/** Runs the action as a child under the service's id; a manual operation holding it means: next pass. */
async function act(opts: { identityDomain: string; serviceName: string; requestedBy?: string; ticket?: string }, action: PlannedAction): Promise<'done' | 'failed' | 'busy'> {
  const args = { identityDomain: opts.identityDomain, serviceName: opts.serviceName, requestedBy: opts.requestedBy ?? 'maintainService', ticket: opts.ticket, ...action.args };
  const workflowId = serviceWorkflowId(opts.identityDomain, opts.serviceName);
  try {
    const child =
      action.workflow === 'changeLifecycle'
        ? await startChild(changeLifecycle, { workflowId, args: [args as never] })
        : await startChild(scaleService, { workflowId, args: [args as never] });
    await child.result();
    return 'done';
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return 'busy';
    action.error = rootMessage(err);
    return 'failed';
  }
}
