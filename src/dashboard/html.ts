// HTML built safely: every value put into a template is escaped unless it is already Html (built by
// this module from escaped parts). Service names, audit details, tickets and requesters are written by
// users, so nothing reaches a page unescaped; and every response carries a Content-Security-Policy
// that runs only the dashboard's own script and style (by hash), so even a missed escape could not run.
import { createHash } from 'node:crypto';

export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

/** Text safe in element content and in quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => ENTITIES[c]!);
}

function render(value: unknown): string {
  if (value instanceof Html) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === undefined || value === null || value === false) return '';
  return escapeHtml(String(value));
}

/** A template whose interpolations are escaped (Html and arrays of Html are kept as they are). */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0]!;
  values.forEach((v, i) => (out += render(v) + strings[i + 1]!));
  return new Html(out);
}

/** Markup this program wrote itself (constants, never data). */
export const trusted = (markup: string) => new Html(markup);

/** A link's target: only http(s) URLs and paths of this server; anything else becomes "#". */
export function safeHref(url: string): string {
  if (url.startsWith('/') && !url.startsWith('//')) return url;
  try {
    return ['http:', 'https:'].includes(new URL(url).protocol) ? url : '#';
  } catch {
    return '#';
  }
}

export const sha256Source = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/**
 * The headers of every response: a CSP with no external origin (the one script and stylesheet are
 * inline and allowed by hash; fetches only to this server), no sniffing, no framing, no referrer
 * (names in URLs) sent to the Temporal UI, nothing cached.
 */
export function securityHeaders(scriptHash: string, styleHash: string): Record<string, string> {
  const csp = [
    "default-src 'none'",
    `script-src ${scriptHash}`,
    `style-src ${styleHash}`,
    "img-src 'self'",
    "connect-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
  return {
    'Content-Security-Policy': csp,
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    // Not no-referrer: under it Chromium sends `Origin: null` with the sign-in form, which then looks
    // cross-site. same-origin still sends nothing to the Temporal UI.
    'Referrer-Policy': 'same-origin',
    'Cache-Control': 'no-store',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
  };
}
