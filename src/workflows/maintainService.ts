// maintainService: the Occopus maintain loop, made durable. Every pass reads the service; drift from
// the desired state is corrected by the matching operation as a child workflow under the service's
// id, so it never races a manual operation. A service that cannot be repaired, or whose corrections
// keep failing, is marked needs_attention (contacts told once) and retried only after a back-off.
// Runs for months: continues as new when Temporal suggests it (or after `passesPerRun` passes),
// carrying desired state, counters and pending requests. The rules live in ./maintain/ (plan and policy are pure; Maintainer holds the state).
import { condition, continueAsNew, setCurrentDetails, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { SEARCH_ATTRIBUTES } from '../shared/contract';
import type { MaintainProgress } from '../shared/maintain';
import { maintainServiceInputSchema, type CarriedMaintainProgress, type MaintainResult, type MaintainServiceInput } from '../shared/maintain';
import { Maintainer } from './maintain/maintainer';
import { validateInput } from './operation';
import { showMaintainState } from './support/gauges';
import { authorizeStart } from './support/requester';

export async function maintainService(input: MaintainServiceInput, carried?: CarriedMaintainProgress): Promise<MaintainResult> {
  const opts = validateInput('maintainService', maintainServiceInputSchema, input);
  const m = new Maintainer(opts, carried);
  m.registerHandlers();
  upsertSearchAttributes([
    { key: SEARCH_ATTRIBUTES.serviceName, value: opts.serviceName },
    { key: SEARCH_ATTRIBUTES.identityDomain, value: opts.identityDomain },
    { key: SEARCH_ATTRIBUTES.operation, value: 'maintainService' },
  ]);
  // Its corrections (child operations) and audit events run for the requester verified here.
  opts.requestedBy = await authorizeStart(m.rules, { operation: 'maintainService', identityDomain: opts.identityDomain, target: opts.serviceName, ticket: opts.ticket, claimedBy: opts.requestedBy });

  let passesThisRun = 0;
  while (!m.detached) {
    passesThisRun += 1;
    if ((await m.pass()) === 'deleted') {
      showMaintainState(opts.identityDomain, opts.serviceName, 'deleted');
      return { ended: 'deleted', progress: m.progress };
    }
    showDetails(m.progress);
    showMaintainState(opts.identityDomain, opts.serviceName, m.progress.state);
    await condition(() => m.detached, opts.passIntervalSeconds * 1000);
    if (!m.detached && (workflowInfo().continueAsNewSuggested || passesThisRun >= (opts.passesPerRun ?? Infinity))) {
      await m.settle();
      // A detach that arrived while finishing up must not be carried away by the new run.
      if (!m.detached) return continueAsNew<typeof maintainService>({ ...input, requestedBy: opts.requestedBy }, m.progress);
    }
  }
  showMaintainState(opts.identityDomain, opts.serviceName, 'detached');
  return m.endDetached();
}

/** "maintaining · pass 42: Running, no drift" in the UI (no history: a query answers it). */
function showDetails(p: MaintainProgress): void {
  const last = p.lastPass;
  const pass = last ? ` · pass ${last.pass}: ${last.observed?.status ?? 'not seen'}, ${last.drift.length ? `drift ${last.drift.join(', ')}` : 'no drift'}${last.action ? `, ${last.action} ${last.outcome ?? ''}`.trimEnd() : ''}` : '';
  setCurrentDetails(`${p.state}${p.paused ? ' (paused)' : ''}${pass}`);
}
