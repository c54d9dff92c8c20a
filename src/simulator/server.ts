// DBCS REST API v1.1 simulator: the service-instance API (create, view one, view all, delete, job
// status) with the documented headers, validation and async-job behaviour, plus fault injection and
// stats under /__sim. See docs in README.md ("The simulator").
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import { FaultInjector, type FaultConfigInput, type RouteName } from './faults';
import { CloudState, type RequestName, type SimInstance, type SimJob } from './state';
import { createRequestViolations, formatViolations } from '../shared/dbcs-rules';
import { DB_VERSIONS, EDITIONS, LEVELS, SHAPES } from '../shared/shapes';

export const API_BASE = '/paas/service/dbcs/api/v1.1/instances';
const ACCEPTED_CONTENT_TYPES = ['application/json', 'application/vnd.com.oracle.oracloud.provisioning.service+json'];
const NOT_FOUND_TEXT = 'No such service exists, check domain and service name';

export interface SimulatorOptions {
  port?: number;
  host?: string;
  username?: string;
  password?: string;
  /** How long jobs take, per kind of request, in ms. */
  jobDurationMs?: Partial<Record<RequestName, number>>;
  /** How long a new instance answers 404 to GET after its create was accepted. */
  visibilityDelayMs?: number;
  faults?: FaultConfigInput;
  now?: () => number;
  log?: (line: string) => void;
}

interface RouteStats {
  calls: number;
  statuses: Record<string, number>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const DEFAULT_DURATIONS: Record<RequestName, number> = { create: 3000, delete: 1500, scale: 2000, control: 1500 };

export class DbcsSimulator {
  readonly state: CloudState;
  readonly faults: FaultInjector;
  private readonly server: http.Server;
  private readonly routeStats = new Map<string, RouteStats>();
  private unauthorized = 0;
  private durations: Record<RequestName, number>;
  private readonly visibilityDelayMs: number;
  private readonly username: string;
  private readonly password: string;
  private readonly now: () => number;
  private readonly log: (line: string) => void;

