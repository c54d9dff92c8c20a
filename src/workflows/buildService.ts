// buildService: create a database service and see it Running, or leave nothing behind.
// validate → audit requested → precheck (name free) → create → wait for the job → confirm Running →
// audit succeeded. Any failure or cancellation deletes what was created and audits rolled_back.
import { ApplicationFailure } from '@temporalio/workflow';
import { buildServiceInputSchema, type BuildServiceInput, type BuildServiceResult, type ServiceSpec } from '../shared/schemas';
import { cloud, waits } from './activity-proxies';
import type { ServiceRef } from './jobs';
import { assertJobSucceeded, readService } from './jobs';
import { failureType, ServiceOperation, validateInput } from './operation';
import { FAILURE_TYPES, failureAttempt } from '../shared/failures';

export async function buildService(input: BuildServiceInput): Promise<BuildServiceResult> {
  const { identityDomain, service, requestedBy, ticket, timeouts } = validateInput('buildService', buildServiceInputSchema, input);
  const op = new ServiceOperation('buildService', identityDomain, service.serviceName, { requestedBy, ticket });
  op.timeouts = timeouts ?? {};
  const ref = { identityDomain, serviceName: service.serviceName };
  const isRac = service.parameters?.[0]?.isRac === 'yes';
  await op.begin({ shape: service.shape, version: service.version, edition: service.edition, level: service.level, isRac, usableStorageGb: service.parameters?.[0]?.usableStorage });

  try {
    await op.step('precheck', () => requireNameFree(op, ref));
    // Registered before the call: the create may take effect even if its answer never arrives.
    const create: CreateTracking = { sentAt: Date.now(), refusedAtOnce: false };
    op.addCompensation('deleteService', () => deleteOurCreate(op, ref, create));
    const created = await op.step('create', () => submitCreate(op, service, create));
    create.job = { jobId: created.jobId, done: false };
    op.changeAccepted = true;
    op.noteJob(created.jobId);
    await op.audit('started', { step: 'create', jobId: created.jobId, details: { adopted: created.adopted } });

    const outcome = await op.step('waitForCreateJob', () => op.waitForJob('create', created.jobId));
    create.job.done = true;
    op.noteJob(created.jobId, outcome.messages);
    assertJobSucceeded('create', outcome);

    const running = await op.step('confirmRunning', () => op.waitForStatus(['Running'], { failOn: ['Failed', 'Stopped', 'Terminating'] }));
    if (!running) throw ApplicationFailure.nonRetryable(`service [${service.serviceName}] disappeared after its create job succeeded`, FAILURE_TYPES.unexpectedState);

    // Built: from here on a cancellation (or a failed audit write) must not delete the service.
    if (op.rules.follows('keepBuiltService')) op.dropCompensation('deleteService');
    op.finish();
    await op.audit('succeeded', { jobId: created.jobId, details: { status: running.status, shape: running.shape, connectDescriptor: running.connectDescriptor } });
    return { service: running, jobId: created.jobId, durationMs: op.elapsedMs };
  } catch (err) {
    return op.fail(err);
  }
}

/** What the rollback knows of the create: when it was sent, its job once known, whether the cloud refused it at once. */
interface CreateTracking {
  sentAt: number;
  job?: { jobId: string; done: boolean };
  refusedAtOnce: boolean;
}

async function requireNameFree(op: ServiceOperation, ref: ServiceRef): Promise<void> {
  const existing = await readService(ref, op.rules);
  if (existing) {
    throw ApplicationFailure.nonRetryable(`a service named [${ref.serviceName}] already exists in domain [${ref.identityDomain}] (status ${existing.status})`, FAILURE_TYPES.alreadyExists);
  }
}

async function submitCreate(op: ServiceOperation, service: ServiceSpec, create: CreateTracking) {
  try {
    return await cloud.createService({ identityDomain: op.identityDomain, service });
  } catch (err) {
    // Someone else's service took the name between precheck and create: it is not ours to delete.
    if (failureType(err) === FAILURE_TYPES.alreadyExists) op.dropCompensation('deleteService');
    // A 4xx on the first attempt: nothing was created. After a retry, an earlier attempt may have
    // been accepted unseen (its instance still invisible), so the rollback looks for a while.
    create.refusedAtOnce = failureType(err) === FAILURE_TYPES.rejected && failureAttempt(err) === 1;
    throw err;
  }
}

/** The compensation: deletes the instance this create made (and only that one), and waits until it is gone. */
async function deleteOurCreate(op: ServiceOperation, ref: ServiceRef, create: CreateTracking): Promise<void> {
  if (!create.job) {
    // Failed or cancelled while the create call was in flight: it may have been accepted anyway.
    create.job = op.rules.follows('adoptOnlyOwnCreate') ? await ownCreateJob(ref, create.sentAt, create.refusedAtOnce) : await legacyInFlightCreate(ref);
    if (op.rules.follows('adoptOnlyOwnCreate') && !create.job) return; // nothing of ours exists: nothing to delete
  }
  if (create.job && !create.job.done) {
    // The API refuses to delete an instance whose create job still runs: let it end first.
    await op.waitForJob('create', create.job.jobId, { undo: true });
  }
  let deletion = await cloud.deleteService(ref);
  if (deletion.alreadyGone && create.job && op.rules.follows('adoptOnlyOwnCreate')) {
    // The cloud accepted this create, so a 404 right after it means "not visible yet", not gone:
    // wait for the instance to show, then delete it.
    if (await waits.findOwnCreate({ ...ref, sinceMs: create.sentAt, graceMs: CREATE_VISIBILITY_GRACE_MS })) deletion = await cloud.deleteService(ref);
  }
  if (deletion.jobId) {
    op.noteJob(deletion.jobId);
    assertJobSucceeded('delete', await op.waitForJob('delete', deletion.jobId, { undo: true }));
  }
  await op.waitForStatus('gone', { undo: true });
}

/** How long a service may stay invisible (404) after a create the cloud accepted. */
const CREATE_VISIBILITY_GRACE_MS = 60_000;

/**
 * The create job of the instance this create made, or undefined when there is none of ours: an
 * instance someone else made under the name is never deleted. After a final 4xx one look is enough;
 * after a lost answer or a cancellation the instance may take a while to become visible.
 */
async function ownCreateJob(ref: ServiceRef, sinceMs: number, rejected: boolean): Promise<{ jobId: string; done: boolean } | undefined> {
  const own = await waits.findOwnCreate({ ...ref, sinceMs, graceMs: rejected ? 0 : CREATE_VISIBILITY_GRACE_MS });
  if (!own) return undefined;
  // Without a job id (an API that does not report it) the delete is sent at once and retried while busy.
  return own.creationJobId ? { jobId: own.creationJobId, done: own.status !== 'In Progress' } : { jobId: '', done: true };
}

/** Runs from before adoptOnlyOwnCreate: any instance in progress under the name was adopted. */
async function legacyInFlightCreate(ref: ServiceRef): Promise<{ jobId: string; done: boolean } | undefined> {
  const found = await cloud.findService(ref);
  return found?.creationJobId && found.status === 'In Progress' ? { jobId: found.creationJobId, done: false } : undefined;
}
