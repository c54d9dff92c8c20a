// Starting per-service work (an operation under the service's id `svc:<domain>:<service>`) as a
// child workflow. Temporal refuses a second run under that id, which is how one operation per service
// holds: the caller learns the service is busy instead of racing another operation.
import { ParentClosePolicy, startChild, type ChildWorkflowHandle, type Workflow } from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { serviceWorkflowId } from '../../shared/contract';

export type ServiceChildStart<T extends Workflow> = { busy: true } | { busy: false; handle: ChildWorkflowHandle<T> };

/**
 * Starts `workflow` under the service's id; `{busy: true}` when another operation holds the service.
 * The child is abandoned, not terminated, if the parent closes: a patch or a scale mid-job must be
 * allowed to finish (or undo itself) on its own.
 */
export async function startServiceChild<T extends Workflow>(workflow: T, identityDomain: string, serviceName: string, args: Parameters<T>): Promise<ServiceChildStart<T>> {
  try {
    // (The generic overloads of startChild do not resolve for a generic T; the options are checked by the callers' types.)
    const handle = (await startChild(workflow as never, { workflowId: serviceWorkflowId(identityDomain, serviceName), args, parentClosePolicy: ParentClosePolicy.ABANDON } as never)) as ChildWorkflowHandle<T>;
    return { busy: false, handle };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return { busy: true };
    throw err;
  }
}
