// A realistic audit trail for the report benchmark: `services` services, `perService` events each,
// over `days` days before `now`, as the workflows write them (requested → started → succeeded with
// the service before and after, patches with their health gate, maintainers' drift and attention,
// some failures, rollbacks, refusals and deletions), plus a few backup records per service.
// Deterministic (a seeded generator), inserted in bulk: one statement per 5,000 rows.
import type { SqlAuditStore } from '../../src/audit/sql-store';

export interface SeedOptions {
  domain: string;
  services: number;
  perService: number;
  days: number;
  now: number;
}

interface EventRow {
  idempotency_key: string;
  occurred_at: string;
  workflow_id: string;
  run_id: string;
  operation: string;
  identity_domain: string;
  service_name: string;
  event: string;
  step: string | null;
  job_id: string | null;
  requested_by: string;
  details: Record<string, unknown>;
}

/** mulberry32: a small seeded generator, so every run seeds the same trail. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SHAPES = ['oc3', 'oc4', 'oc5', 'oc1m', 'oc2m'];
const H = 3_600_000;

export function seedEvents(o: SeedOptions): EventRow[] {
  const rnd = random(20261123);
  const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const rows: EventRow[] = [];
  let runNo = 0;
  for (let i = 0; i < o.services; i++) {
    const service = `db-${String(i).padStart(5, '0')}`;
    const wf = `svc:${o.domain}:${service}`;
    const mine: EventRow[] = [];
    let t = o.now - o.days * 24 * H + rnd() * 10 * 24 * H;
    const state = { status: 'Running', shape: pick(SHAPES), usableStorageGb: 25 * (1 + Math.floor(rnd() * 8)), fraStorageGb: 0, additionalVolumesGb: [] as number[] };
    state.fraStorageGb = state.usableStorageGb;
    const summary = () => ({ ...state, additionalVolumesGb: [...state.additionalVolumesGb] });
    const run = (operation: string) => {
      const runId = `r${++runNo}`;
      const started = t;
      let seq = 0;
      return (event: string, extra: { step?: string; details?: Record<string, unknown>; jobId?: string } = {}) =>
        mine.push({
          idempotency_key: `${wf}:${runId}:${event}:${seq++}`,
          occurred_at: new Date(t).toISOString(),
          workflow_id: operation === 'maintainService' ? `maintain:${o.domain}:${service}` : wf,
          run_id: runId,
          operation,
          identity_domain: o.domain,
          service_name: service,
          event,
          step: extra.step ?? null,
          job_id: extra.jobId ?? null,
          requested_by: 'bench',
          details: { ...extra.details, elapsedMs: Math.round(t - started) },
        });
    };
    const later = (hours: number) => (t += hours * H * (0.5 + rnd()));

    if (rnd() < 0.1) {
      const failed = run('buildService');
      failed('requested', { details: { shape: state.shape, usableStorageGb: String(state.usableStorageGb) } });
      failed('started', { step: 'create', jobId: String(runNo) });
      later(0.3);
      failed('failed', { step: 'waitForCreateJob', details: { error: 'create job ended Failed' } });
      later(0.1);
      failed('rolled_back', { details: { failedStep: 'waitForCreateJob' } });
      later(1);
    }
    const build = run('buildService');
    build('requested', { details: { shape: state.shape, usableStorageGb: String(state.usableStorageGb) } });
    build('started', { step: 'create', jobId: String(runNo) });
    later(0.5);
    build('succeeded', { details: { status: 'Running', shape: state.shape } });

    const change = (operation: string, details: Record<string, unknown>, step: string, apply: () => void, hours: number, fails = false) => {
      const r = run(operation);
      r('requested', { details });
      later(0.01);
      const before = summary();
      r('started', { step, jobId: String(runNo), details: { before } });
      later(hours);
      if (fails) {
        r('failed', { step: `waitFor${step}Job`, details: { before, error: 'job ended Failed' } });
        later(0.1);
        r('rolled_back', { details: { before, failedStep: `waitFor${step}Job` } });
      } else {
        apply();
        r('succeeded', { details: { before, after: summary() } });
      }
    };
    while (mine.length < o.perService) {
      later(24 * 3);
      const roll = rnd();
      if (state.status === 'Stopped') change('changeLifecycle', { lifecycleState: 'start' }, 'start', () => (state.status = 'Running'), 0.1);
      else if (roll < 0.2) change('changeLifecycle', { lifecycleState: 'stop' }, 'stop', () => (state.status = 'Stopped'), 0.1);
      else if (roll < 0.3) change('changeLifecycle', { lifecycleState: 'restart' }, 'restart', () => undefined, 0.1);
      else if (roll < 0.45) {
        const shape = pick(SHAPES.filter((s) => s !== state.shape));
        change('scaleService', { shape }, 'scaleShape', () => (state.shape = shape), 0.3, rnd() < 0.1);
      } else if (roll < 0.55) change('scaleService', { additionalStorage: 50 }, 'addStorage', () => state.additionalVolumesGb.push(50), 0.2);
      else if (roll < 0.7) {
        const p = run('patchService');
        p('requested', { details: { patchId: 'p-190416', expectedLevel: '12.2.0.1.190416' } });
        const before = summary();
        p('started', { step: 'apply', details: { before } });
        later(0.5);
        p('health_gate_passed', { step: 'healthGate', details: { before, healthy: true } });
        later(0.1);
        p('succeeded', { details: { before, after: summary() } });
      } else if (roll < 0.8) {
        const m = run('maintainService');
        m('drift_detected', { details: { drift: ['status'], observed: { status: 'Failed', shape: state.shape } } });
        later(1);
        m('drift_resolved', { details: { observed: { status: 'Running', shape: state.shape } } });
      } else if (roll < 0.85) {
        const m = run('maintainService');
        m('needs_attention', { details: { failures: 3 } });
        later(4);
        m('attention_cleared', { details: { how: 'repaired' } });
      } else if (roll < 0.9) run('scaleService')('refused', { details: { reason: 'not in the operators group' } });
      else {
        const b = run('backupService');
        b('requested', { details: { type: 'on-demand' } });
        b('started', { step: 'startBackup', details: { before: summary() } });
        later(0.3);
        b('succeeded', { details: { before: summary(), after: summary() } });
      }
      if (t > o.now) break;
    }
    if (rnd() < 0.05 && t < o.now) {
      const d = run('deleteService');
      d('requested');
      d('started', { step: 'delete', details: { before: summary() } });
      later(0.2);
      d('succeeded', { details: { before: summary(), after: null } });
    }
    rows.push(...mine.filter((e) => Date.parse(e.occurred_at) <= o.now).slice(0, o.perService));
  }
  return rows;
}

/** Backup records: `perService` completed backups a few days apart in the last weeks, the older half rolled off. */
export function seedBackups(o: SeedOptions, perService: number) {
  const rows = [];
  for (let i = 0; i < o.services; i++) {
    const service = `db-${String(i).padStart(5, '0')}`;
    for (let k = 0; k < perService; k++) {
      const ended = o.now - (perService - k) * 3 * 24 * H - (i % 24) * H;
      rows.push({
        record_key: `bench:${service}:${k}`,
        workflow_id: `svc:${o.domain}:${service}`,
        identity_domain: o.domain,
        service_name: service,
        backup_type: 'scheduled',
        status: k % 10 === 9 ? 'FAILED' : 'COMPLETED',
        backup_size_gb: 5 + ((i + k) % 20),
        started_at: new Date(ended - H).toISOString(),
        ended_at: new Date(ended).toISOString(),
        rolled_off_at: k < perService / 2 ? new Date(ended + 7 * 24 * H).toISOString() : null,
      });
    }
  }
  return rows;
}

