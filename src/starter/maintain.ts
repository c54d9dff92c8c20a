// `dbaas maintain attach|detach|status|scale|pause|resume|list`: keeping services at their desired state.
import { operationSummary } from '../shared/summaries';
import os from 'node:os';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { SEARCH_ATTRIBUTES } from '../shared/contract';
import {
  detachUpdate,
  maintainPauseUpdate,
  maintainProgressQuery,
  maintainResumeUpdate,
  maintainControlRequestSchema,
  maintainServiceInputSchema,
  maintainWorkflowId,
  setDesiredRequestSchema,
  setDesiredUpdate,
  type MaintainProgress,
} from '../shared/maintain';
import { CliError, EXIT, requireDomain, updateFailure } from './exit-codes';
import type { GlobalOptions } from './global-options';
import { formatOf, printJson } from './output';
import { connectTemporal } from './temporal';
import { checkArg, checkDomain, checkServiceName, cliNumber, validatedFor, type FlagMap } from './validation';

export interface MaintainOptions extends GlobalOptions {
  domain?: string;
  status?: string;
  shape?: string;
  minStorage?: string;
  interval?: string;
  healthTimeout?: string;
  restartLimit?: string;
  contact?: string[];
  reason?: string;
}

const num = cliNumber;

/** The option behind each input field, so an error names what the operator typed. */
const MAINTAIN_FLAGS: FlagMap = {
  identityDomain: '--domain',
  serviceName: '<service>',
  'desired.status': '--status',
  'desired.shape': '--shape',
  'desired.minStorageGb': '--min-storage',
  status: '--status',
  shape: '--shape',
  minStorageGb: '--min-storage',
  passIntervalSeconds: '--interval',
  healthTimeoutSeconds: '--health-timeout',
  restartLimit: '--restart-limit',
  contacts: '--contact',
};

function desiredFrom(options: MaintainOptions) {
  return Object.fromEntries(Object.entries({ status: options.status, shape: options.shape, minStorageGb: num(options.minStorage) }).filter(([, v]) => v !== undefined));
}

/** Paused is a flag of its own; workflows from before it reported it as the state. */
const isPaused = (p: MaintainProgress) => p.paused ?? (p.state as string) === 'paused';

export function describeMaintained(p: MaintainProgress): string {
  const last = p.lastPass;
  const lines = [
    `[${p.serviceName}] ${p.state}${isPaused(p) ? ' (paused: observing, not acting)' : ''}; desired ${JSON.stringify(p.desired)}${p.pendingDesired ? `, next pass: ${JSON.stringify(p.pendingDesired)}` : ''}`,
    `passes ${p.counters.passes}, drifts ${p.counters.drifts}, actions ${p.counters.actions} (${p.counters.failedActions} failed, ${p.counters.recoveries} recoveries), runs ${p.counters.runs + 1}`,
  ];
  if (last) lines.push(`last pass ${last.at}: ${last.observed ? `${last.observed.status}/${last.observed.shape}` : 'no answer'}${last.drift.length ? `; drift: ${last.drift.join('; ')}` : ''}${last.action ? `; ${last.action} → ${last.outcome}` : ''}`);
  return lines.join('\n');
}

export async function maintainAttachCommand(service: string, options: MaintainOptions): Promise<number> {
  const identityDomain = requireDomain(options);
  const input = {
    identityDomain,
    serviceName: service,
    desired: desiredFrom(options),
    ...(options.interval !== undefined ? { passIntervalSeconds: num(options.interval) } : {}),
    ...(options.healthTimeout !== undefined ? { healthTimeoutSeconds: num(options.healthTimeout) } : {}),
    ...(options.restartLimit !== undefined ? { restartLimit: num(options.restartLimit) } : {}),
    contacts: (options.contact ?? []).map((url) => ({ url })),
    requestedBy: os.userInfo().username,
  };
  validatedFor('request', maintainServiceInputSchema, input, MAINTAIN_FLAGS);
  const workflowId = maintainWorkflowId(identityDomain, service);
  const t = await connectTemporal(process.env, options);
  try {
    await t.client.workflow.start('maintainService', { taskQueue: t.taskQueue, workflowId, args: [input], workflowIdConflictPolicy: 'FAIL', staticSummary: operationSummary('maintainService', input) });
    console.log(formatOf(options) !== 'text' ? JSON.stringify({ workflowId, status: 'attached' }) : `Maintaining [${service}] (workflow ${workflowId}); dbaas maintain status ${service} --domain ${identityDomain}`);
    return EXIT.ok;
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) throw new CliError(`[${service}] is already maintained (${workflowId}); change its desired state with dbaas maintain scale`, EXIT.busy);
    throw err;
  } finally {
    await t.close();
  }
}

