// Read-only and control commands: view (services), job (an async job), status and cancel (workflows).
import { WorkflowNotFoundError } from '@temporalio/client';
import { DbcsClient } from '../cloud/client';
import { CloudApiError } from '../cloud/errors';
import { dbcsConfigFromEnv } from '../worker/config';
import { paint } from './color';
import { CliError, EXIT, exitCodeOf, requireDomain } from './exit-codes';
import type { GlobalOptions } from './global-options';
import { formatOf, printJson, printList } from './output';
import { connectTemporal, readProgress } from './temporal';
import { checkArg, checkServiceName, checkWorkflowId } from './validation';
import { stoppedWatching, watchWorkflow, type WatchOutcome } from './watch';

/** status --wait and cancel --wait: the options of a watch. */
export interface WatchCommandOptions extends GlobalOptions {
  wait?: boolean;
  /** --max-wait, in ms. */
  maxWait?: number;
}
import { z } from 'zod';

/** A job id as the API gives it (digits in DBCS; letters, digits, . _ - accepted). */
const jobIdSchema = z.string().min(1, 'is required').max(64).regex(/^[A-Za-z0-9._-]+$/, 'must be a job id such as 7021 (letters, digits, . _ -)');

/** The CLI reads the cloud with the worker's DBCS_* settings (the simulator's by default). */
async function withCloud<T>(fn: (client: DbcsClient) => Promise<T>): Promise<T> {
  const client = new DbcsClient(dbcsConfigFromEnv());
  try {
    return await fn(client);
  } catch (err) {
    if (err instanceof CloudApiError) throw new CliError(err.message, err.isNotFound ? EXIT.notFound : err.retryable ? EXIT.unavailable : EXIT.failed);
    throw err;
  } finally {
    await client.close();
  }
}

export async function viewCommand(service: string | undefined, options: GlobalOptions & { domain?: string }): Promise<number> {
  const domain = requireDomain(options);
  if (service !== undefined) checkServiceName(service);
  return withCloud(async (cloud) => {
    if (service) {
      const instance = await cloud.getInstance(domain, service);
      if (formatOf(options) !== 'text') printJson(options, instance);
      else console.log(`${instance.service_name}: ${instance.status} (shape ${instance.shape ?? '?'}, version ${instance.version ?? '?'}, edition ${instance.edition ?? '?'})`);
      return EXIT.ok;
    }
    const list = await cloud.listInstances(domain);
    if (formatOf(options) !== 'text') printList(options, list.services);
    else if (list.services.length === 0) console.log(`no services in domain [${domain}]`);
    else for (const s of list.services) console.log(`${s.service_name.padEnd(24)} ${String(s.status ?? '?')}`);
    return EXIT.ok;
  });
}

const REQUEST_NAMES = ['create', 'delete', 'scale', 'control'];

export async function jobCommand(jobId: string, options: GlobalOptions & { domain?: string; type?: string }): Promise<number> {
  const domain = requireDomain(options);
  checkArg('<jobId>', jobIdSchema, jobId);
  if (options.type !== undefined && !REQUEST_NAMES.includes(options.type)) throw new CliError(`--type must be one of ${REQUEST_NAMES.join(', ')}`, EXIT.invalid);
  return withCloud(async (cloud) => {
    for (const requestName of options.type ? [options.type] : REQUEST_NAMES) {
      try {
        const job = await cloud.getJob(domain, requestName, jobId);
        if (formatOf(options) !== 'text') printJson(options, { requestName, ...job });
        else {
          console.log(`job ${jobId} (${requestName}, ${job.job_operation ?? '?'}) of [${job.service_name ?? '?'}]: ${job.job_status}; service status ${job.status ?? '?'}`);
          for (const m of job.message) console.log(`  ${m}`);
        }
        return EXIT.ok;
      } catch (err) {
        if (!(err instanceof CloudApiError && err.isNotFound)) throw err;
      }
    }
    throw new CliError(`no job ${jobId} in domain [${domain}]`, EXIT.notFound);
  });
}

