// The end of a rollout: what did not run is skipped; under failurePolicy rollback a stopped run
// (failures, abort, cancellation) takes the patch back off every service it may have changed, newest
// first, each through a child `rollbackServicePatch`; the final state and reason follow from what
// each service's rollback did; a cancelled run is audited and ends CANCELLED. A rollback whose service
// another operation holds waits for it (rollbackBusyWait), up to busyWaitSeconds.
import type { ChildWorkflowHandle } from '@temporalio/workflow';
import { rootMessage } from '../../shared/failures';
import type { RolloutResult } from '../../shared/patching';
import { rollbackServicePatch } from '../rollbackServicePatch';
import { startServiceChild } from '../support/service-child';
import { busyWait, retryWhileBusy } from './busy';
import { finalReason, finalState, type Ending } from './outcome';
import type { CarriedState, Rollout } from './state';

export async function finish(r: Rollout): Promise<RolloutResult> {
  const { p, s } = r;
  for (const [name, st] of Object.entries(p.services)) if (st.state === 'pending' || st.state === 'waiting_busy') r.setService(name, { state: 'skipped' });
  const targets = r.opts.failurePolicy === 'rollback' && r.stopped ? [...s.patched].reverse() : [];
  if (targets.length > 0) await rollBack(r, targets);
  const ending: Ending = { cancelled: r.cancelled, aborted: s.aborted, stopReason: s.stopReason, rollbackTargets: targets.map((t) => t.serviceName), services: p.services };
  r.setState(finalState(ending));
  p.reason = finalReason(ending);
  p.awaitingApproval = false;
  if (r.cancelled) r.audit('cancelled', { reason: p.reason, counts: p.counts, ...servicesByState(r) });
  else if (r.compat.endAudit) r.audit('finished', { state: p.state, reason: p.reason, counts: p.counts, ...servicesByState(r) });
  r.notifier.notify('finished', { reason: p.reason });
  return r.end();
}

async function rollBack(r: Rollout, targets: CarriedState['patched']): Promise<void> {
  r.setState('rolling_back');
  const services = targets.map((t) => t.serviceName);
  r.notifier.notify('rolling_back', { services });
  r.audit('rolling_back', { services, reason: r.s.stopReason });
  // One at a time: a rollback that goes wrong stops nothing else, and the fleet is never half down at once.
  for (const t of targets) await rollBackOne(r, t.serviceName, t.fromLevel);
}

async function rollBackOne(r: Rollout, name: string, fromLevel: string): Promise<void> {
  const { opts } = r;
  r.setService(name, { state: 'rolling_back' });
  const args = { identityDomain: opts.identityDomain, serviceName: name, patchId: opts.patchId, expectedLevel: fromLevel, healthTimeoutSeconds: opts.healthTimeoutSeconds, rolloutId: r.id, requestedBy: opts.requestedBy, ticket: opts.ticket, timeouts: opts.timeouts };
  try {
    const started: { handle?: ChildWorkflowHandle<typeof rollbackServicePatch> } = {};
    const attempt = async (names: string[]): Promise<string[]> => {
      const start = await startServiceChild(rollbackServicePatch, opts.identityDomain, name, [args]);
      if (start.busy) return names;
      started.handle = start.handle;
      return [];
    };
    // A service another operation holds is waited for as a batch waits (rounds up to busyWaitSeconds);
    // nothing stops that wait: the rollback is what the stop asked for.
    if (r.compat.rollbackBusyWait) await retryWhileBusy(r, busyWait(r, [name]), { round: attempt, halted: () => false });
    else await attempt([name]);
    if (!started.handle) {
      const rollbackError = r.compat.rollbackBusyWait ? `another operation held the service for more than ${opts.busyWaitSeconds} s: not rolled back` : 'another operation holds the service: not rolled back';
      return void r.setService(name, { state: 'rollback_failed', rollbackError });
    }
    await started.handle.result();
    r.setService(name, { state: 'rolled_back', toLevel: fromLevel });
  } catch (err) {
    r.setService(name, { state: 'rollback_failed', rollbackError: rootMessage(err) });
  }
}

/** Per-service truth for the audit trail: the names in each state that says something happened. */
function servicesByState(r: Rollout): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, st] of Object.entries(r.p.services)) if (st.state !== 'skipped' && st.state !== 'excluded') (out[st.state] ??= []).push(name);
  return out;
}
