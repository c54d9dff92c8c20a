// Activities of rolling patches: choosing the fleet, prechecks, apply and rollback (idempotent on
// retry), health gates, and webhook notifications.
import { Context, sleep } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { request } from 'undici';
import type { DbcsClient } from '../cloud/client';
import { CloudApiError } from '../cloud/errors';
import { isTerminalJobStatus } from '../cloud/schemas';
import type { SubmitResult, ServiceRef } from './cloud';
import { classified } from './failures';
import { nextIntervalMs, pollUntil } from './polling';

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

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

export function createPatchingActivities(client: DbcsClient) {
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
          if (!patch) throw ApplicationFailure.nonRetryable(`patch ${patchId} is not available to [${members[0].serviceName}] (version ${members[0].version}, level ${members[0].patchLevel})`, 'InvalidInput');
          targetLevel = patch.releaseVersion ?? patch.displayName;
        }
        return { members, missing, alreadyPatched, targetLevel };
      });
    },

    /** Prechecks many services (a bounded number at a time) in one heartbeating activity. */
    async precheckMany({ identityDomain, patchId, services, concurrency = 10 }: { identityDomain: string; patchId: string; services: string[]; concurrency?: number }): Promise<PrecheckResult[]> {
      const ctx = Context.current();
      const done = new Map<string, PrecheckResult>((ctx.info.heartbeatDetails as PrecheckResult[] | undefined)?.map((r) => [r.serviceName, r]) ?? []);
      const beat = setInterval(() => ctx.heartbeat([...done.values()]), 1_000);
      try {
        await mapLimit(services.filter((s) => !done.has(s)), concurrency, async (serviceName) => {
          done.set(serviceName, await precheckOne(client, identityDomain, serviceName, patchId));
        });
      } finally {
        clearInterval(beat);
      }
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

    /** The health gate: the service Running at the expected patch level within the time allowed. */
    async healthGate({ identityDomain, serviceName, expectedLevel, timeoutMs }: ServiceRef & { expectedLevel: string; timeoutMs: number }): Promise<HealthResult> {
      const { value } = await pollUntil<HealthResult, HealthResult>(
        { initialMs: 500, maxMs: 10_000 },
        async (state) => {
          const i = await client.findInstance(identityDomain, serviceName);
          const seen: HealthResult = { healthy: false, status: i?.status, patchLevel: i?.patch_level };
          if (i && i.status === 'Running' && i.patch_level === expectedLevel) return { done: true, value: { ...seen, healthy: true } };
          // Timed from the first attempt's start (heartbeated), so a retried gate does not start over.
          if (Date.now() - state.startedAt >= timeoutMs) {
            const reason = !i ? 'the service is gone' : i.status !== 'Running' ? `the service is ${i.status}, not Running` : `the patch level is ${i.patch_level}, not ${expectedLevel}`;
            return { done: true, value: { ...seen, reason: `${reason} after ${Math.round(timeoutMs / 1000)} s` } };
          }
          return { done: false, detail: seen };
        },
        (err) => !(err instanceof CloudApiError && err.retryable),
      );
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
        throw ApplicationFailure.retryable(`webhook ${url} unreachable: ${err instanceof Error ? err.message : String(err)}`, 'NotificationFailed');
      }
      if (status >= 300) throw ApplicationFailure.create({ message: `webhook ${url} answered ${status}`, type: 'NotificationFailed', nonRetryable: status >= 400 && status < 500 && status !== 429 });
    },
  };
}

async function precheckOne(client: DbcsClient, identityDomain: string, serviceName: string, patchId: string): Promise<PrecheckResult> {
  // Transient errors are retried here a few times; a precheck that cannot run is a failed precheck.
  for (let attempt = 1; ; attempt++) {
    try {
      const job = await client.precheckPatch(identityDomain, serviceName, patchId);
      const started = Date.now();
      for (;;) {
        const status = await client.getPatchJob(identityDomain, serviceName, 'precheck', job.jobId);
        if (isTerminalJobStatus(status.job_status)) {
          const findings = status.findings ?? (status.job_status === 'Failed' ? status.message.slice(-1) : []);
          return { serviceName, passed: status.job_status === 'Succeeded' && findings.length === 0, findings, jobId: job.jobId };
        }
        // Same growth as the other job waits; sleep() ends the loop if the rollout cancels the activity.
        await sleep(nextIntervalMs(Date.now() - started, { initialMs: 250, maxMs: 30_000 }));
      }
    } catch (err) {
      const retryable = err instanceof CloudApiError && err.retryable;
      if (!retryable || attempt >= 8) return { serviceName, passed: false, findings: [`precheck could not run: ${err instanceof Error ? err.message : String(err)}`] };
      await new Promise((r) => setTimeout(r, Math.min(10_000, err.details.retryAfterMs ?? 250 * 2 ** attempt)));
    }
  }
}

export type PatchingActivities = ReturnType<typeof createPatchingActivities>;
