// `dbaas patch plan|start|status|pause|resume|approve|abort`: rolling patches from the CLI.
import { operationSummary } from '../shared/summaries';
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import {
  abortUpdate,
  approveUpdate,
  controlRequestSchema,
  DAYS,
  pauseUpdate,
  resumeUpdate,
  rollingPatchInputSchema,
  rolloutProgressQuery,
  rolloutWorkflowId,
  type MaintenanceWindow,
  type RolloutProgress,
  type RolloutResult,
  type ServicePatchStatus,
} from '../shared/patching';
import { paint } from './color';
import { CliError, EXIT, requireDomain, updateFailure } from './exit-codes';
import type { GlobalOptions } from './global-options';
import { formatOf, printJson } from './output';
import { connectTemporal } from './temporal';
import { checkArg, checkWorkflowId, cliNumber, validatedFor, type FlagMap } from './validation';
import { stoppedWatching, watchDeadline } from './watch';

/** --wait and --max-wait (ms) of the commands that follow a rollout. */
export interface FollowOptions extends GlobalOptions {
  wait?: boolean;
  maxWait?: number;
}

export interface PatchOptions extends FollowOptions {
  domain?: string;
  patch?: string;
  services?: string;
  version?: string;
  maxParallel?: string;
  canary?: boolean;
  soak?: string;
  healthTimeout?: string;
  failurePolicy?: string;
  budget?: string;
  precheckPolicy?: string;
  approval?: string;
  window?: string;
  busyWait?: string;
  contact?: string[];
  forceApply?: boolean;
  ticket?: string;
  requestedBy?: string;
}

/** "Sat,Sun 22-4" or "22-4" (UTC hours; the end may wrap past midnight). */
export function parseWindow(text: string): MaintenanceWindow {
  const m = /^(?:([A-Za-z,]+)\s+)?(\d{1,2})-(\d{1,2})$/.exec(text.trim());
  if (!m) throw new CliError(`--window: use "Sat,Sun 22-4" or "1-5" (UTC hours), got ${JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text)}`, EXIT.invalid);
  const days = m[1]?.split(',').map((d) => {
    const day = DAYS.find((x) => x.toLowerCase() === d.slice(0, 3).toLowerCase());
    if (!day) throw new CliError(`--window: unknown day ${JSON.stringify(d.slice(0, 20))} (use ${DAYS.join(', ')})`, EXIT.invalid);
    return day;
  });
  return { ...(days ? { days } : {}), startHour: Number(m[2]), endHour: Number(m[3]) };
}

const num = cliNumber;

/** The option behind each rollout field, so an error names what the operator typed. */
const ROLLOUT_FLAGS: FlagMap = {
  identityDomain: '--domain',
  patchId: '--patch',
  services: '--services',
  version: '--version',
  maxParallel: '--max-parallel',
  canary: '--canary',
  soakSeconds: '--soak',
  healthTimeoutSeconds: '--health-timeout',
  failurePolicy: '--failure-policy',
  failureBudget: '--budget',
  precheckPolicy: '--precheck-policy',
  approval: '--approval',
  maintenanceWindow: '--window',
  busyWaitSeconds: '--busy-wait',
  contacts: '--contact',
  forceApply: '--force-apply',
  requestedBy: '--requested-by',
  ticket: '--ticket',
};

export function rolloutInput(options: PatchOptions, dryRun: boolean) {
  const identityDomain = requireDomain(options);
  const raw = {
    identityDomain,
    patchId: options.patch,
    ...(options.services !== undefined ? { services: options.services.split(',').map((x) => x.trim()).filter(Boolean) } : {}),
    ...(options.version !== undefined ? { version: options.version } : {}),
    maxParallel: num(options.maxParallel),
    canary: options.canary,
    soakSeconds: num(options.soak),
    healthTimeoutSeconds: num(options.healthTimeout),
    failurePolicy: options.failurePolicy,
    failureBudget: num(options.budget),
    precheckPolicy: options.precheckPolicy,
    approval: options.approval,
    maintenanceWindow: options.window !== undefined ? parseWindow(options.window) : undefined,
    busyWaitSeconds: num(options.busyWait),
    forceApply: options.forceApply,
    contacts: (options.contact ?? []).map((url) => ({ url })),
    dryRun,
    requestedBy: options.requestedBy ?? os.userInfo().username,
    ticket: options.ticket,
  };
  const input = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined));
  const parsed = validatedFor('rollout', rollingPatchInputSchema, input, ROLLOUT_FLAGS);
  return { input, identityDomain, patchId: parsed.patchId };
}

