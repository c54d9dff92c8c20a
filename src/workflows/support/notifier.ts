// Webhook notifications of a long-running workflow: fire and forget (a slow or dead webhook never
// holds the workflow up), each body with an event id so a receiver can drop a redelivered duplicate.
import { CancellationScope, log, workflowInfo } from '@temporalio/workflow';
import { rootMessage } from '../../shared/failures';
import { notifications } from '../activity-proxies';

export interface Contact {
  url: string;
  /** Only events about these services (events without a service list reach every contact). */
  services?: string[];
}

export class Notifier {
  private readonly pending: Promise<unknown>[] = [];
  private sent = 0;

  /** `base` gives the fields every body carries (who sends, the state now). */
  constructor(
    private readonly contacts: Contact[],
    private readonly base: () => Record<string, unknown>,
  ) {}

  notify(event: string, details: Record<string, unknown> = {}, services?: string[]): void {
    if (this.contacts.length === 0) return;
    const { workflowId, runId } = workflowInfo();
    // Stable across delivery retries and unique across runs: a receiver dedupes on it.
    const eventId = `${workflowId}/${runId}/${++this.sent}`;
    for (const c of this.contacts) {
      if (services && c.services && !services.some((s) => c.services!.includes(s))) continue;
      const body = { eventId, event, ...this.base(), at: new Date().toISOString(), ...details };
      // Shielded: a cancelled workflow still tells its contacts what happened (the end is the news).
      const delivery = CancellationScope.nonCancellable(() => notifications.notify({ url: c.url, event: body }));
      this.pending.push(delivery.catch((err: unknown) => log.warn('notification not delivered', { url: c.url, event, error: rootMessage(err) })));
    }
  }

  /** Waits for the deliveries under way (each gives up within its retry policy's 2 minutes). */
  async flush(): Promise<void> {
    await Promise.allSettled(this.pending.splice(0));
  }
}
