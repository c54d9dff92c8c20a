// pause, resume, approve, abort: each an update (refused at once when it makes no sense, leaving no
// history) and a same-named signal, registered together through onControl. They change the rollout's
// state, tell the webhooks and write a rollout-level audit event; the main loop acts on the state.
import { abortSignal, abortUpdate, approveSignal, approveUpdate, pauseSignal, pauseUpdate, resumeSignal, resumeUpdate, type ControlRequest, type RolloutState } from '../../shared/patching';
import { onControl } from '../support/control';
import type { ControlChecks } from '../support/control';
import type { Rollout } from './state';

/** `checks`: each message's argument and sender are checked first (runs that check them; see support/control.ts). */
export function registerControls(r: Rollout, checks?: ControlChecks<ControlRequest>): void {
  const p = r.p;
  const stopping = () => (r.cancelled ? 'being cancelled' : r.s.aborted ? 'already aborting' : undefined);
  // controlRefusals: no pause, approval or abort once the run stopped (failures, the window), while a
  // failure-policy rollback runs, or after the end. Runs from before accepted them (signals among them).
  const over = () => r.compat.controlRefusals && (r.ended || p.state === 'rolling_back' || r.s.stopReason !== undefined);
  const overWhy = () => (p.state === 'rolling_back' ? 'rolling back' : r.ended ? p.state : `stopping (${r.s.stopReason})`);
  onControl<ControlRequest, RolloutState>(pauseUpdate, pauseSignal, {
    refuse: () => (r.ended || p.paused || r.halting ? `cannot pause: the rollout is ${p.paused ? 'already paused' : (stopping() ?? p.state)}` : over() ? `cannot pause: the rollout is ${overWhy()}` : undefined),
    run: (req, by = req?.by) => {
      p.paused = true;
      r.notifier.notify('paused');
      r.audit('paused', { batch: p.currentBatch, reason: req?.reason }, by);
      return p.state;
    },
  }, checks);
  onControl<ControlRequest, RolloutState>(resumeUpdate, resumeSignal, {
    refuse: () => (r.halting ? `cannot resume: the rollout is ${stopping()}` : !p.paused ? `cannot resume: the rollout is not paused (${p.state})` : undefined),
    run: (req, by = req?.by) => {
      p.paused = false;
      if (p.state === 'paused') r.setState('running');
      r.notifier.notify('resumed');
      r.audit('resumed', { batch: p.currentBatch, reason: req?.reason }, by);
      return p.state;
    },
  }, checks);
  onControl<ControlRequest, RolloutState>(approveUpdate, approveSignal, {
    refuse: () => (!p.awaitingApproval || r.halting ? `nothing to approve: the rollout is ${stopping() ?? p.state}` : over() ? `nothing to approve: the rollout is ${overWhy()}` : undefined),
    run: (req, by = req?.by) => {
      r.s.approvedBatches.push(p.currentBatch);
      p.awaitingApproval = false;
      r.setState('running');
      r.notifier.notify('approved', { by, batch: p.currentBatch });
      r.audit('approved', { batch: p.currentBatch, services: p.batches[p.currentBatch], reason: req?.reason }, by);
      return p.state;
    },
  }, checks);
  onControl<ControlRequest, RolloutState>(abortUpdate, abortSignal, {
    refuse: () => (r.ended || r.halting ? `cannot abort: the rollout is ${stopping() ?? p.state}` : over() ? `cannot abort: the rollout is ${overWhy()}` : undefined),
    run: (req, by = req?.by) => {
      r.s.aborted = true;
      const reason = `aborted${req?.reason ? `: ${req.reason}` : ' on request'}`;
      // An abort never overwrites the reason a run already stopped for (a failure, the window).
      if (r.compat.controlRefusals) r.s.stopReason ??= reason;
      else r.s.stopReason = reason;
      r.audit('aborted', { batch: p.currentBatch, reason: req?.reason }, by);
      return p.state;
    },
  }, checks);
}
