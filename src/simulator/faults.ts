// Fault injection for the simulator: error rates per route, latency, dropped connections, failed jobs
// and deterministic triggers. Configured at start (SIM_FAULTS) or at run time (PUT /__sim/faults).
import { z } from 'zod';

/** `backups` lists a service's backups, `backup` starts one, `recovery` starts a recovery, `recoveries` lists the recovery history. */
export const ROUTES = ['create', 'list', 'view', 'servers', 'delete', 'job', 'scale', 'control', 'patches', 'precheck', 'apply', 'rollback', 'activitylog', 'backups', 'backup', 'recovery', 'recoveries'] as const;
/** Routes that change a service (a plan or a dry run must make none of these calls). */
export const MUTATING_ROUTES: readonly RouteName[] = ['create', 'delete', 'scale', 'control', 'apply', 'rollback', 'backup', 'recovery'];
export type RouteName = (typeof ROUTES)[number];

const routeFaultSchema = z
  .object({
    /** Share of requests (0..1) answered with an injected error before anything is done. */
    errorRate: z.number().min(0).max(1).default(0),
    /** Which statuses the injected errors use, picked at random. */
    statuses: z.array(z.union([z.literal(500), z.literal(502), z.literal(503), z.literal(429)])).min(1).default([500, 503, 429]),
    /** Retry-After (seconds) sent with injected 429 and 503 answers. */
    retryAfterSeconds: z.number().int().min(0).max(3600).default(1),
    /** Added latency before answering, in ms. */
    latencyMs: z.number().int().min(0).max(600_000).default(0),
    /** Share of requests whose connection is dropped before the request is processed. */
    dropRate: z.number().min(0).max(1).default(0),
    /** Share of requests that are processed, then the connection is dropped: the client never sees the answer. */
    dropAfterRate: z.number().min(0).max(1).default(0),
  })
  .strict();
export type RouteFault = z.infer<typeof routeFaultSchema>;

const triggerSchema = z
  .object({
    /**
     * What to do: fail the job this request starts (route backup: the backup ends FAILED; route
     * recovery: the recovery ends FAILED), answer with an error status, lose the answer after doing the work, report a precheck finding (route precheck), or leave the service
     * unhealthy after a successful patch (route apply; `leaveStatus` Maintenance or Failed).
     */
    action: z.enum(['fail-job', 'error', 'drop-after', 'precheck-finding', 'unhealthy']),
    leaveStatus: z.enum(['Maintenance', 'Failed']).default('Maintenance'),
    route: z.enum(ROUTES),
    /** Only requests about this service (all services when absent). */
    serviceName: z.string().optional(),
    status: z.number().int().min(400).max(599).default(500),
    message: z.string().optional(),
    /** How many times the trigger fires; absent means every time. */
    times: z.number().int().min(1).optional(),
  })
  .strict();
export type FaultTrigger = z.infer<typeof triggerSchema>;

export const faultConfigSchema = z
  .object({
    /** Applies to every route that has no entry of its own in `routes`. */
    all: routeFaultSchema.partial().optional(),
    routes: z.record(z.enum(ROUTES), routeFaultSchema.partial()).default({}),
    /** Share of jobs (0..1) that end Failed. */
    jobFailureRate: z.number().min(0).max(1).default(0),
    triggers: z.array(triggerSchema).default([]),
    /** Seed of the random choices, so a fault pattern can be replayed. */
    seed: z.number().int().default(1),
  })
  .strict();
export type FaultConfig = z.infer<typeof faultConfigSchema>;
export type FaultConfigInput = z.input<typeof faultConfigSchema>;

export type FaultDecision =
  | { kind: 'none'; latencyMs: number; dropAfter: boolean }
  | { kind: 'drop'; latencyMs: number }
  | { kind: 'error'; latencyMs: number; status: number; retryAfterSeconds?: number; message: string };

/** Small seeded PRNG (mulberry32): the same seed gives the same fault sequence. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class FaultInjector {
  private config: FaultConfig;
  private random: () => number;
  private readonly fired = new Map<number, number>();

  constructor(input: FaultConfigInput = {}) {
    this.config = faultConfigSchema.parse(input);
    this.random = prng(this.config.seed);
  }

  get current(): FaultConfig {
    return this.config;
  }

  replace(input: unknown): FaultConfig {
    this.config = faultConfigSchema.parse(input);
    this.random = prng(this.config.seed);
    this.fired.clear();
    return this.config;
  }

  private routeFault(route: RouteName): RouteFault {
    return routeFaultSchema.parse({ ...(this.config.all ?? {}), ...(this.config.routes[route] ?? {}) });
  }

  /** Finds the first live trigger for this request and counts it as fired. */
  private takeTrigger(route: RouteName, serviceName: string | undefined, actions: FaultTrigger['action'][]): FaultTrigger | undefined {
    const index = this.config.triggers.findIndex((t, i) => {
      if (t.route !== route || !actions.includes(t.action)) return false;
      if (t.serviceName !== undefined && t.serviceName !== serviceName) return false;
      return t.times === undefined || (this.fired.get(i) ?? 0) < t.times;
    });
    if (index < 0) return undefined;
    this.fired.set(index, (this.fired.get(index) ?? 0) + 1);
    return this.config.triggers[index];
  }

  /** Decides what happens to one API request before it is processed. */
  decide(route: RouteName, serviceName: string | undefined): FaultDecision {
    const f = this.routeFault(route);
    const latencyMs = f.latencyMs;
    const trigger = this.takeTrigger(route, serviceName, ['error', 'drop-after']);
    if (trigger?.action === 'error') {
      return { kind: 'error', latencyMs, status: trigger.status, message: trigger.message ?? `Injected fault: ${route} answered ${trigger.status}`, retryAfterSeconds: f.retryAfterSeconds };
    }
    if (trigger?.action === 'drop-after') return { kind: 'none', latencyMs, dropAfter: true };
    if (f.dropRate > 0 && this.random() < f.dropRate) return { kind: 'drop', latencyMs };
    if (f.errorRate > 0 && this.random() < f.errorRate) {
      const status = f.statuses[Math.floor(this.random() * f.statuses.length)] ?? 500;
      const text = status === 429 ? 'Too Many Requests: rate limit exceeded' : status === 503 ? 'Service Unavailable: the REST application is not running' : 'Internal Server Error';
      return { kind: 'error', latencyMs, status, retryAfterSeconds: f.retryAfterSeconds, message: `Injected fault: ${text}` };
    }
    return { kind: 'none', latencyMs, dropAfter: f.dropAfterRate > 0 && this.random() < f.dropAfterRate };
  }

  /** A deterministic trigger of this kind for this service, counted as fired. */
  trigger(route: RouteName, serviceName: string, action: 'precheck-finding' | 'unhealthy'): FaultTrigger | undefined {
    return this.takeTrigger(route, serviceName, [action]);
  }

  /** Decides, when a job is submitted, whether it will end Failed, and with which message. */
  jobFailure(route: RouteName, serviceName: string): string | undefined {
    const trigger = this.takeTrigger(route, serviceName, ['fail-job']);
    if (trigger) return trigger.message ?? `Injected fault: the ${route} job of service [${serviceName}] failed`;
    if (this.config.jobFailureRate > 0 && this.random() < this.config.jobFailureRate) {
      return `Injected fault: the ${route} job of service [${serviceName}] failed (job failure rate ${this.config.jobFailureRate})`;
    }
    return undefined;
  }
}
