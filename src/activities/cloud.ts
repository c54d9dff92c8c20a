// Activities that touch the DBCS API. Each is idempotent: running it twice has the effect of once.
import { ApplicationFailure } from '@temporalio/common';
import { Context } from '@temporalio/activity';
import type { DbcsClient } from '../cloud/client';
import { CloudApiError, isAlreadyExistsAnswer } from '../cloud/errors';
import type { JobReading } from '../cloud/job-reading';
import type { Instance } from '../cloud/schemas';
import { defaultJobDeadlineMs, DEFAULT_STATUS_DEADLINE_MINUTES } from '../shared/deadlines';
import type { ServiceSpec, ServiceSummary } from '../shared/schemas';
import { classified, FAILURE_TYPES, toFailure } from './failures';
import { pollUntil, realClock, waitTimedOut, type PollClock, type PollOptions, type PollState } from './polling';
import { isOwnCreate } from './create-adoption';
import { recordJobWait } from './job-metrics';
import { learningWait, type JobEndLearning, type LearningDetail } from './job-ends';

export interface ServiceRef {
  identityDomain: string;
  serviceName: string;
}

export interface CreateServiceResult {
  jobId: string;
  requestName: string;
  /** True when a retried create found the instance its earlier attempt had already made. */
  adopted: boolean;
}

export interface WaitForJobInput {
  identityDomain: string;
  /** Needed for patch jobs (precheck, patch), which live under the service. */
  serviceName?: string;
  requestName: string;
  jobId: string;
  poll?: Partial<PollOptions>;
  /** How long the job may take, from the wait's first attempt; absent: the default of its kind (src/shared/deadlines.ts). */
  deadlineMs?: number;
}

export interface JobOutcome {
  jobId: string;
  jobStatus: 'Succeeded' | 'Failed';
  operation?: string;
  instanceStatus?: string;
  messages: string[];
  /** Apply and rollback jobs: the service's patch level when the job ended. */
  patchLevel?: string;
  /** Precheck jobs: the problems found (empty: none). */
  findings?: string[];
  polls: number;
  waitedMs: number;
}

export interface WaitForStatusInput extends ServiceRef {
  /** Watch one compute node (from the servers list) instead of the service. */
  vmName?: string;
  /** Statuses that end the wait; `gone` waits for a 404. */
  want: string[] | 'gone';
  /** Statuses that end the wait with an error (the service will not get there on its own). */
  failOn?: string[];
  poll?: Partial<PollOptions>;
  /** How long the service may take to get there, from the wait's first attempt; absent: DEFAULT_STATUS_DEADLINE_MINUTES. */
  deadlineMs?: number;
}

/** What a job wait heartbeats (the CLI shows it live): the job's status as the API wrote it. */
export interface JobWaitDetail extends LearningDetail {
  jobStatus: string;
  instanceStatus?: string;
  serviceName?: string;
  messages: string[];
}

function lastSeenJob(state: PollState<JobWaitDetail>): string {
  const d = state.detail;
  const seen = d ? `status ${d.jobStatus}${d.instanceStatus ? `, service ${d.instanceStatus}` : ''}${d.messages.length ? `, "${d.messages.at(-1)}"` : ''}` : 'no answer';
  return state.lastError ? `${seen}; last error: ${state.lastError}` : seen;
}

function outcomeOf(jobId: string, job: JobReading): Omit<JobOutcome, 'polls' | 'waitedMs'> {
  return {
    jobId,
    jobStatus: job.state === 'succeeded' ? 'Succeeded' : 'Failed',
    operation: job.operation,
    instanceStatus: job.instanceStatus,
    messages: job.messages.slice(-10),
    ...(job.patchLevel !== undefined ? { patchLevel: job.patchLevel } : {}),
    ...(job.findings !== undefined ? { findings: job.findings } : {}),
  };
}

/** How job and status waits poll: the worker's settings (DBAAS_POLL_FLOOR_MS, DBAAS_POLL_CAP_MS). */
export interface PollSettings {
  options: PollOptions;
  clock: PollClock;
}

/**
 * First poll and floor 200 ms: a 2 s job is noticed within 10 % of its duration; the floor only
 * matters for the first 2 s of a wait (about 8 extra calls per job). Cap 30 s: the seeds' interval.
 */
export const DEFAULT_POLL_SETTINGS: PollSettings = { options: { initialMs: 200, maxMs: 30_000, growth: 0.1 }, clock: realClock };
/** A job id the API does not know yet is tolerated this long (it may still be registering). */
const JOB_NOT_FOUND_GRACE_MS = 30_000;

