// Activities of rolling patches: choosing the fleet, prechecks, apply and rollback (idempotent on
// retry), health gates, and webhook notifications.
import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { request } from 'undici';
import type { DbcsClient } from '../cloud/client';
import { CloudApiError } from '../cloud/errors';
import type { JobReading } from '../cloud/job-reading';
import { defaultJobDeadlineMs } from '../shared/deadlines';
import type { SubmitResult, ServiceRef } from './cloud';
import { classified, FAILURE_TYPES, toFailure } from './failures';
import { formatDuration, nextIntervalMs, pollUntil, realClock, type PollClock, type PollState } from './polling';

export interface FleetMember {
  serviceName: string;
  version: string;
  patchLevel: string;
  status: string;
  nodes: number;
}

export interface FleetQuery {
  identityDomain: string;
  patchId: string;
  /** Explicit service names; absent: every service of the domain on `version` that lacks the patch. */
  services?: string[];
  version?: string;
}

export interface PrecheckResult {
  serviceName: string;
  passed: boolean;
  findings: string[];
  jobId?: string;
}

export interface HealthResult {
  healthy: boolean;
  status?: string;
  patchLevel?: string;
  reason?: string;
}

export interface Notification {
  url: string;
  event: Record<string, unknown>;
}

export interface PrecheckManyInput {
  identityDomain: string;
  patchId: string;
  services: string[];
  concurrency?: number;
  /** How long each precheck job may take; absent: the precheck default (src/shared/deadlines.ts). */
  deadlineMs?: number;
}

/** What precheckMany heartbeats: the results so far, and the jobs in flight, which a retry polls on. */
interface PrecheckProgress {
  results: PrecheckResult[];
  jobs: Record<string, PrecheckJobRef>;
}

interface PrecheckJobRef {
  jobId: string;
  /** When the job was submitted (the deadline counts from here, across retries). */
  startedAt: number;
}

/** Runs fn over items, `limit` at a time; after a failure (a cancellation, say) starts no more. */
async function mapLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length && !failed) {
        try {
          await fn(items[next++]!);
        } catch (err) {
          failed = true;
          throw err;
        }
      }
    }),
  );
}

