// The DBCS client against a real local HTTP server that answers badly: truncated JSON, wrong types,
// HTML error pages (with 200 and with 5xx), empty bodies, huge bodies (50 MB, with and without a
// Content-Length), bodies cut by the connection, bodies that trickle, JSON nested 100,000 deep, a
// broken Location header. Each gives a CloudApiError that says what came back and whether a retry can
// help, and its Temporal failure has the matching type; nothing is left as an unhandled rejection.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toFailure } from '../../src/activities/failures';
import { DbcsClient, DEFAULT_MAX_RESPONSE_BYTES } from '../../src/cloud/client';
import { CloudApiError } from '../../src/cloud/errors';
import { BAD_INPUT_SEED } from '../helpers/bad-input';

type Answer = (res: http.ServerResponse, req: http.IncomingMessage) => void;

const MB = 1024 * 1024;
const HTML = '<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1><p>The proxy server received an invalid response from an upstream server.</p></body></html>';
const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;

/** Writes `total` bytes of JSON-looking text in 1 MiB chunks, honouring back-pressure; stops when the client goes away. */
function stream(res: http.ServerResponse, total: number, status = 200, headers: Record<string, string | number> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  const chunk = Buffer.alloc(MB, 'x');
  let sent = 0;
  res.write('{"service_name":"huge","status":"Running","padding":"');
  const pump = () => {
    while (sent < total && !res.destroyed) {
      sent += chunk.length;
      if (!res.write(chunk)) return void res.once('drain', pump);
    }
    if (!res.destroyed) res.end('"}');
  };
  res.on('error', () => undefined);
  pump();
}

const ANSWERS: Record<string, Answer> = {
  truncated: (res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"service_name": "db1", "status": "Runn'),
  'wrong-types': (res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ service_name: 5, status: ['Running'], usable_storage: 'lots', additional_volumes: 'none' })),
  'json-null': (res) => res.writeHead(200, { 'content-type': 'application/json' }).end('null'),
  'json-number': (res) => res.writeHead(200, { 'content-type': 'application/json' }).end('1e999'),
  'proto-keys': (res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"__proto__": {"service_name": "x", "status": "Running"}, "constructor": {"prototype": {"polluted": true}}}'),
  'html-200': (res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(HTML),
  'html-200-no-type': (res) => res.writeHead(200).end(HTML),
  'html-502': (res) => res.writeHead(502, { 'content-type': 'text/html' }).end(HTML),
  'html-503-retry-after': (res) => res.writeHead(503, { 'content-type': 'text/html', 'retry-after': '7' }).end('<html><head><title>Maintenance</title></head><body>back soon</body></html>'),
  'html-404': (res) => res.writeHead(404, { 'content-type': 'text/html' }).end('<html><head><title>Not Found</title></head></html>'),
  'html-401': (res) => res.writeHead(401, { 'content-type': 'text/html' }).end('<html><head><title>Sign in</title></head></html>'),
  empty: (res) => res.writeHead(200, { 'content-type': 'application/json' }).end(),
  'empty-204': (res) => res.writeHead(204).end(),
  'binary-garbage': (res) => res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(Buffer.from([0xff, 0xfe, 0x00, 0x7b, 0xc3, 0x28, 0x0a, 0x1b, 0x5b, 0x33, 0x31, 0x6d])),
  'huge-50mb-chunked': (res) => stream(res, 50 * MB),
  'huge-50mb-declared': (res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(50 * MB) });
    res.write('{"service_name":"');
    res.on('error', () => undefined);
    // The client refuses on the header alone; nothing more needs sending.
  },
  'huge-503': (res) => stream(res, 50 * MB, 503),
  'cut-by-connection': (res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
    res.write('{"service_name": "db1", ');
    setImmediate(() => res.socket?.destroy());
  },
  trickle: (res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"service_name": ');
    // Never finishes: the client's body timeout ends the wait.
  },
  'deep-array': (res) => res.writeHead(200, { 'content-type': 'application/json' }).end(deep(100_000)),
  'deep-finding': (res) => res.writeHead(200, { 'content-type': 'application/json' }).end(`{"inProgress": false, "status": "FAILED", "preCheckMessages": [{"code": ${deep(100_000)}}]}`),
  'deep-job-status': (res) => res.writeHead(200, { 'content-type': 'application/json' }).end(`{"job_status": ${deep(100_000)}}`),
  'long-message-400': (res) => res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ message: `ORA-1\n${'x'.repeat(200_000)}\u0000\u001b[31m` })),
  'bad-location': (res) => res.writeHead(202, { location: '/paas/service/dbcs/api/v1.1/instances/dom/status/create/job/%E0%A4%A' }).end(),
  'garbage-location': (res) => res.writeHead(202, { location: `/x/${'y'.repeat(8000)}` }).end(),
};