export function summarize(identityDomain: string, i: Instance): ServiceSummary {
  return {
    serviceName: i.service_name,
    identityDomain,
    status: i.status,
    shape: i.shape,
    version: i.version,
    edition: i.edition,
    connectDescriptor: i.connect_descriptor,
    creationJobId: i.creation_job_id,
    serviceUri: i.service_uri,
    usableStorageGb: i.usable_storage,
    fraStorageGb: i.fra_storage,
    additionalVolumesGb: i.additional_volumes,
    patchLevel: i.patch_level,
  };
}

/** A submitted job, or none when a retry found the earlier attempt's change already under way or done. */
export interface SubmitResult {
  jobId?: string;
  /** Why there is no job id: the change is `in-progress` (Maintenance) or already `applied`. */
  found?: 'in-progress' | 'applied';
}

export interface ScaleRequest extends ServiceRef {
  shape?: string;
  additionalStorage?: number;
  usage?: 'data' | 'fra';
  /** The service as the precheck saw it: a retry compares against it to see if the change happened. */
  before: ServiceSummary;
}

export interface LifecycleRequest extends ServiceRef {
  lifecycleState: 'stop' | 'start' | 'restart';
  vmName?: string;
  lifecycleTimeout?: number;
}

function storageGrew(before: ServiceSummary, now: Instance, usage: ScaleRequest['usage']): boolean {
  if (usage === 'data') return (now.usable_storage ?? 0) > (before.usableStorageGb ?? 0);
  if (usage === 'fra') return (now.fra_storage ?? 0) > (before.fraStorageGb ?? 0);
  return (now.additional_volumes?.length ?? 0) > (before.additionalVolumesGb?.length ?? 0);
}

const fatalUnlessRetryable = (err: unknown) => !(err instanceof CloudApiError && err.retryable);

/** A failure of createService, with the attempt it ended on in its details. */
function withAttempt(failure: unknown, attempt: number): unknown {
  if (!(failure instanceof ApplicationFailure)) return failure;
  const details = (failure.details?.[0] ?? {}) as Record<string, unknown>;
  return ApplicationFailure.create({ message: failure.message, type: failure.type ?? undefined, nonRetryable: failure.nonRetryable ?? undefined, nextRetryDelay: failure.nextRetryDelay, details: [{ ...details, attempt }] });
}