export function renderTable(p: RolloutProgress, limit = 40): string {
  const lines = [
    `rollout of ${p.patchId} in [${p.identityDomain}]: ${p.state}${p.cancelRequested && p.state !== 'cancelled' ? ' (cancel requested: finishing the batch in flight)' : ''}${p.paused ? ' (pause requested)' : ''}${p.awaitingApproval ? ' — approve with: dbaas patch approve <id>' : ''}`,
    `batch ${Math.min(p.currentBatch + 1, p.batches.length)}/${p.batches.length}; ${Object.entries(p.counts).map(([k, v]) => `${k} ${v}`).join(', ')}${p.eta ? `; ETA ${p.eta}` : ''}${p.waitingUntil ? `; window opens ${p.waitingUntil}` : ''}`,
  ];
  if (p.reason) lines.push(`reason: ${p.reason}`);
  const entries = Object.entries(p.services);
  for (const [name, st] of entries.slice(0, limit)) {
    lines.push(`  ${name.padEnd(28)} ${st.state.padEnd(16)} ${st.batch !== undefined ? `batch ${st.batch + 1}`.padEnd(9) : ''.padEnd(9)} ${serviceNote(st)}`);
  }
  if (entries.length > limit) lines.push(`  … and ${entries.length - limit} more (--json for all)`);
  return lines.join('\n');
}

/** What went wrong with a service: its error, what its rollback said, or its precheck findings. */
function serviceNote(st: ServicePatchStatus): string {
  const notes = [st.error ?? st.findings?.join('; '), st.changeAccepted === false && st.state === 'failed' ? '(nothing applied)' : undefined, st.rollbackError ? `rollback: ${st.rollbackError}` : undefined];
  return notes.filter(Boolean).join(' ');
}

/** Follows a rollout until it ends or --max-wait passes: a table redrawn on a terminal, each change in a log, a JSON line each with jsonl. */
async function follow(handle: WorkflowHandle, options: FollowOptions): Promise<number> {
  const format = formatOf(options);
  const deadline = watchDeadline(options.maxWait);
  let last = '';
  for (;;) {
    const d = await handle.describe();
    if (d.status.name !== 'RUNNING') break;
    try {
      const progress = await handle.query(rolloutProgressQuery);
      const shown = format === 'jsonl' ? JSON.stringify({ event: 'progress', ...progress }) : format === 'text' ? renderTable(progress) : '';
      if (shown && shown !== last) {
        // On a terminal, redraw in place; in a log, print each change.
        if (format === 'text' && process.stdout.isTTY && process.env.TERM !== 'dumb') process.stdout.write('\x1b[2J\x1b[H');
        console.log(shown);
        last = shown;
      }
    } catch {
      // no worker answering right now; try again
    }
    if (deadline.passed()) {
      const note = stoppedWatching(options.maxWait!, `the rollout ${handle.workflowId}`, `dbaas patch status ${handle.workflowId} --wait`);
      if (format === 'text') console.log(paint().warn(note));
      else {
        printJson(options, { ...(format === 'jsonl' ? { event: 'result' } : {}), workflowId: handle.workflowId, status: 'running', stillRunning: true });
        console.error(note);
      }
      return EXIT.stillRunning;
    }
    await deadline.sleep(1000);
  }
  const result = format === 'jsonl' ? { event: 'result' } : {};
  try {
    const outcome = (await handle.result()) as RolloutResult;
    if (format !== 'text') printJson(options, { ...result, ...outcome });
    else console.log(`\n${renderTable(outcome.progress, 1000)}`);
    return outcome.state === 'completed' ? EXIT.ok : EXIT.failed;
  } catch (err) {
    // A cancelled rollout has no result; its progress (kept after the end) says what happened to each service.
    const progress = await handle.query(rolloutProgressQuery).catch(() => undefined);
    if (progress?.state === 'cancelled') {
      if (format !== 'text') printJson(options, { ...result, ...progress });
      else console.log(`\n${renderTable(progress, 1000)}`);
    } else console.error(paint(process.stderr).fail(`rollout failed: ${err instanceof Error ? ((err.cause as Error | undefined)?.message ?? err.message) : String(err)}`));
    return EXIT.failed;
  }
}

