// `dbaas audit` (a service's history) and `dbaas list` (operations running now).
import type { AuditRecord } from '../audit/types';
import { MUTATING_OPERATIONS, SEARCH_ATTRIBUTES } from '../shared/contract';
import { progressQuery } from '../shared/messages';
import { CliError, EXIT, requireDomain } from './exit-codes';
import type { GlobalOptions } from './global-options';
import { formatOf, printList } from './output';
import { connectTemporal } from './temporal';
import type { ConnectionFlags } from '../worker/temporal-connection';
import { checkDomain, checkServiceName } from './validation';
import { throughStoreOrWorker } from './store-or-worker';

/** `--since` as a duration back from now (30m, 6h, 7d) or an ISO date. */
export function parseSince(since: string | undefined, now = Date.now()): Date | undefined {
  if (!since) return undefined;
  const m = /^(\d{1,9})\s*([smhd])$/.exec(since.trim());
  const at = m ? now - Number(m[1]) * { s: 1e3, m: 6e4, h: 36e5, d: 864e5 }[m[2] as 's' | 'm' | 'h' | 'd'] : Date.parse(since);
  // A date outside what Date can hold (999999999d) is as unreadable as a word.
  if (Number.isNaN(at) || Number.isNaN(new Date(at).getTime())) throw new CliError(`--since: use a duration such as 30m, 6h, 7d, or an ISO date (got ${JSON.stringify(since.length > 60 ? `${since.slice(0, 60)}…` : since)})`, EXIT.invalid);
  return new Date(at);
}

/**
 * Reads the audit trail: straight from PostgreSQL when DATABASE_URL is set, otherwise through the
 * worker (the embedded PGlite store belongs to the worker's process), with the auditTrail workflow.
 */
export async function readAudit(filter: { identityDomain?: string; serviceName?: string; since?: Date; limit?: number }, connection: ConnectionFlags = {}): Promise<AuditRecord[]> {
  const records = await throughStoreOrWorker(connection, (store) => store.query(filter), {
    workflow: 'auditTrail',
    idPrefix: `audit:${filter.identityDomain ?? '*'}:${filter.serviceName ?? '*'}`,
    args: [{ ...filter, since: filter.since?.toISOString() }],
  });
  // Through the worker, dates arrive as JSON strings.
  return records.map((r) => ({ ...r, occurredAt: new Date(r.occurredAt), recordedAt: new Date(r.recordedAt) }));
}

function describeEvent(e: AuditRecord): string {
  const d = e.details ?? {};
  const parts: string[] = [];
  if (e.step) parts.push(`step ${e.step}`);
  if (e.jobId) parts.push(`job ${e.jobId}`);
  const before = d.before as { status?: string; shape?: string } | undefined;
  const after = d.after as { status?: string; shape?: string } | null | undefined;
  if (e.event === 'succeeded' && before) parts.push(`${before.status}/${before.shape} → ${after ? `${after.status}/${after.shape}` : 'gone'}`);
  if (typeof d.error === 'string') parts.push(d.error);
  if (e.requestedBy) parts.push(`by ${e.requestedBy}`);
  if (e.ticket) parts.push(`ticket ${e.ticket}`);
  return parts.join(', ');
}

export async function auditCommand(service: string, options: GlobalOptions & { domain?: string; since?: string; limit?: string }): Promise<number> {
  const identityDomain = requireDomain(options);
  checkServiceName(service);
  const since = parseSince(options.since);
  const limit = options.limit === undefined ? 500 : /^\d{1,5}$/.test(options.limit.trim()) && Number(options.limit) >= 1 ? Number(options.limit) : undefined;
  if (limit === undefined) throw new CliError('--limit: must be a whole number from 1 to 99999', EXIT.invalid);
  const events = await readAudit({ identityDomain, serviceName: service, since, limit }, options);
  if (formatOf(options) !== 'text') {
    printList(options, events);
    return EXIT.ok;
  }
  if (events.length === 0) {
    console.log(`no audit events for [${service}] in domain [${identityDomain}]${options.since ? ` since ${options.since}` : ''}`);
    return EXIT.ok;
  }
  for (const e of events) console.log(`${e.occurredAt.toISOString()}  ${e.operation.padEnd(16)} ${e.event.padEnd(15)} ${describeEvent(e)}`);
  return EXIT.ok;
}

export async function listCommand(options: GlobalOptions & { domain?: string; service?: string; operation?: string }): Promise<number> {
  if (options.domain !== undefined) checkDomain(options.domain);
  if (options.service !== undefined) checkServiceName(options.service, '--service');
  if (options.operation !== undefined && !(MUTATING_OPERATIONS as readonly string[]).includes(options.operation)) {
    throw new CliError(`--operation must be one of ${MUTATING_OPERATIONS.join(', ')}`, EXIT.invalid);
  }
  const quote = (v: string) => `'${v.replace(/'/g, "\\'")}'`;
  const clauses = [`ExecutionStatus = 'Running'`, `${SEARCH_ATTRIBUTES.operation.name} IS NOT NULL`];
  if (options.domain) clauses.push(`${SEARCH_ATTRIBUTES.identityDomain.name} = ${quote(options.domain)}`);
  if (options.service) clauses.push(`${SEARCH_ATTRIBUTES.serviceName.name} = ${quote(options.service)}`);
  if (options.operation) clauses.push(`${SEARCH_ATTRIBUTES.operation.name} = ${quote(options.operation)}`);
  const format = formatOf(options);
  const t = await connectTemporal(process.env, options);
  try {
    const rows = [];
    for await (const wf of t.client.workflow.list({ query: clauses.join(' AND '), pageSize: 100 })) {
      let step: string | undefined;
      try {
        step = (await t.client.workflow.getHandle(wf.workflowId, wf.runId).query(progressQuery)).step;
      } catch {
        step = undefined; // no worker answering right now
      }
      rows.push({
        workflowId: wf.workflowId,
        operation: wf.typedSearchAttributes.get(SEARCH_ATTRIBUTES.operation) ?? wf.type,
        service: wf.typedSearchAttributes.get(SEARCH_ATTRIBUTES.serviceName),
        domain: wf.typedSearchAttributes.get(SEARCH_ATTRIBUTES.identityDomain),
        startedAt: wf.startTime.toISOString(),
        step,
      });
      // jsonl streams: each operation as soon as it is read.
      if (format === 'jsonl') console.log(JSON.stringify(rows.at(-1)));
      if (rows.length >= 200) break;
    }
    if (format === 'json') printList(options, rows);
    else if (format === 'text' && rows.length === 0) console.log('no operations running');
    else if (format === 'text') for (const r of rows) console.log(`${r.workflowId.padEnd(40)} ${String(r.operation).padEnd(16)} since ${r.startedAt}  step ${r.step ?? '?'}`);
    return EXIT.ok;
  } finally {
    await t.close();
  }
}