  constructor(private readonly options: SimulatorOptions = {}) {
    this.now = options.now ?? Date.now;
    this.state = new CloudState(this.now);
    this.faults = new FaultInjector(options.faults);
    this.durations = { ...DEFAULT_DURATIONS, ...options.jobDurationMs };
    this.visibilityDelayMs = options.visibilityDelayMs ?? 500;
    this.username = options.username ?? 'dbaas';
    this.password = options.password ?? 'simulator';
    this.log = options.log ?? (() => undefined);
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        this.log(`internal error: ${String(err)}`);
        if (!res.headersSent) sendJson(res, 500, { message: 'Internal Server Error' });
      });
    });
    this.server.keepAliveTimeout = 5_000;
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port ?? 0, this.options.host ?? '127.0.0.1', () => resolve());
    });
    return this.url;
  }

  get url(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://${this.options.host ?? '127.0.0.1'}:${port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  stats() {
    this.state.advance();
    const routes: Record<string, RouteStats> = {};
    for (const [name, s] of this.routeStats) routes[name] = { calls: s.calls, statuses: { ...s.statuses } };
    const live = this.state.allInstances();
    const byStatus: Record<string, number> = {};
    for (const i of live) byStatus[i.status] = (byStatus[i.status] ?? 0) + 1;
    const mutatingCalls = ['create', 'delete', 'scale', 'control'].reduce((n, r) => n + (routes[r]?.calls ?? 0), 0);
    return {
      routes,
      totalCalls: [...this.routeStats.values()].reduce((n, s) => n + s.calls, 0),
      mutatingCalls,
      unauthorized: this.unauthorized,
      jobs: structuredClone(this.state.jobCounters),
      runningJobs: this.state.runningJobs(),
      maxConcurrentJobs: this.state.maxConcurrentJobs,
      instances: {
        live: live.length,
        byStatus,
        created: this.state.instancesCreated,
        deleted: this.state.instancesDeleted,
        names: live.map((i) => `${i.domain}/${i.name}`).sort(),
      },
    };
  }

  /** Changes job durations at run time (also PUT /__sim/config). */
  configure(settings: { jobDurationMs?: Partial<Record<RequestName, number>> }): { jobDurationMs: Record<RequestName, number> } {
    this.durations = { ...this.durations, ...settings.jobDurationMs };
    return { jobDurationMs: { ...this.durations } };
  }

  resetStats(): void {
    this.routeStats.clear();
    this.unauthorized = 0;
    this.state.resetCounters();
  }

  private count(route: string, status: number | 'dropped'): void {
    const s = this.routeStats.get(route) ?? { calls: 0, statuses: {} };
    s.calls += 1;
    s.statuses[String(status)] = (s.statuses[String(status)] ?? 0) + 1;
    this.routeStats.set(route, s);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://simulator');
    if (url.pathname.startsWith('/__sim/')) return this.handleControl(req, res, url);
    const match = matchRoute(req.method ?? 'GET', url.pathname);
    if (!match) return sendJson(res, 404, { message: `No route for ${req.method} ${url.pathname}` });

    if (!this.authorized(req, match.domain)) {
      this.unauthorized += 1;
      return sendJson(res, 401, { message: 'Unauthorized: valid Basic credentials and an X-ID-TENANT-NAME header naming the identity domain are required' });
    }

    // A create names its service in the body: read it first so faults can target that service.
    let body: unknown;
    if (match.route === 'create') {
      try {
        body = await readJsonBody(req);
      } catch (err) {
        if (!(err instanceof HttpError)) throw err;
        this.count(match.route, err.status);
        return sendJson(res, err.status, { message: err.message });
      }
      const named = (body as { serviceName?: unknown } | null)?.serviceName;
      if (typeof named === 'string') match.serviceName = named;
    }

    const decision = this.faults.decide(match.route, match.serviceName);
    if (decision.latencyMs > 0) await delay(decision.latencyMs);
    if (decision.kind === 'drop') {
      this.count(match.route, 'dropped');
      req.socket.destroy();
      return;
    }
    if (decision.kind === 'error') {
      this.count(match.route, decision.status);
      const headers: Record<string, string> = {};
      if ((decision.status === 429 || decision.status === 503) && decision.retryAfterSeconds !== undefined) {
        headers['Retry-After'] = String(decision.retryAfterSeconds);
      }
      return sendJson(res, decision.status, { message: decision.message }, headers);
    }

    let status: number;
    let headers: Record<string, string> = {};
    try {
      this.state.advance();
      const result = await this.dispatch(req, match, url, body);
      ({ status, body } = result);
      headers = result.headers ?? {};
    } catch (err) {
      if (!(err instanceof HttpError)) throw err;
      status = err.status;
      body = status === 404 && err.message === NOT_FOUND_TEXT ? NOT_FOUND_TEXT : { message: err.message };
    }
    if (decision.dropAfter) {
      // The work is done but the client never hears about it: the case idempotent clients must survive.
      this.count(match.route, 'dropped');
      req.socket.destroy();
      return;
    }
    this.count(match.route, status);
    if (typeof body === 'string') sendText(res, status, body, headers);
    else sendJson(res, status, body, headers);
  }

  private authorized(req: http.IncomingMessage, domain: string): boolean {
    const tenant = req.headers['x-id-tenant-name'];
    if (typeof tenant !== 'string' || tenant !== domain) return false;
    const auth = req.headers.authorization ?? '';
    const m = /^Basic (.+)$/i.exec(auth);
    if (!m) return false;
    const expected = Buffer.from(`${this.username}:${this.password}`);
    const given = Buffer.from(Buffer.from(m[1]!, 'base64').toString('utf8'));
    return expected.length === given.length && timingSafeEqual(expected, given);
  }

  private async dispatch(req: http.IncomingMessage, match: RouteMatch, url: URL, requestBody: unknown): Promise<{ status: number; body: unknown; headers?: Record<string, string> }> {
    const base = `${this.publicOrigin(req)}${API_BASE}/${match.domain}`;
    switch (match.route) {
      case 'list':
        return { status: 200, body: this.viewAll(match.domain, base, url.searchParams.get('outputLevel') === 'verbose') };
      case 'view': {
        const instance = this.state.visibleInstance(match.domain, match.serviceName!);
        if (!instance) throw new HttpError(404, NOT_FOUND_TEXT);
        return { status: 200, body: describeInstance(instance, base, this.now()) };
      }
      case 'create': {
        const job = this.create(match.domain, requestBody);
        return { status: 202, body: jobAccepted(job), headers: { Location: `${base}/status/create/job/${job.id}` } };
      }
      case 'delete': {
        const job = this.delete(match.domain, match.serviceName!, url.searchParams.get('deleteBackup') === 'true');
        return { status: 202, body: jobAccepted(job), headers: { Location: `${base}/status/delete/job/${job.id}` } };
      }
      case 'job': {
        const job = this.state.job(match.domain, match.jobId!);
        if (!job || job.requestName !== match.requestName) throw new HttpError(404, `No job ${match.jobId} of type ${match.requestName} in domain ${match.domain}`);
        return { status: 200, body: describeJob(job, this.state.instance(job.domain, job.serviceName), base) };
      }
      default:
        throw new HttpError(405, `${req.method} is not supported on this resource yet`);
    }
  }

  private publicOrigin(req: http.IncomingMessage): string {
    return `http://${req.headers.host ?? new URL(this.url).host}`;
  }

  private viewAll(domain: string, base: string, verbose: boolean) {
    return {
      uri: base,
      service_type: 'dbaas',
      implementation_version: '1.0',
      services: this.state.visibleInstances(domain).map((i) =>
        verbose ? describeInstance(i, base, this.now()) : { service_name: i.name, service_uri: `${base}/${i.name}`, status: i.status, version: i.version, shape: i.shape, edition: i.edition, level: i.level },
      ),
    };
  }

  private create(domain: string, raw: unknown): SimJob {
    const body = asObject(raw);
    const problems = validateCreateBody(body);
    if (problems.length > 0) throw new HttpError(400, `Invalid create request: ${problems.join('; ')}`);
    const name = body.serviceName as string;
    if (this.state.instance(domain, name)) {
      throw new HttpError(400, `Service name [${name}] is already in use in identity domain [${domain}]; service names must be unique`);
    }
    const db = ((body.parameters as Record<string, unknown>[] | undefined) ?? [])[0] ?? {};
    const now = this.now();
    const isRac = String(db.isRac ?? 'no').toLowerCase() === 'yes';
    const instance: SimInstance = {
      domain,
      name,
      status: 'In Progress',
      version: String(body.version),
      level: String(body.level),
      edition: String(body.edition),
      shape: String(body.shape),
      subscriptionType: String(body.subscriptionType),
      description: typeof body.description === 'string' ? body.description : undefined,
      usableStorageGb: Number(db.usableStorage ?? 25),
      backupDestination: String(db.backupDestination ?? 'NONE'),
      sid: String(db.sid ?? 'ORCL'),
      pdbName: body.version === '11.2.0.4' ? undefined : String(db.pdbName ?? 'pdb1'),
      isRac,
      failoverDatabase: String(db.failoverDatabase ?? 'no').toLowerCase() === 'yes',
      createdBy: this.username,
      createdAt: now,
      lastModifiedAt: now,
      creationJobId: '',
      visibleAt: now + this.visibilityDelayMs,
    };
    this.state.addInstance(instance);
    const job = this.state.submit({
      domain,
      serviceName: name,
      requestName: 'create',
      operation: 'create-dbaas-service',
      durationMs: this.durations.create,
      createdBy: this.username,
      requestParams: createRequestParams(body, db, domain),
      failureMessage: this.faults.jobFailure('create', name),
      submittedMessage: `Submitted job to create service [${name}] in domain [${domain}].`,
      steps: [
        { at: 0.1, text: `Creating compute resources for service [${name}]: ${isRac ? 2 : 1} VM(s) of shape ${instance.shape}` },
        { at: 0.4, text: `SSH access to VM [DB_1/vm-1] succeeded` },
        { at: 0.6, text: `Configuring Oracle Database ${instance.version} (${instance.edition})` },
        { at: 0.85, text: 'Starting database services and listener' },
      ],
      onSuccess: (i) => {
        if (i) i.status = 'Running';
      },
      // A failed provisioning leaves a broken instance behind (billed until deleted): clients must clean up.
      onFailure: (i) => {
        if (i) i.status = 'Failed';
      },
    });
    instance.creationJobId = job.id;
    this.log(`create ${domain}/${name} job ${job.id}${job.failureMessage ? ' (will fail)' : ''}`);
    return job;
  }

  private delete(domain: string, name: string, deleteBackup: boolean): SimJob {
    const instance = this.state.instance(domain, name);
    if (!instance || instance.status === 'Terminating') {
      if (instance) return this.state.job(domain, instance.activeJobId!)!;
      throw new HttpError(404, NOT_FOUND_TEXT);
    }
    const busy = this.state.activeJob(instance);
    if (busy) throw new HttpError(400, `Service [${name}] is busy: ${busy.operation} (job ${busy.id}) is in progress; try again when it has finished`);
    if (deleteBackup && instance.isRac) throw new HttpError(400, 'deleteBackup=true is not supported for cluster (RAC) databases');
    const previous = instance.status;
    instance.status = 'Terminating';
    const job = this.state.submit({
      domain,
      serviceName: name,
      requestName: 'delete',
      operation: 'delete-dbaas-service',
      durationMs: this.durations.delete,
      createdBy: this.username,
      requestParams: { serviceName: name, deleteBackup: String(deleteBackup) },
      failureMessage: this.faults.jobFailure('delete', name),
      submittedMessage: `Submitted job to delete service [${name}] in domain [${domain}].`,
      steps: [{ at: 0.3, text: `Stopping database and releasing compute resources of service [${name}]` }],
      onSuccess: () => this.state.removeInstance(domain, name),
      onFailure: (i) => {
        if (i) i.status = previous;
      },
    });
    this.log(`delete ${domain}/${name} job ${job.id}`);
    return job;
  }

  private async handleControl(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    const path = url.pathname;
    try {
      if (path === '/__sim/health') return sendJson(res, 200, { ok: true });
      if (path === '/__sim/stats' && req.method === 'GET') return sendJson(res, 200, this.stats());
      if (path === '/__sim/faults' && req.method === 'GET') return sendJson(res, 200, this.faults.current);
      if (path === '/__sim/faults' && req.method === 'PUT') return sendJson(res, 200, this.faults.replace(await readJsonBody(req)));
      if (path === '/__sim/config' && req.method === 'GET') return sendJson(res, 200, this.configure({}));
      if (path === '/__sim/config' && req.method === 'PUT') {
        const body = asObject(await readJsonBody(req));
        const durations = asObject(body.jobDurationMs ?? {});
        for (const [k, v] of Object.entries(durations)) {
          if (!['create', 'delete', 'scale', 'control'].includes(k) || typeof v !== 'number' || v < 0) throw new HttpError(400, `jobDurationMs.${k}: must be a number of ms for create, delete, scale or control`);
        }
        return sendJson(res, 200, this.configure({ jobDurationMs: durations as Partial<Record<RequestName, number>> }));
      }
      if (path === '/__sim/reset' && req.method === 'POST') {
        // ?keep=instances resets counters only.
        if (url.searchParams.get('keep') !== 'instances') this.state.clear();
        this.resetStats();
        this.faults.replace({});
        return sendJson(res, 200, { ok: true });
      }
      if (path === '/__sim/instances' && req.method === 'GET') {
        this.state.advance();
        return sendJson(res, 200, { instances: this.state.allInstances() });
      }
      return sendJson(res, 404, { message: `No control route ${req.method} ${path}` });
    } catch (err) {
      return sendJson(res, 400, { message: err instanceof Error ? err.message : String(err) });
    }
  }
}

