// DBCS REST API v1.1 simulator: the service-instance API (create, view, list, scale, stop/start/
// restart, delete, nodes, job status, backups and recovery: backups.ts) with the documented headers, validation and async jobs, plus
// fault injection and stats under /__sim. The HTTP side lives here; what each request does to the
// simulated cloud is in operations.ts. See README.md ("The DBCS simulator").
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import { FaultInjector, MUTATING_ROUTES, type FaultConfigInput, type RouteName } from './faults';
import { asObject, delay, HttpError, readJsonBody, readOptionalJsonBody, sendJson, sendText } from './http-util';
import { PatchOperations } from './patches';
// After patches: operations.ts and patches.ts import each other, and patches must load first.
import { BackupOperations } from './backups';
import { CloudOperations, NOT_FOUND_TEXT } from './operations';
import { CloudState, REQUEST_NAMES, type RequestName } from './state';
import { describeActivityLog, describeAppliedPatchJob, describeInstance, describeJob, describePrecheckJob, describeServers, jobAccepted } from './views';

export const API_BASE = '/paas/service/dbcs/api/v1.1/instances';
/** Patching lives under a different base (reference §1.1). */
export const INSTANCEMGMT_BASE = '/paas/api/v1.1/instancemgmt';
/** Every job's activity log (reference §1.1, §1.4). */
export const ACTIVITYLOG_BASE = '/paas/api/v1.1/activitylog';

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

