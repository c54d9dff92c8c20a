// The audit trail: one table of events, each with an idempotency key so a retried write is a no-op;
// and our records of backups (one row per backup a workflow took, rolled off after their retention).
import type { Application, ApplicationDetails, ApplicationServiceRef, ApplicationSummary, NotificationDelivery } from '../shared/applications';
import type { BackupRecord } from '../shared/backups';

export type { BackupRecord } from '../shared/backups';

export const AUDIT_EVENTS = ['requested', 'started', 'succeeded', 'failed', 'rolled_back', 'rollback_failed', 'precheck_passed', 'precheck_failed', 'health_gate_passed', 'health_gate_failed', 'drift_detected', 'action_taken', 'action_failed', 'needs_attention', 'maintenance_ended',
  // Control of long-running workflows and the end of lasting conditions (one event each, not one per pass).
  'approved', 'paused', 'resumed', 'aborted', 'cancelled', 'desired_changed', 'drift_resolved', 'attention_cleared', 'rolling_back',
  // A request the requester check refused (nothing else happens after it).
  'refused',
  // A service a rollout left out (its backup before the patch failed).
  'excluded',
  // A rollout's end other than a cancellation (details.state: completed, halted, aborted, rolled_back, rollback_failed).
  'finished',
] as const;
export type AuditEventName = (typeof AUDIT_EVENTS)[number];

export interface AuditEventInput {
  /** workflowId + runId + step: unique per event, stable across activity retries. */
  idempotencyKey: string;
  occurredAt: Date;
  workflowId: string;
  runId: string;
  operation: string;
  identityDomain: string;
  serviceName: string;
  event: AuditEventName;
  /** The step of the operation the event is about (e.g. `create`, `waitForCreateJob`). */
  step?: string;
  jobId?: string;
  requestedBy?: string;
  ticket?: string;
  /** Free-form facts: state before/after, error text, duration. Never secrets. */
  details?: Record<string, unknown>;
}

export interface AuditRecord extends AuditEventInput {
  id: string;
  recordedAt: Date;
}

/** Where a finished job's end fell, in ms from the start of its wait (src/activities/poll-schedule.ts). */
export interface JobEndBracket {
  lowMs: number;
  highMs: number;
}

export interface JobEndInput extends JobEndBracket {
  identityDomain: string;
  /** The job kind (create, scale, control, delete, precheck, patch, ...). */
  kind: string;
  jobId: string;
  outcome: 'succeeded' | 'failed';
}

export interface JobEndQuery {
  kind: string;
  identityDomain: string;
  limit: number;
  /** How many of the domain's own suffice; fewer, and every domain's are read. */
  enough: number;
  withinDays: number;
}

export interface AuditQuery {
  identityDomain?: string;
  serviceName?: string;
  workflowId?: string;
  since?: Date;
  limit?: number;
}

export interface BackupRecordInput extends BackupRecord {
  /** One record per backup a run takes (workflowId:runId): writing it again updates it. */
  recordKey: string;
}

export interface BackupQuery {
  identityDomain: string;
  serviceName?: string;
  /** Rolled-off records too (default: only those within their retention). */
  includeRolledOff?: boolean;
  limit?: number;
}

export interface RollOffRequest {
  identityDomain: string;
  /** One service's records; all of the domain's when absent. */
  serviceName?: string;
  /** Records of backups that ended (or, unfinished, started) before this roll off. */
  olderThan: Date;
  /** When they roll off (the roll-off's own time). */
  at: Date;
}

/** An audit event contacts hear of, with the applications (and their contacts) that own its service. */
export interface NotificationCandidate {
  event: AuditRecord;
  applications: { name: string; contacts: string[] }[];
}

/** One try of delivering an audit event to one contact. */
export interface DeliveryAttempt {
  eventId: string;
  contactUrl: string;
  application: string;
  /** delivered: answered 2xx; failed: given up (the last try); pending: will be tried again. */
  outcome: 'delivered' | 'failed' | 'pending';
  error?: string;
}

/** Applications, the services they own and the deliveries of audit events to their contacts. */
export interface ApplicationsStore {
  upsertApplication(name: string, contacts: string[]): Promise<{ application: Application; created: boolean }>;
  getApplication(name: string, deliveries?: number): Promise<ApplicationDetails | undefined>;
  listApplications(): Promise<ApplicationSummary[]>;
  assignService(application: string, ref: ApplicationServiceRef): Promise<{ previous?: string }>;
  unassignService(application: string, ref: ApplicationServiceRef): Promise<boolean>;
  applicationServices(): Promise<(ApplicationServiceRef & { application: string })[]>;
  latestEventId(): Promise<string>;
  notificationCandidates(afterEventId: string, limit: number, settledMs?: number): Promise<NotificationCandidate[]>;
  getDelivery(eventId: string, contactUrl: string): Promise<NotificationDelivery | undefined>;
  claimDelivery(c: { eventId: string; contactUrl: string; application: string; owner: string; leaseMs: number }): Promise<NotificationDelivery | undefined>;
  recordDeliveryAttempt(attempt: DeliveryAttempt): Promise<NotificationDelivery>;
  giveUpDelivery(eventId: string, contactUrl: string): Promise<void>;
  /** Pending deliveries whose claim ran out (their dispatcher is gone), oldest first. */
  orphanedDeliveries(limit: number): Promise<{ event: AuditRecord; application: string; contactUrl: string }[]>;
  listDeliveries(q: { application?: string; eventId?: string; limit?: number }): Promise<NotificationDelivery[]>;
}

export interface AuditStore extends ApplicationsStore {
  /** Writes the event unless one with the same idempotency key exists; true when it was written. */
  record(event: AuditEventInput): Promise<boolean>;
  /** Events in the order they occurred. */
  query(filter: AuditQuery): Promise<AuditRecord[]>;
  /** Writes or updates (same recordKey) our record of a backup; a rolled-off record stays rolled off. */
  recordBackup(record: BackupRecordInput): Promise<void>;
  /** A service's (or a domain's) backup records, newest first. */
  listBackups(query: BackupQuery): Promise<BackupRecord[]>;
  /**
   * Marks records older than the retention rolled off (they are kept, flagged), except each service's
   * newest COMPLETED one and any still IN PROGRESS. Returns how many rolled off now.
   */
  rollOffBackups(request: RollOffRequest): Promise<number>;
  /** Records where a finished job's end fell (once per job: a retried wait writes nothing new). */
  recordJobEnd(end: JobEndInput): Promise<void>;
  /** Brackets of the newest successful jobs of a kind: the domain's when it has `enough`, else every domain's. */
  recentJobEnds(query: JobEndQuery): Promise<JobEndBracket[]>;
  /** Read-only SQL of the fleet reports (src/reports). */
  reportQuery<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: R[] }>;
  close(): Promise<void>;
  readonly kind: 'postgres' | 'pglite';
}
