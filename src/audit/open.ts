// Opens the audit store: PostgreSQL when DATABASE_URL is set, embedded PGlite (a directory) otherwise.
import { mkdirSync } from 'node:fs';
import { AUDIT_SCHEMA_SQL, SqlAuditStore } from './sql-store';
import type { AuditStore } from './types';

export type AuditStoreConfig = { databaseUrl: string } | { pgliteDir: string } | { inMemory: true };

/** Serialises schema creation across processes that start at the same time. */
const MIGRATION_LOCK_ID = 0x6462_6161; // "dbaa"

export async function openAuditStore(config: AuditStoreConfig): Promise<AuditStore> {
  if ('databaseUrl' in config) {
    const { Pool } = await import('pg');
    const pool = new Pool({ connectionString: config.databaseUrl, max: 10 });
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
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const db = await PGlite.create(dataDir ? { dataDir } : {});
  await db.exec(AUDIT_SCHEMA_SQL);
  return new SqlAuditStore(db, 'pglite', () => db.close());
}
