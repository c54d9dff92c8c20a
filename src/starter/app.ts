// `dbaas app create|add|remove|list|show`: applications own services and have contacts (webhooks); the
// notifyContacts workflow posts failed operations, maintainers' attention and rollouts' events of an
// application's services to its contacts. Kept in the audit store: read and written straight in
// PostgreSQL when DATABASE_URL is set, else through the worker (applicationRecords), which owns PGlite.
// `app create` also starts the dispatcher of its task queue (once: an existing one is used).
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { applyApplicationRequest } from '../audit/applications';
import {
  applicationCreateSchema,
  applicationListSchema,
  applicationServiceSchema,
  applicationShowSchema,
  notifyContactsWorkflowId,
  type ApplicationRequest,
  type ApplicationResult,
} from '../shared/applications';
import { CliError, EXIT, requireDomain } from './exit-codes';
import type { GlobalOptions } from './global-options';
import { formatOf, printJson, printList } from './output';
import { connectTemporal, type CliTemporal } from './temporal';
import { cliNumber, validatedFor, type FlagMap } from './validation';
import { throughStoreOrWorker } from './store-or-worker';

const FLAGS: FlagMap = { name: '<name>', contacts: '--contact', identityDomain: '--domain', serviceName: '<service>', deliveries: '--deliveries' };

export interface AppOptions extends GlobalOptions {
  contact?: string[];
  domain?: string;
  deliveries?: string;
}

/** Straight from PostgreSQL with DATABASE_URL; otherwise through the worker (applicationRecords). */
function apply(request: ApplicationRequest, options: GlobalOptions, temporal?: CliTemporal): Promise<ApplicationResult> {
  return throughStoreOrWorker(options, (store) => applyApplicationRequest(store, request), { workflow: 'applicationRecords', idPrefix: `app:${request.action}`, args: [request] }, temporal);
}

/** Starts the task queue's dispatcher unless it runs already (conflict policy USE_EXISTING). */
export async function ensureDispatcher(t: CliTemporal): Promise<string> {
  const workflowId = notifyContactsWorkflowId(t.taskQueue);
  try {
    await t.client.workflow.start('notifyContacts', { taskQueue: t.taskQueue, workflowId, args: [{}], workflowIdConflictPolicy: 'USE_EXISTING' });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
  return workflowId;
}

export async function appCreateCommand(name: string, options: AppOptions): Promise<number> {
  const request = validatedFor('application', applicationCreateSchema, { action: 'create', name, contacts: options.contact ?? [] }, FLAGS);
  // Temporal first: the dispatcher must run for the contacts to hear anything.
  const t = await connectTemporal(process.env, options);
  try {
    const result = await apply(request, options, t);
    const dispatcher = await ensureDispatcher(t);
    if (result.action !== 'create') throw new Error(`unexpected answer ${result.action}`);
    if (formatOf(options) !== 'text') printJson(options, { ...result, dispatcher });
    else console.log(`application [${name}] ${result.created ? 'created' : 'updated'}: contacts ${result.application.contacts.join(', ')} (notifications by ${dispatcher})`);
    return EXIT.ok;
  } finally {
    await t.close();
  }
}

export async function appServiceCommand(action: 'add' | 'remove', name: string, service: string, options: AppOptions): Promise<number> {
  const request = validatedFor('application', applicationServiceSchema, { action, name, identityDomain: requireDomain(options), serviceName: service }, FLAGS);
  const result = await apply(request, options);
  if (formatOf(options) !== 'text') printJson(options, result);
  if (result.action === 'add') {
    if (result.missing) throw new CliError(`no application [${name}] (dbaas app create ${name} --contact URL)`, EXIT.notFound);
    if (formatOf(options) === 'text') console.log(`[${service}] in domain [${request.identityDomain}] belongs to application [${name}]${result.previous ? ` (moved from [${result.previous}])` : ''}`);
  } else if (result.action === 'remove') {
    if (!result.removed) throw new CliError(`[${service}] in domain [${request.identityDomain}] does not belong to application [${name}]`, EXIT.notFound);
    if (formatOf(options) === 'text') console.log(`[${service}] in domain [${request.identityDomain}] removed from application [${name}]`);
  }
  return EXIT.ok;
}

export async function appListCommand(options: AppOptions): Promise<number> {
  const request = validatedFor('application', applicationListSchema, { action: 'list' }, FLAGS);
  const result = await apply(request, options);
  if (result.action !== 'list') throw new Error(`unexpected answer ${result.action}`);
  if (formatOf(options) !== 'text') printList(options, result.applications);
  else if (result.applications.length === 0) console.log('no applications (dbaas app create NAME --contact URL)');
  else for (const a of result.applications) console.log(`${a.name.padEnd(24)} ${String(a.services).padStart(4)} service(s)  contacts ${a.contacts.join(', ')}`);
  return EXIT.ok;
}

export async function appShowCommand(name: string, options: AppOptions): Promise<number> {
  const request = validatedFor('application', applicationShowSchema, { action: 'show', name, ...(options.deliveries !== undefined ? { deliveries: cliNumber(options.deliveries) } : {}) }, FLAGS);
  const result = await apply(request, options);
  if (result.action !== 'show') throw new Error(`unexpected answer ${result.action}`);
  const app = result.application;
  if (!app) throw new CliError(`no application [${name}]`, EXIT.notFound);
  if (formatOf(options) !== 'text') {
    printJson(options, app);
    return EXIT.ok;
  }
  console.log(`application ${app.name} (created ${app.createdAt}, updated ${app.updatedAt})`);
  console.log(`contacts: ${app.contacts.join(', ')}`);
  console.log(`services (${app.services.length}):`);
  for (const s of app.services) console.log(`  ${s.identityDomain}/${s.serviceName}`);
  console.log(`recent deliveries (${app.deliveries.length}):`);
  for (const d of app.deliveries) {
    const what = `${d.event ?? '?'} ${d.identityDomain ?? '?'}/${d.serviceName ?? '?'}`;
    console.log(`  audit:${d.eventId.padEnd(8)} ${what.padEnd(40)} → ${d.contactUrl}  ${d.status} after ${d.attempts} attempt(s)${d.deliveredAt ? ` at ${d.deliveredAt}` : ''}${d.lastError && d.status !== 'delivered' ? `: ${d.lastError}` : ''}`);
  }
  return EXIT.ok;
}
