// The dashboard's HTTP server (node:http, no framework): read-only pages and their JSON twins under
// /api/, sign-in and sign-out, and /livez. Every request but /livez and the sign-in page needs a caller
// the authenticator accepts (bearer header or session cookie); every response carries the security
// headers; every path segment is validated before anything is read.
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { AuthRefusal, bearerAuthenticator, type BearerAuthConfig, type Caller } from '../auth/bearer';
import { existingServiceNameSchema, identityDomainSchema } from '../shared/schemas';
import { parseSince } from '../starter/history';
import { SCRIPT_HASH, STYLE_HASH } from './assets';
import { Html, securityHeaders } from './html';
import { linksFor, type Links } from './links';
import { liveRows } from './live';
import type { DashboardData } from './model';
import { domainPage, homePage, loginPage, messagePage, servicePage, type PageContext } from './page';
import { reportPage } from './report-page';
import { clearedCookie, readForm, requestToken, sameOrigin, sessionCookie } from './session';

export interface DashboardServerOptions {
  data: DashboardData;
  auth: BearerAuthConfig;
  temporalUiUrl: string;
  pollMs: number;
  secureCookie: boolean;
  tls?: { cert: Buffer; key: Buffer };
  log?: (line: string, level?: 'info' | 'warn' | 'error') => void;
}

const REALM = 'dbaas-dashboard';
const DEFAULT_SINCE = '30d';
const HEADERS = securityHeaders(SCRIPT_HASH, STYLE_HASH);

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** A GET answered by sending the browser elsewhere (the domain form). */
class Redirect extends Error {
  constructor(readonly location: string) {
    super(`see ${location}`);
  }
}

const TITLES: Record<number, string> = { 400: 'Bad request', 403: 'Not allowed', 404: 'Not found', 405: 'Not allowed' };

function send(res: http.ServerResponse, status: number, body: Html | object, headers: Record<string, string> = {}): void {
  const isHtml = body instanceof Html;
  const type = isHtml ? 'text/html; charset=utf-8' : 'application/json; charset=utf-8';
  res.writeHead(status, { ...HEADERS, 'Content-Type': type, ...headers }).end(isHtml ? body.value : JSON.stringify(body));
}

