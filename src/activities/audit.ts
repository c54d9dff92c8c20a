// The audit writer. The idempotency key is built from the workflow execution and the step, so a
// retried write (or a replayed workflow after a crash) never duplicates an event.
import { Context } from '@temporalio/activity';
import type { AuditEventInput, AuditQuery, AuditRecord, AuditStore } from '../audit/types';

export type AuditEventRequest = Omit<AuditEventInput, 'idempotencyKey' | 'workflowId' | 'runId' | 'occurredAt'> & {
  /** Unique within the workflow run, e.g. `requested` or `rolled_back`. */
  key: string;
  /** Workflow time (ISO) at which the event happened. */
  occurredAt: string;
};

export function createAuditActivities(getStore: () => Promise<AuditStore>) {
  async function recordAudit(request: AuditEventRequest): Promise<{ written: boolean }> {
    const { workflowExecution } = Context.current().info;
    if (!workflowExecution) throw new Error('recordAudit must run as part of a workflow');
    const { key, occurredAt, ...event } = request;
    const store = await getStore();
    const written = await store.record({
      ...event,
      occurredAt: new Date(occurredAt),
      workflowId: workflowExecution.workflowId,
      runId: workflowExecution.runId,
      idempotencyKey: `${workflowExecution.workflowId}:${workflowExecution.runId}:${key}`,
    });
    return { written };
  }

  return {
    recordAudit,

    /** Many events in one activity (a rollout's prechecks), each still idempotent by its own key. */
    async recordAuditBatch(requests: AuditEventRequest[]): Promise<{ written: number }> {
      let written = 0;
      for (const r of requests) if ((await recordAudit(r)).written) written += 1;
      return { written };
    },

    /** Reads the trail for `dbaas audit` when the store is the worker's embedded PGlite. */
    async queryAudit(filter: Omit<AuditQuery, 'since'> & { since?: string }): Promise<AuditRecord[]> {
      const store = await getStore();
      return store.query({ ...filter, since: filter.since ? new Date(filter.since) : undefined });
    },
  };
}

export type AuditActivities = ReturnType<typeof createAuditActivities>;
