// The audit trail: one table of events, each with an idempotency key so a retried write is a no-op.

export const AUDIT_EVENTS = ['requested', 'started', 'succeeded', 'failed', 'rolled_back', 'rollback_failed', 'precheck_passed', 'precheck_failed', 'health_gate_passed', 'health_gate_failed', 'drift_detected', 'action_taken', 'action_failed', 'needs_attention', 'maintenance_ended',
  // Control of long-running workflows and the end of lasting conditions (one event each, not one per pass).
  'approved', 'paused', 'resumed', 'aborted', 'cancelled', 'desired_changed', 'drift_resolved', 'attention_cleared', 'rolling_back',
  // A request the requester check refused (nothing else happens after it).
  'refused',
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

export interface AuditQuery {
  identityDomain?: string;
  serviceName?: string;
  workflowId?: string;
  since?: Date;
  limit?: number;
}

export interface AuditStore {
  /** Writes the event unless one with the same idempotency key exists; true when it was written. */
  record(event: AuditEventInput): Promise<boolean>;
  /** Events in the order they occurred. */
  query(filter: AuditQuery): Promise<AuditRecord[]>;
  close(): Promise<void>;
  readonly kind: 'postgres' | 'pglite';
}