/** The end of a watch as one JSON object (jsonl: the stream's last line). */
function printOutcome(options: GlobalOptions, workflowId: string, outcome: WatchOutcome): void {
  printJson(options, { ...(formatOf(options) === 'jsonl' ? { event: 'result' } : {}), workflowId, ...outcome });
}

export async function statusCommand(workflowId: string, options: WatchCommandOptions): Promise<number> {
  checkWorkflowId(workflowId, '<workflowId>');
  const format = formatOf(options);
  const t = await connectTemporal(process.env, options);
  try {
    const handle = t.client.workflow.getHandle(workflowId);
    let live;
    try {
      live = await readProgress(handle, t.codec);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new CliError(`no workflow ${workflowId}`, EXIT.notFound);
      throw err;
    }
    if (options.wait && live.workflowStatus === 'RUNNING') {
      const outcome = await watchWorkflow(handle, t.codec, { quiet: format === 'json', jsonl: format === 'jsonl', maxWaitMs: options.maxWait, cancelOnInterrupt: false });
      const follow = `dbaas status ${workflowId} --wait`;
      if (format !== 'text') {
        printOutcome(options, workflowId, outcome);
        if (outcome.stillRunning) console.error(stoppedWatching(options.maxWait!, workflowId, follow));
      } else if (outcome.stillRunning) console.log(paint().warn(stoppedWatching(options.maxWait!, workflowId, follow)));
      else console.log(outcome.ok ? paint().ok(`✔ ${workflowId} succeeded`) : paint().fail(`✘ ${workflowId} failed: ${outcome.error}`));
      return exitCodeOf(outcome);
    }
    if (format !== 'text') {
      printJson(options, { workflowId, ...live });
    } else {
      const p = live.progress;
      console.log(`${workflowId}: ${live.workflowStatus}${p ? ` — ${p.operation} of [${p.serviceName}], ${p.state}, step ${p.step}${p.jobId ? `, job ${p.jobId}` : ''}` : ''}`);
      if (p?.error) console.log(`  error: ${p.error}`);
      for (const m of live.live?.messages ?? p?.messages ?? []) console.log(`  ${m}`);
    }
    return live.workflowStatus === 'FAILED' || live.workflowStatus === 'TERMINATED' || live.workflowStatus === 'TIMED_OUT' ? EXIT.failed : EXIT.ok;
  } finally {
    await t.close();
  }
}

export async function cancelCommand(workflowId: string, options: WatchCommandOptions): Promise<number> {
  checkWorkflowId(workflowId, '<workflowId>');
  const format = formatOf(options);
  const t = await connectTemporal(process.env, options);
  try {
    const handle = t.client.workflow.getHandle(workflowId);
    try {
      await handle.cancel();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new CliError(`no running workflow ${workflowId}`, EXIT.notFound);
      throw err;
    }
    if (format === 'text') console.log(`Cancellation requested for ${workflowId}; it rolls back what it did.`);
    if (!options.wait) return EXIT.ok;
    const outcome = await watchWorkflow(handle, t.codec, { quiet: format === 'json', jsonl: format === 'jsonl', maxWaitMs: options.maxWait, cancelOnInterrupt: false });
    const follow = `dbaas status ${workflowId} --wait`;
    if (format !== 'text') {
      printOutcome(options, workflowId, outcome);
      if (outcome.stillRunning) console.error(stoppedWatching(options.maxWait!, `the rollback of ${workflowId}`, follow));
    } else if (outcome.stillRunning) console.log(paint().warn(stoppedWatching(options.maxWait!, `the rollback of ${workflowId}`, follow)));
    else console.log(outcome.ok ? `${workflowId} completed before the cancellation took effect` : `${workflowId} ended: ${outcome.error}`);
    // A rollback that ran is what was asked for; only a watch cut short by --max-wait says otherwise.
    return outcome.stillRunning ? EXIT.stillRunning : EXIT.ok;
  } finally {
    await t.close();
  }
}
