// How the CLI reaches the audit store: straight through PostgreSQL when DATABASE_URL is set;
// otherwise the worker does it in a short read-only workflow, because the embedded PGlite store
// belongs to the worker's process (`dbaas audit`, `dbaas backup list`, `dbaas app …`).
import { randomUUID } from 'node:crypto';
import { openAuditStore } from '../audit/open';
import type { AuditStore } from '../audit/types';
import type { ConnectionFlags } from '../worker/temporal-connection';
import { connectTemporal, type CliTemporal } from './temporal';

export interface ThroughWorker {
  /** The read-only workflow that does it on the worker (auditTrail, backupRecords, applicationRecords). */
  workflow: string;
  /** Its workflow id's prefix; a random suffix keeps each call its own run. */
  idPrefix: string;
  args: unknown[];
}

/** `direct` on PostgreSQL, or the worker's workflow; a given `temporal` connection is used and left open. */
export async function throughStoreOrWorker<T>(options: ConnectionFlags, direct: (store: AuditStore) => Promise<T>, worker: ThroughWorker, temporal?: CliTemporal): Promise<T> {
  if (process.env.DATABASE_URL) {
    const store = await openAuditStore({ databaseUrl: process.env.DATABASE_URL });
    try {
      return await direct(store);
    } finally {
      await store.close();
    }
  }
  const t = temporal ?? (await connectTemporal(process.env, options));
  try {
    return (await t.client.workflow.execute(worker.workflow, { taskQueue: t.taskQueue, workflowId: `${worker.idPrefix}:${randomUUID()}`, args: worker.args, workflowExecutionTimeout: '1m' })) as T;
  } finally {
    if (!temporal) await t.close();
  }
}
