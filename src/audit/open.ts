// Opens the audit store: PostgreSQL when DATABASE_URL is set, embedded PGlite (a directory) otherwise.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { AUDIT_SCHEMA_SQL, SqlAuditStore } from './sql-store';

export type AuditStoreConfig = { databaseUrl: string } | { pgliteDir: string } | { inMemory: true };

/** Serialises schema creation across processes that start at the same time. */
const MIGRATION_LOCK_ID = 0x6462_6161; // "dbaa"

/** The SQL store itself (an AuditStore), so the fleet reports can run their queries on it. */
export async function openAuditStore(config: AuditStoreConfig): Promise<SqlAuditStore> {
  if ('databaseUrl' in config) {
    const { Pool } = await import('pg');
    const pool = new Pool({ connectionString: config.databaseUrl, max: 10 });
    // An idle connection lost to a database restart or failover is an 'error' event on the pool:
    // unhandled, it crashed the worker. The pool drops that client and the next write reconnects.
    pool.on('error', (err) => console.warn(`audit store: idle PostgreSQL connection lost (${err.message}); reconnecting on next use`));
    const client = await pool.connect();
    try {
      await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
      await client.query(AUDIT_SCHEMA_SQL);
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]).catch(() => undefined);
      client.release();
    }
    return new SqlAuditStore(pool, 'postgres', () => pool.end());
  }
  const { PGlite } = await import('@electric-sql/pglite');
  const dataDir = 'pgliteDir' in config ? config.pgliteDir : undefined;
  if (dataDir) await initPgliteDataDir(dataDir);
  const db = await PGlite.create({ ...(dataDir ? { dataDir } : {}), postgresqlconf: PGLITE_CONF });
  await db.exec(AUDIT_SCHEMA_SQL);
  return new SqlAuditStore(db, 'pglite', () => db.close());
}

/**
 * An audit log needs little cache: the default 128 MB of shared buffers doubled the worker's RSS.
 * Measured on one open data dir: 356 MB RSS with the default, 215 MB with this.
 */
const PGLITE_CONF = 'shared_buffers = 16MB\nwal_buffers = 1MB\n';

/**
 * Creates a new data directory (initdb) in a short-lived child process: WebAssembly memory is never
 * handed back to the OS, and initdb left the worker ~430 MB bigger for its whole life.
 */
async function initPgliteDataDir(dataDir: string): Promise<void> {
  if (existsSync(path.join(dataDir, 'PG_VERSION'))) return;
  mkdirSync(dataDir, { recursive: true });
  const script = 'require(process.argv[1]).PGlite.create({ dataDir: process.argv[2] }).then((db) => db.close())';
  await promisify(execFile)(process.execPath, ['-e', script, require.resolve('@electric-sql/pglite'), dataDir], { timeout: 120_000 });
}
