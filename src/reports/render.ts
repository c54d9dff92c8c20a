// A report printed: readable tables (text), one JSON object (json), one object per section (jsonl),
// or CSV (one table per section: RFC 4180 alone, or each after a "# section: NAME" line when several).
import type { Report } from './runner';
import type { Cell, SectionResult } from './types';

export const REPORT_FORMATS = ['text', 'json', 'jsonl', 'csv'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

const sectionObject = (s: SectionResult) => ({ title: s.title, rows: s.rows, notes: s.notes, ...s.extra });

export function renderJson(report: Report): string {
  const { sections, ...head } = report;
  return JSON.stringify({ ...head, ...Object.fromEntries(sections.map((s) => [s.name, sectionObject(s)])) }, null, 2);
}

export function renderJsonl(report: Report): string {
  return report.sections.map((s) => JSON.stringify({ section: s.name, domain: report.domain, since: report.since, until: report.until, ...sectionObject(s) })).join('\n');
}

const csvCell = (v: Cell): string => {
  if (v === null) return '';
  const text = String(v);
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

export function sectionCsv(s: SectionResult): string {
  return [s.columns.map(([key]) => csvCell(key)).join(','), ...s.rows.map((r) => s.columns.map(([key]) => csvCell(r[key] ?? null)).join(','))].join('\r\n');
}

export function renderCsv(report: Report): string {
  if (report.sections.length === 1) return sectionCsv(report.sections[0]!);
  return report.sections.map((s) => `# section: ${s.name}\r\n${sectionCsv(s)}`).join('\r\n\r\n');
}

const shown = (v: Cell | undefined) => (v === null || v === undefined ? '–' : String(v));

function textTable(s: SectionResult): string[] {
  if (s.rows.length === 0) return ['  (none)'];
  const numeric = s.columns.map(([key]) => s.rows.every((r) => r[key] === null || r[key] === undefined || typeof r[key] === 'number'));
  const widths = s.columns.map(([key, title]) => Math.max(title.length, ...s.rows.map((r) => shown(r[key]).length)));
  const line = (cells: string[]) => `  ${cells.map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ')}`.trimEnd();
  return [line(s.columns.map(([, title]) => title)), line(widths.map((w) => '-'.repeat(w))), ...s.rows.map((r) => line(s.columns.map(([key]) => shown(r[key]))))];
}

export function renderText(report: Report): string {
  const scope = report.domain === null ? `every domain (${report.domains.length ? report.domains.join(', ') : 'none'})` : `domain ${report.domain}`;
  const out = [`Fleet report: ${scope}, ${report.since.slice(0, 16).replace('T', ' ')} to ${report.until.slice(0, 16).replace('T', ' ')} UTC`];
  for (const s of report.sections) {
    out.push('', s.title, '='.repeat(s.title.length), ...textTable(s.brief ? { ...s, rows: s.brief.rows } : s));
    for (const n of s.brief ? [s.brief.note, ...s.notes] : s.notes) out.push(`  · ${n}`);
  }
  return out.join('\n');
}

export function renderReport(report: Report, format: ReportFormat): string {
  return { text: renderText, json: renderJson, jsonl: renderJsonl, csv: renderCsv }[format](report);
}
