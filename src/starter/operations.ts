// `dbaas scale | stop | start | restart | delete`: the operations of the opc-dbcs.py seed as workflows.
// Each input is validated with the workflow's own schema before anything starts.
import os from 'node:os';
import readline from 'node:readline';
import type { z } from 'zod';
import type { Operation } from '../shared/contract';
import { changeLifecycleInputSchema, deleteServiceInputSchema, scaleServiceInputSchema, type LifecycleState, type OperationResult } from '../shared/schemas';
import { CliError, EXIT, requireDomain } from './exit-codes';
import { runOperation, type RunOptions } from './run-operation';
import { cliNumber, COMMON_FLAGS, validatedFor, type FlagMap } from './validation';

export interface CommonOptions extends RunOptions {
  domain?: string;
  requestedBy?: string;
  ticket?: string;
}

function common(service: string, options: CommonOptions) {
  const identityDomain = requireDomain(options);
  return { identityDomain, serviceName: service, requestedBy: options.requestedBy ?? os.userInfo().username, ...(options.ticket ? { ticket: options.ticket } : {}) };
}

/** The option behind each input field, so an error names what the operator typed. */
const FLAGS: FlagMap = { ...COMMON_FLAGS, shape: '--shape', additionalStorage: '--storage', usage: '--usage', vmName: '--vm', lifecycleTimeout: '--timeout', confirm: '--confirm', deleteBackup: '--delete-backup' };

function validated<S extends z.ZodTypeAny>(schema: S, input: unknown): z.output<S> {
  return validatedFor('request', schema, input, FLAGS);
}

const stateLine = (r: OperationResult) => {
  const a = r.after;
  if (r.vm) return `VM ${r.vm.vmName} ${r.vm.statusBefore} → ${r.vm.statusAfter}`;
  if (!a) return `[${r.before.serviceName}] is gone`;
  const storage = (s: typeof a) => `${s.usableStorageGb ?? '?'} GB data, ${s.fraStorageGb ?? '?'} GB FRA${s.additionalVolumesGb?.length ? `, volumes ${s.additionalVolumesGb.join('+')} GB` : ''}`;
  return `[${a.serviceName}] ${r.before.status}/${r.before.shape} → ${a.status}/${a.shape}; storage ${storage(r.before)} → ${storage(a)}`;
};

function start(operation: Operation, input: ReturnType<typeof common> & Record<string, unknown>, options: RunOptions, doing: string): Promise<number> {
  return runOperation(operation, input, input, options, { doing, done: (r) => `${stateLine(r as OperationResult)} in ${((r as OperationResult).durationMs / 1000).toFixed(1)} s` });
}

export async function scaleCommand(service: string, options: CommonOptions & { shape?: string; storage?: string; usage?: string }): Promise<number> {
  const input = {
    ...common(service, options),
    ...(options.shape !== undefined ? { shape: options.shape } : {}),
    ...(options.storage !== undefined ? { additionalStorage: options.storage } : {}),
    ...(options.usage !== undefined ? { usage: options.usage } : {}),
  };
  validated(scaleServiceInputSchema, input);
  return start('scaleService', input, options, 'Scaling');
}

export async function lifecycleCommand(lifecycleState: LifecycleState, service: string, options: CommonOptions & { vm?: string; timeout?: string }): Promise<number> {
  const input = {
    ...common(service, options),
    lifecycleState,
    ...(options.vm !== undefined ? { vmName: options.vm } : {}),
    ...(options.timeout !== undefined ? { lifecycleTimeout: cliNumber(options.timeout) } : {}),
  };
  validated(changeLifecycleInputSchema, input);
  const doing = { stop: 'Stopping', start: 'Starting', restart: 'Restarting' }[lifecycleState];
  return start('changeLifecycle', input, options, doing);
}

async function askConfirmation(service: string): Promise<string> {
  if (!process.stdin.isTTY) throw new CliError(`deleting [${service}] needs --confirm ${service} (no terminal to ask on)`, EXIT.invalid);
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  const answer = await new Promise<string>((resolve) => rl.question(`This deletes service [${service}] and its database. Type its name to confirm: `, resolve));
  rl.close();
  return answer.trim();
}

export async function deleteCommand(service: string, options: CommonOptions & { confirm?: string; deleteBackup?: boolean }): Promise<number> {
  const confirm = options.confirm ?? (await askConfirmation(service));
  const input = { ...common(service, options), confirm, ...(options.deleteBackup ? { deleteBackup: true } : {}) };
  validated(deleteServiceInputSchema, input);
  return start('deleteService', input, options, 'Deleting');
}