export async function patchPlanCommand(options: PatchOptions): Promise<number> {
  const { input, identityDomain, patchId } = rolloutInput(options, true);
  const t = await connectTemporal(process.env, options);
  try {
    const result = (await t.client.workflow.execute('rollingPatch', { taskQueue: t.taskQueue, workflowId: `patch-plan:${identityDomain}:${patchId}:${randomUUID()}`, args: [input] })) as RolloutResult;
    if (formatOf(options) !== 'text') printJson(options, result);
    else {
      result.progress.batches.forEach((b, i) => console.log(`batch ${i + 1}: ${b.join(', ')}`));
      for (const [name, st] of Object.entries(result.progress.services)) {
        if (st.state !== 'pending') console.log(`${st.state}: ${name}${st.findings?.length ? ` (${st.findings.join('; ')})` : st.error ? ` (${st.error})` : ''}`);
      }
      console.log(`${result.progress.batches.length} batch(es), about ${result.expectedDurationMinutes} min; nothing was changed`);
    }
    return result.state === 'planned' ? EXIT.ok : EXIT.failed;
  } finally {
    await t.close();
  }
}

export async function patchStartCommand(options: PatchOptions): Promise<number> {
  const { input, identityDomain, patchId } = rolloutInput(options, false);
  const workflowId = rolloutWorkflowId(identityDomain, patchId);
  const t = await connectTemporal(process.env, options);
  try {
    let handle;
    try {
      handle = await t.client.workflow.start('rollingPatch', { taskQueue: t.taskQueue, workflowId, args: [input], workflowIdConflictPolicy: 'FAIL', staticSummary: operationSummary('rollingPatch', input) });
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) throw new CliError(`a rollout of ${patchId} in [${identityDomain}] is already running: dbaas patch status ${workflowId}`, EXIT.busy);
      throw err;
    }
    if (!options.wait) {
      if (formatOf(options) !== 'text') console.log(JSON.stringify({ workflowId, runId: handle.firstExecutionRunId, status: 'started' }));
      else console.log(`Started rollout ${workflowId}\nFollow it: dbaas patch status ${workflowId} --wait`);
      return EXIT.ok;
    }
    return await follow(handle, options);
  } finally {
    await t.close();
  }
}

export async function patchStatusCommand(workflowId: string, options: FollowOptions): Promise<number> {
  checkWorkflowId(workflowId, '<rolloutId>');
  const t = await connectTemporal(process.env, options);
  try {
    const handle = t.client.workflow.getHandle(workflowId);
    if (options.wait) return await follow(handle, options);
    let progress: RolloutProgress;
    try {
      progress = await handle.query(rolloutProgressQuery);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new CliError(`no rollout ${workflowId}`, EXIT.notFound);
      throw err;
    }
    if (formatOf(options) !== 'text') printJson(options, progress);
    else console.log(renderTable(progress));
    return EXIT.ok;
  } finally {
    await t.close();
  }
}

const CONTROLS = { pause: pauseUpdate, resume: resumeUpdate, approve: approveUpdate, abort: abortUpdate } as const;

export async function patchControlCommand(action: keyof typeof CONTROLS, workflowId: string, options: GlobalOptions & { reason?: string }): Promise<number> {
  checkWorkflowId(workflowId, '<rolloutId>');
  if (options.reason !== undefined) checkArg('--reason', controlRequestSchema.shape.reason, options.reason);
  const t = await connectTemporal(process.env, options);
  try {
    const handle = t.client.workflow.getHandle(workflowId);
    try {
      const state = await handle.executeUpdate(CONTROLS[action], { args: [{ by: os.userInfo().username, ...(options.reason ? { reason: options.reason } : {}) }] });
      if (formatOf(options) !== 'text') printJson(options, { workflowId, action, accepted: true, state });
      else console.log(`${action}: accepted; the rollout is ${state}`);
      return EXIT.ok;
    } catch (err) {
      return updateFailure(err, action, `no running rollout ${workflowId}`);
    }
  } finally {
    await t.close();
  }
}