let server: http.Server;
let client: DbcsClient;
const unhandled: unknown[] = [];
const onUnhandled = (err: unknown) => unhandled.push(err);

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  server = http.createServer((req, res) => {
    // The last path segment names the answer: /…/instances/dom/<answer> (view) or …/status/create/job/<answer>.
    const key = decodeURIComponent((req.url ?? '').split('?')[0]!.split('/').pop() ?? '');
    const answer = ANSWERS[key] ?? ANSWERS[key.replace(/^svc-/, '')];
    if (!answer) return void res.writeHead(500).end(`no answer ${key}`);
    req.resume();
    answer(res, req);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  client = new DbcsClient({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, username: 'u', password: 'p', bodyTimeoutMs: 1_000, headersTimeoutMs: 5_000 });
});
afterAll(async () => {
  await client.close();
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  process.off('unhandledRejection', onUnhandled);
});

async function errorOf(p: Promise<unknown>): Promise<CloudApiError> {
  const err = await p.then(
    (v) => new Error(`expected a failure, got ${JSON.stringify(v)?.slice(0, 200)}`),
    (e: unknown) => e,
  );
  expect(err, String(err)).toBeInstanceOf(CloudApiError);
  return err as CloudApiError;
}

interface Expected {
  kind: CloudApiError['kind'];
  retryable: boolean;
  /** The Temporal failure type toFailure gives it. */
  type: string;
  says: RegExp;
}

const unreadable = (says: RegExp): Expected => ({ kind: 'invalid-response', retryable: false, type: 'CloudAnswerUnreadable', says });
const retryUnreadable = (says: RegExp): Expected => ({ kind: 'invalid-response', retryable: true, type: 'CloudTransient', says });

