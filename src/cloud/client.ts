// DBCS REST API v1.1 client (reference/dbcs-api.md §1-2): undici with keep-alive and timeouts,
// zod-validated answers, and errors that say what the API answered and whether a retry can help.
import { readFileSync } from 'node:fs';
import { SpanKind, SpanStatusCode, context, propagation, trace } from '@opentelemetry/api';
import { Agent, request, errors as undiciErrors, type Dispatcher } from 'undici';
import type { ZodType, ZodTypeDef } from 'zod';
import { CloudApiError, isRetryableStatus, parseRetryAfter } from './errors';
import { jsonExcerpt, readAppliedPatchJob, readPrecheckJob, readServiceJob, type JobReading } from './job-reading';
import {
  activityLogSchema,
  appliedPatchesSchema,
  appliedPatchJobSchema,
  availablePatchesSchema,
  backupListSchema,
  instanceListSchema,
  instanceSchema,
  messageList,
  precheckJobSchema,
  recoveryHistorySchema,
  serverListSchema,
  serviceJobSchema,
  verboseListSchema,
  type AppliedPatch,
  type AvailablePatch,
  type BackupListAnswer,
  type Instance,
  type InstanceList,
  type JobRef,
  type RecoveryAnswer,
  type RecoveryRequest,
  type Server,
  type ServiceJob,
  type ServiceJobAnswer,
} from './schemas';

export const SERVICE_API_PATH = '/paas/service/dbcs/api/v1.1/instances';
export const INSTANCEMGMT_PATH = '/paas/api/v1.1/instancemgmt';
export const ACTIVITYLOG_PATH = '/paas/api/v1.1/activitylog';
const REQUEST_CONTENT_TYPE = 'application/json';
/**
 * The most of an answer's body the client reads (16 MiB: a verbose list of 5,000 services is about
 * 4 MiB). A bigger body is not read further: the connection is closed and the call fails, instead
 * of the worker holding a body of any size in memory.
 */
export const DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

export interface DbcsClientOptions {
  /** Origin of the API, e.g. https://dbaas.oraclecloud.com (a path prefix is kept). */
  baseUrl: string;
  username: string;
  password: string;
  /** PEM file of extra CA certificates to trust (private endpoints, proxies). */
  caFile?: string;
  connectTimeoutMs?: number;
  headersTimeoutMs?: number;
  bodyTimeoutMs?: number;
  /** Maximum sockets per origin. */
  connections?: number;
  /** The most of a body the client reads (default DEFAULT_MAX_RESPONSE_BYTES). */
  maxResponseBytes?: number;
  /** Told of every call once it has an answer (or none): the worker counts them (telemetry/metrics.ts). */
  observe?: ApiCallObserver;
}

/** One finished call: its method, the HTTP status (undefined when no answer came) and how long it took. */
export type ApiCallObserver = (call: { method: string; status?: number; durationMs: number }) => void;

// Spans of the DBCS calls: children of the activity's span when tracing is on, no-ops otherwise.
const tracer = trace.getTracer('dbaas-orchestrator/dbcs-client');

interface CallOptions<T> {
  operation: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  domain: string;
  body?: unknown;
  expect: number[];
  schema?: ZodType<T, ZodTypeDef, unknown>;
}

export class DbcsClient {
  private readonly agent: Agent;
  private readonly base: URL;
  private readonly authorization: string;
  /** The API user: the `created_by` of what this client creates. */
  readonly username: string;
  private readonly maxResponseBytes: number;
  private readonly observe?: ApiCallObserver;