interface RouteMatch {
  route: RouteName;
  domain: string;
  serviceName?: string;
  requestName?: string;
  jobId?: string;
}

function matchRoute(method: string, pathname: string): RouteMatch | undefined {
  if (!pathname.startsWith(`${API_BASE}/`)) return undefined;
  const parts = pathname.slice(API_BASE.length + 1).split('/').filter(Boolean).map(decodeURIComponent);
  const [domain, second, third, fourth, fifth] = parts;
  if (!domain) return undefined;
  if (parts.length === 1) {
    if (method === 'GET') return { route: 'list', domain };
    if (method === 'POST') return { route: 'create', domain };
    return undefined;
  }
  if (parts.length === 5 && second === 'status' && fourth === 'job' && method === 'GET') {
    return { route: 'job', domain, requestName: third, jobId: fifth, serviceName: undefined };
  }
  if (parts.length === 2) {
    if (method === 'GET') return { route: 'view', domain, serviceName: second };
    if (method === 'DELETE') return { route: 'delete', domain, serviceName: second };
    if (method === 'PUT') return { route: 'scale', domain, serviceName: second };
    if (method === 'POST') return { route: 'control', domain, serviceName: second };
  }
  return undefined;
}

/** Structural checks of a create body (types and enumerations), then the shared cross-field rules. */
function validateCreateBody(body: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const need = (field: string, allowed?: readonly string[]) => {
    const v = body[field];
    if (typeof v !== 'string' || v.length === 0) problems.push(`${field}: is required`);
    else if (allowed && !allowed.includes(v)) problems.push(`${field}: must be one of ${allowed.join(', ')} (got ${v})`);
  };
  need('serviceName');
  need('version', DB_VERSIONS);
  need('level', LEVELS);
  need('edition', EDITIONS);
  need('subscriptionType', ['HOURLY', 'MONTHLY']);
  need('shape', Object.keys(SHAPES));
  need('vmPublicKeyText');
  const params = body.parameters;
  if (params !== undefined && !Array.isArray(params)) problems.push('parameters: must be an array of one object');
  const db = Array.isArray(params) ? (params[0] as Record<string, unknown> | undefined) : undefined;
  if (db) {
    if (db.type !== 'db') problems.push('parameters.0.type: must be "db"');
    if (typeof db.adminPassword !== 'string') problems.push('parameters.0.adminPassword: is required');
    if (!['BOTH', 'OSS', 'NONE'].includes(String(db.backupDestination))) problems.push('parameters.0.backupDestination: must be one of BOTH, OSS, NONE');
  }
  const cross = createRequestViolations(body);
  if (cross.length > 0) problems.push(formatViolations(cross));
  return problems;
}

