// One SQL implementation of the audit store for both PostgreSQL (pg) and embedded PGlite: they speak the
// same dialect, so the two backends behave the same by construction.
import type { Application, ApplicationDetails, ApplicationServiceRef, ApplicationSummary, NotificationDelivery } from '../shared/applications';
import type { AuditEventInput, AuditQuery, AuditRecord, AuditStore, BackupQuery, BackupRecord, BackupRecordInput, DeliveryAttempt, JobEndBracket, JobEndInput, JobEndQuery, NotificationCandidate, RollOffRequest } from './types';

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

-- Applications and their contacts (webhook URLs), the services each owns (one application per service),
-- and the deliveries of audit events to contacts (the notifyContacts workflow: an outbox over the trail).
CREATE TABLE IF NOT EXISTS applications (
  name        TEXT        PRIMARY KEY,
  contacts    JSONB       NOT NULL DEFAULT '[]'::jsonb,
  created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS application_services (
  identity_domain  TEXT NOT NULL,
  service_name     TEXT NOT NULL,
  application      TEXT NOT NULL REFERENCES applications (name),
  PRIMARY KEY (identity_domain, service_name)
);
CREATE INDEX IF NOT EXISTS application_services_by_application ON application_services (application);
CREATE TABLE IF NOT EXISTS notification_deliveries (
  event_id      BIGINT      NOT NULL,
  contact_url   TEXT        NOT NULL,
  application   TEXT        NOT NULL,
  status        TEXT        NOT NULL DEFAULT 'pending',
  delivered_at  TIMESTAMPTZ,
  attempts      INTEGER     NOT NULL DEFAULT 0,
  last_error    TEXT,
  updated_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
  -- The dispatcher trying it now (two task queues may share one store): nobody else posts it until claim_until.
  claimed_by    TEXT,
  claim_until   TIMESTAMPTZ,
  PRIMARY KEY (event_id, contact_url)
);
-- (Stores made before the claim columns: added here.)
ALTER TABLE notification_deliveries ADD COLUMN IF NOT EXISTS claimed_by TEXT;
ALTER TABLE notification_deliveries ADD COLUMN IF NOT EXISTS claim_until TIMESTAMPTZ;
CREATE INDEX IF NOT EXISTS notification_deliveries_by_application ON notification_deliveries (application, event_id);
-- Where each finished job's end fell, from the start of its wait: the job polls of its kind learn from them.
CREATE TABLE IF NOT EXISTS job_ends (
  identity_domain TEXT NOT NULL,
  kind TEXT NOT NULL,
  job_id TEXT NOT NULL,
  outcome TEXT NOT NULL,
  low_ms DOUBLE PRECISION NOT NULL,
  high_ms DOUBLE PRECISION NOT NULL,
  recorded_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (identity_domain, kind, job_id)
);
CREATE INDEX IF NOT EXISTS job_ends_by_kind ON job_ends (kind, recorded_at);
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

  /** Creates the application, or replaces the contacts of an existing one. */
  async upsertApplication(name: string, contacts: string[]): Promise<{ application: Application; created: boolean }> {
    const { rows } = await this.db.query<AppRow & { inserted: boolean }>(
      `INSERT INTO applications (name, contacts) VALUES ($1, $2::jsonb)
       ON CONFLICT (name) DO UPDATE SET contacts = EXCLUDED.contacts, updated_at = now()
       RETURNING *, (xmax = 0) AS inserted`,
      [name, JSON.stringify(contacts)],
    );
    return { application: toApplication(rows[0]!), created: rows[0]!.inserted };
  }

  async getApplication(name: string, deliveries = 20): Promise<ApplicationDetails | undefined> {
    const { rows } = await this.db.query<AppRow>('SELECT * FROM applications WHERE name = $1', [name]);
    if (rows.length === 0) return undefined;
    const services = await this.db.query<{ identity_domain: string; service_name: string }>(
      'SELECT identity_domain, service_name FROM application_services WHERE application = $1 ORDER BY identity_domain, service_name',
      [name],
    );
    return {
      ...toApplication(rows[0]!),
      services: services.rows.map((r) => ({ identityDomain: r.identity_domain, serviceName: r.service_name })),
      deliveries: await this.listDeliveries({ application: name, limit: deliveries }),
    };
  }

  async listApplications(): Promise<ApplicationSummary[]> {
    const { rows } = await this.db.query<AppRow & { services: number | string }>(
      `SELECT a.*, (SELECT count(*) FROM application_services s WHERE s.application = a.name) AS services FROM applications a ORDER BY a.name`,
    );
    return rows.map((r) => ({ ...toApplication(r), services: Number(r.services) }));
  }

  /** The service now belongs to the application (moved from another one, named in `previous`). Throws when the application does not exist. */
  async assignService(application: string, ref: ApplicationServiceRef): Promise<{ previous?: string }> {
    const exists = await this.db.query('SELECT 1 FROM applications WHERE name = $1', [application]);
    if (exists.rows.length === 0) throw new ApplicationNotFound(application);
    const before = await this.db.query<{ application: string }>('SELECT application FROM application_services WHERE identity_domain = $1 AND service_name = $2', [ref.identityDomain, ref.serviceName]);
    await this.db.query(
      `INSERT INTO application_services (identity_domain, service_name, application) VALUES ($1, $2, $3)
       ON CONFLICT (identity_domain, service_name) DO UPDATE SET application = EXCLUDED.application`,
      [ref.identityDomain, ref.serviceName, application],
    );
    const previous = before.rows[0]?.application;
    return previous !== undefined && previous !== application ? { previous } : {};
  }

  /** Removes the service from the application (true when it belonged to it). */
  async unassignService(application: string, ref: ApplicationServiceRef): Promise<boolean> {
    const { rows } = await this.db.query('DELETE FROM application_services WHERE identity_domain = $1 AND service_name = $2 AND application = $3 RETURNING application', [ref.identityDomain, ref.serviceName, application]);
    return rows.length > 0;
  }

  /** The application of each service listed in application_services (the cost report's first source). */
  async applicationServices(): Promise<(ApplicationServiceRef & { application: string })[]> {
    const { rows } = await this.db.query<{ identity_domain: string; service_name: string; application: string }>('SELECT * FROM application_services');
    return rows.map((r) => ({ identityDomain: r.identity_domain, serviceName: r.service_name, application: r.application }));
  }

  /** The newest audit event id (0 when the trail is empty). */
  async latestEventId(): Promise<string> {
    const { rows } = await this.db.query<{ id: string | number | null }>('SELECT max(id) AS id FROM audit_events');
    return String(rows[0]?.id ?? 0);
  }

  /**
   * Audit events after `afterEventId` that contacts hear of (a service operation's failure and rollback,
   * a maintainer's attention, a rollout's own events), oldest first, each with the applications (and
   * their contacts) that own its service, or, for a rollout's event, any service of the rollout: named
   * in the event, or patched or rolled back by it (its children's `requested` events carry rolloutId).
   * Events of the last `settledMs` are left for a later call (see below).
   */
  async notificationCandidates(afterEventId: string, limit: number, settledMs = 0): Promise<NotificationCandidate[]> {
    // Only events recorded settledMs ago or earlier: ids are handed out before commit, so on PostgreSQL a
    // concurrent writer may commit a lower id after a higher one; a cursor past it would skip it for good.
    const { rows } = await this.db.query<Row>(
      `SELECT * FROM audit_events
        WHERE id > $1
          AND recorded_at <= now() - make_interval(secs => $3::double precision / 1000)
          AND ((service_name <> '*' AND event IN ('failed', 'rolled_back', 'rollback_failed', 'needs_attention', 'attention_cleared', 'action_failed'))
               OR (service_name = '*' AND operation = 'rollingPatch'))
        ORDER BY id LIMIT $2`,
      [afterEventId, limit, settledMs],
    );
    const out: NotificationCandidate[] = [];
    for (const row of rows) {
      const event = toRecord(row);
      let apps: { name: string; contacts: unknown }[];
      if (event.serviceName !== '*') {
        apps = (
          await this.db.query<{ name: string; contacts: unknown }>(
            `SELECT a.name, a.contacts FROM application_services s JOIN applications a ON a.name = s.application
              WHERE s.identity_domain = $1 AND s.service_name = $2`,
            [event.identityDomain, event.serviceName],
          )
        ).rows;
      } else {
        apps = (
          await this.db.query<{ name: string; contacts: unknown }>(
            `SELECT DISTINCT a.name, a.contacts FROM application_services s JOIN applications a ON a.name = s.application
              WHERE s.identity_domain = $1
                AND (s.service_name IN (SELECT jsonb_array_elements_text($2::jsonb))
                     OR s.service_name IN (SELECT c.service_name FROM audit_events c
                                            WHERE c.operation IN ('patchService', 'rollbackServicePatch') AND c.event = 'requested'
                                              AND c.identity_domain = $1 AND c.details->>'rolloutId' = $3))
              ORDER BY a.name`,
            [event.identityDomain, JSON.stringify(servicesNamedIn(event.details ?? {})), event.workflowId],
          )
        ).rows;
      }
      out.push({ event, applications: apps.map((a) => ({ name: a.name, contacts: jsonArray(a.contacts) })) });
    }
    return out;
  }

  /**
   * Pending deliveries nobody holds any more (the dispatcher that claimed them stopped for good, say
   * its task queue's worker was retired), oldest first, with their event and the contacts' application.
   */
  async orphanedDeliveries(limit: number): Promise<{ event: AuditRecord; application: string; contactUrl: string }[]> {
    const { rows } = await this.db.query<Row & { d_application: string; d_contact_url: string }>(
      `SELECT e.*, d.application AS d_application, d.contact_url AS d_contact_url
         FROM notification_deliveries d JOIN audit_events e ON e.id = d.event_id
        WHERE d.status = 'pending' AND d.claim_until < now()
        ORDER BY d.event_id LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({ event: toRecord(r), application: r.d_application, contactUrl: r.d_contact_url }));
  }

  /**
   * Claims a pending (or new) delivery for `owner` for `leaseMs`: undefined when it is settled (delivered,
   * failed) or another dispatcher holds it. The same owner (a retried pass) claims it again at once.
   */
  async claimDelivery(c: { eventId: string; contactUrl: string; application: string; owner: string; leaseMs: number }): Promise<NotificationDelivery | undefined> {
    const { rows } = await this.db.query<DeliveryRow>(
      `INSERT INTO notification_deliveries (event_id, contact_url, application, claimed_by, claim_until)
       VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5::double precision / 1000))
       ON CONFLICT (event_id, contact_url) DO UPDATE SET claimed_by = EXCLUDED.claimed_by, claim_until = EXCLUDED.claim_until
       WHERE notification_deliveries.status = 'pending'
         AND (notification_deliveries.claimed_by IS NULL OR notification_deliveries.claimed_by = EXCLUDED.claimed_by OR notification_deliveries.claim_until < now())
       RETURNING *`,
      [c.eventId, c.contactUrl, c.application, c.owner, c.leaseMs],
    );
    return rows[0] ? toDelivery(rows[0]) : undefined;
  }

  async getDelivery(eventId: string, contactUrl: string): Promise<NotificationDelivery | undefined> {
    const { rows } = await this.db.query<DeliveryRow>('SELECT * FROM notification_deliveries WHERE event_id = $1 AND contact_url = $2', [eventId, contactUrl]);
    return rows[0] ? toDelivery(rows[0]) : undefined;
  }

  /** Counts one try of a delivery: delivered, failed for good (given up), or still pending. */
  async recordDeliveryAttempt(a: DeliveryAttempt): Promise<NotificationDelivery> {
    const { rows } = await this.db.query<DeliveryRow>(
      `INSERT INTO notification_deliveries (event_id, contact_url, application, status, delivered_at, attempts, last_error)
       VALUES ($1, $2, $3, $4::text, CASE WHEN $4::text = 'delivered' THEN now() END, 1, $5)
       ON CONFLICT (event_id, contact_url) DO UPDATE SET
         status = EXCLUDED.status,
         delivered_at = COALESCE(notification_deliveries.delivered_at, EXCLUDED.delivered_at),
         attempts = notification_deliveries.attempts + 1,
         last_error = COALESCE(EXCLUDED.last_error, notification_deliveries.last_error),
         updated_at = now()
       WHERE notification_deliveries.status = 'pending'
       RETURNING *`,
      [a.eventId, a.contactUrl, a.application, a.outcome, a.error ?? null],
    );
    return rows[0] ? toDelivery(rows[0]) : (await this.getDelivery(a.eventId, a.contactUrl))!;
  }

  /** Marks a pending delivery given up without another try (its attempts were used up before a crash). */
  async giveUpDelivery(eventId: string, contactUrl: string): Promise<void> {
    await this.db.query(`UPDATE notification_deliveries SET status = 'failed', updated_at = now() WHERE event_id = $1 AND contact_url = $2 AND status = 'pending'`, [eventId, contactUrl]);
  }

  /** Deliveries, newest event first, with the audit event's kind and service. */
  async listDeliveries(q: { application?: string; eventId?: string; limit?: number }): Promise<NotificationDelivery[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (q.application !== undefined) {
      params.push(q.application);
      where.push(`d.application = $${params.length}`);
    }
    if (q.eventId !== undefined) {
      params.push(q.eventId);
      where.push(`d.event_id = $${params.length}`);
    }
    params.push(q.limit ?? 100);
    const { rows } = await this.db.query<DeliveryRow>(
      `SELECT d.*, e.event, e.identity_domain, e.service_name FROM notification_deliveries d LEFT JOIN audit_events e ON e.id = d.event_id
        ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY d.event_id DESC, d.contact_url LIMIT $${params.length}`,
      params,
    );
    return rows.map(toDelivery);
  }

  /** Read-only SQL of the fleet reports (src/reports): the same text on PGlite and PostgreSQL. */
  async recordJobEnd(e: JobEndInput): Promise<void> {
    await this.db.query(
      `INSERT INTO job_ends (identity_domain, kind, job_id, outcome, low_ms, high_ms) VALUES ($1,$2,$3,$4,$5,$6)
       ON CONFLICT (identity_domain, kind, job_id) DO NOTHING`,
      [e.identityDomain, e.kind, e.jobId, e.outcome, e.lowMs, e.highMs],
    );
  }

  async recentJobEnds(q: JobEndQuery): Promise<JobEndBracket[]> {
    const read = async (domain: string | null) =>
      (
        await this.db.query<{ low_ms: number; high_ms: number }>(
          `SELECT low_ms, high_ms FROM job_ends
            WHERE kind = $1 AND outcome = 'succeeded' AND ($2::text IS NULL OR identity_domain = $2)
              AND recorded_at > now() - make_interval(days => $4)
            ORDER BY recorded_at DESC LIMIT $3`,
          [q.kind, domain, q.limit, q.withinDays],
        )
      ).rows.map((r) => ({ lowMs: Number(r.low_ms), highMs: Number(r.high_ms) }));
    const own = await read(q.identityDomain);
    return own.length >= Math.min(q.enough, q.limit) ? own : read(null);
  }

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

/** An application name that the store does not know. */
export class ApplicationNotFound extends Error {
  constructor(readonly application: string) {
    super(`no application [${application}]`);
    this.name = 'ApplicationNotFound';
  }
}

interface AppRow {
  name: string;
  contacts: unknown;
  created_at: Date | string;
  updated_at: Date | string;
}

interface DeliveryRow {
  event_id: string | number;
  contact_url: string;
  application: string;
  status: string;
  delivered_at: Date | string | null;
  attempts: number | string;
  last_error: string | null;
  updated_at: Date | string;
  event?: string | null;
  identity_domain?: string | null;
  service_name?: string | null;
}

function jsonArray(v: unknown): string[] {
  const parsed = typeof v === 'string' ? (JSON.parse(v) as unknown) : v;
  return Array.isArray(parsed) ? parsed.filter((x): x is string => typeof x === 'string') : [];
}

function toApplication(r: AppRow): Application {
  return { name: r.name, contacts: jsonArray(r.contacts), createdAt: new Date(r.created_at).toISOString(), updatedAt: new Date(r.updated_at).toISOString() };
}

function toDelivery(r: DeliveryRow): NotificationDelivery {
  const d: NotificationDelivery = {
    eventId: String(r.event_id),
    contactUrl: r.contact_url,
    application: r.application,
    status: r.status as NotificationDelivery['status'],
    attempts: Number(r.attempts),
    deliveredAt: iso(r.delivered_at),
    lastError: r.last_error ?? undefined,
    updatedAt: new Date(r.updated_at).toISOString(),
    event: r.event ?? undefined,
    identityDomain: r.identity_domain ?? undefined,
    serviceName: r.service_name ?? undefined,
  };
  return Object.fromEntries(Object.entries(d).filter(([, v]) => v !== undefined)) as unknown as NotificationDelivery;
}

/** The services a rollout's event names in its details: `services`, `service`, or lists per state (`patched: [...]`). */
function servicesNamedIn(details: Record<string, unknown>): string[] {
  const names = new Set<string>();
  for (const [k, v] of Object.entries(details)) {
    if (k === 'service' && typeof v === 'string') names.add(v);
    else if (Array.isArray(v)) for (const x of v) if (typeof x === 'string') names.add(x);
  }
  return [...names];
}
