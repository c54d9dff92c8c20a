// Worker configuration, read from the environment and validated (design.md "Worker configuration").
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { DEFAULT_TASK_QUEUE } from '../shared/contract';
import { describeZodError } from '../shared/schemas';
import type { AuditStoreConfig } from '../audit/open';
import { loadPolicy, type Policy } from '../auth/policy';
import type { TokenVerifierConfig } from '../auth/tokens';
import { ConfigError } from './config-error';
import { withoutEmptyValues } from './env';
import { temporalConnectionFromEnv, type TemporalConnectionConfig } from './temporal-connection';

export { ConfigError } from './config-error';
export { temporalConnectionFromEnv, type TemporalConnectionConfig } from './temporal-connection';

/** The DBCS endpoint and credentials: the only part of this configuration the CLI's direct reads (view, job) parse. */
const dbcsEnvShape = {
  DBCS_BASE_URL: z.string().url('must be a URL such as https://dbaas.oraclecloud.com').default('http://127.0.0.1:9080'),
  DBCS_USERNAME: z.string().min(1).optional(),
  DBCS_PASSWORD: z.string().min(1).optional(),
  DBCS_PASSWORD_FILE: z.string().optional(),
  DBCS_CA_FILE: z.string().optional(),
};

// The Temporal connection (TEMPORAL_*, profiles) is read by ./temporal-connection, shared with the CLI.
const envSchema = z.object({
  DBAAS_TASK_QUEUE: z.string().min(1).default(DEFAULT_TASK_QUEUE),
  DBAAS_DATA_DIR: z.string().min(1).default('.data'),
  DBAAS_WORKFLOW_BUNDLE: z.string().optional(),
  /** Workflows kept in the worker's cache (memory against replay cost); default: the SDK's, sized from the heap. */
  DBAAS_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).optional(),
  DBAAS_MAX_CONCURRENT_ACTIVITIES: z.coerce.number().int().min(1).default(1000),
  /** GET /livez and /readyz on this port (absent: no health server); DBAAS_HEALTH_HOST (127.0.0.1) where. */
  DBAAS_HEALTH_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  DBAAS_HEALTH_HOST: z.string().min(1).default('127.0.0.1'),
  DBAAS_POLL_FLOOR_MS: z.coerce.number().int().min(10).max(60_000).default(200),
  DBAAS_POLL_CAP_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
  ...dbcsEnvShape,
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL').optional(),
  /** Who may ask for operations (src/activities/requester.ts): `development` also runs unsigned requests. */
  DBAAS_AUTH: z.enum(['required', 'development'], { message: 'must be "required" or "development"' }).default('required'),
  DBAAS_AUTH_JWKS_URL: z.string().url('must be the identity provider\'s JWKS URL').optional(),
  DBAAS_AUTH_JWKS_FILE: z.string().optional(),
  DBAAS_AUTH_ISSUER: z.string().optional(),
  DBAAS_AUTH_AUDIENCE: z.string().min(1).default('dbaas'),
  DBAAS_POLICY_FILE: z.string().optional(),
});

export interface WorkerConfig {
  temporal: TemporalConnectionConfig;
  taskQueue: string;
  dataDir: string;
  workflowBundlePath?: string;
  maxCachedWorkflows?: number;
  /** Job waits hold an activity slot for the job's whole duration, so this bounds concurrent jobs. */
  maxConcurrentActivities: number;
  /** Where the health endpoints listen; absent: none. */
  health?: { port: number; host: string };
  /** First interval (and floor) and ceiling of job and status polls, ms. */
  poll: { floorMs: number; capMs: number };
  dbcs: { baseUrl: string; username: string; password: string; caFile?: string };
  audit: AuditStoreConfig;
  requesters: RequesterConfig;
}

/** How the worker checks who asked for an operation. */
export interface RequesterConfig {
  mode: 'required' | 'development';
  /** Where the identity provider's keys are; absent only in development mode. */
  tokens?: TokenVerifierConfig;
  /** DBAAS_POLICY_FILE's, or DEFAULT_POLICY. */
  policy: Policy;
}

const isLoopback = (url: string) => ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(url).hostname);

function parseEnv(env: NodeJS.ProcessEnv) {
  return parseWith(envSchema, env, 'worker configuration');
}

