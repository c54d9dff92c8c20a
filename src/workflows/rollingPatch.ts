// rollingPatch: patch a fleet (named services, or every service of a version that lacks the patch) in
// batches: precheck everything first, canary, maxParallel services at a time as child workflows under
// each service's id, health gates and soak, approval, maintenance windows, pause/resume/abort, a
// failure policy (halt, rollback newest first, continue within a budget), webhook notifications, and
// continue-as-new between batches so a fleet of thousands is one run.
import {
  ApplicationFailure,
  condition,
  continueAsNew,
  allHandlersFinished,
  log,
  setHandler,
  sleep,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { PrecheckResult } from '../activities';
import { SEARCH_ATTRIBUTES, serviceWorkflowId } from '../shared/contract';
import { nextWindowStart } from '../shared/maintenance-window';
import {
  abortSignal,
  abortUpdate,
  approveSignal,
  approveUpdate,
  pauseSignal,
  pauseUpdate,
  resumeSignal,
  resumeUpdate,
  rollingPatchInputSchema,
  rolloutProgressQuery,
  type ControlRequest,
  type RolloutProgress,
  type RolloutResult,
  type RolloutState,
  type RollingPatchInput,
  type RollingPatchOptions,
  type ServicePatchState,
} from '../shared/patching';
import { audit, cloud, notifications, waits } from './activity-proxies';
import { rootMessage, validateInput } from './operation';
import { patchService } from './patchService';
import { rollbackServicePatch } from './rollbackServicePatch';

const PRECHECK_CHUNK = 100;

/** What a run hands to the next one when it continues as new. */
export interface CarriedState {
  progress: RolloutProgress;
  /** Services this rollout patched, oldest first, with the level each came from. */
  patched: { serviceName: string; fromLevel: string }[];
  targetLevel: string;
  expectedDurationMinutes: number;
  approvedBatches: number[];
  aborted: boolean;
  stopReason?: string;
  batchDurationsMs: number[];
}

export async function rollingPatch(input: RollingPatchInput, carried?: CarriedState): Promise<RolloutResult> {
  const opts = validateInput('rollingPatch', rollingPatchInputSchema, input);
  const rolloutId = workflowInfo().workflowId;
  const s: CarriedState = carried ?? {
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
  const p = s.progress;
  p.runsSoFar += carried ? 1 : 0;
  const pending: Promise<unknown>[] = [];

  const recount = () => {
    const counts: Partial<Record<ServicePatchState, number>> = {};
    for (const st of Object.values(p.services)) counts[st.state] = (counts[st.state] ?? 0) + 1;
    p.counts = counts;
  };
  const setService = (name: string, update: Partial<RolloutProgress['services'][string]>) => {
    p.services[name] = { ...(p.services[name] ?? { state: 'pending' }), ...update };
    recount();
  };
  const notify = (event: string, details: Record<string, unknown> = {}, services?: string[]) => {
    for (const c of opts.contacts) {
      if (services && c.services && !services.some((x) => c.services!.includes(x))) continue;
      const body = { event, rollout: rolloutId, patchId: opts.patchId, identityDomain: opts.identityDomain, state: p.state, at: new Date().toISOString(), counts: p.counts, ...details };
      // Not awaited: a slow or dead webhook never holds the rollout up.
      pending.push(notifications.notify({ url: c.url, event: body }).catch((err: unknown) => log.warn('notification not delivered', { url: c.url, error: rootMessage(err) })));
    }
  };
  const isEnded = () => ['completed', 'halted', 'aborted', 'rolled_back'].includes(p.state);

  // Control. Updates reject what makes no sense; signals of the same name do the same when they make sense.
  const canPause = () => !isEnded() && !p.paused && !s.aborted;
  const canResume = () => p.paused && !s.aborted;
  const canApprove = () => p.awaitingApproval && !s.aborted;
  const canAbort = () => !isEnded() && !s.aborted;
  const doPause = () => {
    p.paused = true;
    notify('paused');
  };
  const doResume = () => {
    p.paused = false;
    if (p.state === 'paused') p.state = 'running';
    notify('resumed');
  };
  const doApprove = (by?: string) => {
    s.approvedBatches.push(p.currentBatch);
    p.awaitingApproval = false;
    p.state = 'running';
    notify('approved', { by, batch: p.currentBatch });
  };
  const doAbort = (reason?: string) => {
    s.aborted = true;
    s.stopReason = `aborted${reason ? `: ${reason}` : ' on request'}`;
  };
  setHandler(rolloutProgressQuery, () => p);
  const validate = (ok: boolean, message: string) => {
    if (!ok) reject(message);
  };
  setHandler(
    pauseUpdate,
    (_req: ControlRequest): RolloutState => {
      doPause();
      return p.state;
    },
    { validator: (_req: ControlRequest) => validate(canPause(), `cannot pause: the rollout is ${p.paused ? 'already paused' : p.state}`) },
  );
  setHandler(
    resumeUpdate,
    (_req: ControlRequest): RolloutState => {
      doResume();
      return p.state;
    },
    { validator: (_req: ControlRequest) => validate(canResume(), `cannot resume: the rollout is not paused (${p.state})`) },
  );
  setHandler(
    approveUpdate,
    (a: ControlRequest): RolloutState => {
      doApprove(a?.by);
      return p.state;
    },
    { validator: (_req: ControlRequest) => validate(canApprove(), `nothing to approve: the rollout is ${p.state}`) },
  );
  setHandler(
    abortUpdate,
    (a: ControlRequest): RolloutState => {
      doAbort(a?.reason);
      return p.state;
    },
    { validator: (_req: ControlRequest) => validate(canAbort(), `cannot abort: the rollout is ${s.aborted ? 'already aborting' : p.state}`) },
  );
  setHandler(pauseSignal, () => void (canPause() && doPause()));
  setHandler(resumeSignal, () => void (canResume() && doResume()));
  setHandler(approveSignal, (a) => void (canApprove() && doApprove(a?.by)));
  setHandler(abortSignal, (a) => void (canAbort() && doAbort(a?.reason)));

  upsertSearchAttributes([
    { key: SEARCH_ATTRIBUTES.identityDomain, value: opts.identityDomain },
    { key: SEARCH_ATTRIBUTES.operation, value: 'rollingPatch' },
    { key: SEARCH_ATTRIBUTES.patchId, value: opts.patchId },
  ]);

  if (!carried) {
    const ok = await plan(opts, s, setService, notify);
    if (!ok || opts.dryRun) {
      await Promise.allSettled(pending);
      return { state: p.state, progress: p, expectedDurationMinutes: s.expectedDurationMinutes };
    }
  }

  p.state = 'running';
  const firstBatchOfRun = p.currentBatch;
  while (p.currentBatch < p.batches.length && !s.aborted && !s.stopReason) {
    const b = p.currentBatch;
    // Below the server's suggestion (~4k events) by default, so a batch of 200 children still fits in one run.
    if (b > firstBatchOfRun && (workflowInfo().historyLength > opts.continueAsNewAfterEvents || workflowInfo().continueAsNewSuggested)) {
      await Promise.allSettled(pending);
      await condition(allHandlersFinished);
      return continueAsNew<typeof rollingPatch>(input, s);
    }
    if (!(await waitForWindow(opts, s))) break;
    if ((opts.approval === 'each' || (opts.approval === 'first' && b === 0)) && !s.approvedBatches.includes(b)) {
      p.state = 'awaiting_approval';
      p.awaitingApproval = true;
      notify('awaiting_approval', { batch: b, services: p.batches[b] });
      await condition(() => !p.awaitingApproval || s.aborted);
      if (s.aborted) break;
      p.state = 'running';
    }

    // A pause asked for while waiting (window, approval, a new run) holds the batch too.
    if (p.paused && !s.aborted) {
      p.state = 'paused';
      await condition(() => !p.paused || s.aborted);
      if (s.aborted) break;
      p.state = 'running';
    }
    const started = Date.now();
    const batch = p.batches[b]!;
    await Promise.all(batch.map((name) => patchOne(opts, s, name, b, setService, rolloutId)));
    s.batchDurationsMs.push(Date.now() - started);
    const failedHere = batch.filter((n) => p.services[n]?.state === 'failed');
    notify('batch_finished', { batch: b, patched: batch.filter((n) => p.services[n]?.state === 'patched'), failed: failedHere }, batch);
    if (failedHere.length > 0) notify('failed', { batch: b, failed: failedHere.map((n) => ({ service: n, error: p.services[n]?.error })) }, failedHere);
    p.currentBatch = b + 1;
    updateEta(p, s);

    const failures = p.counts.failed ?? 0;
    if (failures > 0 && (opts.failurePolicy !== 'continue' || failures > opts.failureBudget)) {
      s.stopReason = `${failures} service(s) failed (${failedHere.join(', ') || 'earlier batches'}); failure policy ${opts.failurePolicy}${opts.failurePolicy === 'continue' ? `, budget ${opts.failureBudget}` : ''}`;
      break;
    }
    if (p.paused && !s.aborted) {
      p.state = 'paused';
      await condition(() => !p.paused || s.aborted);
      p.state = 'running';
    }
  }

  // Whatever did not run is skipped; then the failure policy decides what to do with what did.
  for (const [name, st] of Object.entries(p.services)) if (st.state === 'pending') setService(name, { state: 'skipped' });
  const stopped = s.aborted || s.stopReason !== undefined;
  if (stopped && opts.failurePolicy === 'rollback' && s.patched.length > 0) {
    p.state = 'rolling_back';
    notify('rolling_back', { services: s.patched.map((x) => x.serviceName).reverse() });
    for (const { serviceName, fromLevel } of [...s.patched].reverse()) {
      setService(serviceName, { state: 'rolling_back' });
      try {
        const child = await startChild(rollbackServicePatch, {
          workflowId: serviceWorkflowId(opts.identityDomain, serviceName),
          args: [{ identityDomain: opts.identityDomain, serviceName, patchId: opts.patchId, expectedLevel: fromLevel, healthTimeoutSeconds: opts.healthTimeoutSeconds, rolloutId, requestedBy: opts.requestedBy, ticket: opts.ticket }],
        });
        await child.result();
        setService(serviceName, { state: 'rolled_back', toLevel: fromLevel });
      } catch (err) {
        setService(serviceName, { state: 'rollback_failed', error: rootMessage(err) });
      }
    }
    // Services whose own apply failed may still carry the patch half applied: the cloud reports their level.
    p.state = 'rolled_back';
  } else {
    p.state = s.aborted ? 'aborted' : s.stopReason ? 'halted' : 'completed';
  }
  p.reason = s.stopReason;
  notify('finished', { reason: s.stopReason });
  await Promise.allSettled(pending);
  return { state: p.state, progress: p, expectedDurationMinutes: s.expectedDurationMinutes };
}

function reject(message: string): never {
  throw ApplicationFailure.nonRetryable(message, 'InvalidRequest');
}

/** Fleet, prechecks (changing nothing), batches and the expected duration. False when the run must stop. */
async function plan(opts: RollingPatchOptions, s: CarriedState, setService: (n: string, u: object) => void, notify: (e: string, d?: Record<string, unknown>) => void): Promise<boolean> {
  const p = s.progress;
  const fleet = await cloud.listFleet({ identityDomain: opts.identityDomain, patchId: opts.patchId, services: opts.services, version: opts.version });
  for (const m of fleet.missing) setService(m, { state: 'excluded', error: `no service [${m}] in domain [${opts.identityDomain}]` });
  for (const m of fleet.alreadyPatched) setService(m, { state: 'skipped', error: `already has patch ${opts.patchId}` });
  for (const m of fleet.members) setService(m.serviceName, { state: 'pending', fromLevel: m.patchLevel });
  notify('started', { services: fleet.members.length, dryRun: opts.dryRun });

  const results: PrecheckResult[] = [];
  const names = fleet.members.map((m) => m.serviceName);
  for (let i = 0; i < names.length; i += PRECHECK_CHUNK) {
    results.push(...(await waits.precheckMany({ identityDomain: opts.identityDomain, patchId: opts.patchId, services: names.slice(i, i + PRECHECK_CHUNK), concurrency: 20 })));
  }
  const now = new Date().toISOString();
  for (let i = 0; i < results.length; i += 200) {
    await audit.recordAuditBatch(
      results.slice(i, i + 200).map((r) => ({
        key: `precheck:${r.serviceName}`,
        occurredAt: now,
        operation: 'rollingPatch',
        identityDomain: opts.identityDomain,
        serviceName: r.serviceName,
        event: r.passed ? ('precheck_passed' as const) : ('precheck_failed' as const),
        step: 'precheck',
        jobId: r.jobId,
        requestedBy: opts.requestedBy,
        ticket: opts.ticket,
        details: { patchId: opts.patchId, findings: r.findings },
      })),
    );
  }
  const failed = results.filter((r) => !r.passed);
  for (const r of failed) setService(r.serviceName, { state: opts.precheckPolicy === 'exclude' ? 'excluded' : 'precheck_failed', findings: r.findings });
  for (const r of results.filter((x) => x.passed)) setService(r.serviceName, { findings: [] });

  // The level each service reaches: the patch's release, as the cloud's catalog names it.
  s.targetLevel = fleet.targetLevel ?? '';
  const ready = results.filter((r) => r.passed).map((r) => r.serviceName);
  const batches: string[][] = [];
  let rest = ready;
  if (opts.canary && rest.length > 0) {
    batches.push(rest.slice(0, 1));
    rest = rest.slice(1);
  }
  for (let i = 0; i < rest.length; i += opts.maxParallel) batches.push(rest.slice(i, i + opts.maxParallel));
  p.batches = batches;
  batches.forEach((batch, i) => batch.forEach((n) => setService(n, { batch: i })));
  const maxNodes = Math.max(1, ...fleet.members.map((m) => m.nodes));
  s.expectedDurationMinutes = Math.round(batches.length * (opts.estimatedPatchMinutes * maxNodes + opts.soakSeconds / 60));
  p.eta = new Date(Date.now() + s.expectedDurationMinutes * 60_000).toISOString();

  if (failed.length > 0 && opts.precheckPolicy === 'stop') {
    s.stopReason = `precheck failed on ${failed.length} service(s): ${failed.map((f) => f.serviceName).join(', ')}`;
    p.state = 'halted';
    p.reason = s.stopReason;
    for (const [name, st] of Object.entries(p.services)) if (st.state === 'pending') setService(name, { state: 'skipped' });
    notify('finished', { reason: s.stopReason });
    return false;
  }
  if (fleet.missing.length > 0 && opts.precheckPolicy === 'stop') {
    s.stopReason = `unknown services: ${fleet.missing.join(', ')}`;
    p.state = 'halted';
    p.reason = s.stopReason;
    return false;
  }
  p.state = opts.dryRun ? 'planned' : 'running';
  return true;
}

/** Waits (durably) for the maintenance window; false when aborted meanwhile. */
async function waitForWindow(opts: RollingPatchOptions, s: CarriedState): Promise<boolean> {
  const p = s.progress;
  if (!opts.maintenanceWindow) return true;
  const opensAt = nextWindowStart(Date.now(), opts.maintenanceWindow);
  if (opensAt === undefined) {
    s.stopReason = 'the maintenance window never opens';
    return false;
  }
  if (opensAt <= Date.now()) return true;
  p.state = 'waiting_window';
  p.waitingUntil = new Date(opensAt).toISOString();
  await condition(() => s.aborted, opensAt - Date.now());
  p.waitingUntil = undefined;
  p.state = 'running';
  return !s.aborted;
}

/** Patches one service as a child workflow, waiting (up to busyWaitSeconds) while another operation holds it. */
async function patchOne(opts: RollingPatchOptions, s: CarriedState, name: string, batch: number, setService: (n: string, u: object) => void, rolloutId: string): Promise<void> {
  const fromLevel = s.progress.services[name]?.fromLevel ?? '';
  const deadline = Date.now() + opts.busyWaitSeconds * 1000;
  for (;;) {
    try {
      setService(name, { state: 'patching', batch });
      const child = await startChild(patchService, {
        workflowId: serviceWorkflowId(opts.identityDomain, name),
        args: [{ identityDomain: opts.identityDomain, serviceName: name, patchId: opts.patchId, expectedLevel: s.targetLevel, forceApply: opts.forceApply, healthTimeoutSeconds: opts.healthTimeoutSeconds, soakSeconds: opts.soakSeconds, rolloutId, requestedBy: opts.requestedBy, ticket: opts.ticket }],
      });
      // Counted as patched by this run as soon as the child runs: a failed child may have changed the service too.
      await child.result();
      s.patched.push({ serviceName: name, fromLevel });
      setService(name, { state: 'patched', toLevel: s.targetLevel, error: undefined });
      return;
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) {
        if (Date.now() >= deadline) {
          setService(name, { state: 'failed', error: `busy with another operation for more than ${opts.busyWaitSeconds} s` });
          return;
        }
        setService(name, { state: 'waiting_busy' });
        await sleep(Math.min(5_000, Math.max(1, deadline - Date.now())));
        continue;
      }
      const message = rootMessage(err);
      // An apply that failed after the cloud began it is rolled back with the others under the rollback policy.
      if (!/no service|is Stopped|only when Running/.test(message)) s.patched.push({ serviceName: name, fromLevel });
      setService(name, { state: 'failed', error: message });
      return;
    }
  }
}

function updateEta(p: RolloutProgress, s: CarriedState): void {
  const done = s.batchDurationsMs.length;
  if (done === 0) return;
  const average = s.batchDurationsMs.reduce((a, b) => a + b, 0) / done;
  p.eta = new Date(Date.now() + average * (p.batches.length - p.currentBatch)).toISOString();
}

export type { RolloutState };
