// Codec server for the Temporal UI (and `temporal --codec-endpoint`): decodes payloads for the
// operator's browser so inputs and results are readable there, while the server stores ciphertext.
// It is a decryption service, so every request must carry a bearer token the configured identity
// provider signed (the UI sends the user's with TEMPORAL_CODEC_PASS_ACCESS_TOKEN=true, the CLI with
// --codec-auth or TEMPORAL_CODEC_AUTH), bodies are capped, and browsers may call it only from the
// configured UI origins. Protocol: POST <any prefix>/encode|/decode with {"payloads": [...]}.
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Payload } from '@temporalio/common';
import { z } from 'zod';
import { AuthRefusal, bearerAuthenticator, bearerTokenOf } from '../auth/bearer';
import { describeZodError } from '../shared/schemas';
import { codecFor, loadCodecKeys, type CodecKeys, type EncryptionCodec } from './codec';
import { codecServerConfigFromEnv, DEFAULT_MAX_BODY_BYTES, type CodecAuthConfig, type CodecServerConfig } from './codec-server-config';
import { ConfigError } from './config';
import { dropEmptyEnvironmentVariables } from './env';
import { redactSecrets } from './redaction';
import { createLogger } from './telemetry/logging';

export interface CodecServerOptions {
  keys: CodecKeys;
  auth: CodecAuthConfig;
  /** Origins of the UIs whose pages may call this server ("*" only without auth). */
  allowedOrigins: string[];
  maxBodyBytes?: number;
  tls?: { cert: Buffer; key: Buffer };
  /** One line per refused request and per request served (who, what, how many payloads). */
  /** Told of each request served and each refusal (the process's logger; tests leave it out). */
  log?: (line: string, level?: 'info' | 'warn' | 'error') => void;
}

const REALM = 'dbaas-codec';
// Headers the UI sends: Authorization-Extras carries the ID token next to the access token.
const ALLOWED_HEADERS = 'authorization, authorization-extras, content-type, x-namespace';
// After a 413 the rest of the body is read and dropped, for this long at most, so the client gets the answer.
const DRAIN_MS = 2_000;

const bodySchema = z.object({
  payloads: z.array(z.object({ metadata: z.record(z.string()).optional(), data: z.string().optional() })),
});
type JsonPayload = z.infer<typeof bodySchema>['payloads'][number];

const toPayload = (p: JsonPayload): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: Buffer.from(p.data ?? '', 'base64'),
});

const toJson = (p: Payload): JsonPayload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? new Uint8Array()).toString('base64')])),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

/** Why a request is answered with an error: status, message, extra headers. */
class Refusal extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

type Authenticate = (authorization: string | undefined) => Promise<string>;

/** The shared bearer check (src/auth/bearer.ts); its refusals become this server's. */
function authenticator(auth: CodecAuthConfig): Authenticate {
  const check = bearerAuthenticator(auth, REALM, 'anonymous (CODEC_AUTH=none)');
  return async (authorization) => {
    try {
      return (await check(bearerTokenOf(authorization))).subject;
    } catch (err) {
      if (err instanceof AuthRefusal) throw new Refusal(err.status, err.message, err.headers);
      throw err;
    }
  };
}

/** The body, or a 413 Refusal as soon as it passes `max` bytes (nothing past the cap is kept). */
function readBody(req: http.IncomingMessage, max: number): Promise<Buffer> {
  const tooLarge = () => new Refusal(413, `the body is larger than ${max} bytes (CODEC_MAX_BODY_BYTES)`, { Connection: 'close' });
  if (Number(req.headers['content-length'] ?? 0) > max) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= max) return void chunks.push(chunk);
      req.off('data', onData);
      chunks.length = 0;
      reject(tooLarge());
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

function parseBody(raw: Buffer): JsonPayload[] {
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch (err) {
    throw new Refusal(400, `the body is not valid JSON: ${(err as Error).message}`);
  }
  const parsed = bodySchema.safeParse(json);
  if (!parsed.success) throw new Refusal(400, `the body must be {"payloads": [{"metadata": {...}, "data": "<base64>"}]}: ${describeZodError(parsed.error)}`);
  return parsed.data.payloads;
}

/** `/decode`, `/encode`, or undefined: only the last path segment counts (the server may sit under a prefix). */
function routeOf(url: string | undefined): 'encode' | 'decode' | undefined {
  const last = URL.parse(url ?? '/', 'http://codec')?.pathname.replace(/\/+$/, '').split('/').pop();
  return last === 'encode' || last === 'decode' ? last : undefined;
}

