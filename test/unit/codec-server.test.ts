// The codec server over real HTTP on a free port: who may decode (bearer tokens from the local issuer),
// how much it reads, which browser origins it answers, and key rotation seen through it.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyKeyCommand, parseKeyCommand } from '../../scripts/codec-key';
import { LOCAL_ISSUER, openLocalIssuer, type LocalIssuer } from '../../src/auth/local-issuer';
import { codecFor, codecKeyFrom, loadCodecKeys, writeCodecKeyFile, type CodecKeys } from '../../src/worker/codec';
import { REDACTED } from '../../src/worker/redaction';
import { startCodecServer, type StartCodecServerOptions } from '../../src/worker/codec-server';
import { codecServerConfigFromEnv } from '../../src/worker/codec-server-config';

const SECRET = 'Welcome1#codec';
const UI_ORIGIN = 'http://ui.example:8080';
const MAX_BODY = 64 * 1024;
const keys: CodecKeys = { current: codecKeyFrom(Buffer.alloc(32, 3)), previous: [] };

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/** One request with exactly the headers given; `body` may be larger than the server accepts. */
function send(url: string, o: { method?: string; route?: string; headers?: Record<string, string>; body?: string | Buffer; chunked?: boolean; ca?: Buffer } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const target = new URL(o.route ?? '/decode', url);
    const body = o.body === undefined ? undefined : Buffer.from(o.body);
    const headers = { ...(body && !o.chunked ? { 'Content-Length': String(body.length) } : {}), ...o.headers };
    const req = (target.protocol === 'https:' ? https : http).request(target, { method: o.method ?? 'POST', headers, ca: o.ca }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
    });
    // The server may answer (413) and close before the whole body is sent: that answer is the result.
    req.on('error', reject);
    if (body && o.chunked) {
      for (let i = 0; i < body.length; i += 16 * 1024) req.write(body.subarray(i, i + 16 * 1024));
      req.end();
    } else req.end(body);
  });
}

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
const json = (payloads: Payload[]) =>
  JSON.stringify({
    payloads: payloads.map((p) => ({
      metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v!).toString('base64')])),
      data: Buffer.from(p.data!).toString('base64'),
    })),
  });