/** What the job echoes of the request: the documented job_request_params, never the passwords. */
function createRequestParams(body: Record<string, unknown>, db: Record<string, unknown>, domain: string): Record<string, string> {
  return {
    serviceName: String(body.serviceName),
    version: String(body.version),
    level: String(body.level),
    edition: String(body.edition),
    shape: String(body.shape),
    subscriptionType: String(body.subscriptionType),
    usableStorage: String(db.usableStorage ?? ''),
    backupDestination: String(db.backupDestination ?? 'NONE'),
    sid: String(db.sid ?? 'ORCL'),
    isRac: String(String(db.isRac ?? 'no').toLowerCase() === 'yes'),
    failoverDatabase: String(String(db.failoverDatabase ?? 'no').toLowerCase() === 'yes'),
    noRollback: 'false',
    identity_domain_id: domain,
    operationName: 'create-dbaas-service',
    serviceType: 'dbaas',
  };
}

function fmtDate(ms: number): string {
  return new Date(ms).toUTCString().replace('GMT', 'UTC');
}

function describeInstance(i: SimInstance, base: string, now: number) {
  const host = `${i.name.toLowerCase()}.${i.domain.toLowerCase()}.oraclecloud.internal`;
  return {
    service_name: i.name,
    version: i.version,
    status: i.status,
    description: i.description ?? '',
    identity_domain: i.domain,
    creation_time: fmtDate(i.createdAt),
    last_modified_time: fmtDate(Math.min(i.lastModifiedAt, now)),
    created_by: i.createdBy,
    service_uri: `${base}/${i.name}`,
    num_nodes: i.isRac ? 2 : 1,
    level: i.level,
    edition: i.edition,
    shape: i.shape,
    subscriptionType: i.subscriptionType,
    creation_job_id: i.creationJobId,
    num_ip_reservations: 0,
    backup_destination: i.backupDestination,
    sid: i.sid,
    ...(i.pdbName ? { pdbName: i.pdbName } : {}),
    listenerPort: 1521,
    connect_descriptor: `${host}:1521/${(i.pdbName ?? i.sid).toUpperCase()}.${i.domain}.oraclecloud.internal`,
    rac_database: i.isRac,
    failover_database: i.failoverDatabase,
    usable_storage: i.usableStorageGb,
    ...(i.isRac ? { total_shared_storage: i.usableStorageGb } : {}),
  };
}

function describeJob(job: SimJob, instance: SimInstance | undefined, base: string) {
  return {
    service_name: job.serviceName,
    version: instance?.version ?? job.requestParams.version ?? '',
    // After a successful delete the instance is gone; the job still answers, with the last state.
    status: instance?.status ?? (job.requestName === 'delete' && job.state === 'Succeeded' ? 'Terminated' : 'Unknown'),
    identity_domain: job.domain,
    creation_time: instance ? fmtDate(instance.createdAt) : fmtDate(job.submittedAt),
    created_by: job.createdBy,
    service_uri: `${base}/${job.serviceName}`,
    message: [...job.messages],
    job_id: job.id,
    job_start_date: fmtDate(job.submittedAt),
    job_status: job.state,
    job_operation: job.operation,
    job_request_params: job.requestParams,
  };
}

function jobAccepted(job: SimJob) {
  return { status: 'New', details: { jobId: job.id, message: job.messages[0] } };
}

function asObject(raw: unknown): Record<string, unknown> {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new HttpError(400, 'The request body must be a JSON object');
  return raw as Record<string, unknown>;
}

async function readJsonBody(req: http.IncomingMessage): Promise<unknown> {
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

function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function sendText(res: http.ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
