// Small HTTP helpers of the simulator: JSON bodies in and out, and an error that carries a status.
import type http from 'node:http';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export const NOT_FOUND_TEXT = 'No such service exists, check domain and service name';

const ACCEPTED_CONTENT_TYPES = ['application/json', 'application/vnd.com.oracle.oracloud.provisioning.service+json'];

export function asObject(raw: unknown): Record<string, unknown> {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new HttpError(400, 'The request body must be a JSON object');
  return raw as Record<string, unknown>;
}

export async function readJsonBody(req: http.IncomingMessage): Promise<unknown> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (!ACCEPTED_CONTENT_TYPES.includes(type)) {
    throw new HttpError(415, `Unsupported Content-Type "${type || '(none)'}": use application/json or application/vnd.com.oracle.oracloud.provisioning.Service+json`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 1_000_000) throw new HttpError(400, 'The request body is larger than 1 MB');
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'The request body is not valid JSON');
  }
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sendText(res: http.ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Patch requests may come with no body at all (or `{}`): both mean "no options". */
export async function readOptionalJsonBody(req: http.IncomingMessage): Promise<unknown> {
  const length = Number(req.headers['content-length'] ?? 0);
  if (!req.headers['content-type'] && length === 0 && req.headers['transfer-encoding'] === undefined) return undefined;
  return readJsonBody(req);
}
