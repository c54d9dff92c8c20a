// Contacts of applications (issue 14): the notifyContacts workflow's pass, and `dbaas app …` through
// the worker. A pass reads the audit events contacts hear of after a cursor, joins each to the
// applications owning its service, and posts it to every contact of those applications (the body and
// headers of the rollout's webhooks, plus `application`). Each (event, contact) delivery is a row of
// the store: a contact that answered 2xx is never posted to again (a retried activity skips it), a
// failing one is tried a few times with backoff, then recorded failed.
import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { request } from 'undici';
import { applyApplicationRequest } from '../audit/applications';
import type { AuditRecord, AuditStore } from '../audit/types';
import { FAILURE_TYPES } from '../shared/failures';
import { describeZodError } from '../shared/schemas';
import { applicationRequestSchema, notifyContactsInputSchema, type ApplicationRequest, type ApplicationResult, type DispatchResult } from '../shared/applications';

type DeliveryOutcome = 'delivered' | 'failed' | 'skipped';

export interface DispatchInput {
  afterEventId?: string;
  batchSize?: number;
  maxAttempts?: number;
  retryInitialMs?: number;
  settledMs?: number;
}

/** The webhook body of an audit event: the rollout's webhook shape (eventId, event, who, at, details) plus the application. */
export function notificationBody(e: AuditRecord, application: string): Record<string, unknown> {
  return {
    ...(e.details ?? {}),
    eventId: `audit:${e.id}`,
    event: e.event,
    application,
    workflowId: e.workflowId,
    operation: e.operation,
    identityDomain: e.identityDomain,
    serviceName: e.serviceName,
    ...(e.step ? { step: e.step } : {}),
    ...(e.jobId ? { jobId: e.jobId } : {}),
    ...(e.requestedBy ? { requestedBy: e.requestedBy } : {}),
    ...(e.ticket ? { ticket: e.ticket } : {}),
    at: e.occurredAt.toISOString(),
  };
}

/** One POST: ok, or why not and whether trying again may help (4xx other than 408/429: no). */
async function post(url: string, body: Record<string, unknown>): Promise<{ ok: true } | { ok: false; error: string; final: boolean }> {
  try {
    const res = await request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), headersTimeout: 10_000, bodyTimeout: 10_000 });
    await res.body.dump();
    if (res.statusCode < 300) return { ok: true };
    return { ok: false, error: `webhook ${url} answered ${res.statusCode}`, final: res.statusCode >= 400 && res.statusCode < 500 && res.statusCode !== 408 && res.statusCode !== 429 };
  } catch (err) {
    return { ok: false, error: `webhook ${url} unreachable: ${err instanceof Error ? err.message : String(err)}`, final: false };
  }
}

/** How long a claimed delivery is ours (renewed before each try); a pause between tries is at most MAX_PAUSE_MS. */
const LEASE_MS = 120_000;
const MAX_PAUSE_MS = 30_000;
/** Outside an activity (unit tests): one owner per process. */
const PROCESS_OWNER = `process:${randomUUID()}`;

/** The dispatcher's workflow id: a retried pass (or its next run) takes over its own claims at once. */
function owner(): string {
  try {
    return Context.current().info.workflowExecution?.workflowId ?? PROCESS_OWNER;
  } catch {
    return PROCESS_OWNER;
  }
}

export function createContactActivities(getStore: () => Promise<AuditStore>) {
  const heartbeat = (details?: unknown) => {
    try {
      Context.current().heartbeat(details);
    } catch {
      // outside an activity (unit tests)
    }
  };
  const pause = async (ms: number) => {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      heartbeat();
      await new Promise((r) => setTimeout(r, Math.min(1000, end - Date.now())));
    }
  };

  /** Posts one event to one contact (tries with backoff up to maxAttempts), unless it is settled or another dispatcher holds it. */
  const deliver = async (store: AuditStore, event: AuditRecord, application: string, url: string, opts: { maxAttempts: number; retryInitialMs: number }): Promise<DeliveryOutcome> => {
    heartbeat({ eventId: event.id, url });
    const claim = () => store.claimDelivery({ eventId: event.id, contactUrl: url, application, owner: owner(), leaseMs: LEASE_MS });
    // Settled, or another dispatcher (another task queue on this store) is trying it: not ours to post.
    const before = await claim();
    if (!before) return 'skipped';
    let attempts = before.attempts;
    for (;;) {
      if (attempts >= opts.maxAttempts) {
        await store.giveUpDelivery(event.id, url);
        return 'failed';
      }
      if (attempts > 0) await pause(Math.min(opts.retryInitialMs * 2 ** (attempts - 1), MAX_PAUSE_MS));
      // Renewed before each try; lost only if this pass stalled past the lease and another took it over.
      if (!(await claim())) return 'skipped';
      const r = await post(url, notificationBody(event, application));
      attempts += 1;
      const outcome = r.ok ? 'delivered' : r.final || attempts >= opts.maxAttempts ? 'failed' : 'pending';
      await store.recordDeliveryAttempt({ eventId: event.id, contactUrl: url, application, outcome, ...(r.ok ? {} : { error: r.error }) });
      if (outcome !== 'pending') return outcome;
    }
  };

  return {
    /** One pass of the dispatcher: returns the new cursor. Idempotent: safe to run again after a crash. */
    async dispatchNotifications(input: DispatchInput): Promise<DispatchResult> {
      const parsed = notifyContactsInputSchema.safeParse(input);
      if (!parsed.success) throw ApplicationFailure.nonRetryable(`invalid dispatch input: ${describeZodError(parsed.error)}`, FAILURE_TYPES.invalidInput);
      const opts = parsed.data;
      const store = await getStore();
      if (opts.afterEventId === undefined) return { lastEventId: await store.latestEventId(), read: 0, delivered: 0, failed: 0 };
      const candidates = await store.notificationCandidates(opts.afterEventId, opts.batchSize, opts.settledMs);
      const tally = { delivered: 0, failed: 0 };
      const count = (outcome: DeliveryOutcome) => {
        if (outcome === 'delivered') tally.delivered += 1;
        else if (outcome === 'failed') tally.failed += 1;
      };
      for (const { event, applications } of candidates) {
        const seen = new Set<string>();
        for (const app of applications) {
          for (const url of app.contacts) {
            if (seen.has(url)) continue;
            seen.add(url);
            count(await deliver(store, event, app.name, url, opts));
          }
        }
      }
      // Deliveries another dispatcher claimed and never finished (it is gone): their events are behind every cursor now.
      for (const orphan of await store.orphanedDeliveries(opts.batchSize)) count(await deliver(store, orphan.event, orphan.application, orphan.contactUrl, opts));
      return { lastEventId: candidates.at(-1)?.event.id ?? opts.afterEventId, read: candidates.length, ...tally };
    },

    /** `dbaas app …` through the worker (the CLI without DATABASE_URL). */
    async applicationRecords(request: ApplicationRequest): Promise<ApplicationResult> {
      const checked = applicationRequestSchema.safeParse(request);
      if (!checked.success) throw ApplicationFailure.nonRetryable(`invalid application request: ${describeZodError(checked.error)}`, FAILURE_TYPES.invalidInput);
      return applyApplicationRequest(await getStore(), request);
    },
  };
}
