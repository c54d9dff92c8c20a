// The fleet report (src/reports, what `dbaas report` prints) as a page: every section as a table with
// its notes, and charts for the trends (storage, backups) and for operations by type and outcome.
import type { Report } from '../reports/runner';
import type { Cell, SectionResult } from '../reports/types';
import { lineChart, stackedBars, type Point } from './charts';
import { html, type Html } from './html';
import type { PageContext } from './page';
import { layout } from './page';
import type { ReportAnswer } from './model';

const num = (v: Cell | undefined) => (typeof v === 'number' ? v : 0);

function sectionTable(s: SectionResult): Html {
  const rows = s.rows.length
    ? s.rows.map((r) => html`<tr>${s.columns.map(([key]) => {
        const v = r[key];
        return html`<td${typeof v === 'number' ? html` class="num"` : ''}>${v === null || v === undefined ? '–' : v}</td>`;
      })}</tr>`)
    : html`<tr><td colspan="${s.columns.length}" class="empty">none</td></tr>`;
  return html`<table data-section="${s.name}"><thead><tr>${s.columns.map(([, title]) => html`<th>${title}</th>`)}</tr></thead><tbody>${rows}</tbody></table>`;
}

/** The chart of a section, when it has one that says more than its table. */
export function sectionChart(s: SectionResult): Html | undefined {
  const trend = (key: string): Point[] => s.rows.map((r) => ({ label: String(r.day ?? ''), value: num(r[key]) }));
  if (s.name === 'storage' && s.rows.length) return lineChart('Storage, total (GB) per day', trend('totalGb'), 'GB');
  if (s.name === 'backups' && s.rows.length) return lineChart('Backups kept (GB) per day', trend('sizeGb'), 'GB');
  if (s.name === 'operations' && s.rows.length) {
    const parts = ['succeeded', 'failed', 'rolledBack', 'refused', 'running'];
    return stackedBars(
      'Operations by type and outcome',
      s.rows.map((r) => ({ label: String(r.operation ?? '?'), parts: parts.map((p) => ({ name: p === 'rolledBack' ? 'rolled back' : p, value: num(r[p]) })) })),
    );
  }
  return undefined;
}

function sectionHtml(s: SectionResult): Html {
  return html`<section id="section-${s.name}"><h2>${s.title}</h2>${sectionChart(s) ?? ''}${sectionTable(s)}
${s.notes.length ? html`<ul class="notes">${s.notes.map((n) => html`<li>${n}</li>`)}</ul>` : ''}</section>`;
}

export function reportBody(report: Report): Html {
  return html`<p class="muted">from ${report.since} until ${report.until}</p>${report.sections.map(sectionHtml)}`;
}

export function reportPage(ctx: PageContext, domain: string, since: string, answer: ReportAnswer): Html {
  return layout(
    `Report ${domain}`,
    html`<h1>Report for <a href="${ctx.links.domain(domain)}">${domain}</a></h1>
<form method="get" action="${ctx.links.report(domain)}"><label>since <input name="since" value="${since}" maxlength="40"></label> <button type="submit">show</button> <span class="muted">30d, 12h, or an ISO date</span></form>
${'report' in answer ? reportBody(answer.report) : html`<p class="warn">${answer.unavailable}</p>`}`,
    ctx,
  );
}