const DEFAULT_DURATIONS: Record<RequestName, number> = { create: 3000, delete: 1500, scale: 2000, control: 1500, precheck: 1000, patch: 3000, backup: 2000, recovery: 2000 };

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
  private readonly ops: CloudOperations;
  private readonly patches: PatchOperations;
  private readonly backups: BackupOperations;

  constructor(private readonly options: SimulatorOptions = {}) {
    this.now = options.now ?? Date.now;
    this.state = new CloudState(this.now);
    this.faults = new FaultInjector(options.faults);
    this.durations = { ...DEFAULT_DURATIONS, ...options.jobDurationMs };
    this.visibilityDelayMs = options.visibilityDelayMs ?? 500;
    this.username = options.username ?? 'dbaas';
    this.password = options.password ?? 'simulator';
    this.log = options.log ?? (() => undefined);
    const context = { state: this.state, faults: this.faults, durations: () => this.durations, visibilityDelayMs: this.visibilityDelayMs, username: this.username, now: this.now, log: this.log };
    this.ops = new CloudOperations(context);
    this.patches = new PatchOperations(context);
    this.backups = new BackupOperations(context);
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
    const mutatingCalls = MUTATING_ROUTES.reduce((n, r) => n + (routes[r]?.calls ?? 0), 0);
    return {
      routes,
      totalCalls: [...this.routeStats.values()].reduce((n, s) => n + s.calls, 0),
      mutatingCalls,
      unauthorized: this.unauthorized,
      jobs: structuredClone(this.state.jobCounters),
      runningJobs: this.state.runningJobs(),
      maxConcurrentJobs: this.state.maxConcurrentJobs,
      maxConcurrent: { ...this.state.maxConcurrent },
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

  /** Running services created directly, for fleet tests and benchmarks (also POST /__sim/seed). */
  seed(identityDomain: string, names: string[], version = '12.2.0.1'): number {
    return this.ops.seed(identityDomain, names, version);
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
    if (['create', 'scale', 'control', 'apply', 'rollback', 'backup', 'recovery'].includes(match.route)) {
      try {
        body = match.route === 'apply' || match.route === 'rollback' ? await readOptionalJsonBody(req) : await readJsonBody(req);
      } catch (err) {
        if (!(err instanceof HttpError)) throw err;
        this.count(match.route, err.status);
        return sendJson(res, err.status, { message: err.message });
      }
      const named = (body as { serviceName?: unknown } | null)?.serviceName;
      if (match.route === 'create' && typeof named === 'string') match.serviceName = named;
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
      case 'servers': {
        const instance = this.state.visibleInstance(match.domain, match.serviceName!);
        if (!instance) throw new HttpError(404, NOT_FOUND_TEXT);
        const job = this.state.activeJob(instance);
        const patching = job?.requestName === 'patch' ? Math.min(instance.nodes.length - 1, Math.floor(((this.now() - job.submittedAt) / job.durationMs) * instance.nodes.length)) : undefined;
        return { status: 200, body: describeServers(instance, patching) };
      }
      case 'create':
      case 'delete':
      case 'scale':
      case 'control': {
        const job =
          match.route === 'create'
            ? this.ops.create(match.domain, requestBody)
            : match.route === 'delete'
              ? this.ops.delete(match.domain, match.serviceName!, url.searchParams.get('deleteBackup') === 'true')
              : match.route === 'scale'
                ? this.ops.scale(match.domain, match.serviceName!, requestBody)
                : this.ops.control(match.domain, match.serviceName!, requestBody);
        return { status: 202, body: jobAccepted(job), headers: { Location: `${base}/status/${job.requestName}/job/${job.id}` } };
      }
      case 'backups':
        return { status: 200, body: this.backups.list(match.domain, match.serviceName!) };
      case 'recoveries':
        return { status: 200, body: this.backups.history(match.domain, match.serviceName!) };
      case 'backup':
      case 'recovery':
        // 202 with no job: the API documents none for backups (reference §2.8); clients watch the list.
        if (match.route === 'backup') this.backups.backup(match.domain, match.serviceName!, requestBody);
        else this.backups.recover(match.domain, match.serviceName!, requestBody);
        return { status: 202, body: '' };
      case 'patches':
        return { status: 200, body: match.sub === 'available' ? this.patches.available(match.domain, match.serviceName!) : this.patches.applied(match.domain, match.serviceName!) };
      case 'precheck':
      case 'apply':
      case 'rollback': {
        const svc = match.serviceName!;
        const job =
          match.route === 'precheck'
            ? this.patches.precheck(match.domain, svc, match.patchId!)
            : match.route === 'apply'
              ? this.patches.apply(match.domain, svc, match.patchId!, requestBody)
              : this.patches.rollback(match.domain, svc, match.patchId!, requestBody);
        const patchBase = `${this.publicOrigin(req)}${INSTANCEMGMT_BASE}/${match.domain}/services/dbaas/instances/${svc}/patches`;
        return { status: 202, body: jobAccepted(job), headers: { Location: `${patchBase}/${match.route === 'precheck' ? 'checks' : 'applied'}/job/${job.id}` } };
      }
      case 'job': {
        const job = this.state.job(match.domain, match.jobId!);
        // Patch jobs live under their service (instancemgmt), service jobs under status/{requestName}.
        const patchJob = job?.requestName === 'precheck' || job?.requestName === 'patch';
        // Backups and recoveries have no job in the API (reference §2.8): not served here.
        const hidden = job?.requestName === 'backup' || job?.requestName === 'recovery';
        const kindMatches = !hidden && job?.requestName === match.requestName && (patchJob ? job.serviceName === match.serviceName : match.serviceName === undefined);
        if (!job || !kindMatches) throw new HttpError(404, `No job ${match.jobId} of type ${match.requestName} in domain ${match.domain}`);
        this.state.noteRead(job);
        const instance = this.state.instance(job.domain, job.serviceName);
        const answer = job.requestName === 'precheck' ? describePrecheckJob(job) : job.requestName === 'patch' ? describeAppliedPatchJob(job, instance) : describeJob(job, instance, base);
        return { status: 200, body: answer };
      }
      case 'activitylog': {
        const job = this.state.job(match.domain, match.jobId!);
        if (!job) throw new HttpError(404, `No activity log for job ${match.jobId} in domain ${match.domain}`);
        return { status: 200, body: describeActivityLog(job) };
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
          if (!(REQUEST_NAMES as readonly string[]).includes(k) || typeof v !== 'number' || v < 0) throw new HttpError(400, `jobDurationMs.${k}: must be a number of ms for ${REQUEST_NAMES.join(', ')}`);
        }
        return sendJson(res, 200, this.configure({ jobDurationMs: durations as Partial<Record<RequestName, number>> }));
      }
      if (path === '/__sim/seed' && req.method === 'POST') {
        const body = asObject(await readJsonBody(req));
        const names = body.services;
        if (typeof body.identityDomain !== 'string' || !Array.isArray(names) || !names.every((n) => typeof n === 'string')) {
          throw new HttpError(400, 'give {identityDomain, services: [names], version?}');
        }
        return sendJson(res, 200, { added: this.seed(body.identityDomain, names as string[], typeof body.version === 'string' ? body.version : undefined) });
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
  patchId?: string;
  sub?: string;
}

/** …/instancemgmt/{dom}/services/dbaas/instances/{svc}/patches/… */
function matchPatchRoute(method: string, pathname: string): RouteMatch | undefined {
  const parts = pathname.slice(INSTANCEMGMT_BASE.length + 1).split('/').filter(Boolean).map(decodeURIComponent);
  const [domain, services, dbaas, instances, svc, patches, ...rest] = parts;
  if (!domain || services !== 'services' || dbaas !== 'dbaas' || instances !== 'instances' || !svc || patches !== 'patches') return undefined;
  const base = { domain, serviceName: svc };
  const [a, b, c] = rest;
  if (method === 'GET' && rest.length === 1 && (a === 'available' || a === 'applied')) return { ...base, route: 'patches', sub: a };
  if (method === 'GET' && rest.length === 3 && (a === 'checks' || a === 'applied') && b === 'job') return { ...base, route: 'job', requestName: a === 'checks' ? 'precheck' : 'patch', jobId: c };
  if (method === 'PUT' && rest.length === 2 && a === 'checks') return { ...base, route: 'precheck', patchId: b };
  if (method === 'PUT' && rest.length === 2 && b === 'rollback') return { ...base, route: 'rollback', patchId: a };
  if (method === 'PUT' && rest.length === 1) return { ...base, route: 'apply', patchId: a };
  return undefined;
}

function matchRoute(method: string, pathname: string): RouteMatch | undefined {
  if (pathname.startsWith(`${INSTANCEMGMT_BASE}/`)) return matchPatchRoute(method, pathname);
  if (pathname.startsWith(`${ACTIVITYLOG_BASE}/`)) {
    const [domain, job, jobId, ...rest] = pathname.slice(ACTIVITYLOG_BASE.length + 1).split('/').filter(Boolean).map(decodeURIComponent);
    return method === 'GET' && domain && job === 'job' && jobId && rest.length === 0 ? { route: 'activitylog', domain, jobId } : undefined;
  }
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
  if (parts.length === 3 && parts[2] === 'servers' && method === 'GET') return { route: 'servers', domain, serviceName: second };
  if (parts.length === 3 && third === 'backups') {
    if (method === 'GET') return { route: 'backups', domain, serviceName: second };
    if (method === 'POST') return { route: 'backup', domain, serviceName: second };
  }
  if (parts.length === 4 && third === 'backups' && fourth === 'recovery' && method === 'POST') return { route: 'recovery', domain, serviceName: second };
  if (parts.length === 5 && third === 'backups' && fourth === 'recovery' && fifth === 'history' && method === 'GET') return { route: 'recoveries', domain, serviceName: second };
  if (parts.length === 2) {
    if (method === 'GET') return { route: 'view', domain, serviceName: second };
    if (method === 'DELETE') return { route: 'delete', domain, serviceName: second };
    if (method === 'PUT') return { route: 'scale', domain, serviceName: second };
    if (method === 'POST') return { route: 'control', domain, serviceName: second };
  }
  return undefined;
}

