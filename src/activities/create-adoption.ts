// Which instance a create made. A create's answer can be lost while the cloud accepted it, so both a
// retried create and a rollback look for the instance it may have made, and only ever touch one that
// is provably this create's: made by this API user, after the create was first sent.
import type { DbcsClient } from '../cloud/client';
import type { Instance } from '../cloud/schemas';
import { CloudApiError } from '../cloud/errors';
import { classified } from './failures';
import { pollUntil, realClock } from './polling';

/** How far the cloud's clock may run behind ours when judging whether an instance is this create's. */
export const CLOCK_SKEW_MS = 60_000;

/**
 * Whether `instance` was provably made by `username` no earlier than `sinceMs` (clock skew allowed):
 * a creation time that is missing or unreadable proves nothing, so the instance is not ours.
 */
export function isOwnCreate(instance: Instance, username: string, sinceMs: number): boolean {
  if (instance.created_by !== undefined && instance.created_by !== username) return false;
  const createdAt = instance.creation_time ? Date.parse(instance.creation_time) : NaN;
  return Number.isFinite(createdAt) && createdAt >= sinceMs - CLOCK_SKEW_MS;
}

export interface OwnCreateQuery {
  identityDomain: string;
  serviceName: string;
  /** When the create was first sent (workflow time, ms). */
  sinceMs: number;
  /** How long a 404 may still mean "ours, not visible yet" (a GET right after a create answers 404 for a while). */
  graceMs: number;
}

export interface OwnCreate {
  creationJobId?: string;
  status: string;
}

export function createAdoptionActivities(client: DbcsClient) {
  return {
    /** The instance this create made, or null: none exists, or the one that does is not ours. */
    async findOwnCreate({ identityDomain, serviceName, sinceMs, graceMs }: OwnCreateQuery): Promise<OwnCreate | null> {
      // Polled like every wait: heartbeating (also during a slow answer), the grace counted from the
      // first attempt across retries, a last look exactly at its end.
      const { value } = await classified(() =>
        pollUntil<OwnCreate | null, { status: string }>(
          { initialMs: 500, maxMs: 2_000 },
          async () => {
            const instance = await client.findInstance(identityDomain, serviceName);
            if (!instance) return { done: false, detail: { status: '(not visible)' } };
            return { done: true, value: isOwnCreate(instance, client.username, sinceMs) ? { creationJobId: instance.creation_job_id, status: instance.status } : null };
          },
          (err) => !(err instanceof CloudApiError && err.retryable),
          realClock,
          { deadline: { ms: graceMs, onExpiry: () => null } },
        ),
      );
      return value;
    },
  };
}
