// Runs a pass's correction as a child under the service's id, so it never races a manual operation.
import { rootMessage } from '../../shared/failures';
import { changeLifecycle } from '../changeLifecycle';
import { scaleService } from '../scaleService';
import { startServiceChild } from '../support/service-child';
import type { PlannedAction } from './plan';

export interface ActOn {
  identityDomain: string;
  serviceName: string;
  requestedBy?: string;
  ticket?: string;
}

export type ActOutcome = { outcome: 'done' | 'busy' } | { outcome: 'failed'; error: string };

/** `busy`: another operation holds the service (the next pass tries again); `failed` carries the API's answer. */
export async function act(on: ActOn, action: PlannedAction, actionArgs: Record<string, unknown>): Promise<ActOutcome> {
  const args = { identityDomain: on.identityDomain, serviceName: on.serviceName, requestedBy: on.requestedBy ?? 'maintainService', ticket: on.ticket, ...actionArgs };
  try {
    const started =
      action.workflow === 'changeLifecycle'
        ? await startServiceChild(changeLifecycle, on.identityDomain, on.serviceName, [args as never])
        : await startServiceChild(scaleService, on.identityDomain, on.serviceName, [args as never]);
    if (started.busy) return { outcome: 'busy' };
    await started.handle.result();
    return { outcome: 'done' };
  } catch (err) {
    return { outcome: 'failed', error: rootMessage(err) };
  }
}