export function createCodecServer(options: CodecServerOptions): http.Server | https.Server {
  const codec: EncryptionCodec = codecFor(options.keys);
  const authenticate = authenticator(options.auth);
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const allowAnyOrigin = options.allowedOrigins.includes('*');
  if (allowAnyOrigin && options.auth.mode !== 'none') throw new Error('the codec server refuses CORS origin "*" when it checks tokens: list the UI origins');
  const log = options.log ?? (() => undefined);

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const origin = req.headers.origin;
    const originAllowed = origin !== undefined && (allowAnyOrigin || options.allowedOrigins.includes(origin));
    res.setHeader('Vary', 'Origin');
    if (originAllowed) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', ALLOWED_HEADERS);
      res.setHeader('Access-Control-Max-Age', '600');
    }
    // Liveness for orchestrators: no token, no payload, nothing decoded.
    if (req.method === 'GET' && req.url === '/livez') return void res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"status":"alive"}');
    const route = routeOf(req.url);
    if (!route) throw new Refusal(404, 'POST /encode or /decode');
    // A browser page of another origin is refused outright (also against DNS rebinding, where the page
    // looks same-origin to the browser but still sends its own Origin).
    if (origin !== undefined && !originAllowed) throw new Refusal(403, `origin ${origin} is not allowed (CODEC_CORS_ORIGINS)`);
    if (req.method === 'OPTIONS') return void res.writeHead(204).end();
    if (req.method !== 'POST') throw new Refusal(405, 'POST /encode or /decode', { Allow: 'POST, OPTIONS' });
    // Who asks comes first: nothing is read, decoded or encoded for a caller without a valid token.
    const subject = await authenticate(req.headers.authorization);
    const payloads = parseBody(await readBody(req, maxBodyBytes)).map(toPayload);
    let out: Payload[];
    try {
      // Decoded payloads go to a browser: secrets in them (a build's admin password) are redacted.
      out = route === 'decode' ? (await codec.decode(payloads)).map(redactSecrets) : await codec.encode(payloads);
    } catch (err) {
      throw new Refusal(422, `cannot ${route}: ${(err as Error).message}`);
    }
    log(`codec: ${route} ${payloads.length} payload(s) for ${subject}`);
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ payloads: out.map(toJson) }));
  };

  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => {
    handle(req, res).catch((err: unknown) => {
      const refusal = err instanceof Refusal ? err : new Refusal(500, 'internal error');
      if (!(err instanceof Refusal)) log(`codec: ${req.method} ${req.url}: ${err instanceof Error ? err.stack : String(err)}`, 'error');
      else if (refusal.status !== 404) log(`codec: ${refusal.status} ${req.method} ${req.url} from ${req.socket.remoteAddress}: ${refusal.message}`, 'warn');
      if (refusal.status === 413) drainThenClose(req);
      if (res.headersSent) return void res.destroy();
      res.writeHead(refusal.status, { 'Content-Type': 'application/json', ...refusal.headers }).end(JSON.stringify({ message: refusal.message }));
    });
  };
  return options.tls ? https.createServer({ cert: options.tls.cert, key: options.tls.key }, onRequest) : http.createServer(onRequest);
}

/** Lets the client finish sending (and so read the 413) without keeping a byte; cuts it off after DRAIN_MS. */
function drainThenClose(req: http.IncomingMessage): void {
  const timer = setTimeout(() => req.socket.destroy(), DRAIN_MS).unref();
  req.once('close', () => clearTimeout(timer));
  req.resume();
}

export interface StartCodecServerOptions extends Omit<CodecServerOptions, 'keys'> {
  port: number;
  /** Default 127.0.0.1: loopback unless configured otherwise. */
  host?: string;
  /** The keys; default: loadCodecKeys(process.env, dataDir). */
  keys?: CodecKeys;
  dataDir?: string;
}

export async function startCodecServer(options: StartCodecServerOptions): Promise<{ url: string; close: () => Promise<void> }> {
  const host = options.host ?? '127.0.0.1';
  const server = createCodecServer({ ...options, keys: options.keys ?? loadCodecKeys(process.env, options.dataDir) });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  // A wildcard address is not one a browser can be sent to.
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return {
    url: `${options.tls ? 'https' : 'http'}://${urlHost}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function describeAuth(config: CodecServerConfig): string {
  const { auth } = config;
  if (auth.mode === 'none') return 'NO AUTHENTICATION (CODEC_AUTH=none): anyone who can reach it can decrypt payloads; local development only';
  const group = auth.requiredGroup ? `, group "${auth.requiredGroup}"` : '';
  return `bearer tokens from ${auth.jwksUrl ?? auth.jwksFile}, audience "${auth.audience}"${auth.issuer ? `, issuer "${auth.issuer}"` : ''}${group}`;
}

// `npm run codec-server`: configured from the environment (./codec-server-config.ts lists the variables).
if (require.main === module) {
  dropEmptyEnvironmentVariables();
  let config: CodecServerConfig;
  try {
    config = codecServerConfigFromEnv(process.env);
  } catch (err) {
    console.error(err instanceof ConfigError ? err.message : err);
    process.exit(2);
  }
  const logger = createLogger('codec-server');
  startCodecServer({ ...config, log: (line, level = 'info') => logger[level](line) }).then(
    (s) => logger.info({ url: s.url }, `codec server listening on ${s.url}; auth: ${describeAuth(config)}; CORS: ${config.allowedOrigins.join(', ')}; body limit ${config.maxBodyBytes} bytes`),
    (err: unknown) => {
      logger.error(`codec server: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    },
  );
}
