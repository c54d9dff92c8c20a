// Worker configuration, read from the environment and validated (design.md "Worker configuration").
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { DEFAULT_TASK_QUEUE } from '../shared/contract';
import { describeZodError } from '../shared/schemas';
import type { AuditStoreConfig } from '../audit/open';
import { withoutEmptyValues } from './env';

const flag = z
  .enum(['true', 'false', '1', '0', ''])
  .optional()
  .transform((v) => v === 'true' || v === '1');

const envSchema = z.object({
  TEMPORAL_ADDRESS: z.string().min(1).default('localhost:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_API_KEY: z.string().optional(),
  TEMPORAL_TLS: flag,
  TEMPORAL_TLS_CLIENT_CERT_PATH: z.string().optional(),
  TEMPORAL_TLS_CLIENT_KEY_PATH: z.string().optional(),
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: z.string().optional(),
  TEMPORAL_TLS_SERVER_NAME: z.string().optional(),
  DBAAS_TASK_QUEUE: z.string().min(1).default(DEFAULT_TASK_QUEUE),
  DBAAS_DATA_DIR: z.string().min(1).default('.data'),
  DBAAS_WORKFLOW_BUNDLE: z.string().optional(),
  /** Workflows kept in the worker's cache (memory against replay cost); default: the SDK's, sized from the heap. */
  DBAAS_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).optional(),
  DBAAS_MAX_CONCURRENT_ACTIVITIES: z.coerce.number().int().min(1).default(1000),
  DBAAS_POLL_FLOOR_MS: z.coerce.number().int().min(10).max(60_000).default(200),
  DBAAS_POLL_CAP_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
  DBCS_BASE_URL: z.string().url('must be a URL such as https://dbaas.oraclecloud.com').default('http://127.0.0.1:9080'),
  DBCS_USERNAME: z.string().min(1).optional(),
  DBCS_PASSWORD: z.string().min(1).optional(),
  DBCS_PASSWORD_FILE: z.string().optional(),
  DBCS_CA_FILE: z.string().optional(),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL').optional(),
});

export interface TemporalConnectionConfig {
  address: string;
  namespace: string;
  apiKey?: string;
  tls?: {
    serverNameOverride?: string;
    serverRootCACertificate?: Buffer;
    clientCertPair?: { crt: Buffer; key: Buffer };
  };
}

export interface WorkerConfig {
  temporal: TemporalConnectionConfig;
  taskQueue: string;
  dataDir: string;
  workflowBundlePath?: string;
  maxCachedWorkflows?: number;
  /** Job waits hold an activity slot for the job's whole duration, so this bounds concurrent jobs. */
  maxConcurrentActivities: number;
  /** First interval (and floor) and ceiling of job and status polls, ms. */
  poll: { floorMs: number; capMs: number };
  dbcs: { baseUrl: string; username: string; password: string; caFile?: string };
  audit: AuditStoreConfig;
}

export class ConfigError extends Error {}

const isLoopback = (url: string) => ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(url).hostname);

/** The Temporal part of the configuration: shared by the worker and the CLI. */
export function temporalConnectionFromEnv(env: NodeJS.ProcessEnv): TemporalConnectionConfig {
  const e = parseEnv(env);
  const wantsTls = e.TEMPORAL_TLS || !!e.TEMPORAL_TLS_CLIENT_CERT_PATH || !!e.TEMPORAL_TLS_SERVER_CA_CERT_PATH || !!e.TEMPORAL_API_KEY;
  if (!!e.TEMPORAL_TLS_CLIENT_CERT_PATH !== !!e.TEMPORAL_TLS_CLIENT_KEY_PATH) {
    throw new ConfigError('TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH must be set together');
  }
  const read = (name: string, file: string) => {
    try {
      return readFileSync(file);
    } catch {
      throw new ConfigError(`${name}: cannot read ${file}`);
    }
  };
  return {
    address: e.TEMPORAL_ADDRESS,
    namespace: e.TEMPORAL_NAMESPACE,
    apiKey: e.TEMPORAL_API_KEY,
    tls: wantsTls
      ? {
          serverNameOverride: e.TEMPORAL_TLS_SERVER_NAME,
          serverRootCACertificate: e.TEMPORAL_TLS_SERVER_CA_CERT_PATH ? read('TEMPORAL_TLS_SERVER_CA_CERT_PATH', e.TEMPORAL_TLS_SERVER_CA_CERT_PATH) : undefined,
          clientCertPair:
            e.TEMPORAL_TLS_CLIENT_CERT_PATH && e.TEMPORAL_TLS_CLIENT_KEY_PATH
              ? { crt: read('TEMPORAL_TLS_CLIENT_CERT_PATH', e.TEMPORAL_TLS_CLIENT_CERT_PATH), key: read('TEMPORAL_TLS_CLIENT_KEY_PATH', e.TEMPORAL_TLS_CLIENT_KEY_PATH) }
              : undefined,
        }
      : undefined,
  };
}

function parseEnv(env: NodeJS.ProcessEnv) {
  const parsed = envSchema.safeParse(withoutEmptyValues(env));
  if (!parsed.success) throw new ConfigError(`invalid worker configuration: ${describeZodError(parsed.error)}`);
  return parsed.data;
}

export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const e = parseEnv(env);
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
  if (e.DBAAS_POLL_FLOOR_MS > e.DBAAS_POLL_CAP_MS) throw new ConfigError(`DBAAS_POLL_FLOOR_MS (${e.DBAAS_POLL_FLOOR_MS}) must not exceed DBAAS_POLL_CAP_MS (${e.DBAAS_POLL_CAP_MS})`);
  return {
    temporal: temporalConnectionFromEnv(env),
    taskQueue: e.DBAAS_TASK_QUEUE,
    dataDir: e.DBAAS_DATA_DIR,
    workflowBundlePath: e.DBAAS_WORKFLOW_BUNDLE,
    maxCachedWorkflows: e.DBAAS_MAX_CACHED_WORKFLOWS,
    maxConcurrentActivities: e.DBAAS_MAX_CONCURRENT_ACTIVITIES,
    poll: { floorMs: e.DBAAS_POLL_FLOOR_MS, capMs: e.DBAAS_POLL_CAP_MS },
    dbcs: { baseUrl: e.DBCS_BASE_URL, username: e.DBCS_USERNAME ?? 'dbaas', password: password ?? 'simulator', caFile: e.DBCS_CA_FILE },
    audit: e.DATABASE_URL ? { databaseUrl: e.DATABASE_URL } : { pgliteDir: path.join(e.DBAAS_DATA_DIR, 'audit') },
  };
}
