// A minimal OpenID Connect provider in front of the local development issuer (src/auth/local-issuer.ts),
// so the standalone Temporal UI can run with its single sign-on on (auth.enabled) on one machine:
// discovery, an authorization endpoint, a token endpoint (authorization code flow) and the JWKS.
// It signs in everyone who asks as one configured user, without a password form: a development and
// test IdP, never one to expose. What the UI gets from it is what a real IdP gives: an ID token (audience:
// the client id, with the nonce) and an access token (audience `dbaas`) that the UI passes on to the
// codec server, which verifies it against the same JWKS as any other token of the local issuer.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULT_AUDIENCE, LOCAL_ISSUER, type LocalIssuer } from '../../src/auth/local-issuer';

export interface LocalOidcUser {
  subject: string;
  groups?: string[];
  email?: string;
  name?: string;
}

export interface LocalOidcOptions {
  issuer: LocalIssuer;
  clientId: string;
  clientSecret: string;
  /** The only redirect URIs an authorization request may name (the UI's callback). */
  redirectUris: string[];
  /** Who every sign-in is (until signInAs changes it). */
  user: LocalOidcUser;
  /** Audience of the access token (default `dbaas`, what the codec server and the worker expect). */
  accessTokenAudience?: string;
  host?: string;
  port?: number;
}

export interface LocalOidcProvider {
  /** The provider URL (discovery lives under it); the tokens' `iss` is LOCAL_ISSUER, not this URL. */
  url: string;
  /** The `iss` of its tokens (an RP whose provider URL differs from it must be told: the UI's `issuerUrl`). */
  issuer: string;
  /** Access tokens handed out so far (tests compare them with what reached other servers). */
  accessTokens: string[];
  /** Who the next sign-ins are (e.g. a user outside a required group). */
  signInAs(user: LocalOidcUser): void;
  close(): Promise<void>;
}

interface PendingCode {
  /** Who signed in when the code was issued. */
  user: LocalOidcUser;
  redirectUri: string;
  nonce?: string;
  expiresAt: number;
}

const CODE_TTL_MS = 60_000;
const TOKEN_TTL_S = 600;

export async function startLocalOidcProvider(options: LocalOidcOptions): Promise<LocalOidcProvider> {
  const codes = new Map<string, PendingCode>();
  const accessTokens: string[] = [];
  let user = options.user;
  let base = '';

  const json = (res: http.ServerResponse, status: number, body: unknown) =>
    void res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' }).end(JSON.stringify(body));

  const discovery = () => ({
    issuer: LOCAL_ISSUER,
    authorization_endpoint: `${base}/authorize`,
    token_endpoint: `${base}/token`,
    jwks_uri: `${base}/jwks`,
    response_types_supported: ['code'],
    grant_types_supported: ['authorization_code'],
    subject_types_supported: ['public'],
    // go-oidc (the UI server's client) accepts only the algorithms listed here; the local issuer signs ES256.
    id_token_signing_alg_values_supported: ['ES256'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    scopes_supported: ['openid', 'profile', 'email'],
  });

  const authorize = (url: URL, res: http.ServerResponse) => {
    const q = url.searchParams;
    const redirectUri = q.get('redirect_uri') ?? '';
    // Never redirect anywhere unregistered (an open redirector would hand codes to anyone).
    if (!options.redirectUris.includes(redirectUri)) return json(res, 400, { error: 'invalid_request', error_description: 'unregistered redirect_uri' });
    if (q.get('client_id') !== options.clientId) return json(res, 400, { error: 'unauthorized_client' });
    const back = new URL(redirectUri);
    const state = q.get('state');
    if (state !== null) back.searchParams.set('state', state);
    if (q.get('response_type') !== 'code') {
      back.searchParams.set('error', 'unsupported_response_type');
    } else {
      const code = randomBytes(24).toString('base64url');
      codes.set(code, { user, redirectUri, nonce: q.get('nonce') ?? undefined, expiresAt: Date.now() + CODE_TTL_MS });
      back.searchParams.set('code', code);
    }
    res.writeHead(302, { Location: back.toString(), 'Cache-Control': 'no-store' }).end();
  };

  const clientAuthenticated = (req: http.IncomingMessage, form: URLSearchParams): boolean => {
    let id = form.get('client_id');
    let secret = form.get('client_secret');
    const basic = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (basic) {
      const [u, p] = Buffer.from(basic[1]!, 'base64').toString('utf8').split(':');
      id = decodeURIComponent(u ?? '');
      secret = decodeURIComponent(p ?? '');
    }
    const a = Buffer.from(secret ?? '');
    const b = Buffer.from(options.clientSecret);
    return id === options.clientId && a.length === b.length && timingSafeEqual(a, b);
  };

  const token = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const form = new URLSearchParams(await readText(req));
    if (!clientAuthenticated(req, form)) return json(res, 401, { error: 'invalid_client' });
    if (form.get('grant_type') !== 'authorization_code') return json(res, 400, { error: 'unsupported_grant_type' });
    const code = form.get('code') ?? '';
    const pending = codes.get(code);
    codes.delete(code); // single use, whatever happens next
    if (!pending || pending.expiresAt < Date.now() || pending.redirectUri !== form.get('redirect_uri')) return json(res, 400, { error: 'invalid_grant' });
    const { user: who } = pending;
    const [accessToken, idToken] = await Promise.all([
      options.issuer.issue({ subject: who.subject, groups: who.groups, audience: options.accessTokenAudience ?? DEFAULT_AUDIENCE, ttlSeconds: TOKEN_TTL_S }),
      options.issuer.issue({ subject: who.subject, groups: who.groups, audience: options.clientId, ttlSeconds: TOKEN_TTL_S, extra: { nonce: pending.nonce, email: who.email, name: who.name } }),
    ]);
    accessTokens.push(accessToken);
    json(res, 200, { access_token: accessToken, id_token: idToken, token_type: 'Bearer', expires_in: TOKEN_TTL_S });
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', base);
    const route = `${req.method} ${url.pathname}`;
    (async () => {
      if (route === 'GET /.well-known/openid-configuration') return json(res, 200, discovery());
      if (route === 'GET /jwks') return json(res, 200, JSON.parse(readFileSync(options.issuer.jwksFile, 'utf8')));
      if (route === 'GET /authorize') return authorize(url, res);
      if (route === 'POST /token') return token(req, res);
      json(res, 404, { error: 'not_found' });
    })().catch((err: unknown) => json(res, 500, { error: 'server_error', error_description: err instanceof Error ? err.message : String(err) }));
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, resolve);
  });
  base = `http://${host}:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    issuer: LOCAL_ISSUER,
    accessTokens,
    signInAs: (next) => void (user = next),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function readText(req: http.IncomingMessage, max = 64 * 1024): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
      if (body.length > max) req.destroy(new Error('request body too large'));
    });
    req.once('end', () => resolve(body));
    req.once('error', reject);
  });
}
