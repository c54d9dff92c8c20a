// Charts as inline SVG drawn here (no library, no external file): a line over days (storage trend) and
// stacked horizontal bars (operations by type and outcome). Labels go through html`` like everything else.
import { html, type Html } from './html';

export interface Point {
  label: string;
  value: number;
}

const W = 640;
const fmt = (n: number) => (Math.abs(n) >= 100 ? Math.round(n).toString() : (Math.round(n * 10) / 10).toString());

/** A line chart of values by label (days), with the y axis from 0 to the largest value. */
export function lineChart(title: string, points: Point[], unit: string): Html {
  const H = 220;
  const pad = { left: 56, right: 16, top: 28, bottom: 36 };
  const max = Math.max(1, ...points.map((p) => p.value));
  const x = (i: number) => pad.left + (points.length <= 1 ? 0 : (i * (W - pad.left - pad.right)) / (points.length - 1));
  const y = (v: number) => pad.top + (H - pad.top - pad.bottom) * (1 - v / max);
  const path = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(i).toFixed(1)},${y(p.value).toFixed(1)}`).join(' ');
  const first = points[0];
  const last = points.at(-1);
  return html`<svg role="img" aria-label="${title}" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" xmlns="http://www.w3.org/2000/svg">
<title>${title}</title>
<text x="${pad.left}" y="18" font-size="13" font-weight="bold">${title}</text>
<line x1="${pad.left}" y1="${y(0)}" x2="${W - pad.right}" y2="${y(0)}" stroke="#999"/>
<line x1="${pad.left}" y1="${pad.top}" x2="${pad.left}" y2="${y(0)}" stroke="#999"/>
<text x="${pad.left - 6}" y="${pad.top + 4}" font-size="11" text-anchor="end">${fmt(max)} ${unit}</text>
<text x="${pad.left - 6}" y="${y(0)}" font-size="11" text-anchor="end">0</text>
${first ? html`<text x="${pad.left}" y="${H - 12}" font-size="11">${first.label}</text>` : ''}
${last && points.length > 1 ? html`<text x="${W - pad.right}" y="${H - 12}" font-size="11" text-anchor="end">${last.label}</text>` : ''}
${points.length > 1 ? html`<path d="${path}" fill="none" stroke="#2f6fdb" stroke-width="2"/>` : ''}
${points.map((p, i) => html`<circle cx="${x(i).toFixed(1)}" cy="${y(p.value).toFixed(1)}" r="2.5" fill="#2f6fdb"><title>${p.label}: ${fmt(p.value)} ${unit}</title></circle>`)}
</svg>`;
}

export interface BarRow {
  label: string;
  parts: { name: string; value: number }[];
}

const PALETTE = ['#2e9e5b', '#d64545', '#e59c24', '#7a7f8c', '#2f6fdb', '#8e5bd6'];

/** Horizontal bars, one per row, stacked by part (the same part names in every row), with a legend. */
export function stackedBars(title: string, rows: BarRow[]): Html {
  const barH = 18;
  const pad = { left: 150, right: 40, top: 44 };
  const H = pad.top + rows.length * (barH + 8) + 10;
  const names = [...new Set(rows.flatMap((r) => r.parts.map((p) => p.name)))];
  const color = (name: string) => PALETTE[names.indexOf(name) % PALETTE.length]!;
  const max = Math.max(1, ...rows.map((r) => r.parts.reduce((a, p) => a + p.value, 0)));
  const scale = (W - pad.left - pad.right) / max;
  return html`<svg role="img" aria-label="${title}" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" xmlns="http://www.w3.org/2000/svg">
<title>${title}</title>
<text x="8" y="18" font-size="13" font-weight="bold">${title}</text>
${names.map((n, i) => html`<rect x="${8 + i * 100}" y="26" width="10" height="10" fill="${color(n)}"/><text x="${22 + i * 100}" y="35" font-size="11">${n}</text>`)}
${rows.map((r, i) => {
  const top = pad.top + i * (barH + 8);
  let left = pad.left;
  const total = r.parts.reduce((a, p) => a + p.value, 0);
  return html`<text x="${pad.left - 6}" y="${top + 13}" font-size="11" text-anchor="end">${r.label}</text>
${r.parts.filter((p) => p.value > 0).map((p) => {
  const rect = html`<rect x="${left.toFixed(1)}" y="${top}" width="${(p.value * scale).toFixed(1)}" height="${barH}" fill="${color(p.name)}"><title>${r.label}: ${p.name} ${p.value}</title></rect>`;
  left += p.value * scale;
  return rect;
})}
<text x="${(left + 4).toFixed(1)}" y="${top + 13}" font-size="11">${total}</text>`;
})}
</svg>`;
}