  constructor(options: DbcsClientOptions) {
    this.base = new URL(options.baseUrl);
    this.observe = options.observe;
    this.username = options.username;
    this.maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    this.authorization = `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}`;
    this.agent = new Agent({
      keepAliveTimeout: 4_000,
      connections: options.connections ?? 64,
      headersTimeout: options.headersTimeoutMs ?? 30_000,
      bodyTimeout: options.bodyTimeoutMs ?? 30_000,
      connect: {
        timeout: options.connectTimeoutMs ?? 10_000,
        ...(options.caFile ? { ca: readFileSync(options.caFile, 'utf8') } : {}),
      },
    });
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  /** POST a create request; answers with the job that provisions the service. */
  async createInstance(domain: string, body: Record<string, unknown>): Promise<JobRef> {
    const name = String(body.serviceName);
    const res = await this.call({ operation: `create service [${name}]`, method: 'POST', path: this.instancesPath(domain), domain, body, expect: [202] });
    return this.jobRefFrom(res.location, `create service [${name}]`);
  }

  async getInstance(domain: string, serviceName: string): Promise<Instance> {
    const res = await this.call({ operation: `view service [${serviceName}]`, method: 'GET', path: this.instancePath(domain, serviceName), domain, expect: [200], schema: instanceSchema });
    return res.body;
  }

  /** Like getInstance, but a 404 is an answer (undefined), not an error. */
  async findInstance(domain: string, serviceName: string): Promise<Instance | undefined> {
    try {
      return await this.getInstance(domain, serviceName);
    } catch (err) {
      if (err instanceof CloudApiError && err.isNotFound) return undefined;
      throw err;
    }
  }

  async listInstances(domain: string): Promise<InstanceList> {
    const res = await this.call({ operation: `list services of domain [${domain}]`, method: 'GET', path: this.instancesPath(domain), domain, expect: [200], schema: instanceListSchema });
    return res.body;
  }

  async deleteInstance(domain: string, serviceName: string, options: { deleteBackup?: boolean } = {}): Promise<JobRef> {
    const query = options.deleteBackup ? '?deleteBackup=true' : '';
    const operation = `delete service [${serviceName}]`;
    const res = await this.call({ operation, method: 'DELETE', path: `${this.instancePath(domain, serviceName)}${query}`, domain, expect: [202] });
    return this.jobRefFrom(res.location, operation);
  }

  /** PUT: change the shape and/or add storage (usage data|fra, or none for a new volume). */
  async scaleInstance(domain: string, serviceName: string, body: { shape?: string; additionalStorage?: string; usage?: 'data' | 'fra' }): Promise<JobRef> {
    const operation = `scale service [${serviceName}]`;
    const res = await this.call({ operation, method: 'PUT', path: this.instancePath(domain, serviceName), domain, body, expect: [202] });
    return this.jobRefFrom(res.location, operation);
  }

  /** POST: stop, start or restart the service, or one VM of it. */
  async controlInstance(domain: string, serviceName: string, body: { lifecycleState: 'stop' | 'start' | 'restart'; vmName?: string; lifecycleTimeout?: string }): Promise<JobRef> {
    const operation = `${body.lifecycleState} service [${serviceName}]${body.vmName ? ` VM ${body.vmName}` : ''}`;
    const res = await this.call({ operation, method: 'POST', path: this.instancePath(domain, serviceName), domain, body, expect: [202] });
    return this.jobRefFrom(res.location, operation);
  }

  /** The compute nodes of a service (two for RAC). */
  async listServers(domain: string, serviceName: string): Promise<Server[]> {
    const res = await this.call({ operation: `list VMs of service [${serviceName}]`, method: 'GET', path: `${this.instancePath(domain, serviceName)}/servers`, domain, expect: [200], schema: serverListSchema });
    return res.body;
  }

  /** The service's backups (§2.8); the API lists only the most recent failed one. */
  async listBackups(domain: string, serviceName: string): Promise<BackupListAnswer[]> {
    const res = await this.call({ operation: `list backups of [${serviceName}]`, method: 'GET', path: `${this.instancePath(domain, serviceName)}/backups`, domain, expect: [200], schema: backupListSchema });
    return res.body.backupList;
  }

  /**
   * POST …/backups with `{}` (the API requires an empty object): 202, and no job to poll (FOG's
   * backup_instance.rb reads none): the backup shows in listBackups. A Location, if one came, is ignored.
   */
  async startBackup(domain: string, serviceName: string): Promise<void> {
    await this.call({ operation: `back up [${serviceName}]`, method: 'POST', path: `${this.instancePath(domain, serviceName)}/backups`, domain, body: {}, expect: [202] });
  }

  /** POST …/backups/recovery with one of latest, tag, timestamp, scn: 202, no job (FOG's recover_instance.rb); it shows in listRecoveries. */
  async startRecovery(domain: string, serviceName: string, body: RecoveryRequest): Promise<void> {
    await this.call({ operation: `recover [${serviceName}]`, method: 'POST', path: `${this.instancePath(domain, serviceName)}/backups/recovery`, domain, body, expect: [202] });
  }

  /** The service's recovery history (§2.8). */
  async listRecoveries(domain: string, serviceName: string): Promise<RecoveryAnswer[]> {
    const res = await this.call({ operation: `list recoveries of [${serviceName}]`, method: 'GET', path: `${this.instancePath(domain, serviceName)}/backups/recovery/history`, domain, expect: [200], schema: recoveryHistorySchema });
    return res.body.recoveryList;
  }

  /** Patches that can be applied to the service now. */
  async availablePatches(domain: string, serviceName: string): Promise<AvailablePatch[]> {
    const res = await this.call({ operation: `list patches available to [${serviceName}]`, method: 'GET', path: `${this.patchesPath(domain, serviceName)}/available`, domain, expect: [200], schema: availablePatchesSchema });
    return res.body.availablePatches;
  }

  async appliedPatches(domain: string, serviceName: string): Promise<AppliedPatch[]> {
    const res = await this.call({ operation: `list patches applied to [${serviceName}]`, method: 'GET', path: `${this.patchesPath(domain, serviceName)}/applied`, domain, expect: [200], schema: appliedPatchesSchema });
    return res.body.appliedPatches;
  }

  /** PUT checks/{patchId}: starts a precheck job (changes nothing on the service). */
  async precheckPatch(domain: string, serviceName: string, patchId: string): Promise<JobRef> {
    const operation = `precheck patch ${patchId} on [${serviceName}]`;
    const res = await this.call({ operation, method: 'PUT', path: `${this.patchesPath(domain, serviceName)}/checks/${encodeURIComponent(patchId)}`, domain, expect: [202] });
    return this.patchJobRefFrom(res.location, operation);
  }

  async applyPatch(domain: string, serviceName: string, patchId: string, body: { forceApply?: boolean; additionalNote?: string } = {}): Promise<JobRef> {
    const operation = `apply patch ${patchId} to [${serviceName}]`;
    const res = await this.call({ operation, method: 'PUT', path: `${this.patchesPath(domain, serviceName)}/${encodeURIComponent(patchId)}`, domain, body, expect: [202] });
    return this.patchJobRefFrom(res.location, operation);
  }

  async rollbackPatch(domain: string, serviceName: string, rollbackId: string, body: { additionalNote?: string } = {}): Promise<JobRef> {
    const operation = `roll back ${rollbackId} on [${serviceName}]`;
    const res = await this.call({ operation, method: 'PUT', path: `${this.patchesPath(domain, serviceName)}/${encodeURIComponent(rollbackId)}/rollback`, domain, body, expect: [202] });
    return this.patchJobRefFrom(res.location, operation);
  }

  /**
   * A job of any kind, read in its own shape into one reading: service jobs (create, delete, scale,
   * control) under the service API, precheck and apply/rollback jobs (`precheck`, `patch`) under their
   * service. An answer with no readable status is a non-retryable 'invalid-response' error.
   */
  async readJob(domain: string, { requestName, jobId, serviceName }: { requestName: string; jobId: string; serviceName?: string }): Promise<JobReading> {
    if (requestName !== 'precheck' && requestName !== 'patch') {
      const job = `${requestName} job ${jobId} in domain [${domain}]`;
      return readServiceJob(await this.getServiceJobAnswer(domain, requestName, jobId), job);
    }
    if (!serviceName) throw new Error(`a ${requestName} job lives under its service: reading job ${jobId} needs the service name`);
    const job = `${requestName} job ${jobId} of service [${serviceName}]`;
    const path = `${this.patchesPath(domain, serviceName)}/${requestName === 'precheck' ? 'checks' : 'applied'}/job/${encodeURIComponent(jobId)}`;
    // Some pages document these GETs as answering 202: both mean "here is the job".
    if (requestName === 'precheck') {
      const res = await this.call({ operation: `read ${job}`, method: 'GET', path, domain, expect: [200, 202], schema: precheckJobSchema });
      return readPrecheckJob(res.body, job);
    }
    const res = await this.call({ operation: `read ${job}`, method: 'GET', path, domain, expect: [200, 202], schema: appliedPatchJobSchema });
    return readAppliedPatchJob(res.body, job);
  }

  /**
   * The messages of any job's activity log, oldest first (§1.4). An apply or rollback job's own answer
   * says only that it FAILED; its activity log says why.
   */
  async jobMessages(domain: string, jobId: string): Promise<string[]> {
    const path = `${ACTIVITYLOG_PATH}/${encodeURIComponent(domain)}/job/${encodeURIComponent(jobId)}`;
    const res = await this.call({ operation: `read the activity log of job ${jobId}`, method: 'GET', path, domain, expect: [200], schema: activityLogSchema });
    const said = (res.body.messages ?? []).map((m) => (typeof m === 'string' ? m : (m.message ?? ''))).filter((m) => m !== '');
    const summary = res.body.summaryMessage;
    return summary && summary !== said.at(-1) ? [...said, summary] : said;
  }

  /** Every service of a domain with its details (version, patch level). */
  async listInstancesVerbose(domain: string): Promise<Instance[]> {
    const res = await this.call({ operation: `list services of domain [${domain}]`, method: 'GET', path: `${this.instancesPath(domain)}?outputLevel=verbose`, domain, expect: [200], schema: verboseListSchema });
    return res.body.services;
  }

  private patchesPath(domain: string, serviceName: string): string {
    return `${INSTANCEMGMT_PATH}/${encodeURIComponent(domain)}/services/dbaas/instances/${encodeURIComponent(serviceName)}/patches`;
  }

  /** Patch jobs live at …/patches/checks/job/{id} (precheck) or …/patches/applied/job/{id} (apply, rollback). */
  private patchJobRefFrom(location: string | undefined, operation: string): JobRef {
    const m = location ? /\/patches\/(checks|applied)\/job\/([^/?#]+)/.exec(location) : null;
    if (!location || !m) {
      throw new CloudApiError(`DBCS ${operation}: the 202 answer has no usable Location header (got ${jsonExcerpt(location ?? null, 200)})`, 'invalid-response', false, { operation });
    }
    return { requestName: m[1] === 'checks' ? 'precheck' : 'patch', jobId: decodedSegment(m[2]!, location, operation), location };
  }

  /** A service job as the API answered it (to show it); waits use readJob, which judges its status. */
  async getJob(domain: string, requestName: string, jobId: string): Promise<ServiceJob> {
    const answer = await this.getServiceJobAnswer(domain, requestName, jobId);
    return { ...answer, message: messageList(answer.message) };
  }

  private async getServiceJobAnswer(domain: string, requestName: string, jobId: string): Promise<ServiceJobAnswer> {
    const path = `${this.instancesPath(domain)}/status/${encodeURIComponent(requestName)}/job/${encodeURIComponent(jobId)}`;
    const res = await this.call({ operation: `read ${requestName} job ${jobId}`, method: 'GET', path, domain, expect: [200], schema: serviceJobSchema });
    return res.body;
  }

  private instancesPath(domain: string): string {
    return `${SERVICE_API_PATH}/${encodeURIComponent(domain)}`;
  }

  private instancePath(domain: string, serviceName: string): string {
    return `${this.instancesPath(domain)}/${encodeURIComponent(serviceName)}`;
  }

  /** The job id is the last segment of the Location (…/status/{requestName}/job/{jobId}). */
  private jobRefFrom(location: string | undefined, operation: string): JobRef {
    const m = location ? /\/status\/([^/]+)\/job\/([^/?#]+)/.exec(location) : null;
    if (!location || !m) {
      throw new CloudApiError(`DBCS ${operation}: the 202 answer has no usable Location header (got ${jsonExcerpt(location ?? null, 200)})`, 'invalid-response', false, { operation });
    }
    return { requestName: decodedSegment(m[1]!, location, operation), jobId: decodedSegment(m[2]!, location, operation), location };
  }

  /** One API call as a client span (W3C trace context sent along), observed once it ends. */
  private call<T = unknown>(opts: CallOptions<T>): Promise<{ status: number; body: T; location?: string }> {
    const url = new URL(this.base.pathname.replace(/\/$/, '') + opts.path, this.base);
    const attributes = { 'http.request.method': opts.method, 'url.full': url.href, 'server.address': url.hostname, 'dbcs.operation': opts.operation };
    return tracer.startActiveSpan(`DBCS ${opts.method} ${opts.operation}`, { kind: SpanKind.CLIENT, attributes }, async (span) => {
      const startedAt = performance.now();
      let status: number | undefined;
      try {
        const answer = await this.exchange(url, opts, (s) => (status = s));
        span.setStatus({ code: SpanStatusCode.OK });
        return answer;
      } catch (err) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
        throw err;
      } finally {
        if (status !== undefined) span.setAttribute('http.response.status_code', status);
        span.end();
        this.observe?.({ method: opts.method, status, durationMs: performance.now() - startedAt });
      }
    });
  }

  private async exchange<T>(url: URL, opts: CallOptions<T>, answered: (status: number) => void): Promise<{ status: number; body: T; location?: string }> {
    const headers: Record<string, string> = {
      authorization: this.authorization,
      'x-id-tenant-name': opts.domain,
      accept: 'application/json',
    };
    if (opts.body !== undefined) headers['content-type'] = REQUEST_CONTENT_TYPE;
    propagation.inject(context.active(), headers);
    let status: number;
    let text: string;
    let location: string | undefined;
    let retryAfter: string | string[] | undefined;
    let contentType: string;
    let body: CappedBody;
    try {
      const res = await request(url, {
        method: opts.method,
        headers,
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
        dispatcher: this.agent,
      });
      status = res.statusCode;
      answered(status);
      const loc = res.headers.location;
      location = Array.isArray(loc) ? loc[0] : loc;
      retryAfter = res.headers['retry-after'];
      const type = res.headers['content-type'];
      contentType = (Array.isArray(type) ? type[0] : type) ?? '';
      body = await readCapped(res.body, res.headers['content-length'], this.maxResponseBytes);
      text = body.text;
    } catch (err) {
      throw transportError(err, opts.operation);
    }

    if (!opts.expect.includes(status)) {
      const apiMessage = apiMessageOf(text, contentType);
      const retryable = isRetryableStatus(status);
      const retryAfterMs = parseRetryAfter(retryAfter);
      const hint = retryable ? 'retryable' : 'not retryable';
      throw new CloudApiError(`DBCS ${opts.operation} answered ${status}: ${apiMessage || '(empty body)'} (${hint})`, 'http', retryable, {
        operation: opts.operation,
        status,
        apiMessage,
        retryAfterMs,
      });
    }
    if (!opts.schema) return { status, body: undefined as T, location };
    if (body.truncated) {
      // Not read to its end, so not parsed: a body this big is not an answer the API documents.
      throw new CloudApiError(
        `DBCS ${opts.operation} answered ${status} with a body larger than the client reads (${describeSize(body.declaredBytes ?? body.bytes, body.declaredBytes === undefined)}, limit ${describeSize(this.maxResponseBytes)}); not retryable`,
        'invalid-response',
        false,
        { operation: opts.operation, status },
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      // An HTML error page of a proxy or a gateway, an empty or cut-off body: the next answer may be whole.
      throw new CloudApiError(`DBCS ${opts.operation} answered ${status} with ${describeNonJson(text, contentType)}; retryable`, 'invalid-response', true, { operation: opts.operation, status });
    }
    const parsed = opts.schema.safeParse(json);
    if (!parsed.success) {
      const shown = parsed.error.issues.slice(0, 10).map((i) => `${i.path.map((p) => String(p).slice(0, 40)).join('.') || '(body)'}: ${i.message.slice(0, 200)}`);
      const more = parsed.error.issues.length > 10 ? `; … and ${parsed.error.issues.length - 10} more` : '';
      throw new CloudApiError(`DBCS ${opts.operation} answered ${status} with an unexpected body: ${shown.join('; ')}${more}; not retryable`, 'invalid-response', false, { operation: opts.operation, status });
    }
    return { status, body: parsed.data, location };
  }
}

interface CappedBody {
  text: string;
  /** Bytes read (at most the limit). */
  bytes: number;
  /** The body went on past the limit (or said it would, in Content-Length): not read to its end. */
  truncated: boolean;
  /** The Content-Length, when the answer gave one. */
  declaredBytes?: number;
}

/**
 * Reads a body up to `max` bytes. A Content-Length above the limit is refused before reading; a body
 * that grows past it is cut there and its connection closed (undici destroys the stream).
 */
async function readCapped(body: Dispatcher.ResponseData['body'], contentLength: string | string[] | undefined, max: number): Promise<CappedBody> {
  const declared = Number(Array.isArray(contentLength) ? contentLength[0] : contentLength);
  const declaredBytes = Number.isFinite(declared) && declared >= 0 ? declared : undefined;
  if (declaredBytes !== undefined && declaredBytes > max) {
    body.destroy();
    return { text: '', bytes: 0, truncated: true, declaredBytes };
  }
  const chunks: Buffer[] = [];
  let bytes = 0;
  let truncated = false;
  for await (const chunk of body) {
    const buf = chunk as Buffer;
    if (bytes + buf.length > max) {
      chunks.push(buf.subarray(0, max - bytes));
      bytes = max;
      truncated = true;
      break; // ends the iteration: the stream is destroyed and the connection closed
    }
    chunks.push(buf);
    bytes += buf.length;
  }
  return { text: Buffer.concat(chunks).toString('utf8'), bytes, truncated, declaredBytes };
}

function describeSize(bytes: number, atLeast = false): string {
  const text = bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(1)} MiB` : bytes >= 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${bytes} bytes`;
  return atLeast ? `more than ${text}` : text;
}

/** What a body that is not JSON looks like, for an error message: empty, an HTML page (its title), or the start of its text. */
function describeNonJson(text: string, contentType: string): string {
  const trimmed = text.trim();
  if (trimmed === '') return 'an empty body where JSON was expected';
  const size = describeSize(Buffer.byteLength(text));
  if (/html/i.test(contentType) || /^<(!doctype html|html|head|body)\b/i.test(trimmed)) {
    const title = /<title[^>]*>([^<]{0,200})/i.exec(trimmed)?.[1]?.replace(/\s+/g, ' ').trim();
    return `an HTML page where JSON was expected (${contentType || 'no content-type'}, ${size}${title ? `, title "${title}"` : ''})`;
  }
  const start = printable(trimmed, 200);
  const looksCut = /^[[{]/.test(trimmed);
  return `${looksCut ? 'JSON that does not parse (cut off or malformed)' : 'a body that is not JSON'} (${contentType || 'no content-type'}, ${size}): ${start}`;
}

/** Text for a message: whitespace collapsed, control characters dropped, at most `max` characters. */
function printable(text: string, max: number): string {
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '').replace(/\s+/g, ' ');
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}

/** A percent-encoded segment of a Location header; a malformed one (`%ZZ`) is an unreadable answer, not a URIError. */
function decodedSegment(segment: string, location: string, operation: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new CloudApiError(`DBCS ${operation}: the 202 answer has a malformed Location header (got ${jsonExcerpt(location, 200)})`, 'invalid-response', false, { operation });
  }
}

/** The API's own words: the `message` of a JSON body, or the raw text (an HTML page: its title), trimmed to a readable length. */
function apiMessageOf(text: string, contentType = ''): string {
  let message = text.trim();
  if (/html/i.test(contentType) || /^<(!doctype html|html|head|body)\b/i.test(message)) {
    const title = /<title[^>]*>([^<]{0,200})/i.exec(message)?.[1]?.replace(/\s+/g, ' ').trim();
    return `an HTML page${title ? ` titled "${title}"` : ''} (${describeSize(Buffer.byteLength(text))})`;
  }
  try {
    const json = JSON.parse(text) as unknown;
    if (json && typeof json === 'object' && 'message' in json && typeof (json as { message: unknown }).message === 'string') {
      message = (json as { message: string }).message;
    }
  } catch {
    // Not JSON: the raw text is the message (the 404 of view is plain text).
  }
  return printable(message, 500);
}

function transportError(err: unknown, operation: string): CloudApiError {
  const code = (err as { code?: string }).code ?? '';
  const text = err instanceof Error ? err.message : String(err);
  if (err instanceof undiciErrors.ConnectTimeoutError || err instanceof undiciErrors.HeadersTimeoutError || err instanceof undiciErrors.BodyTimeoutError) {
    return new CloudApiError(`DBCS ${operation}: no answer in time (${code || text}); retryable`, 'timeout', true, { operation });
  }
  return new CloudApiError(`DBCS ${operation}: network error (${code || text}); retryable`, 'network', true, { operation });
}