const VIEW_CASES: [string, Expected][] = [
  ['truncated', retryUnreadable(/answered 200 with JSON that does not parse \(cut off or malformed\) \(application\/json, 39 bytes\): \{"service_name": "db1", "status": "Runn; retryable/)],
  ['wrong-types', unreadable(/answered 200 with an unexpected body: service_name: Expected string, received number; status: Expected string, received array; usable_storage: Expected number, received string; additional_volumes: Expected array, received string; not retryable/)],
  ['json-null', unreadable(/unexpected body: \(body\): Expected object, received null/)],
  ['json-number', unreadable(/unexpected body: \(body\): Expected object, received number/)],
  ['proto-keys', unreadable(/service_name: Required; status: Required/)],
  ['html-200', retryUnreadable(/answered 200 with an HTML page where JSON was expected \(text\/html; charset=utf-8, 18\d bytes, title "502 Bad Gateway"\); retryable/)],
  ['html-200-no-type', retryUnreadable(/an HTML page where JSON was expected \(no content-type, .*title "502 Bad Gateway"\)/)],
  ['html-502', { kind: 'http', retryable: true, type: 'CloudTransient', says: /answered 502: an HTML page titled "502 Bad Gateway" \(18\d bytes\) \(retryable\)/ }],
  ['html-503-retry-after', { kind: 'http', retryable: true, type: 'CloudTransient', says: /answered 503: an HTML page titled "Maintenance"/ }],
  ['html-404', { kind: 'http', retryable: false, type: 'CloudRejected', says: /answered 404: an HTML page titled "Not Found" .*\(not retryable\)/ }],
  ['html-401', { kind: 'http', retryable: false, type: 'CloudRejected', says: /answered 401: an HTML page titled "Sign in"/ }],
  ['empty', retryUnreadable(/answered 200 with an empty body where JSON was expected; retryable/)],
  ['empty-204', { kind: 'http', retryable: false, type: 'CloudRejected', says: /answered 204: \(empty body\) \(not retryable\)/ }],
  ['binary-garbage', retryUnreadable(/answered 200 with a body that is not JSON \(application\/octet-stream, \d+ bytes\)/)],
  ['huge-50mb-chunked', unreadable(/answered 200 with a body larger than the client reads \(more than 16\.0 MiB, limit 16\.0 MiB\); not retryable/)],
  ['huge-50mb-declared', unreadable(/answered 200 with a body larger than the client reads \(50\.0 MiB, limit 16\.0 MiB\); not retryable/)],
  ['huge-503', { kind: 'http', retryable: true, type: 'CloudTransient', says: /answered 503: \{"service_name":"huge","status":"Running","padding":"xxxx.*… \(retryable\)/ }],
  ['cut-by-connection', { kind: 'network', retryable: true, type: 'CloudTransient', says: /network error \(UND_ERR_SOCKET\); retryable/ }],
  ['trickle', { kind: 'timeout', retryable: true, type: 'CloudTransient', says: /no answer in time \(UND_ERR_BODY_TIMEOUT\); retryable/ }],
  ['deep-array', unreadable(/unexpected body: \(body\): Expected object, received array/)],
  ['long-message-400', { kind: 'http', retryable: false, type: 'CloudRejected', says: /answered 400: ORA-1 x{400,}…/ }],
];

describe('DbcsClient: malformed answers give a classified, readable error', () => {
  it.each(VIEW_CASES)('%s', async (key, want) => {
    const started = Date.now();
    const err = await errorOf(client.getInstance('dom', key));
    expect(err.message).toMatch(want.says);
    expect(err).toMatchObject({ kind: want.kind, retryable: want.retryable });
    // Short enough for a log line and a Temporal failure, and free of control characters.
    expect(err.message.length).toBeLessThan(1_200);
    // eslint-disable-next-line no-control-regex
    expect(err.message).not.toMatch(/[\u0000-\u0008\u000b-\u001f]/);
    const failure = toFailure(err) as ApplicationFailure;
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure.type).toBe(want.type);
    expect(failure.nonRetryable).toBe(!want.retryable);
    // A huge body is not read to its end: the client stops at the limit.
    if (key.startsWith('huge')) expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('honours Retry-After on an HTML 503', async () => {
    const err = await errorOf(client.getInstance('dom', 'html-503-retry-after'));
    expect(err.details.retryAfterMs).toBe(7_000);
    expect((toFailure(err) as ApplicationFailure).nextRetryDelay).toBe(7_000);
  });

  it('reads jobs with findings or statuses nested 100,000 deep without a stack overflow', async () => {
    const precheck = await client.readJob('dom', { requestName: 'precheck', jobId: 'deep-finding', serviceName: 'svc' });
    expect(precheck).toMatchObject({ state: 'failed', findings: ['{… too deeply nested to show}'] });
    const status = await errorOf(client.readJob('dom', { requestName: 'create', jobId: 'deep-job-status' }));
    expect(status).toMatchObject({ kind: 'invalid-response', retryable: false });
    expect(status.message).toMatch(/read create job deep-job-status answered 200 with an unexpected body: job_status: Expected string, received array/);
  });

  it('refuses a 202 whose Location cannot be decoded or read, as an unreadable answer (not a URIError)', async () => {
    const decoded = await errorOf(client.deleteInstance('dom', 'bad-location'));
    expect(decoded).toMatchObject({ kind: 'invalid-response', retryable: false });
    expect(decoded.message).toContain('malformed Location header');
    const garbage = await errorOf(client.deleteInstance('dom', 'garbage-location'));
    expect(garbage.message).toContain('no usable Location header');
    expect(garbage.message.length).toBeLessThan(600);
  });

  it('keeps its limit configurable and answers whole bodies under it', async () => {
    expect(DEFAULT_MAX_RESPONSE_BYTES).toBe(16 * MB);
    const small = new DbcsClient({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, username: 'u', password: 'p', maxResponseBytes: 50 });
    ANSWERS.whole = (res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"service_name":"db1","status":"Running"}');
    expect(await small.getInstance('dom', 'whole')).toMatchObject({ service_name: 'db1', status: 'Running' });
    const err = await errorOf(small.getInstance('dom', 'wrong-types'));
    expect(err.message).toContain("body larger than the client reads (more than 50 bytes, limit 50 bytes); not retryable");
    await small.close();
  });

  it('survives 300 generated malformed bodies (random bytes, cut JSON, wrong shapes) with a classified error each', async () => {
    const bodies = fc.sample(
      fc.oneof(
        fc.uint8Array({ maxLength: 2000 }).map((b) => Buffer.from(b)),
        fc.jsonValue({ maxDepth: 4 }).map((v) => Buffer.from(JSON.stringify(v) ?? '')),
        fc.tuple(fc.jsonValue({ maxDepth: 4 }), fc.nat()).map(([v, n]) => {
          const text = JSON.stringify(v) ?? '';
          return Buffer.from(text.slice(0, n % (text.length + 1)));
        }),
        fc.string({ unit: 'binary', maxLength: 300 }).map((s) => Buffer.from(`<html><title>${s}</title>`)),
      ),
      { seed: BAD_INPUT_SEED, numRuns: 300 },
    );
    for (const [i, body] of bodies.entries()) {
      ANSWERS[`gen-${i}`] = (res) => res.writeHead(200, { 'content-type': 'application/json' }).end(body);
      const outcome = await client.getInstance('dom', `gen-${i}`).then(
        (instance) => ({ ok: true as const, instance }),
        (e: unknown) => ({ ok: false as const, e }),
      );
      if (outcome.ok) {
        // Only a body the schema accepts may pass.
        expect(typeof outcome.instance.service_name, `body #${i} (seed ${BAD_INPUT_SEED})`).toBe('string');
        continue;
      }
      expect(outcome.e, `body #${i} (seed ${BAD_INPUT_SEED}): ${String(outcome.e)}`).toBeInstanceOf(CloudApiError);
      const failure = toFailure(outcome.e) as ApplicationFailure;
      expect(['CloudTransient', 'CloudAnswerUnreadable']).toContain(failure.type);
      expect((outcome.e as Error).message.length).toBeLessThan(1_200);
    }
  });

  it('left no unhandled rejection behind and Object.prototype untouched', () => {
    expect(unhandled).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
