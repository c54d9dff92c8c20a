// One SQL implementation of the audit store for both PostgreSQL (pg) and embedded PGlite: they speak the
// same dialect, so the two backends behave the same by construction.
import type { AuditEventInput, AuditQuery, AuditRecord, AuditStore } from './types';

/** The part of pg.Pool and PGlite that the store needs. */
export interface SqlRunner {
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: R[] }>;
}

export const AUDIT_SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS audit_events (
  id               BIGSERIAL PRIMARY KEY,
  idempotency_key  TEXT        NOT NULL UNIQUE,
  occurred_at      TIMESTAMPTZ NOT NULL,
  recorded_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
  workflow_id      TEXT        NOT NULL,
  run_id           TEXT        NOT NULL,
  operation        TEXT        NOT NULL,
  identity_domain  TEXT        NOT NULL,
  service_name     TEXT        NOT NULL,
  event            TEXT        NOT NULL,
  step             TEXT,
  job_id           TEXT,
  requested_by     TEXT,
  ticket           TEXT,
  details          JSONB       NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX IF NOT EXISTS audit_events_by_service ON audit_events (identity_domain, service_name, occurred_at);
CREATE INDEX IF NOT EXISTS audit_events_by_workflow ON audit_events (workflow_id, occurred_at);
`;

interface Row {
  id: string | number | bigint;
  idempotency_key: string;
  occurred_at: Date | string;
  recorded_at: Date | string;
  workflow_id: string;
  run_id: string;
  operation: string;
  identity_domain: string;
  service_name: string;
  event: string;
  step: string | null;
  job_id: string | null;
  requested_by: string | null;
  ticket: string | null;
  details: Record<string, unknown> | string | null;
}

export class SqlAuditStore implements AuditStore {
  constructor(
    private readonly db: SqlRunner,
    readonly kind: 'postgres' | 'pglite',
    private readonly onClose: () => Promise<void>,
  ) {}

  async record(e: AuditEventInput): Promise<boolean> {
    const { rows } = await this.db.query<{ id: unknown }>(
      `INSERT INTO audit_events (idempotency_key, occurred_at, workflow_id, run_id, operation, identity_domain, service_name,
                                 event, step, job_id, requested_by, ticket, details)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13::jsonb)
       ON CONFLICT (idempotency_key) DO NOTHING
       RETURNING id`,
      [
        e.idempotencyKey,
        e.occurredAt.toISOString(),
        e.workflowId,
        e.runId,
        e.operation,
        e.identityDomain,
        e.serviceName,
        e.event,
        e.step ?? null,
        e.jobId ?? null,
        e.requestedBy ?? null,
        e.ticket ?? null,
        JSON.stringify(e.details ?? {}),
      ],
    );
    return rows.length === 1;
  }

  async query(filter: AuditQuery): Promise<AuditRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (filter.identityDomain) add('identity_domain = ?', filter.identityDomain);
    if (filter.serviceName) add('service_name = ?', filter.serviceName);
    if (filter.workflowId) add('workflow_id = ?', filter.workflowId);
    if (filter.since) add('occurred_at >= ?', filter.since.toISOString());
    params.push(filter.limit ?? 1000);
    const { rows } = await this.db.query<Row>(
      `SELECT * FROM audit_events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY occurred_at, id LIMIT $${params.length}`,
      params,
    );
    return rows.map(toRecord);
  }

  close(): Promise<void> {
    return this.onClose();
  }
}

function toRecord(r: Row): AuditRecord {
  const details = typeof r.details === 'string' ? (JSON.parse(r.details) as Record<string, unknown>) : (r.details ?? {});
  return {
    id: String(r.id),
    idempotencyKey: r.idempotency_key,
    occurredAt: new Date(r.occurred_at),
    recordedAt: new Date(r.recorded_at),
    workflowId: r.workflow_id,
    runId: r.run_id,
    operation: r.operation,
    identityDomain: r.identity_domain,
    serviceName: r.service_name,
    event: r.event as AuditRecord['event'],
    step: r.step ?? undefined,
    jobId: r.job_id ?? undefined,
    requestedBy: r.requested_by ?? undefined,
    ticket: r.ticket ?? undefined,
    details,
  };
}
