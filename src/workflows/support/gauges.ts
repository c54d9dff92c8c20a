// Gauges the workflows keep current for Prometheus (src/worker/telemetry/metrics.ts lists them).
// No history: the SDK's workflow meter emits outside replay only.
import { metricMeter, workflowInfo } from '@temporalio/workflow';
import type { MaintainState } from '../../shared/maintain';
import type { ServicePatchState } from '../../shared/patching';

// Every state, listed through a record so that a new state fails to compile until it is added here.
const ROLLOUT_STATES = Object.keys({
  pending: 1, precheck_failed: 1, excluded: 1, waiting_busy: 1, patching: 1, patched: 1, failed: 1, rolling_back: 1, rolled_back: 1, rollback_failed: 1, skipped: 1, backing_up: 1, backup_failed: 1,
} satisfies Record<ServicePatchState, 1>) as ServicePatchState[];
const MAINTAIN_STATES = Object.keys({ maintaining: 1, needs_attention: 1, detached: 1, deleted: 1 } satisfies Record<MaintainState, 1>) as MaintainState[];

const rolloutServices = metricMeter.createGauge('dbaas_rollout_services', 'int', undefined, 'Services of a rollout by state');
const maintainedService = metricMeter.createGauge('dbaas_maintained_service', 'int', undefined, '1 for the current state of a maintained service, 0 for the others');

/** Every state's count (0 for a state no service is in, so a series drops back when it empties). */
export function showRolloutCounts(counts: Partial<Record<ServicePatchState, number>>): void {
  const rollout = workflowInfo().workflowId;
  for (const state of ROLLOUT_STATES) rolloutServices.set(counts[state] ?? 0, { rollout, state });
}

/** `sum by (state) (dbaas_maintained_service)` counts maintained services by state. */
export function showMaintainState(identityDomain: string, service: string, current: MaintainState): void {
  for (const state of MAINTAIN_STATES) maintainedService.set(state === current ? 1 : 0, { identity_domain: identityDomain, service, state });
}
