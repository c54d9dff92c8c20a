// Applications and their contacts (issue 14): an application owns services and has contacts (webhooks);
// notifications of rollouts, maintainers' attention and failed operations go to the contacts of the
// application that owns the service. Kept in the audit store; delivered by the notifyContacts workflow,
// which reads new audit events (an outbox over the trail), so no operation's own code changes.
// Workflow-safe: no node:* imports.
import { z } from 'zod';
import { applicationNameSchema } from '../reports/applications';
import { webhookUrlSchema } from './patching';
import { existingServiceNameSchema, identityDomainSchema } from './schemas';

export { applicationNameSchema };

/** The one dispatcher per task queue (workflow ids are per namespace; a namespace may serve several task queues). */
export const notifyContactsWorkflowId = (taskQueue: string) => `notify:contacts:${taskQueue}`;

export const applicationContactsSchema = z
  .array(webhookUrlSchema)
  .min(1, 'at least one --contact URL')
  .max(20)
  .refine((urls) => new Set(urls).size === urls.length, { message: 'must not repeat a URL' });

export const applicationCreateSchema = z.object({ action: z.literal('create'), name: applicationNameSchema, contacts: applicationContactsSchema }).strict();
export const applicationServiceSchema = z
  .object({ action: z.enum(['add', 'remove']), name: applicationNameSchema, identityDomain: identityDomainSchema, serviceName: existingServiceNameSchema })
  .strict();
export const applicationShowSchema = z.object({ action: z.literal('show'), name: applicationNameSchema, deliveries: z.number().int().min(1).max(1000).default(20) }).strict();
export const applicationListSchema = z.object({ action: z.literal('list') }).strict();

/** What `dbaas app …` asks of the store (directly, or through the applicationRecords workflow). */
export const applicationRequestSchema = z.union([applicationCreateSchema, applicationServiceSchema, applicationShowSchema, applicationListSchema]);
export type ApplicationRequest = z.input<typeof applicationRequestSchema>;

export interface ApplicationServiceRef {
  identityDomain: string;
  serviceName: string;
}

export interface Application {
  name: string;
  contacts: string[];
  createdAt: string;
  updatedAt: string;
}

export interface ApplicationSummary extends Application {
  services: number;
}

export interface NotificationDelivery {
  eventId: string;
  contactUrl: string;
  application: string;
  /** delivered (answered 2xx), failed (given up after its attempts), pending (being tried). */
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  deliveredAt?: string;
  lastError?: string;
  updatedAt: string;
  /** The audit event's kind and service (joined from the trail). */
  event?: string;
  identityDomain?: string;
  serviceName?: string;
}

export interface ApplicationDetails extends Application {
  services: ApplicationServiceRef[];
  deliveries: NotificationDelivery[];
}

export type ApplicationResult =
  | { action: 'create'; application: Application; created: boolean }
  | { action: 'add'; name: string; identityDomain: string; serviceName: string; previous?: string; missing?: true }
  | { action: 'remove'; name: string; identityDomain: string; serviceName: string; removed: boolean }
  | { action: 'show'; application?: ApplicationDetails }
  | { action: 'list'; applications: ApplicationSummary[] };

export const notifyContactsInputSchema = z
  .object({
    /** The last audit event id handled (absent: start after the newest event now). */
    afterEventId: z.string().regex(/^\d{1,19}$/).optional(),
    /** Pause between passes that found nothing more to read. */
    pollSeconds: z.number().min(0.1).max(3600).default(5),
    /** Audit events read per pass. */
    batchSize: z.number().int().min(1).max(1000).default(100),
    /** Tries of one delivery to one contact before it is recorded failed. */
    maxAttempts: z.number().int().min(1).max(20).default(4),
    /** First pause between tries (doubling). */
    retryInitialMs: z.number().int().min(0).max(60_000).default(500),
    /**
     * Events are read once they are this old: audit ids are handed out before their commit, so a writer
     * may commit a lower id after a higher one; the margin keeps the cursor from passing it.
     */
    settledMs: z.number().int().min(0).max(60_000).default(1000),
  })
  .strict();
export type NotifyContactsInput = z.input<typeof notifyContactsInputSchema>;

export interface DispatchResult {
  lastEventId: string;
  /** Audit events of interest read in this pass (with or without an owning application). */
  read: number;
  delivered: number;
  failed: number;
}

/** Audit events a contact hears of, per kind of workflow. */
export const SERVICE_EVENTS = ['failed', 'rolled_back', 'rollback_failed'] as const;
export const MAINTAIN_EVENTS = ['needs_attention', 'attention_cleared', 'action_failed'] as const;