type Action = 'detach' | 'pause' | 'resume' | 'scale' | 'status';

export async function maintainActionCommand(action: Action, service: string, options: MaintainOptions): Promise<number> {
  const workflowId = maintainWorkflowId(requireDomain(options), checkServiceName(service));
  // Checked here, before anything connects: the workflow checks them again.
  if (options.reason !== undefined) checkArg('--reason', maintainControlRequestSchema.shape.reason, options.reason);
  if (action === 'scale') {
    if (Object.keys(desiredFrom(options)).length === 0) throw new CliError('give --shape, --min-storage or --status', EXIT.invalid);
    validatedFor('desired state', setDesiredRequestSchema, desiredFrom(options), MAINTAIN_FLAGS);
  }
  const t = await connectTemporal(process.env, options);
  try {
    const handle = t.client.workflow.getHandle(workflowId);
    try {
      if (action === 'status') {
        const p = await handle.query(maintainProgressQuery);
        if (formatOf(options) !== 'text') printJson(options, p);
        else console.log(describeMaintained(p));
        return EXIT.ok;
      }
      if (action === 'scale') {
        const desired = desiredFrom(options);
        const next = await handle.executeUpdate(setDesiredUpdate, { args: [desired as never] });
        console.log(formatOf(options) !== 'text' ? JSON.stringify(next) : `desired state of [${service}] is now ${JSON.stringify(next)}; the next pass realises it`);
        return EXIT.ok;
      }
      const update = { detach: detachUpdate, pause: maintainPauseUpdate, resume: maintainResumeUpdate }[action];
      const state = await handle.executeUpdate(update, { args: [{ ...(options.reason ? { reason: options.reason } : {}) }] });
      if (action === 'detach') await handle.result();
      if (formatOf(options) !== 'text') printJson(options, { workflowId, action, accepted: true, state });
      else console.log(`${action}: accepted (${action === 'detach' ? 'no longer maintained; the service is left as it is' : state})`);
      return EXIT.ok;
    } catch (err) {
      return updateFailure(err, action, `[${service}] is not maintained (no ${workflowId})`);
    }
  } finally {
    await t.close();
  }
}

export async function maintainListCommand(options: GlobalOptions & { domain?: string }): Promise<number> {
  if (options.domain !== undefined) checkDomain(options.domain);
  const clauses = [`ExecutionStatus = 'Running'`, `${SEARCH_ATTRIBUTES.operation.name} = 'maintainService'`];
  if (options.domain) clauses.push(`${SEARCH_ATTRIBUTES.identityDomain.name} = '${options.domain.replace(/'/g, "\\'")}'`);
  const format = formatOf(options);
  const t = await connectTemporal(process.env, options);
  try {
    const rows = [];
    for await (const wf of t.client.workflow.list({ query: clauses.join(' AND ') })) {
      let p: MaintainProgress | undefined;
      try {
        p = await t.client.workflow.getHandle(wf.workflowId).query(maintainProgressQuery);
      } catch {
        p = undefined;
      }
      const lastAction = p?.recent.filter((r) => r.action).at(-1);
      rows.push({ workflowId: wf.workflowId, service: wf.typedSearchAttributes.get(SEARCH_ATTRIBUTES.serviceName), state: p?.state, paused: p ? isPaused(p) : undefined, status: p?.lastPass?.observed?.status, lastAction: lastAction ? `${lastAction.action} (${lastAction.outcome}) at ${lastAction.at}` : undefined });
      // jsonl streams: each service as soon as it is read.
      if (format === 'jsonl') console.log(JSON.stringify(rows.at(-1)));
      if (rows.length >= 1000) break;
    }
    if (format === 'json') console.log(JSON.stringify(rows, null, 2));
    else if (format === 'text' && rows.length === 0) console.log('no service is maintained');
    else if (format === 'text') for (const r of rows) console.log(`${String(r.service).padEnd(28)} ${String(r.state ?? '?').padEnd(16)} ${(r.paused ? 'paused' : '-').padEnd(7)} ${String(r.status ?? '?').padEnd(12)} ${r.lastAction ?? 'no action yet'}`);
    return EXIT.ok;
  } finally {
    await t.close();
  }
}