export function createPatchingActivities(client: DbcsClient, { clock = realClock }: { clock?: PollClock } = {}) {
  return {
    /** The services a rollout covers, with their version and patch level. */
    async listFleet({ identityDomain, patchId, services, version }: FleetQuery): Promise<{ members: FleetMember[]; missing: string[]; alreadyPatched: string[]; targetLevel?: string }> {
      return classified(async () => {
        const all = await client.listInstancesVerbose(identityDomain);
        const byName = new Map(all.map((i) => [i.service_name, i]));
        const chosen = services ? services.map((n) => byName.get(n)).filter((i) => i !== undefined) : all.filter((i) => !version || i.version === version);
        const missing = services ? services.filter((n) => !byName.has(n)) : [];
        const alreadyPatched = chosen.filter((i) => i.applied_patches?.includes(patchId)).map((i) => i.service_name);
        const members = chosen
          .filter((i) => !i.applied_patches?.includes(patchId))
          .map((i) => ({ serviceName: i.service_name, version: i.version ?? '', patchLevel: String(i.patch_level ?? ''), status: i.status, nodes: i.num_nodes ?? 1 }));
        // The level a patched service reports: the release the catalog gives for this patch.
        let targetLevel: string | undefined;
        if (members[0]) {
          const patch = (await client.availablePatches(identityDomain, members[0].serviceName)).find((x) => x.patchId === patchId);
          if (!patch) throw ApplicationFailure.nonRetryable(`patch ${patchId} is not available to [${members[0].serviceName}] (version ${members[0].version}, level ${members[0].patchLevel})`, FAILURE_TYPES.invalidInput);
          targetLevel = patch.releaseVersion ?? patch.displayName;
        }
        return { members, missing, alreadyPatched, targetLevel };
      });
    },

    /**
     * Prechecks many services (a bounded number at a time) in one heartbeating activity. A precheck
     * that cannot run, or does not end within its deadline, is a failed precheck; a cancellation ends
     * the activity.
     */
    async precheckMany({ identityDomain, patchId, services, concurrency = 10, deadlineMs }: PrecheckManyInput): Promise<PrecheckResult[]> {
      const ctx = Context.current();
      const saved = ctx.info.heartbeatDetails as PrecheckProgress | PrecheckResult[] | undefined;
      // Attempts from before in-flight jobs were heartbeated saved the results alone.
      const resumed: PrecheckProgress = Array.isArray(saved) ? { results: saved, jobs: {} } : { results: saved?.results ?? [], jobs: saved?.jobs ?? {} };
      const done = new Map(resumed.results.map((r) => [r.serviceName, r]));
      const jobs = new Map(Object.entries(resumed.jobs));
      const progress = (): PrecheckProgress => ({ results: [...done.values()], jobs: Object.fromEntries(jobs) });
      const beat = setInterval(() => ctx.heartbeat(progress()), 1_000);
      const limitMs = deadlineMs ?? defaultJobDeadlineMs('precheck');
      try {
        await mapLimit(
          services.filter((s) => !done.has(s)),
          concurrency,
          async (serviceName) => {
            const run: PrecheckRun = { client, clock, identityDomain, serviceName, patchId, deadlineMs: limitMs, job: jobs.get(serviceName), onJob: (j) => jobs.set(serviceName, j) };
            done.set(serviceName, await precheckOne(run));
            jobs.delete(serviceName);
          },
        );
      } finally {
        clearInterval(beat);
      }
      ctx.heartbeat(progress());
      return services.map((s) => done.get(s)!);
    },

    /** Applies the patch; a retry first checks whether its earlier attempt took effect. */
    async submitPatch({ identityDomain, serviceName, patchId, forceApply, note }: ServiceRef & { patchId: string; forceApply?: boolean; note?: string }): Promise<SubmitResult> {
      return classified(async () => {
        if (Context.current().info.attempt > 1) {
          const now = await client.getInstance(identityDomain, serviceName);
          if (now.applied_patches?.includes(patchId)) return { found: 'applied' };
          if (now.status === 'Maintenance') return { found: 'in-progress' };
        }
        const job = await client.applyPatch(identityDomain, serviceName, patchId, { forceApply, ...(note ? { additionalNote: note } : {}) });
        return { jobId: job.jobId };
      });
    },

    /** Rolls the patch back through the rollback id of its applied entry. */
    async submitPatchRollback({ identityDomain, serviceName, patchId, note }: ServiceRef & { patchId: string; note?: string }): Promise<SubmitResult> {
      return classified(async () => {
        const entries = await client.appliedPatches(identityDomain, serviceName);
        const applied = entries.find((e) => e.patchId === patchId && e.status === 'Applied');
        if (!applied) {
          // Rolled back already (an earlier attempt), or never applied (its apply job failed): nothing to undo.
          const now = await client.getInstance(identityDomain, serviceName);
          if (now.status === 'Maintenance' && !entries.some((e) => e.patchId === patchId)) return { found: 'in-progress' };
          return { found: 'applied' };
        }
        const job = await client.rollbackPatch(identityDomain, serviceName, applied.rollbackId, note ? { additionalNote: note } : {});
        return { jobId: job.jobId };
      });
    },

    /**
     * The health gate: the service Running at the expected patch level within the time allowed (timed
     * from the first attempt's start, so a retried gate does not start over). A refusal of the API
     * (400, 401, 403) fails it at once; transient errors are polled again.
     */
    async healthGate({ identityDomain, serviceName, expectedLevel, timeoutMs }: ServiceRef & { expectedLevel: string; timeoutMs: number }): Promise<HealthResult> {
      const unhealthy = (state: PollState<HealthResult>): HealthResult => {
        const seen = state.detail;
        const why = !seen
          ? `the API did not answer (${state.lastError ?? 'no answer'})`
          : seen.status === undefined
            ? 'the service is gone'
            : seen.status !== 'Running'
              ? `the service is ${seen.status}, not Running`
              : `the patch level is ${seen.patchLevel}, not ${expectedLevel}`;
        return { ...seen, healthy: false, reason: `${why} after ${Math.round(timeoutMs / 1000)} s` };
      };
      const { value } = await pollUntil<HealthResult, HealthResult>(
        { initialMs: 500, maxMs: 10_000 },
        async () => {
          const i = await client.findInstance(identityDomain, serviceName);
          const seen: HealthResult = { healthy: false, status: i?.status, patchLevel: i?.patch_level };
          if (i && i.status === 'Running' && i.patch_level === expectedLevel) return { done: true, value: { ...seen, healthy: true } };
          return { done: false, detail: seen };
        },
        (err) => !(err instanceof CloudApiError && err.retryable),
        clock,
        { deadline: { ms: timeoutMs, onExpiry: unhealthy } },
      ).catch((err: unknown) => {
        throw toFailure(err);
      });
      return value;
    },

    /** Posts one event to one webhook. Retried by Temporal; the rollout never waits on it. */
    async notify({ url, event }: Notification): Promise<void> {
      let status: number;
      try {
        const res = await request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(event), headersTimeout: 10_000, bodyTimeout: 10_000 });
        status = res.statusCode;
        await res.body.dump();
      } catch (err) {
        throw ApplicationFailure.retryable(`webhook ${url} unreachable: ${err instanceof Error ? err.message : String(err)}`, FAILURE_TYPES.notificationFailed);
      }
      if (status >= 300) throw ApplicationFailure.create({ message: `webhook ${url} answered ${status}`, type: FAILURE_TYPES.notificationFailed, nonRetryable: status >= 400 && status < 500 && status !== 429 });
    },
  };
}

