// The pages, rendered on the server: one per view (domains, a domain's services and what runs there, a
// service with its runs and audit trail, sign-in and errors). Every value goes through html``.
import type { AuditRecord } from '../audit/types';
import { SCRIPT, STYLE } from './assets';
import { html, safeHref, trusted, type Html } from './html';
import type { Links } from './links';
import { liveRows, liveTable, OPERATION_COLUMNS, ROLLOUT_COLUMNS } from './live';
import type { LiveView, RunSummary, ServiceDetail, ServiceRow } from './model';

export interface PageContext {
  links: Links;
  /** Who is looking (shown in the header), undefined on the sign-in and error pages. */
  subject?: string;
  /** A session cookie is in use: the header offers to sign out. */
  canSignOut?: boolean;
}

export function layout(title: string, body: Html, ctx: Partial<PageContext> = {}, main: { live?: string; pollMs?: number } = {}): Html {
  const live = main.live ? html` data-live="${main.live}" data-poll-ms="${main.pollMs ?? 2000}"` : '';
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · dbaas dashboard</title><style>${trusted(STYLE)}</style></head>
<body><header><strong>dbaas dashboard</strong><a href="/">domains</a>
${ctx.subject ? html`<span class="muted">${ctx.subject}</span>` : ''}
${ctx.canSignOut ? html`<form method="post" action="/logout"><button type="submit">sign out</button></form>` : ''}</header>
<main${live}>${body}</main>
<script>${trusted(SCRIPT)}</script></body></html>`;
}

const runLink = (links: Links, run: RunSummary) => html`<a href="${safeHref(links.run(run))}" rel="noreferrer">${run.operation} · ${run.status}</a>`;

export function homePage(ctx: PageContext, knownDomains: string[]): Html {
  return layout(
    'Domains',
    html`<h1>Identity domains</h1>
<form method="get" action="/domains"><label>domain <input name="name" required maxlength="64"></label> <button type="submit">open</button></form>
${knownDomains.length ? html`<h2>Domains in the audit trail</h2><ul>${knownDomains.map((d) => html`<li><a href="${ctx.links.domain(d)}">${d}</a></li>`)}</ul>` : ''}`,
    ctx,
  );
}

function servicesTable(domain: string, services: ServiceRow[], links: Links): Html {
  if (!services.length) return html`<p class="muted">no services in this domain</p>`;
  const maintain = (s: ServiceRow) =>
    s.maintain ? html`<a href="${safeHref(links.run(s.maintain))}" rel="noreferrer">${s.maintain.state}${s.maintain.paused ? ' (paused)' : ''}</a>${s.maintain.drift?.length ? html` <span class="warn">drift: ${s.maintain.drift.join(', ')}</span>` : ''}` : html`<span class="muted">not maintained</span>`;
  return html`<table id="services"><thead><tr><th>service</th><th>status</th><th>shape</th><th>version</th><th>patch level</th><th>maintain</th><th>last operation</th></tr></thead><tbody>
${services.map(
  (s) => html`<tr data-service="${s.name}"><td><a href="${links.service(domain, s.name)}">${s.name}</a></td><td>${s.status}</td><td>${s.shape ?? '–'}</td><td>${s.version ?? '–'}</td><td>${s.patchLevel ?? '–'}</td><td>${maintain(s)}</td>
<td>${s.lastOperation ? html`${runLink(links, s.lastOperation)} <span class="muted">${s.lastOperation.startedAt}</span>` : '–'}</td></tr>`,
)}</tbody></table>`;
}

export function liveSection(domain: string, live: LiveView, links: Links): Html {
  const rows = liveRows(live, domain, links);
  return html`<h2>Running operations</h2>${liveTable('operations-rows', OPERATION_COLUMNS, rows.operations, 'no operation running')}
<h2>Rollouts</h2>${liveTable('rollouts-rows', ROLLOUT_COLUMNS, rows.rollouts, 'no rollout running')}
<p id="live-status" class="muted">as of ${live.at}</p><ul id="live-warnings" class="warn">${live.warnings.map((w) => html`<li>${w}</li>`)}</ul>`;
}

export function domainPage(ctx: PageContext, domain: string, services: ServiceRow[] | { error: string }, live: LiveView, pollMs: number): Html {
  const { links } = ctx;
  return layout(
    domain,
    html`<h1>Domain ${domain}</h1><p><a href="${links.report(domain)}">report (30 days)</a></p>
<h2>Services</h2>${'error' in services ? html`<p class="warn">services could not be read from the API: ${services.error}</p>` : servicesTable(domain, services, links)}
${liveSection(domain, live, links)}`,
    ctx,
    { live: links.live(domain), pollMs },
  );
}

const detailsText = (d: AuditRecord['details']) => {
  if (!d || Object.keys(d).length === 0) return '';
  const text = JSON.stringify(d);
  return text.length > 2000 ? `${text.slice(0, 2000)}…` : text;
};

function trailTable(trail: AuditRecord[]): Html {
  if (!trail.length) return html`<p class="muted">no audit events</p>`;
  return html`<table id="trail"><thead><tr><th>when</th><th>operation</th><th>event</th><th>step</th><th>job</th><th>requested by</th><th>ticket</th><th>details</th></tr></thead><tbody>
${trail.map(
  (e) => html`<tr><td>${e.occurredAt.toISOString()}</td><td>${e.operation}</td><td class="event">${e.event}</td><td>${e.step ?? ''}</td><td>${e.jobId ?? ''}</td><td>${e.requestedBy ?? ''}</td><td>${e.ticket ?? ''}</td><td class="details">${detailsText(e.details)}</td></tr>`,
)}</tbody></table>`;
}

export function servicePage(ctx: PageContext, domain: string, name: string, detail: ServiceDetail): Html {
  const { links } = ctx;
  const s = detail.service;
  const facts = s
    ? html`<table id="service"><tbody><tr><th>status</th><td>${s.status}</td></tr><tr><th>shape</th><td>${s.shape ?? '–'}</td></tr><tr><th>version</th><td>${s.version ?? '–'}</td></tr>
<tr><th>edition</th><td>${s.edition ?? '–'}</td></tr><tr><th>patch level</th><td>${s.patchLevel ?? '–'}</td></tr>
<tr><th>maintain</th><td>${s.maintain ? html`<a href="${safeHref(links.run(s.maintain))}" rel="noreferrer">${s.maintain.state}${s.maintain.paused ? ' (paused)' : ''}</a>${s.maintain.lastPassAt ? html` <span class="muted">last pass ${s.maintain.lastPassAt}</span>` : ''}` : 'not maintained'}</td></tr></tbody></table>`
    : html`<p class="warn">${detail.serviceError ?? 'not found'}</p>`;
  const runs = detail.runs.length
    ? html`<table id="runs"><thead><tr><th>run</th><th>operation</th><th>status</th><th>started</th><th>closed</th></tr></thead><tbody>
${detail.runs.map((r) => html`<tr><td><a href="${safeHref(links.run(r))}" rel="noreferrer">${r.workflowId}</a></td><td>${r.operation}</td><td>${r.status}</td><td>${r.startedAt}</td><td>${r.closedAt ?? ''}</td></tr>`)}</tbody></table>`
    : html`<p class="muted">no runs in Temporal's visibility</p>`;
  return layout(
    `${name} in ${domain}`,
    html`<h1>${name} <span class="muted">in <a href="${links.domain(domain)}">${domain}</a></span></h1>${facts}
<h2>Runs (links into the Temporal UI)</h2>${runs}
<h2>Audit trail</h2>${trailTable(detail.trail)}`,
    ctx,
  );
}

export function messagePage(title: string, message: string, options: { signIn?: boolean } = {}): Html {
  return layout(title, html`<h1>${title}</h1><p>${message}</p>${options.signIn ? html`<p><a href="/login">sign in</a></p>` : ''}`);
}

export function loginPage(error?: string): Html {
  return layout(
    'Sign in',
    html`<h1>Sign in</h1>
<p>Paste an access token from your identity provider (for the local issuer: <code>npm run token -- --subject you@example.com --groups …</code>).
It is kept in an HttpOnly cookie of this site until it expires.</p>
${error ? html`<p class="warn" id="login-error">${error}</p>` : ''}
<form method="post" action="/login"><label>token <input type="password" name="token" autocomplete="off" required></label> <button type="submit">sign in</button></form>`,
  );
}
