// What maintainService tells the world: audit events (a regular activity, as from the first version,
// so older histories replay) and webhook notifications to its contacts.
import { log, workflowInfo } from '@temporalio/workflow';
import type { AuditEventName } from '../../audit/types';
import type { MaintainOptions, MaintainProgress } from '../../shared/maintain';
import { rootMessage } from '../../shared/failures';
import { audit } from '../activity-proxies';
import { Notifier } from '../support/notifier';

export type MaintainEvent = Extract<AuditEventName, 'drift_detected' | 'drift_resolved' | 'action_taken' | 'action_failed' | 'needs_attention' | 'attention_cleared' | 'maintenance_ended' | 'paused' | 'resumed' | 'desired_changed'>;

export class Reporter {
  private readonly notifier: Notifier;
  /** Audit writes started by message handlers (which return at once): awaited before the run ends. */
  private readonly writes: Promise<unknown>[] = [];

  constructor(
    private readonly opts: MaintainOptions,
    progress: () => MaintainProgress,
  ) {
    this.notifier = new Notifier(opts.contacts, () => ({ maintainer: workflowInfo().workflowId, service: opts.serviceName, identityDomain: opts.identityDomain, state: progress().state, paused: progress().paused }));
  }

  /**
   * `key` is unique within the run (the activity makes it the idempotency key). A write the store
   * refuses for the whole retry policy (an hour) is logged loudly, never fails the months-long loop.
   */
  record(event: MaintainEvent, key: string, details: Record<string, unknown>, by?: string): Promise<unknown> {
    const { identityDomain, serviceName, requestedBy, ticket } = this.opts;
    return audit
      .recordAudit({ key, occurredAt: new Date().toISOString(), operation: 'maintainService', identityDomain, serviceName, event, requestedBy: by ?? requestedBy, ticket, details })
      .catch((err: unknown) => log.error('audit event not written', { event, key, error: rootMessage(err) }));
  }

  /** Records without waiting (a message handler); a write that fails for an hour is logged. `by`: who sent the message. */
  recordLater(event: MaintainEvent, key: string, details: Record<string, unknown>, by?: string): void {
    this.writes.push(this.record(event, key, details, by));
  }

  notify(event: string, details: Record<string, unknown> = {}): void {
    this.notifier.notify(event, details);
  }

  /** Waits for the writes and deliveries under way, and for any a handler started meanwhile. */
  async flush(): Promise<void> {
    do {
      await Promise.allSettled([...this.writes.splice(0), this.notifier.flush()]);
    } while (this.writes.length > 0);
  }
}
