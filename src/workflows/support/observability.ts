// What every workflow reports without its code saying so, registered with the bundle as a workflow
// interceptor module (src/worker/bundle.ts):
// - dbaas_operations_started and dbaas_operations_finished{outcome}, by workflowType (the SDK's tag);
// - the service (or rollout) it works on, on every line its logger writes, beside the workflowId
//   and runId the SDK adds itself (activities get the same from the worker's activity interceptor).
// Workflow metrics are not emitted while a run is replayed, so a run counts once however often it is.
import { ApplicationFailure, ContinueAsNew, isCancellation, metricMeter, workflowInfo, type WorkflowInboundCallsInterceptor, type WorkflowInterceptorsFactory, type WorkflowOutboundCallsInterceptor } from '@temporalio/workflow';
import { subjectOfWorkflowId } from '../../shared/contract';
import { FAILURE_TYPES } from '../../shared/failures';

const started = metricMeter.createCounter('dbaas_operations_started', undefined, 'Workflow runs started (a continued run is not a new start)');
const finished = metricMeter.createCounter('dbaas_operations_finished', undefined, 'Workflow runs ended, by outcome');

/** succeeded, rolled_back, refused, invalid_input, cancelled or failed. */
export function outcomeOf(err: unknown): string {
  if (isCancellation(err)) return 'cancelled';
  const type = err instanceof ApplicationFailure ? err.type : err instanceof Error && err.cause instanceof ApplicationFailure ? err.cause.type : undefined;
  switch (type) {
    case FAILURE_TYPES.operationRolledBack:
      return 'rolled_back';
    case FAILURE_TYPES.permissionDenied:
      return 'refused';
    case FAILURE_TYPES.invalidInput:
      return 'invalid_input';
    case FAILURE_TYPES.cancelled:
      return 'cancelled';
    default:
      return 'failed';
  }
}

class OperationCounts implements WorkflowInboundCallsInterceptor {
  execute: NonNullable<WorkflowInboundCallsInterceptor['execute']> = async (input, next) => {
    if (!workflowInfo().continuedFromExecutionRunId) started.add(1);
    try {
      const result = await next(input);
      finished.add(1, { outcome: 'succeeded' });
      return result;
    } catch (err) {
      // A continue-as-new is the same operation going on in a new run, not an end.
      if (!(err instanceof ContinueAsNew)) finished.add(1, { outcome: outcomeOf(err) });
      throw err;
    }
  };
}

class SubjectLogAttributes implements WorkflowOutboundCallsInterceptor {
  getLogAttributes: NonNullable<WorkflowOutboundCallsInterceptor['getLogAttributes']> = (input, next) => next({ ...subjectOfWorkflowId(workflowInfo().workflowId), ...input });
}

export const interceptors: WorkflowInterceptorsFactory = () => ({ inbound: [new OperationCounts()], outbound: [new SubjectLogAttributes()] });
