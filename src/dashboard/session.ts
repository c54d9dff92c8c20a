// How a browser proves who it is. A page load cannot carry an Authorization header, so the token goes
// into a cookie once: POST /login with the token (a form field, or the Authorization header of a
// script or an auth proxy), verified exactly as every later request is, then kept in an HttpOnly
// (no script reads it), SameSite=Strict (no other site's page sends it) cookie that expires with
// the token. The cookie holds the token itself, re-verified on every request: no server-side
// session to store, and revoking the IdP's key or the token's expiry ends it.
import type http from 'node:http';
import { bearerTokenOf } from '../auth/bearer';

const PLAIN_NAME = 'dbaas_dashboard_token';
// The __Host- prefix makes the browser refuse the cookie unless it is Secure, host-only and Path=/.
const SECURE_NAME = '__Host-dbaas_dashboard_token';
const MAX_FORM_BYTES = 16 * 1024;

export const cookieName = (secure: boolean) => (secure ? SECURE_NAME : PLAIN_NAME);

/** The caller's token: the Authorization header first (scripts, proxies), else the session cookie. */
export function requestToken(req: http.IncomingMessage, secure: boolean): { token?: string; from?: 'header' | 'cookie' } {
  const fromHeader = bearerTokenOf(req.headers.authorization);
  if (fromHeader) return { token: fromHeader, from: 'header' };
  const name = cookieName(secure);
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      const value = part.slice(eq + 1).trim();
      // A JWT is base64url parts and dots: anything else is not one of our cookies.
      if (/^[A-Za-z0-9._-]+$/.test(value)) return { token: value, from: 'cookie' };
    }
  }
  return {};
}

export function sessionCookie(token: string, maxAgeSeconds: number, secure: boolean): string {
  return `${cookieName(secure)}=${token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}${secure ? '; Secure' : ''}`;
}

export const clearedCookie = (secure: boolean) => `${cookieName(secure)}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${secure ? '; Secure' : ''}`;

/**
 * A POST from a page of another origin (login CSRF: signing the victim in as the attacker) is refused.
 * Browsers send Sec-Fetch-Site and Origin on every POST; a client with neither (curl, a script) is
 * not a browser page.
 */
export function sameOrigin(req: http.IncomingMessage): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return false;
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

/** An application/x-www-form-urlencoded body (at most 16 KiB). */
export async function readForm(req: http.IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) throw new Error('the form is too large');
    chunks.push(chunk);
  }
  const type = req.headers['content-type'] ?? '';
  if (size > 0 && !type.startsWith('application/x-www-form-urlencoded')) throw new Error('expected a form (application/x-www-form-urlencoded)');
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}
