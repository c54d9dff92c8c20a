// Starting a mutating operation from the CLI: the per-service workflow id (so a busy service is refused
// at once and the holder named), the search attributes, then either a short note or --wait.
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { parseServiceWorkflowId, SEARCH_ATTRIBUTES, serviceWorkflowId, type Operation } from '../shared/contract';
import { CliError, EXIT, exitCodeOf } from './exit-codes';
import { operationSummary } from '../shared/summaries';
import { connectTemporal, type CliTemporal } from './temporal';
import { watchWorkflow } from './watch';

export interface RunOptions {
  wait?: boolean;
  json?: boolean;
}

/** Explains which operation holds the service and how to follow or stop it. */
export async function describeHolder(t: CliTemporal, workflowId: string): Promise<string> {
  const svc = parseServiceWorkflowId(workflowId);
  try {
    const d = await t.client.workflow.getHandle(workflowId).describe();
    const operation = d.typedSearchAttributes.get(SEARCH_ATTRIBUTES.operation) ?? d.type;
    return (
      `service [${svc?.serviceName ?? workflowId}] is busy: ${operation} (workflow ${workflowId}, run ${d.runId}) has held it since ${d.startTime.toISOString()}. ` +
      `Watch it: dbaas status ${workflowId} --wait; stop it: dbaas cancel ${workflowId}`
    );
  } catch {
    return `service [${svc?.serviceName ?? workflowId}] is busy: another operation runs under workflow ${workflowId}`;
  }
}

export async function runOperation(
  operation: Operation,
  target: { identityDomain: string; serviceName: string },
  input: unknown,
  options: RunOptions,
  describe: { doing: string; done: (result: unknown) => string },
): Promise<number> {
  const workflowId = serviceWorkflowId(target.identityDomain, target.serviceName);
  const t = await connectTemporal();
  try {
    let handle;
    try {
      handle = await t.client.workflow.start(operation, {
        taskQueue: t.taskQueue,
        workflowId,
        args: [input],
        workflowIdConflictPolicy: 'FAIL',
        staticSummary: operationSummary(operation, input),
        typedSearchAttributes: [
          { key: SEARCH_ATTRIBUTES.serviceName, value: target.serviceName },
          { key: SEARCH_ATTRIBUTES.identityDomain, value: target.identityDomain },
          { key: SEARCH_ATTRIBUTES.operation, value: operation },
        ],
      });
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) throw new CliError(await describeHolder(t, workflowId), EXIT.busy);
      throw err;
    }
    if (!options.wait) {
      if (options.json) console.log(JSON.stringify({ workflowId, runId: handle.firstExecutionRunId, status: 'started' }));
      else console.log(`Started ${operation} of [${target.serviceName}] in domain [${target.identityDomain}]: workflow ${workflowId}\nFollow it: dbaas status ${workflowId} --wait`);
      return EXIT.ok;
    }
    if (!options.json) console.log(`${describe.doing} [${target.serviceName}] in domain [${target.identityDomain}] (workflow ${workflowId}); Ctrl+C cancels and rolls back`);
    const outcome = await watchWorkflow(handle, t.codec, { quiet: options.json });
    if (options.json) {
      console.log(JSON.stringify({ workflowId, runId: handle.firstExecutionRunId, status: outcome.ok ? 'succeeded' : 'failed', result: outcome.result, error: outcome.error, errorType: outcome.errorType }, null, 2));
    } else if (outcome.ok) {
      console.log(`✔ ${operation} succeeded: ${describe.done(outcome.result)}`);
    } else {
      console.error(`✘ ${operation} failed: ${outcome.error}`);
    }
    return exitCodeOf(outcome);
  } finally {
    await t.close();
  }
}