const EVENT_COLUMNS = 'idempotency_key text, occurred_at timestamptz, workflow_id text, run_id text, operation text, identity_domain text, service_name text, event text, step text, job_id text, requested_by text, details jsonb';
const BACKUP_COLUMNS = 'record_key text, workflow_id text, identity_domain text, service_name text, backup_type text, status text, backup_size_gb float8, started_at timestamptz, ended_at timestamptz, rolled_off_at timestamptz';
const names = (columns: string) => columns.split(', ').map((c) => c.split(' ')[0]).join(', ');

/** Inserts in batches (seeding only: 20 statements instead of 100,000 record() calls). */
export async function insertSeed(store: SqlAuditStore, events: EventRow[], backups: ReturnType<typeof seedBackups>): Promise<void> {
  for (let i = 0; i < events.length; i += 5000) {
    await store.reportQuery(`INSERT INTO audit_events (${names(EVENT_COLUMNS)}) SELECT ${names(EVENT_COLUMNS)} FROM jsonb_to_recordset($1::jsonb) AS x(${EVENT_COLUMNS})`, [JSON.stringify(events.slice(i, i + 5000))]);
  }
  for (let i = 0; i < backups.length; i += 5000) {
    await store.reportQuery(`INSERT INTO backups (${names(BACKUP_COLUMNS)}) SELECT ${names(BACKUP_COLUMNS)} FROM jsonb_to_recordset($1::jsonb) AS x(${BACKUP_COLUMNS})`, [JSON.stringify(backups.slice(i, i + 5000))]);
  }
  // Fresh statistics, as autovacuum would have after such a load (PGlite has no autovacuum).
  await store.reportQuery('ANALYZE audit_events');
  await store.reportQuery('ANALYZE backups');
}