export function createCloudActivities(client: DbcsClient, polling: PollSettings = DEFAULT_POLL_SETTINGS, jobEnds?: JobEndLearning) {
  const { clock } = polling;
  return {
    /** The service as the API sees it, or null when it does not exist (404). */
    async findService({ identityDomain, serviceName }: ServiceRef): Promise<ServiceSummary | null> {
      return classified(async () => {
        const instance = await client.findInstance(identityDomain, serviceName);
        return instance ? summarize(identityDomain, instance) : null;
      });
    },

    /**
     * Submits the create request. A retry first looks for the instance its earlier attempt may have
     * made (the answer may have been lost), so a retried create never makes a second instance.
     */
    async createService({ identityDomain, service }: { identityDomain: string; service: ServiceSpec }): Promise<CreateServiceResult> {
      const { attempt, scheduledTimestampMs } = Context.current().info;
      const adopt = async (): Promise<CreateServiceResult | undefined> => {
        const existing = await client.findInstance(identityDomain, service.serviceName);
        if (!existing?.creation_job_id) return undefined;
        // Ours only if this API user created it after the first attempt was scheduled (the name was
        // free then); anything else took the name in between and is not ours to adopt or delete.
        if (!isOwnCreate(existing, client.username, scheduledTimestampMs)) {
          throw ApplicationFailure.nonRetryable(
            `a service named [${service.serviceName}] already exists in domain [${identityDomain}], created by ${existing.created_by ?? 'someone'} at ${existing.creation_time ?? 'an unknown time'}: not by this create`,
            FAILURE_TYPES.alreadyExists,
          );
        }
        Context.current().log.info('create was accepted by an earlier attempt; adopting its job', { jobId: existing.creation_job_id });
        return { jobId: existing.creation_job_id, requestName: 'create', adopted: true };
      };
      try {
        if (attempt > 1) {
          const adopted = await adopt();
          if (adopted) return adopted;
        }
        const job = await client.createInstance(identityDomain, service as unknown as Record<string, unknown>);
        return { jobId: job.jobId, requestName: job.requestName, adopted: false };
      } catch (err) {
        if (err instanceof CloudApiError && isAlreadyExistsAnswer(err.status ?? 0, err.details.apiMessage ?? '')) {
          if (attempt > 1) {
            // A read that fails is looked at again on the next attempt; a name taken by another is final.
            const adopted = await adopt().catch((e: unknown) => {
              if (e instanceof ApplicationFailure) throw e;
              return undefined;
            });
            if (adopted) return adopted;
            // Ours but not yet visible (a GET answers 404 for a while after create): look again later.
            throw ApplicationFailure.retryable(`service [${service.serviceName}] exists but is not visible yet; looking again`, FAILURE_TYPES.transient);
          }
          throw ApplicationFailure.nonRetryable(`a service named [${service.serviceName}] already exists in domain [${identityDomain}]: ${err.details.apiMessage}`, FAILURE_TYPES.alreadyExists);
        }
        // The attempt tells a rollback whether an earlier attempt may have been accepted unseen.
        throw withAttempt(toFailure(err), attempt);
      }
    },

    /** Submits the delete; a service that is already gone is not an error. */
    async deleteService({ identityDomain, serviceName, deleteBackup }: ServiceRef & { deleteBackup?: boolean }): Promise<{ jobId?: string; alreadyGone: boolean }> {
      return classified(async () => {
        try {
          const job = await client.deleteInstance(identityDomain, serviceName, { deleteBackup });
          return { jobId: job.jobId, alreadyGone: false };
        } catch (err) {
          if (err instanceof CloudApiError && err.isNotFound) return { alreadyGone: true };
          throw err;
        }
      });
    },

    /**
     * Submits a scale request. A retry first checks whether its earlier attempt took effect (the
     * service is in Maintenance, or already shows the change), so a lost answer never scales twice.
     */
    async submitScale({ identityDomain, serviceName, shape, additionalStorage, usage, before }: ScaleRequest): Promise<SubmitResult> {
      return classified(async () => {
        if (Context.current().info.attempt > 1) {
          const now = await client.getInstance(identityDomain, serviceName);
          if (now.status === 'Maintenance') return { found: 'in-progress' };
          const applied = shape !== undefined ? now.shape === shape : storageGrew(before, now, usage);
          if (applied) return { found: 'applied' };
        }
        const body = { ...(shape ? { shape } : {}), ...(additionalStorage !== undefined ? { additionalStorage: String(additionalStorage) } : {}), ...(usage ? { usage } : {}) };
        const job = await client.scaleInstance(identityDomain, serviceName, body);
        return { jobId: job.jobId };
      });
    },

    /** Submits stop/start/restart; a retry first checks whether the earlier attempt took effect. */
    async submitLifecycle({ identityDomain, serviceName, lifecycleState, vmName, lifecycleTimeout }: LifecycleRequest): Promise<SubmitResult> {
      return classified(async () => {
        const { attempt, scheduledTimestampMs } = Context.current().info;
        if (attempt > 1) {
          const instance = await client.getInstance(identityDomain, serviceName);
          const status = vmName ? (await client.listServers(identityDomain, serviceName)).find((n) => n.vmName === vmName)?.status : instance.status;
          if (status === 'Maintenance') return { found: 'in-progress' };
          if ((lifecycleState === 'stop' && status === 'Stopped') || (lifecycleState === 'start' && status === 'Running')) return { found: 'applied' };
          // A restart ends where it began (Running): a change to the service after our first attempt
          // was scheduled is that attempt's restart, whose answer was lost. Do not restart twice.
          // (No skew allowed here: a change made just before, like the start before a restart, is not it.)
          const modifiedAt = Date.parse(instance.last_modified_time ?? '');
          if (lifecycleState === 'restart' && status === 'Running' && modifiedAt >= scheduledTimestampMs) return { found: 'applied' };
        }
        const job = await client.controlInstance(identityDomain, serviceName, {
          lifecycleState,
          ...(vmName ? { vmName } : {}),
          ...(lifecycleTimeout ? { lifecycleTimeout: String(lifecycleTimeout) } : {}),
        });
        return { jobId: job.jobId };
      });
    },

    /** The status of each compute node. */
    async listServers({ identityDomain, serviceName }: ServiceRef): Promise<{ vmName?: string; status: string }[]> {
      return classified(async () => (await client.listServers(identityDomain, serviceName)).map((n) => ({ vmName: n.vmName, status: n.status })));
    },

    /**
     * Polls an async job until it ends, heartbeating its progress; resumes after a worker crash. Past
     * its deadline it fails WaitTimedOut; an answer with no readable status fails CloudAnswerUnreadable.
     */
    async waitForJob({ identityDomain, serviceName, requestName, jobId, poll, deadlineMs }: WaitForJobInput): Promise<JobOutcome> {
      if ((requestName === 'precheck' || requestName === 'patch') && !serviceName) {
        throw ApplicationFailure.nonRetryable(`${requestName} job ${jobId}: a patch job lives under its service, and no serviceName was given`, FAILURE_TYPES.invalidInput);
      }
      const options = { ...polling.options, ...poll };
      const limitMs = deadlineMs ?? defaultJobDeadlineMs(requestName);
      // Polls are dense where recent jobs of the kind ended, sparse before (poll-schedule.ts); an explicit `poll` keeps the growth schedule.
      const learned = await learningWait(jobEnds, { kind: requestName, identityDomain }, options, poll !== undefined);
      const { value, state } = await pollUntil<JobOutcome, JobWaitDetail>(
        options,
        async (s) => {
          const probedAtMs = clock.now() - s.startedAt;
          let job = await client.readJob(identityDomain, { requestName, jobId, serviceName });
          const detail: JobWaitDetail = { jobStatus: job.rawStatus, instanceStatus: job.instanceStatus, serviceName: job.serviceName, messages: job.messages.slice(-5), runningAtMs: probedAtMs };
          if (job.state === 'running') return { done: false, detail };
          await learned.ended(jobId, job.state === 'succeeded' ? 'succeeded' : 'failed', s.detail, probedAtMs);
          if (job.state === 'failed' && requestName === 'patch') {
            // An apply/rollback answer says only FAILED: the why is in its activity log (best effort).
            const log = await client.jobMessages(identityDomain, jobId).catch(() => []);
            job = { ...job, messages: [...job.messages, ...log] };
          }
          const outcome = outcomeOf(jobId, job);
          recordJobWait(requestName, outcome.jobStatus === 'Succeeded' ? 'succeeded' : 'failed', clock.now() - s.startedAt);
          return { done: true, value: { ...outcome, polls: s.polls, waitedMs: clock.now() - s.startedAt }, detail };
        },
        (err, s) => {
          if (err instanceof CloudApiError && err.isNotFound) return clock.now() - s.startedAt > JOB_NOT_FOUND_GRACE_MS;
          return fatalUnlessRetryable(err);
        },
        clock,
        {
          ...learned.extras,
          deadline: {
            ms: limitMs,
            onExpiry: (s, waitedMs) => {
              const service = serviceName ?? s.detail?.serviceName;
              recordJobWait(requestName, 'timed_out', waitedMs);
              throw waitTimedOut(`${requestName} job ${jobId} ${service ? `of service [${service}]` : `in domain [${identityDomain}]`} to end`, waitedMs, limitMs, lastSeenJob(s));
            },
          },
        },
      ).catch((err: unknown) => {
        throw toFailure(err);
      });
      return { ...value, polls: state.polls };
    },

    /** Polls the service until its status is one of `want` (or it is gone), heartbeating as it goes. */
    async waitForServiceStatus({ identityDomain, serviceName, vmName, want, failOn = [], poll, deadlineMs }: WaitForStatusInput): Promise<ServiceSummary | null> {
      const options = { ...polling.options, ...poll };
      const limitMs = deadlineMs ?? DEFAULT_STATUS_DEADLINE_MINUTES * 60_000;
      const awaited = `service [${serviceName}]${vmName ? ` VM ${vmName}` : ''} in domain [${identityDomain}] to be ${want === 'gone' ? 'gone' : want.join(' or ')}`;
      const { value } = await pollUntil<ServiceSummary | null, { status: string }>(
        options,
        async () => {
          let instance = await client.findInstance(identityDomain, serviceName);
          if (instance && vmName) {
            // Judge by the node, report the service (with the node's status in front).
            const node = (await client.listServers(identityDomain, serviceName)).find((n) => n.vmName === vmName);
            if (!node) throw ApplicationFailure.nonRetryable(`service [${serviceName}] has no VM ${vmName}`, FAILURE_TYPES.unexpectedState);
            instance = { ...instance, status: node.status };
          }
          if (!instance) return want === 'gone' ? { done: true, value: null } : { done: false, detail: { status: '(not visible yet)' } };
          if (want !== 'gone' && want.includes(instance.status)) return { done: true, value: summarize(identityDomain, instance), detail: { status: instance.status } };
          if (failOn.includes(instance.status)) {
            throw ApplicationFailure.nonRetryable(
              `service [${serviceName}] is ${instance.status}, expected ${want === 'gone' ? 'it to be gone' : want.join(' or ')}`,
              FAILURE_TYPES.unexpectedState,
            );
          }
          return { done: false, detail: { status: instance.status } };
        },
        (err) => err instanceof ApplicationFailure || fatalUnlessRetryable(err),
        clock,
        {
          deadline: {
            ms: limitMs,
            onExpiry: (s, waitedMs) => {
              const seen = s.detail ? `status ${s.detail.status}` : 'no answer';
              throw waitTimedOut(awaited, waitedMs, limitMs, s.lastError ? `${seen}; last error: ${s.lastError}` : seen);
            },
          },
        },
      ).catch((err: unknown) => {
        throw toFailure(err);
      });
      return value;
    },
  };
}

export type CloudActivities = ReturnType<typeof createCloudActivities>;
