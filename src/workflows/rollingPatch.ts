// rollingPatch: patches a fleet (named services, or every service of a version lacking the patch):
// plan (fleet, prechecks, batches), then batch after batch, each behind its gate (maintenance
// window, approval, pause) and run as per-service child workflows, then the end (failure policy,
// rollback, final state). The parts live in ./rollout; this file is the main loop. A workflow
// cancellation is a stop like an abort: children in flight finish, the rollback policy still runs,
// and the run then ends CANCELLED (runs of the version before, commit 1ec5e00, keep theirs: the
// cancellation propagates in the root scope; see Compat.cancelShield). Continues as new between
// batches, or while a batch waits on busy services, once its history is long, so a fleet of
// thousands is one rollout.
import { CancellationScope, isCancellation } from '@temporalio/workflow';
import { controlArgument, rollingPatchInputSchema, type RolloutResult, type RolloutState, type RollingPatchInput } from '../shared/patching';
import { validateInput } from './operation';
import { afterBatch, runBatch } from './rollout/batch';
import { finish } from './rollout/finish';
import { planRollout } from './rollout/planning';
import { Rollout, rolloutCompat, type CarriedState } from './rollout/state';
import { passGate } from './rollout/waits';
import { authorizeStart, SenderCheck } from './support/requester';
import { RunRules } from './support/rules';

export async function rollingPatch(input: RollingPatchInput, carried?: CarriedState): Promise<RolloutResult> {
  const opts = validateInput('rollingPatch', rollingPatchInputSchema, input);
  const rules = new RunRules();
  const sender = new SenderCheck(() => ({ operation: 'rollingPatch', identityDomain: opts.identityDomain, target: '*', ticket: opts.ticket }));
  const r = new Rollout(opts, carried, rolloutCompat(rules), { rules, schema: controlArgument, sender });
  // Before the prechecks (the first cloud calls); children and audit events run for this requester.
  opts.requestedBy = await authorizeStart(rules, { operation: 'rollingPatch', identityDomain: opts.identityDomain, target: '*', ticket: opts.ticket, claimedBy: opts.requestedBy });
  // Runs of the version before the shield ran everything in the root scope: a cancellation cut short whatever waited.
  const shielded = <T>(fn: () => Promise<T>): Promise<T> => (r.compat.cancelShield ? CancellationScope.nonCancellable(fn) : fn());
  if (!carried && !(await plan(r))) return shielded(() => r.end());
  // Shielded from here on: a cancellation only sets the state; nothing started is cut short.
  return shielded(() => runBatches(r, { ...input, requestedBy: opts.requestedBy }));
}

/** Plans in the cancellable root scope: a cancellation stops the prechecks (which change nothing) at once. */
async function plan(r: Rollout): Promise<boolean> {
  try {
    return await planRollout(r);
  } catch (err) {
    if (r.cancelled && isCancellation(err)) return true;
    throw err;
  }
}

async function runBatches(r: Rollout, input: RollingPatchInput): Promise<RolloutResult> {
  r.setState('running');
  const firstBatch = r.p.currentBatch;
  while (r.p.currentBatch < r.p.batches.length && !r.stopped) {
    // A run that took over a batch mid-way (busy services) goes on with it: its gate was passed.
    // (busyWindow: it passes the gate again all the same, so no start falls outside the window.)
    const resuming = r.s.busy !== undefined;
    const batchSize = r.p.batches[r.p.currentBatch]!.length;
    if (!resuming && r.p.currentBatch > firstBatch && r.historyFull(r.compat.eventBudget ? r.childStartEvents(batchSize) : 0)) {
      await r.continueAsNew(input);
      continue;
    }
    if ((!resuming || r.compat.busyWindow) && !(await passGate(r))) break;
    if ((await runBatch(r)) === 'continue_as_new') await r.continueAsNew(input);
    else await afterBatch(r);
  }
  return finish(r);
}

export type { CarriedState, RolloutState };