interface PrecheckRun {
  client: DbcsClient;
  clock: PollClock;
  identityDomain: string;
  serviceName: string;
  patchId: string;
  deadlineMs: number;
  /** The job an earlier attempt submitted, if any: polled on rather than submitted again. */
  job?: PrecheckJobRef;
  onJob: (job: PrecheckJobRef) => void;
}

/** Transient errors are tried this many times in a row; then the precheck could not run. */
const TRANSIENT_TRIES = 8;
const PRECHECK_POLL = { initialMs: 250, maxMs: 30_000 };

async function precheckOne(run: PrecheckRun): Promise<PrecheckResult> {
  const { client, clock, identityDomain, serviceName, patchId, deadlineMs } = run;
  const couldNotRun = (err: unknown, jobId?: string): PrecheckResult => ({
    serviceName,
    passed: false,
    findings: [`precheck could not run: ${err instanceof Error ? err.message : String(err)}`],
    ...(jobId ? { jobId } : {}),
  });
  let job = run.job;
  if (!job) {
    const submitted = await withTransientRetries(clock, () => client.precheckPatch(identityDomain, serviceName, patchId));
    if (!submitted.ok) return couldNotRun(submitted.error);
    job = { jobId: submitted.value.jobId, startedAt: clock.now() };
    run.onJob(job);
  }
  const { jobId, startedAt } = job;
  for (;;) {
    const read = await withTransientRetries(clock, () => client.readJob(identityDomain, { requestName: 'precheck', jobId, serviceName }));
    if (!read.ok) return couldNotRun(read.error, jobId);
    if (read.value.state !== 'running') return precheckResult(serviceName, jobId, read.value);
    const waitedMs = clock.now() - startedAt;
    if (waitedMs >= deadlineMs) {
      const last = read.value.messages.at(-1);
      const finding = `precheck job ${jobId} did not end within ${formatDuration(deadlineMs)}; last seen: ${read.value.rawStatus}${last ? `, "${last}"` : ''}`;
      return { serviceName, passed: false, findings: [finding], jobId };
    }
    // Same growth as the other job waits; the sleep throws when the rollout cancels the activity.
    await clock.sleep(Math.min(nextIntervalMs(waitedMs, PRECHECK_POLL), Math.max(1, deadlineMs - waitedMs)));
  }
}

/** Passed: ended well with no findings. Failed: its findings, or its result message when it has none. */
function precheckResult(serviceName: string, jobId: string, job: JobReading): PrecheckResult {
  const findings = job.findings ?? [];
  if (job.state === 'succeeded' && findings.length === 0) return { serviceName, passed: true, findings: [], jobId };
  const said = findings.length > 0 ? findings : job.messages.slice(-1);
  return { serviceName, passed: false, findings: said.length > 0 ? said : [`precheck job ${jobId} ended ${job.rawStatus}`], jobId };
}

/** Calls fn, trying transient errors again after a pause that a cancellation cuts short. */
async function withTransientRetries<T>(clock: PollClock, fn: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  for (let attempt = 1; ; attempt++) {
    try {
      return { ok: true, value: await fn() };
    } catch (err) {
      if (err instanceof CancelledFailure) throw err;
      if (!(err instanceof CloudApiError && err.retryable) || attempt >= TRANSIENT_TRIES) return { ok: false, error: err };
      await clock.sleep(Math.min(10_000, err.details.retryAfterMs ?? 250 * 2 ** attempt));
    }
  }
}

export type PatchingActivities = ReturnType<typeof createPatchingActivities>;