function check<S extends z.ZodTypeAny>(what: string, schema: S, value: string | undefined): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new HttpError(400, `${what}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data;
}

function segmentsOf(pathname: string): string[] {
  try {
    return pathname.split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    throw new HttpError(400, 'the path is not valid URL encoding');
  }
}

function sinceOf(url: URL): { text: string; since: Date; until: Date } {
  const text = url.searchParams.get('since') ?? DEFAULT_SINCE;
  const until = new Date();
  let since: Date;
  try {
    since = parseSince(text, until.getTime())!;
  } catch {
    throw new HttpError(400, 'since: use a duration such as 30m, 6h, 7d, or an ISO date');
  }
  if (since.getTime() >= until.getTime()) throw new HttpError(400, 'since: must be in the past');
  return { text, since, until };
}

export function createDashboardServer(options: DashboardServerOptions): http.Server | https.Server {
  const { data, pollMs, secureCookie } = options;
  const links: Links = linksFor(options.temporalUiUrl, data.namespace);
  const authenticate = bearerAuthenticator(options.auth, REALM, 'anonymous (DASHBOARD_AUTH=none)');
  const log = options.log ?? (() => undefined);

  async function login(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (!sameOrigin(req)) throw new HttpError(403, 'sign-in from another site is refused');
    if (options.auth.mode === 'none') return void res.writeHead(303, { ...HEADERS, Location: '/' }).end();
    const form = await readForm(req).catch((err: Error) => {
      throw new HttpError(400, err.message);
    });
    // A script or a proxy signs in with its Authorization header, a person with the form.
    const sent = requestToken(req, secureCookie);
    const token = (sent.from === 'header' ? sent.token : form.get('token')?.trim()) || undefined;
    let caller: Caller;
    try {
      caller = await authenticate(token);
    } catch (err) {
      if (!(err instanceof AuthRefusal)) throw err;
      log(`dashboard: sign-in refused (${err.status}): ${err.message}`, 'warn');
      return send(res, err.status, loginPage(err.message), err.headers);
    }
    const maxAge = (caller.expiresAt ?? 0) - Date.now() / 1000;
    log(`dashboard: ${caller.subject} signed in`);
    res.writeHead(303, { ...HEADERS, Location: '/', 'Set-Cookie': sessionCookie(token!, maxAge, secureCookie) }).end();
  }

  async function page(url: URL, caller: Caller, viaCookie: boolean): Promise<Html | object> {
    const parts = segmentsOf(url.pathname);
    const api = parts[0] === 'api';
    const [root, domainArg, sub, serviceArg, ...rest] = api ? parts.slice(1) : parts;
    const ctx: PageContext = { links, subject: caller.subject, canSignOut: viaCookie };
    if (!api && root === undefined) return homePage(ctx, await data.domains().catch(() => []));
    if (!api && root === 'domains' && domainArg === undefined) {
      const d = check('domain', identityDomainSchema, url.searchParams.get('name')?.trim());
      throw new Redirect(links.domain(d));
    }
    if (root !== 'domains' || domainArg === undefined || rest.length) throw new HttpError(404, 'no such page');
    const domain = check('domain', identityDomainSchema, domainArg);
    if (sub === undefined && serviceArg === undefined) {
      if (api) return { domain, services: await data.services(domain) };
      const [services, live] = await Promise.all([data.services(domain).catch((err: unknown) => ({ error: err instanceof Error ? err.message : String(err) })), data.live(domain)]);
      return domainPage(ctx, domain, services, live, pollMs);
    }
    if (sub === 'live' && serviceArg === undefined && api) {
      const live = await data.live(domain);
      return { domain, ...live, rows: liveRows(live, domain, links) };
    }
    if (sub === 'report' && serviceArg === undefined) {
      const { text, since, until } = sinceOf(url);
      const answer = await data.report(domain, since, until);
      return api ? answer : reportPage(ctx, domain, text, answer);
    }
    if (sub === 'services' && serviceArg !== undefined) {
      const service = check('service', existingServiceNameSchema, serviceArg);
      const detail = await data.service(domain, service);
      return api ? detail : servicePage(ctx, domain, service, detail);
    }
    throw new HttpError(404, 'no such page');
  }

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://dashboard');
    const api = url.pathname.startsWith('/api/');
    if (url.pathname === '/livez' && req.method === 'GET') return send(res, 200, { status: 'alive' });
    // Browsers ask for it on every page; there is none, and a 401 for it would only fill the log.
    if (url.pathname === '/favicon.ico') return void res.writeHead(204, HEADERS).end();
    if (url.pathname === '/login' && req.method === 'GET') return send(res, 200, loginPage());
    if (url.pathname === '/login' && req.method === 'POST') return login(req, res);
    if (url.pathname === '/logout' && req.method === 'POST') {
      if (!sameOrigin(req)) throw new HttpError(403, 'sign-out from another site is refused');
      return void res.writeHead(303, { ...HEADERS, Location: '/login', 'Set-Cookie': clearedCookie(secureCookie) }).end();
    }
    if (req.method !== 'GET') throw new HttpError(405, 'this dashboard is read-only: GET only');
    const { token, from } = requestToken(req, secureCookie);
    let caller: Caller;
    try {
      caller = await authenticate(token);
    } catch (err) {
      if (!(err instanceof AuthRefusal)) throw err;
      log(`dashboard: ${err.status} GET ${url.pathname} from ${req.socket.remoteAddress}: ${err.message}`, 'warn');
      // A cookie that no longer verifies (expired) is dropped, so the browser stops sending it.
      const headers = { ...err.headers, ...(from === 'cookie' ? { 'Set-Cookie': clearedCookie(secureCookie) } : {}) };
      return send(res, err.status, api ? { message: err.message } : messagePage(err.status === 401 ? 'Sign-in required' : 'Not allowed', err.message, { signIn: true }), headers);
    }
    const body = await page(url, caller, from === 'cookie');
    send(res, 200, body);
  };

  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => {
    handle(req, res).catch((err: unknown) => {
      const api = (req.url ?? '').startsWith('/api/');
      if (err instanceof Redirect) return void res.writeHead(303, { ...HEADERS, Location: err.location }).end();
      const status = err instanceof HttpError ? err.status : 502;
      // What failed upstream (Temporal, the API, the store) is said; its stack goes to the log only.
      const message = err instanceof Error ? err.message.split('\n')[0]! : String(err);
      log(`dashboard: ${status} ${req.method} ${req.url}: ${err instanceof HttpError ? message : err instanceof Error ? err.stack : message}`, status >= 500 ? 'error' : 'warn');
      if (res.headersSent) return void res.destroy();
      send(res, status, api ? { message } : messagePage(TITLES[status] ?? 'Could not read the fleet', message));
    });
  };
  return options.tls ? https.createServer({ cert: options.tls.cert, key: options.tls.key }, onRequest) : http.createServer(onRequest);
}

export async function startDashboardServer(options: DashboardServerOptions & { port: number; host: string }): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createDashboardServer(options);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `${options.tls ? 'https' : 'http'}://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