function parseWith<S extends z.ZodTypeAny>(schema: S, env: NodeJS.ProcessEnv, what: string): z.output<S> {
  const parsed = schema.safeParse(withoutEmptyValues(env));
  if (!parsed.success) throw new ConfigError(`invalid ${what}: ${describeZodError(parsed.error)}`);
  return parsed.data;
}

/** The DBCS endpoint and credentials: shared by the worker and the CLI's direct reads (view, job). */
export function dbcsConfigFromEnv(env: NodeJS.ProcessEnv = process.env): WorkerConfig['dbcs'] {
  const e = parseWith(z.object(dbcsEnvShape), env, 'DBCS configuration');
  let password = e.DBCS_PASSWORD;
  if (e.DBCS_PASSWORD_FILE) {
    if (password) throw new ConfigError('set DBCS_PASSWORD or DBCS_PASSWORD_FILE, not both');
    try {
      password = readFileSync(e.DBCS_PASSWORD_FILE, 'utf8').trim();
    } catch {
      throw new ConfigError(`DBCS_PASSWORD_FILE: cannot read ${e.DBCS_PASSWORD_FILE}`);
    }
  }
  // Only the local simulator has default credentials; a real endpoint must be given its own.
  if ((!e.DBCS_USERNAME || !password) && !isLoopback(e.DBCS_BASE_URL)) {
    throw new ConfigError(`DBCS_USERNAME and DBCS_PASSWORD (or DBCS_PASSWORD_FILE) are required for ${e.DBCS_BASE_URL}`);
  }
  return { baseUrl: e.DBCS_BASE_URL, username: e.DBCS_USERNAME ?? 'dbaas', password: password ?? 'simulator', caFile: e.DBCS_CA_FILE };
}

export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const e = parseEnv(env);
  const dbcs = dbcsConfigFromEnv(env);
  if (e.DBAAS_POLL_FLOOR_MS > e.DBAAS_POLL_CAP_MS) throw new ConfigError(`DBAAS_POLL_FLOOR_MS (${e.DBAAS_POLL_FLOOR_MS}) must not exceed DBAAS_POLL_CAP_MS (${e.DBAAS_POLL_CAP_MS})`);
  return {
    temporal: temporalConnectionFromEnv(env),
    requesters: requesterConfig(e),
    taskQueue: e.DBAAS_TASK_QUEUE,
    dataDir: e.DBAAS_DATA_DIR,
    workflowBundlePath: e.DBAAS_WORKFLOW_BUNDLE,
    maxCachedWorkflows: e.DBAAS_MAX_CACHED_WORKFLOWS,
    maxConcurrentActivities: e.DBAAS_MAX_CONCURRENT_ACTIVITIES,
    health: e.DBAAS_HEALTH_PORT === undefined ? undefined : { port: e.DBAAS_HEALTH_PORT, host: e.DBAAS_HEALTH_HOST },
    poll: { floorMs: e.DBAAS_POLL_FLOOR_MS, capMs: e.DBAAS_POLL_CAP_MS },
    dbcs,
    audit: e.DATABASE_URL ? { databaseUrl: e.DATABASE_URL } : { pgliteDir: path.join(e.DBAAS_DATA_DIR, 'audit') },
  };
}

function requesterConfig(e: ReturnType<typeof parseEnv>): RequesterConfig {
  if (e.DBAAS_AUTH_JWKS_URL && e.DBAAS_AUTH_JWKS_FILE) throw new ConfigError('set DBAAS_AUTH_JWKS_URL or DBAAS_AUTH_JWKS_FILE, not both');
  const keys = e.DBAAS_AUTH_JWKS_URL ? { jwksUrl: e.DBAAS_AUTH_JWKS_URL } : e.DBAAS_AUTH_JWKS_FILE ? { jwksFile: e.DBAAS_AUTH_JWKS_FILE } : undefined;
  if (!keys && e.DBAAS_AUTH === 'required') {
    throw new ConfigError('requests must be verified (DBAAS_AUTH=required): set DBAAS_AUTH_JWKS_URL (or DBAAS_AUTH_JWKS_FILE) to the identity provider\'s keys, or DBAAS_AUTH=development to also run unsigned requests (local use only)');
  }
  let policy: Policy;
  try {
    policy = loadPolicy(e.DBAAS_POLICY_FILE);
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  return { mode: e.DBAAS_AUTH, tokens: keys && { ...keys, issuer: e.DBAAS_AUTH_ISSUER, audience: e.DBAAS_AUTH_AUDIENCE }, policy };
}
