// The running operations and rollouts as table cells: computed once here, rendered to HTML by the
// page (first load) and to DOM nodes by the page's script (each poll), so both always agree.
import { html, safeHref, type Html } from './html';
import type { Links } from './links';
import type { LiveView, RolloutView, RunningOperation } from './model';

export interface Cell {
  text: string;
  href?: string;
  /** The link leaves this dashboard (the Temporal UI). */
  external?: boolean;
  cls?: string;
}

export const OPERATION_COLUMNS = ['workflow', 'operation', 'service', 'started', 'state', 'step', 'job'];
export const ROLLOUT_COLUMNS = ['rollout', 'patch', 'state', 'batch', 'counts', 'services', 'ETA'];

const dash = (v: string | undefined) => v ?? '–';

export function countsText(counts: Record<string, number>): string {
  const parts = Object.entries(counts).map(([state, n]) => `${state} ${n}`);
  return parts.length ? parts.join(', ') : '–';
}

function operationCells(op: RunningOperation, domain: string, links: Links): Cell[] {
  return [
    { text: op.workflowId, href: links.run(op), external: true },
    { text: op.operation },
    op.service ? { text: op.service, href: links.service(domain, op.service) } : { text: '–' },
    { text: op.startedAt },
    { text: dash(op.state) },
    { text: dash(op.step) },
    { text: dash(op.jobId) },
  ];
}

function rolloutCells(r: RolloutView, links: Links): Cell[] {
  const services = Object.entries(r.services).map(([name, s]) => `${name} ${s.state}`);
  return [
    { text: r.workflowId, href: links.run(r), external: true },
    { text: r.patchId },
    { text: r.state },
    { text: r.batches ? `${r.batch}/${r.batches}` : '–' },
    { text: countsText(r.counts) },
    { text: services.length ? services.join(', ') : '–' },
    { text: dash(r.eta) },
  ];
}

export function liveRows(live: LiveView, domain: string, links: Links): { operations: Cell[][]; rollouts: Cell[][] } {
  return { operations: live.operations.map((op) => operationCells(op, domain, links)), rollouts: live.rollouts.map((r) => rolloutCells(r, links)) };
}

function cellHtml(c: Cell): Html {
  const content = c.href ? html`<a href="${safeHref(c.href)}"${c.external ? html` rel="noreferrer"` : ''}>${c.text}</a>` : html`${c.text}`;
  return html`<td${c.cls ? html` class="${c.cls}"` : ''}>${content}</td>`;
}

/** A table whose body the script rewrites (its tbody has the given id). */
export function liveTable(id: string, columns: string[], rows: Cell[][], empty: string): Html {
  const body = rows.length ? rows.map((r) => html`<tr>${r.map(cellHtml)}</tr>`) : html`<tr><td colspan="${columns.length}" class="empty">${empty}</td></tr>`;
  return html`<table><thead><tr>${columns.map((c) => html`<th>${c}</th>`)}</tr></thead><tbody id="${id}">${body}</tbody></table>`;
}
