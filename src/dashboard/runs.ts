// What the dashboard reads from Temporal: runs by visibility query (as `dbaas list` does), and each
// running workflow's progress by query. A query needs a worker to answer; every one has a deadline,
// so a page never hangs on a workflow nobody serves: the row is shown without its progress and the
// page says why.
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { MUTATING_OPERATIONS, SEARCH_ATTRIBUTES } from '../shared/contract';
import { maintainProgressQuery, maintainWorkflowId, type MaintainProgress } from '../shared/maintain';
import type { OperationProgress } from '../shared/messages';
import type { RolloutProgress } from '../shared/patching';
import type { MaintainView, RolloutView, RunningOperation, RunSummary } from './model';

const QUERY_DEADLINE_MS = 3_000;
/** Queries in flight at once: a domain of hundreds of services must not flood the frontend. */
const QUERY_CONCURRENCY = 8;
const MAX_ROWS = 1_000;

/** A visibility string literal (the values here are validated names, but quoting stays correct anyway). */
export const quote = (v: string) => `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

export async function listRuns(client: Client, query: string, max = MAX_ROWS): Promise<WorkflowExecutionInfo[]> {
  const rows: WorkflowExecutionInfo[] = [];
  for await (const wf of client.workflow.list({ query, pageSize: Math.min(max, 200) })) {
    rows.push(wf);
    if (rows.length >= max) break;
  }
  return rows;
}

export const operationOf = (wf: WorkflowExecutionInfo) => wf.typedSearchAttributes.get(SEARCH_ATTRIBUTES.operation) ?? wf.type;
export const serviceOf = (wf: WorkflowExecutionInfo) => wf.typedSearchAttributes.get(SEARCH_ATTRIBUTES.serviceName);

export function runSummary(wf: WorkflowExecutionInfo): RunSummary {
  return { workflowId: wf.workflowId, runId: wf.runId, operation: operationOf(wf), status: wf.status.name, startedAt: wf.startTime.toISOString(), closedAt: wf.closeTime?.toISOString() };
}

/** Runs `fn` over `items`, `limit` at a time, in order. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  });
  await Promise.all(lanes);
  return out;
}

/** A workflow's `progress` query (every workflow has one; the answer's type is the workflow's) with a deadline; undefined (and a warning) when it does not answer. */
async function queryProgress<T>(client: Client, wf: { workflowId: string; runId: string }, warnings: string[]): Promise<T | undefined> {
  try {
    return await client.connection.withDeadline(Date.now() + QUERY_DEADLINE_MS, () => client.workflow.getHandle(wf.workflowId, wf.runId).query<T>('progress'));
  } catch (err) {
    warnings.push(`${wf.workflowId}: no progress (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`);
    return undefined;
  }
}

/** The newest mutating operation of each service of a domain (the rows of the services table). */
export async function lastOperations(client: Client, domain: string): Promise<Map<string, RunSummary>> {
  const ops = MUTATING_OPERATIONS.map(quote).join(', ');
  const runs = await listRuns(client, `${SEARCH_ATTRIBUTES.identityDomain.name} = ${quote(domain)} AND ${SEARCH_ATTRIBUTES.operation.name} IN (${ops})`);
  const newest = new Map<string, RunSummary>();
  for (const wf of runs) {
    const service = serviceOf(wf);
    const seen = service === undefined ? undefined : newest.get(service);
    if (service !== undefined && (!seen || seen.startedAt < wf.startTime.toISOString())) newest.set(service, runSummary(wf));
  }
  return newest;
}

function maintainView(wf: { workflowId: string; runId: string }, p: MaintainProgress | undefined): MaintainView {
  if (!p) return { ...wf, state: 'unknown (no answer)', paused: false };
  return { ...wf, state: p.state, paused: p.paused, lastPassAt: p.lastPass?.at, drift: p.drift?.drift };
}

/** The maintain state of each maintained service of a domain (running maintain:<domain>:<service> workflows). */
export async function maintainers(client: Client, domain: string, warnings: string[] = []): Promise<Map<string, MaintainView>> {
  const runs = await listRuns(client, `ExecutionStatus = 'Running' AND ${SEARCH_ATTRIBUTES.identityDomain.name} = ${quote(domain)} AND ${SEARCH_ATTRIBUTES.operation.name} = 'maintainService'`);
  const views = await mapLimit(runs, QUERY_CONCURRENCY, async (wf) => [serviceOf(wf), maintainView(wf, await queryProgress<MaintainProgress>(client, wf, warnings))] as const);
  return new Map(views.filter((v): v is readonly [string, MaintainView] => v[0] !== undefined));
}

/** One service's maintainer, if one is running. */
export async function maintainerOf(client: Client, domain: string, service: string): Promise<MaintainView | undefined> {
  const handle = client.workflow.getHandle(maintainWorkflowId(domain, service));
  let wf;
  try {
    wf = await handle.describe();
  } catch {
    return undefined; // never maintained
  }
  if (wf.status.name !== 'RUNNING') return undefined;
  const p = await client.connection.withDeadline(Date.now() + QUERY_DEADLINE_MS, () => client.workflow.getHandle(wf.workflowId, wf.runId).query(maintainProgressQuery)).catch(() => undefined);
  return maintainView(wf, p);
}

/** Operations and rollouts running in a domain now, each with its progress. */
export async function runningNow(client: Client, domain: string, warnings: string[]): Promise<{ operations: RunningOperation[]; rollouts: RolloutView[] }> {
  const runs = await listRuns(client, `ExecutionStatus = 'Running' AND ${SEARCH_ATTRIBUTES.identityDomain.name} = ${quote(domain)}`, 500);
  // Maintainers run for as long as a service is maintained: the services table shows them.
  const shown = runs.filter((wf) => operationOf(wf) !== 'maintainService').sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
  const operations: RunningOperation[] = [];
  const rollouts: RolloutView[] = [];
  await mapLimit(shown, QUERY_CONCURRENCY, async (wf) => {
    const ref = { workflowId: wf.workflowId, runId: wf.runId };
    if (operationOf(wf) === 'rollingPatch') {
      const p = await queryProgress<RolloutProgress>(client, ref, warnings);
      const patchId = p?.patchId ?? wf.typedSearchAttributes.get(SEARCH_ATTRIBUTES.patchId) ?? '?';
      rollouts.push({
        ...ref,
        patchId,
        state: p?.state ?? 'unknown (no answer)',
        batch: p && p.batches.length > 0 ? Math.min(p.currentBatch + 1, p.batches.length) : 0,
        batches: p?.batches.length ?? 0,
        counts: Object.fromEntries(Object.entries(p?.counts ?? {}).filter((e): e is [string, number] => typeof e[1] === 'number' && e[1] > 0)),
        services: p?.services ?? {},
        eta: p?.eta,
      });
      return;
    }
    const p = await queryProgress<OperationProgress>(client, ref, warnings);
    operations.push({ ...ref, operation: operationOf(wf), service: serviceOf(wf), startedAt: wf.startTime.toISOString(), state: p?.state, step: p?.step, jobId: p?.jobId });
  });
  // The lanes finish in any order; the page lists oldest first.
  const order = new Map(shown.map((wf, i) => [wf.workflowId + wf.runId, i]));
  const byStart = (a: { workflowId: string; runId: string }, b: { workflowId: string; runId: string }) => order.get(a.workflowId + a.runId)! - order.get(b.workflowId + b.runId)!;
  return { operations: operations.sort(byStart), rollouts: rollouts.sort(byStart) };
}