const payloadsOf = (r: Reply) => (JSON.parse(r.text) as { payloads: { metadata: Record<string, string>; data: string }[] }).payloads;
const decodedValue = (p: { metadata: Record<string, string>; data: string }) =>
  defaultPayloadConverter.fromPayload({ metadata: Object.fromEntries(Object.entries(p.metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')])), data: Buffer.from(p.data, 'base64') });

/** The plaintext must not be in a refused answer, in clear or in the base64 the protocol uses. */
function expectNothingDecoded(r: Reply): void {
  expect(Object.keys(JSON.parse(r.text) as object)).toEqual(['message']);
  expect(r.text).not.toContain(SECRET);
  expect(r.text).not.toContain(Buffer.from(JSON.stringify({ adminPassword: SECRET })).toString('base64'));
}

describe('codec server', () => {
  let issuer: LocalIssuer;
  let stranger: LocalIssuer;
  let encrypted: string;
  const servers: { close(): Promise<void> }[] = [];

  async function start(options: Partial<StartCodecServerOptions> = {}): Promise<string> {
    const s = await startCodecServer({
      port: 0,
      keys,
      allowedOrigins: [UI_ORIGIN],
      maxBodyBytes: MAX_BODY,
      auth: { mode: 'jwt', jwksFile: issuer.jwksFile, issuer: LOCAL_ISSUER, audience: 'dbaas' },
      ...options,
    });
    servers.push(s);
    return s.url;
  }

  let url: string;
  beforeAll(async () => {
    issuer = await openLocalIssuer(mkdtempSync(path.join(os.tmpdir(), 'codec-idp-')));
    stranger = await openLocalIssuer(mkdtempSync(path.join(os.tmpdir(), 'codec-stranger-')));
    encrypted = json(await codecFor(keys).encode([defaultPayloadConverter.toPayload({ adminPassword: SECRET })!]));
    url = await start();
  });
  afterAll(async () => {
    for (const s of servers) await s.close();
  });

  it('listens on 127.0.0.1 unless told otherwise', () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('decodes for a valid token, and encodes with the current key', async () => {
    const r = await send(url, { headers: bearer(await issuer.issue({ subject: 'alice' })), body: encrypted });
    expect(r.status).toBe(200);
    expect(decodedValue(payloadsOf(r)[0]!)).toEqual({ adminPassword: REDACTED });

    const clear = json([defaultPayloadConverter.toPayload('to encrypt')!]);
    const e = await send(url, { route: '/encode', headers: bearer(await issuer.issue({ subject: 'alice' })), body: clear });
    expect(e.status).toBe(200);
    const [out] = payloadsOf(e);
    expect(Buffer.from(out!.metadata['encryption-key-id']!, 'base64').toString()).toBe(keys.current.id);
    expect(Buffer.from(out!.data, 'base64').toString('latin1')).not.toContain('to encrypt');
  });

  it('redacts secrets in what it decodes (they would show in the UI), and nothing else', async () => {
    const input = { identityDomain: 'd', service: { serviceName: 'db1', shape: 'oc3', parameters: [{ type: 'db', adminPassword: SECRET, ibkupCloudStoragePassword: 'x', ibkupDecryptionKey: 'k', usableStorage: '25' }] } };
    const body = json(await codecFor(keys).encode([defaultPayloadConverter.toPayload(input)!, defaultPayloadConverter.toPayload('plain text')!]));
    const r = await send(url, { headers: bearer(await issuer.issue({ subject: 'alice' })), body });
    expect(r.status).toBe(200);
    expect(r.text).not.toContain(SECRET);
    const [decoded, text] = payloadsOf(r).map(decodedValue);
    expect(decoded).toEqual({ identityDomain: 'd', service: { serviceName: 'db1', shape: 'oc3', parameters: [{ type: 'db', adminPassword: REDACTED, ibkupCloudStoragePassword: REDACTED, ibkupDecryptionKey: REDACTED, usableStorage: '25' }] } });
    expect(text).toBe('plain text');
  });

  it('answers 401 with a Bearer challenge, and decodes nothing, without a token', async () => {
    const r = await send(url, { body: encrypted });
    expect(r.status).toBe(401);
    expect(r.headers['www-authenticate']).toBe('Bearer realm="dbaas-codec"');
    expect(JSON.parse(r.text)).toEqual({ message: 'a bearer token is required (Authorization: Bearer <JWT>)' });
    expectNothingDecoded(r);
    const basic = await send(url, { headers: { Authorization: 'Basic YWxpY2U6c2VjcmV0' }, body: encrypted });
    expect(basic.status).toBe(401);
    expectNothingDecoded(basic);
  });

  it('refuses an expired token, a token for another audience, one signed by an untrusted key, and garbage (401, nothing decoded)', async () => {
    const cases: [string, string, RegExp][] = [
      ['expired', await issuer.issue({ subject: 'alice', ttlSeconds: -120 }), /error="invalid_token", error_description="the token has expired"/],
      ['audience', await issuer.issue({ subject: 'alice', audience: 'temporal-ui' }), /error="invalid_token", error_description="the token's 'aud' claim is not accepted/],
      ['untrusted', await stranger.issue({ subject: 'mallory' }), /error="invalid_token", error_description="the token (was signed by a key this service does not trust|signature does not verify)"/],
      ['garbage', 'not.a.jwt', /error="invalid_token"/],
    ];
    for (const [name, token, challenge] of cases) {
      const r = await send(url, { headers: bearer(token), body: encrypted });
      expect(r.status, name).toBe(401);
      expect(r.headers['www-authenticate'], name).toMatch(challenge);
      expectNothingDecoded(r);
    }
  });

  it('with CODEC_AUTH_REQUIRED_GROUP, a valid token outside the group gets 403', async () => {
    const groupUrl = await start({ auth: { mode: 'jwt', jwksFile: issuer.jwksFile, audience: 'dbaas', requiredGroup: 'dbaas-operators' } });
    const outsider = await send(groupUrl, { headers: bearer(await issuer.issue({ subject: 'bob', groups: ['viewers'] })), body: encrypted });
    expect(outsider.status).toBe(403);
    expect(outsider.headers['www-authenticate']).toContain('error="insufficient_scope"');
    expectNothingDecoded(outsider);
    const member = await send(groupUrl, { headers: bearer(await issuer.issue({ subject: 'carol', groups: ['dbaas-operators'] })), body: encrypted });
    expect(member.status).toBe(200);
    expect(decodedValue(payloadsOf(member)[0]!)).toEqual({ adminPassword: REDACTED });
  });

  it('answers 413 to a body over the cap, declared or streamed', async () => {
    const token = await issuer.issue({ subject: 'alice' });
    const big = `{"payloads":[{"data":"${'A'.repeat(MAX_BODY)}"}]}`;
    const declared = await send(url, { headers: bearer(token), body: big });
    expect(declared.status).toBe(413);
    expect(JSON.parse(declared.text)).toEqual({ message: `the body is larger than ${MAX_BODY} bytes (CODEC_MAX_BODY_BYTES)` });
    const streamed = await send(url, { headers: bearer(token), body: big, chunked: true });
    expect(streamed.status).toBe(413);
    // The cap is on the body, not on the request: the same data under the cap is served.
    const under = await send(url, { headers: bearer(token), body: `{"payloads":[{"data":"${'A'.repeat(MAX_BODY - 100)}"}]}` });
    expect(under.status).toBe(200);
  });

  it('checks the token before it reads the body: an oversized body without a token gets 401', async () => {
    const r = await send(url, { body: `{"payloads":[{"data":"${'A'.repeat(MAX_BODY * 2)}"}]}` });
    expect(r.status).toBe(401);
  });

  it('names the problem in a malformed body (400), and serves only POST /encode and /decode', async () => {
    const token = await issuer.issue({ subject: 'alice' });
    const broken = await send(url, { headers: bearer(token), body: '{"payloads": [' });
    expect(broken.status).toBe(400);
    expect(JSON.parse(broken.text).message).toMatch(/^the body is not valid JSON: /);
    const shape = await send(url, { headers: bearer(token), body: '{"payloads": [{"data": 42}]}' });
    expect(shape.status).toBe(400);
    expect(JSON.parse(shape.text).message).toContain('payloads.0.data: Expected string, received number');
    expect((await send(url, { method: 'GET', headers: bearer(token) })).status).toBe(405);
    expect((await send(url, { route: '/export', headers: bearer(token), body: encrypted })).status).toBe(404);
    // Only the last path segment counts (a proxy may mount the server under a prefix).
    expect((await send(url, { route: '/codec/decode', headers: bearer(token), body: encrypted })).status).toBe(200);
  });

  it('answers CORS (and preflights) for the configured UI origin only', async () => {
    const preflight = { 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization,content-type,x-namespace' };
    const ok = await send(url, { method: 'OPTIONS', headers: { Origin: UI_ORIGIN, ...preflight } });
    expect(ok.status).toBe(204);
    expect(ok.headers['access-control-allow-origin']).toBe(UI_ORIGIN);
    expect(ok.headers['access-control-allow-headers']).toBe('authorization, authorization-extras, content-type, x-namespace');
    expect(ok.headers['access-control-allow-credentials']).toBeUndefined();

    const evil = await send(url, { method: 'OPTIONS', headers: { Origin: 'https://evil.example', ...preflight } });
    expect(evil.status).toBe(403);
    expect(evil.headers['access-control-allow-origin']).toBeUndefined();

    const token = await issuer.issue({ subject: 'alice' });
    const fromUi = await send(url, { headers: { Origin: UI_ORIGIN, ...bearer(token) }, body: encrypted });
    expect(fromUi.status).toBe(200);
    expect(fromUi.headers['access-control-allow-origin']).toBe(UI_ORIGIN);
    expect(fromUi.headers.vary).toBe('Origin');
    // A page of another origin is refused even with a valid token (it could be a DNS-rebinding page).
    const fromEvil = await send(url, { headers: { Origin: 'https://evil.example', ...bearer(token) }, body: encrypted });
    expect(fromEvil.status).toBe(403);
    expect(fromEvil.headers['access-control-allow-origin']).toBeUndefined();
    expectNothingDecoded(fromEvil);
  });

  it('refuses CORS "*" unless it runs without auth', async () => {
    await expect(start({ allowedOrigins: ['*'] })).rejects.toThrow('refuses CORS origin "*"');
    const open = await start({ allowedOrigins: ['*'], auth: { mode: 'none' } });
    const r = await send(open, { headers: { Origin: 'http://anything.example' }, body: encrypted });
    expect(r.status).toBe(200);
    expect(r.headers['access-control-allow-origin']).toBe('http://anything.example');
  });

  it('after a key rotation, decodes data of the old key and encodes with the new one', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'codec-rotate-'));
    const file = path.join(dir, 'codec.key');
    const old = loadCodecKeys({}, dir);
    const oldData = json(await codecFor(old).encode([defaultPayloadConverter.toPayload({ adminPassword: SECRET })!]));
    writeCodecKeyFile(file, applyKeyCommand([old.current], parseKeyCommand(['rotate'])));
    const rotated = await start({ keys: undefined, dataDir: dir });
    const token = await issuer.issue({ subject: 'alice' });

    const r = await send(rotated, { headers: bearer(token), body: oldData });
    expect(r.status).toBe(200);
    expect(decodedValue(payloadsOf(r)[0]!)).toEqual({ adminPassword: REDACTED });
    const e = await send(rotated, { route: '/encode', headers: bearer(token), body: json([defaultPayloadConverter.toPayload('x')!]) });
    const newId = Buffer.from(payloadsOf(e)[0]!.metadata['encryption-key-id']!, 'base64').toString();
    expect(newId).toBe(loadCodecKeys({}, dir).current.id);
    expect(newId).not.toBe(old.current.id);
    // Without the old key the same data is refused with a reason, not decoded.
    const forgot = await start({ keys: { current: loadCodecKeys({}, dir).current, previous: [] } });
    const refused = await send(forgot, { headers: bearer(token), body: oldData });
    expect(refused.status).toBe(422);
    expect(JSON.parse(refused.text).message).toBe(`cannot decode: cannot decrypt a payload: unknown encryption key id "${old.current.id}" (not the current key nor a previous one: see DBAAS_CODEC_KEY, the key file, DBAAS_CODEC_PREVIOUS_KEYS)`);
  });

  it('serves https with CODEC_TLS_CERT_FILE/CODEC_TLS_KEY_FILE (the UI passes tokens to https endpoints only)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'codec-tls-'));
    const [cert, key] = [path.join(dir, 'cert.pem'), path.join(dir, 'key.pem')];
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
    const config = codecServerConfigFromEnv({ CODEC_AUTH_JWKS_FILE: issuer.jwksFile, CODEC_TLS_CERT_FILE: cert, CODEC_TLS_KEY_FILE: key });
    const tlsUrl = await start({ tls: config.tls });
    expect(tlsUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const r = await send(tlsUrl, { headers: bearer(await issuer.issue({ subject: 'alice' })), body: encrypted, ca: readFileSync(cert) });
    expect(r.status).toBe(200);
    expect(decodedValue(payloadsOf(r)[0]!)).toEqual({ adminPassword: REDACTED });
  });
});

describe('codec server configuration', () => {
  it('refuses to start without auth settings, naming the variables', () => {
    expect(() => codecServerConfigFromEnv({})).toThrow(/CODEC_AUTH_JWKS_URL.*CODEC_AUTH_JWKS_FILE.*CODEC_AUTH_AUDIENCE.*CODEC_AUTH=none/);
    const r = spawnSync(process.execPath, ['--import', 'tsx', path.resolve(__dirname, '../../src/worker/codec-server.ts')], {
      env: { PATH: process.env.PATH, CODEC_PORT: '0', DBAAS_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'codec-cfg-')) },
      encoding: 'utf8',
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('codec server: invalid configuration: CODEC_AUTH_JWKS_URL: the codec server decrypts payloads');
  });

  it('defaults: loopback, port 8888, 4 MiB, audience dbaas, the local UIs as origins', () => {
    const jwks = path.join(mkdtempSync(path.join(os.tmpdir(), 'codec-cfg-')), 'jwks.json');
    execFileSync('sh', ['-c', `echo '{"keys":[]}' > ${jwks}`]);
    expect(codecServerConfigFromEnv({ CODEC_AUTH_JWKS_FILE: jwks })).toEqual({
      port: 8888,
      host: '127.0.0.1',
      maxBodyBytes: 4 * 1024 * 1024,
      allowedOrigins: ['http://localhost:8233', 'http://127.0.0.1:8233', 'http://localhost:8080', 'http://127.0.0.1:8080'],
      auth: { mode: 'jwt', jwksFile: jwks, jwksUrl: undefined, issuer: undefined, audience: 'dbaas', requiredGroup: undefined },
      tls: undefined,
    });
    expect(codecServerConfigFromEnv({ CODEC_AUTH: 'none', CODEC_AUTH_JWKS_URL: '' }).auth).toEqual({ mode: 'none' });
    const c = codecServerConfigFromEnv({ CODEC_AUTH_JWKS_URL: 'https://idp.example.com/jwks.json', CODEC_AUTH_AUDIENCE: 'temporal-ui', CODEC_CORS_ORIGINS: 'https://temporal.example.com/, https://ops.example.com:8443', CODEC_MAX_BODY_BYTES: '1048576' });
    expect(c).toMatchObject({ allowedOrigins: ['https://temporal.example.com', 'https://ops.example.com:8443'], maxBodyBytes: 1048576, auth: { audience: 'temporal-ui', jwksUrl: 'https://idp.example.com/jwks.json' } });
  });

  it('names each contradiction or bad value', () => {
    const jwksUrl = 'https://idp.example.com/jwks.json';
    expect(() => codecServerConfigFromEnv({ CODEC_AUTH_JWKS_URL: jwksUrl, CODEC_CORS_ORIGINS: '*' })).toThrow('CODEC_CORS_ORIGINS: "*" is refused');
    expect(() => codecServerConfigFromEnv({ CODEC_AUTH: 'none', CODEC_AUTH_JWKS_URL: jwksUrl })).toThrow('CODEC_AUTH: is "none" but token settings');
    expect(() => codecServerConfigFromEnv({ CODEC_AUTH: 'off' })).toThrow('CODEC_AUTH: must be "jwt"');
    expect(() => codecServerConfigFromEnv({ CODEC_AUTH_JWKS_FILE: '/nonexistent/jwks.json' })).toThrow('CODEC_AUTH_JWKS_FILE: no such file');
    expect(() => codecServerConfigFromEnv({ CODEC_AUTH_JWKS_URL: jwksUrl, CODEC_CORS_ORIGINS: 'https://ui.example.com/path' })).toThrow('CODEC_CORS_ORIGINS: each entry must be an origin');
    expect(() => codecServerConfigFromEnv({ CODEC_AUTH_JWKS_URL: jwksUrl, CODEC_MAX_BODY_BYTES: '10' })).toThrow('CODEC_MAX_BODY_BYTES');
    expect(() => codecServerConfigFromEnv({ CODEC_AUTH_JWKS_URL: jwksUrl, CODEC_TLS_CERT_FILE: __filename })).toThrow('CODEC_TLS_CERT_FILE and CODEC_TLS_KEY_FILE go together');
  });
});
