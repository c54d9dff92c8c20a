// Starting a mutating operation from the CLI: the per-service workflow id (so a busy service is refused
// at once and the holder named), the search attributes, then either a short note or --wait.
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { parseServiceWorkflowId, SEARCH_ATTRIBUTES, serviceWorkflowId, type Operation } from '../shared/contract';
import { paint } from './color';
import { CliError, EXIT, exitCodeOf } from './exit-codes';
import type { GlobalOptions } from './global-options';
import { formatOf, printJson } from './output';
import { operationSummary } from '../shared/summaries';
import { connectTemporal, type CliTemporal } from './temporal';
import { stoppedWatching, watchWorkflow } from './watch';

export interface RunOptions extends GlobalOptions {
  wait?: boolean;
  /** --max-wait, in ms: stop watching then (exit 7), the operation goes on. */
  maxWait?: number;
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
  const t = await connectTemporal(process.env, options);
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
      if (formatOf(options) !== 'text') console.log(JSON.stringify({ workflowId, runId: handle.firstExecutionRunId, status: 'started' }));
      else console.log(`Started ${operation} of [${target.serviceName}] in domain [${target.identityDomain}]: workflow ${workflowId}\nFollow it: dbaas status ${workflowId} --wait`);
      return EXIT.ok;
    }
    const format = formatOf(options);
    if (format === 'text') console.log(`${describe.doing} [${target.serviceName}] in domain [${target.identityDomain}] (workflow ${workflowId}); Ctrl+C cancels and rolls back`);
    const outcome = await watchWorkflow(handle, t.codec, { quiet: format === 'json', jsonl: format === 'jsonl', maxWaitMs: options.maxWait });
    const follow = `dbaas status ${workflowId} --wait`;
    if (format !== 'text') {
      const status = outcome.ok ? 'succeeded' : outcome.stillRunning ? 'running' : 'failed';
      printJson(options, { ...(format === 'jsonl' ? { event: 'result' } : {}), workflowId, runId: handle.firstExecutionRunId, status, result: outcome.result, error: outcome.error, errorType: outcome.errorType });
      if (outcome.stillRunning) console.error(stoppedWatching(options.maxWait!, operation, follow));
    } else if (outcome.ok) {
      console.log(paint().ok(`✔ ${operation} succeeded: ${describe.done(outcome.result)}`));
    } else if (outcome.stillRunning) {
      console.log(paint().warn(stoppedWatching(options.maxWait!, `${operation} of [${target.serviceName}]`, follow)));
    } else {
      console.error(paint(process.stderr).fail(`✘ ${operation} failed: ${outcome.error}`));
    }
    return exitCodeOf(outcome);
  } finally {
    await t.close();
  }
}
