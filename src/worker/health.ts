// The worker's health endpoints for orchestrators (compose, Kubernetes): GET /livez answers while the
// process runs; GET /readyz runs every readiness check (Temporal reachable, the worker polling, the
// audit store answering) and answers 503 naming the ones that fail, each within a time limit.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type ReadinessCheck = () => Promise<void>;

const CHECK_TIMEOUT_MS = 3_000;

async function run(check: ReadinessCheck): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => (timer = setTimeout(() => resolve(`no answer within ${CHECK_TIMEOUT_MS} ms`), CHECK_TIMEOUT_MS)));
  try {
    return await Promise.race([check().then(() => undefined), timeout]);
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  } finally {
    clearTimeout(timer);
  }
}

export async function readiness(checks: Record<string, ReadinessCheck>): Promise<{ ready: boolean; checks: Record<string, string> }> {
  const results = await Promise.all(Object.entries(checks).map(async ([name, check]) => [name, (await run(check)) ?? 'ok'] as const));
  return { ready: results.every(([, r]) => r === 'ok'), checks: Object.fromEntries(results) };
}

export async function startHealthServer(options: { port: number; host: string; checks: Record<string, ReadinessCheck> }): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const send = (status: number, body: unknown) => res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' }).end(JSON.stringify(body));
    if (req.method !== 'GET') return send(405, { message: 'GET /livez or /readyz' });
    if (req.url === '/livez') return send(200, { status: 'alive' });
    if (req.url === '/readyz') {
      void readiness(options.checks).then((r) => send(r.ready ? 200 : 503, { status: r.ready ? 'ready' : 'not ready', checks: r.checks }));
      return;
    }
    send(404, { message: 'GET /livez or /readyz' });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  return { url: `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
