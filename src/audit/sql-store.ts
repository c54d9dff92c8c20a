// One SQL implementation of the audit store for both PostgreSQL (pg) and embedded PGlite: they speak the
// same dialect, so the two backends behave the same by construction.
import type { AuditEventInput, AuditQuery, AuditRecord, AuditStore, BackupQuery, BackupRecord, BackupRecordInput, RollOffRequest } from './types';

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
-- The fleet reports (src/reports) read one operation's events (builds, lifecycle changes, maintainers').
CREATE INDEX IF NOT EXISTS audit_events_by_operation ON audit_events (operation, event, occurred_at);

-- Our records of backups (added with backupService; IF NOT EXISTS: an older store gains it at its next open).
CREATE TABLE IF NOT EXISTS backups (
  id                BIGSERIAL PRIMARY KEY,
  record_key        TEXT        NOT NULL UNIQUE,
  workflow_id       TEXT        NOT NULL,
  identity_domain   TEXT        NOT NULL,
  service_name      TEXT        NOT NULL,
  backup_type       TEXT        NOT NULL,
  status            TEXT        NOT NULL,
  db_tag            TEXT,
  database_size_gb  DOUBLE PRECISION,
  backup_size_gb    DOUBLE PRECISION,
  started_at        TIMESTAMPTZ,
  ended_at          TIMESTAMPTZ,
  requested_by      TEXT,
  message           TEXT,
  recorded_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
  rolled_off_at     TIMESTAMPTZ
);
-- A service's list (newest first) and the roll-off's scan of one service's live records.
CREATE INDEX IF NOT EXISTS backups_by_service ON backups (identity_domain, service_name, started_at);
-- A domain-wide roll-off looks only at live records.
CREATE INDEX IF NOT EXISTS backups_live_by_domain ON backups (identity_domain, COALESCE(ended_at, started_at)) WHERE rolled_off_at IS NULL;
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

  async recordBackup(b: BackupRecordInput): Promise<void> {
    await this.db.query(
      `INSERT INTO backups (record_key, workflow_id, identity_domain, service_name, backup_type, status, db_tag, database_size_gb,
                            backup_size_gb, started_at, ended_at, requested_by, message)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)
       ON CONFLICT (record_key) DO UPDATE SET
         status = EXCLUDED.status,
         db_tag = COALESCE(EXCLUDED.db_tag, backups.db_tag),
         database_size_gb = COALESCE(EXCLUDED.database_size_gb, backups.database_size_gb),
         backup_size_gb = COALESCE(EXCLUDED.backup_size_gb, backups.backup_size_gb),
         started_at = COALESCE(EXCLUDED.started_at, backups.started_at),
         ended_at = COALESCE(EXCLUDED.ended_at, backups.ended_at),
         message = COALESCE(EXCLUDED.message, backups.message)`,
      [
        b.recordKey,
        b.workflowId,
        b.identityDomain,
        b.serviceName,
        b.type,
        b.status,
        b.dbTag ?? null,
        b.databaseSizeGb ?? null,
        b.backupSizeGb ?? null,
        b.startedAt ?? null,
        b.endedAt ?? null,
        b.requestedBy ?? null,
        b.message ?? null,
      ],
    );
  }

  async listBackups(q: BackupQuery): Promise<BackupRecord[]> {
    const params: unknown[] = [q.identityDomain];
    let where = 'identity_domain = $1';
    if (q.serviceName) {
      params.push(q.serviceName);
      where += ` AND service_name = $${params.length}`;
    }
    if (!q.includeRolledOff) where += ' AND rolled_off_at IS NULL';
    params.push(q.limit ?? 1000);
    const { rows } = await this.db.query<BackupRow>(`SELECT * FROM backups WHERE ${where} ORDER BY started_at DESC NULLS LAST, id DESC LIMIT $${params.length}`, params);
    return rows.map(toBackup);
  }

  async rollOffBackups(r: RollOffRequest): Promise<number> {
    const params: unknown[] = [r.identityDomain, r.olderThan.toISOString(), r.at.toISOString()];
    let service = '';
    if (r.serviceName) {
      params.push(r.serviceName);
      service = ` AND b.service_name = $${params.length}`;
    }
    // Each service keeps its newest completed record whatever its age: the one a schedule and a restore go by.
    const { rows } = await this.db.query<{ id: unknown }>(
      `UPDATE backups b SET rolled_off_at = $3
        WHERE b.identity_domain = $1${service}
          AND b.rolled_off_at IS NULL
          AND b.status <> 'IN PROGRESS'
          AND COALESCE(b.ended_at, b.started_at) < $2
          AND b.id <> COALESCE((SELECT n.id FROM backups n
                                 WHERE n.identity_domain = b.identity_domain AND n.service_name = b.service_name AND n.status = 'COMPLETED'
                                 ORDER BY n.ended_at DESC NULLS LAST, n.id DESC LIMIT 1), -1)
        RETURNING b.id`,
      params,
    );
    return rows.length;
  }

  /** Read-only SQL of the fleet reports (src/reports): the same text on PGlite and PostgreSQL. */
  reportQuery<R = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<{ rows: R[] }> {
    return this.db.query<R>(text, params);
  }

  close(): Promise<void> {
    return this.onClose();
  }
}

interface BackupRow {
  workflow_id: string;
  identity_domain: string;
  service_name: string;
  backup_type: string;
  status: string;
  db_tag: string | null;
  database_size_gb: number | string | null;
  backup_size_gb: number | string | null;
  started_at: Date | string | null;
  ended_at: Date | string | null;
  requested_by: string | null;
  message: string | null;
  rolled_off_at: Date | string | null;
}

const iso = (v: Date | string | null) => (v === null ? undefined : new Date(v).toISOString());
const num = (v: number | string | null) => (v === null ? undefined : Number(v));

function toBackup(r: BackupRow): BackupRecord {
  const record: BackupRecord = {
    identityDomain: r.identity_domain,
    serviceName: r.service_name,
    type: r.backup_type as BackupRecord['type'],
    status: r.status as BackupRecord['status'],
    workflowId: r.workflow_id,
    dbTag: r.db_tag ?? undefined,
    databaseSizeGb: num(r.database_size_gb),
    backupSizeGb: num(r.backup_size_gb),
    startedAt: iso(r.started_at),
    endedAt: iso(r.ended_at),
    requestedBy: r.requested_by ?? undefined,
    message: r.message ?? undefined,
    rolledOffAt: iso(r.rolled_off_at),
  };
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined)) as unknown as BackupRecord;
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
