// Codec server for the Temporal UI (and `temporal --codec-endpoint`): decodes payloads for the
// operator's browser so inputs and results are readable there, while the server stores ciphertext.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Payload } from '@temporalio/common';
import { EncryptionCodec, loadCodecKey } from './codec';
import { dropEmptyEnvironmentVariables } from './env';

interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

const toPayload = (p: JsonPayload): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: Buffer.from(p.data ?? '', 'base64'),
});

const toJson = (p: Payload): JsonPayload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? new Uint8Array()).toString('base64')])),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

export function createCodecServer(codec: EncryptionCodec, allowedOrigins: string[]): http.Server {
  return http.createServer((req, res) => {
    const origin = req.headers.origin;
    if (origin && (allowedOrigins.includes('*') || allowedOrigins.includes(origin))) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', 'x-namespace, content-type, authorization');
      res.setHeader('Access-Control-Allow-Credentials', 'true');
    }
    if (req.method === 'OPTIONS') return void res.writeHead(204).end();
    const route = req.url?.replace(/\/+$/, '');
    if (req.method !== 'POST' || (route !== '/decode' && route !== '/encode')) {
      return void res.writeHead(404, { 'Content-Type': 'application/json' }).end(JSON.stringify({ message: 'POST /encode or /decode' }));
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        try {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { payloads?: JsonPayload[] };
          const payloads = (body.payloads ?? []).map(toPayload);
          const out = route === '/decode' ? await codec.decode(payloads) : await codec.encode(payloads);
          res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ payloads: out.map(toJson) }));
        } catch (err) {
          res.writeHead(400, { 'Content-Type': 'application/json' }).end(JSON.stringify({ message: err instanceof Error ? err.message : String(err) }));
        }
      })();
    });
  });
}

export async function startCodecServer(options: { port: number; host?: string; allowedOrigins: string[]; dataDir?: string }): Promise<{ url: string; close: () => Promise<void> }> {
  const codec = new EncryptionCodec(loadCodecKey(process.env, options.dataDir));
  const server = createCodecServer(codec, options.allowedOrigins);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

// `npm run codec-server`: CODEC_PORT (8888), CODEC_HOST, CODEC_CORS_ORIGINS (comma-separated UI origins).
if (require.main === module) {
  dropEmptyEnvironmentVariables();
  const origins = (process.env.CODEC_CORS_ORIGINS ?? 'http://localhost:8233,http://127.0.0.1:8233,http://localhost:8080').split(',').map((o) => o.trim());
  startCodecServer({ port: Number(process.env.CODEC_PORT ?? 8888), host: process.env.CODEC_HOST ?? '127.0.0.1', allowedOrigins: origins }).then(
    (s) => console.log(`codec server listening on ${s.url} (CORS: ${origins.join(', ')})`),
    (err: unknown) => {
      console.error(`codec server: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    },
  );
}
