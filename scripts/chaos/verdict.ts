// What a chaos run is judged on, from the outside: each operation's terminal state, the simulator's
// instances and jobs, and the audit trail in PostgreSQL.
import { WorkflowFailedError } from '@temporalio/client';
import type { AuditRecord } from '../../src/audit/types';
import type { DbcsSimulator } from '../../src/simulator/server';
import { DOMAIN, type Kind, type TrackedOp } from './load';

export interface Verdict {
  started: number;
  byKind: Record<string, { succeeded: number; failed: number; stuck: number }>;
  succeeded: number;
  /** Ended failed (types below); a correct failure is audited and leaves no instance behind (checked below). */
  failed: number;
  failureTypes: Record<string, number>;
  stuck: string[];
  duplicateCreates: string[];
  leakedInstances: string[];
  missingInstances: string[];
  auditProblems: string[];
}

interface Ended {
  op: TrackedOp;
  outcome: 'succeeded' | 'failed' | 'stuck';
  failureType?: string;
}

/** Waits for every operation (maintained services are detached first by the caller) up to `graceMs`. */
export async function settle(ops: TrackedOp[], graceMs: number): Promise<Ended[]> {
  const deadline = Date.now() + graceMs;
  return Promise.all(
    ops.map(async (op): Promise<Ended> => {
      const timeout = new Promise<'stuck'>((resolve) => setTimeout(() => resolve('stuck'), Math.max(0, deadline - Date.now())).unref());
      const result = await Promise.race([op.handle.result().then(() => 'succeeded' as const, (err: unknown) => err), timeout]);
      if (result === 'succeeded' || result === 'stuck') return { op, outcome: result };
      const cause = result instanceof WorkflowFailedError ? (result.cause as { type?: string; name?: string } | undefined) : undefined;
      return { op, outcome: 'failed', failureType: cause?.type ?? cause?.name ?? String(result) };
    }),
  );
}

export function judge(ended: Ended[], sim: DbcsSimulator, seeded: string[], audit: AuditRecord[]): Verdict {
  const byKind: Verdict['byKind'] = {};
  const failureTypes: Record<string, number> = {};
  for (const e of ended) {
    const k = (byKind[e.op.kind] ??= { succeeded: 0, failed: 0, stuck: 0 });
    k[e.outcome] += 1;
    if (e.failureType) failureTypes[e.failureType] = (failureTypes[e.failureType] ?? 0) + 1;
  }
  // The instances a correct run leaves: the seeded fleet, plus what succeeded builds made, minus what succeeded deletes removed.
  const expected = new Set(seeded);
  const order = [...ended].sort((a, b) => a.op.startedAt - b.op.startedAt);
  for (const e of order) if (e.outcome === 'succeeded' && e.op.kind === 'buildService') expected.add(e.op.serviceName);
  for (const e of order) if (e.outcome === 'succeeded' && e.op.kind === 'deleteService') expected.delete(e.op.serviceName);
  const live = new Set(sim.state.allInstances().filter((i) => i.domain === DOMAIN).map((i) => i.name));
  const builds = ended.filter((e) => e.op.kind === 'buildService');
  return {
    started: ended.length,
    byKind,
    succeeded: ended.filter((e) => e.outcome === 'succeeded').length,
    failed: ended.filter((e) => e.outcome === 'failed').length,
    failureTypes,
    stuck: ended.filter((e) => e.outcome === 'stuck').map((e) => `${e.op.kind} ${e.op.handle.workflowId}`),
    duplicateCreates: builds.filter((b) => sim.state.jobsOf(DOMAIN, b.op.serviceName).filter((j) => j.requestName === 'create').length > 1).map((b) => b.op.serviceName),
    leakedInstances: [...live].filter((n) => !expected.has(n)),
    missingInstances: [...expected].filter((n) => !live.has(n)),
    auditProblems: auditProblems(ended, audit),
  };
}

const TERMINAL: Record<Kind, string[]> = {
  buildService: ['succeeded', 'rolled_back', 'failed'],
  scaleService: ['succeeded', 'rolled_back', 'failed'],
  changeLifecycle: ['succeeded', 'failed'],
  deleteService: ['succeeded', 'failed'],
  rollingPatch: [],
  maintainService: [],
};

/** Every operation run: `requested` once, a terminal event once, no event written twice. */
function auditProblems(ended: Ended[], audit: AuditRecord[]): string[] {
  const problems: string[] = [];
  const byRun = new Map<string, AuditRecord[]>();
  for (const r of audit) byRun.set(`${r.workflowId}/${r.runId}`, [...(byRun.get(`${r.workflowId}/${r.runId}`) ?? []), r]);
  for (const e of ended) {
    const terminal = TERMINAL[e.op.kind];
    if (terminal.length === 0 || e.outcome === 'stuck') continue;
    const records = byRun.get(`${e.op.handle.workflowId}/${e.op.handle.firstExecutionRunId}`) ?? [];
    const keys = records.map((r) => r.idempotencyKey);
    if (new Set(keys).size !== keys.length) problems.push(`${e.op.handle.workflowId}: an event written twice`);
    const names = records.map((r) => r.event);
    if (names.filter((n) => n === 'requested').length !== 1) problems.push(`${e.op.handle.workflowId} (${e.op.kind}): 'requested' ${names.filter((n) => n === 'requested').length} times`);
    if (e.outcome === 'succeeded' && names.filter((n) => n === 'succeeded').length !== 1) problems.push(`${e.op.handle.workflowId} (${e.op.kind}): succeeded but ${names.join(',')}`);
    if (e.outcome === 'failed' && !names.some((n) => n === 'failed' || n === 'rolled_back')) problems.push(`${e.op.handle.workflowId} (${e.op.kind}): failed but ${names.join(',')}`);
  }
  return problems;
}
