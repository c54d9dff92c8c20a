// The dashboard's own settings, read from the environment and validated. It shows the fleet to whoever
// it serves, so it refuses to start unless told who may look: bearer tokens checked as the codec
// server checks them (DASHBOARD_AUTH_* mirror CODEC_AUTH_*), or DASHBOARD_AUTH=none, on loopback only.
// Where the data comes from is configured as for the CLI and the worker: TEMPORAL_* (connection),
// DBCS_* (the API), DATABASE_URL (the audit store), DBAAS_CODEC_KEY* (payloads).
import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import type { BearerAuthConfig } from '../auth/bearer';
import { describeZodError } from '../shared/schemas';
import { ConfigError } from '../worker/config-error';
import { withoutEmptyValues } from '../worker/env';

export const DEFAULT_DASHBOARD_PORT = 8090;
export const DEFAULT_TEMPORAL_UI_URL = 'http://127.0.0.1:8233';

export interface DashboardConfig {
  port: number;
  host: string;
  /** Base URL of the Temporal UI the run links point into (no trailing slash). */
  temporalUiUrl: string;
  auth: BearerAuthConfig;
  tls?: { cert: Buffer; key: Buffer };
  /** The session cookie gets `Secure` (served over https here, or behind a TLS proxy). */
  secureCookie: boolean;
  /** How often an open page asks for live progress. */
  pollMs: number;
}

const LOOPBACK = ['127.0.0.1', '::1', 'localhost'];
const bool = z.enum(['true', 'false']).transform((v) => v === 'true');

const envSchema = z
  .object({
    DASHBOARD_PORT: z.coerce.number().int().min(0).max(65535).default(DEFAULT_DASHBOARD_PORT),
    DASHBOARD_HOST: z.string().regex(/^[^\s/]+$/, 'must be an IP address or a host name').default('127.0.0.1'),
    DASHBOARD_TEMPORAL_UI_URL: z
      .string()
      .url('must be the Temporal UI\'s base URL, such as http://127.0.0.1:8233')
      .refine((u) => /^https?:$/.test(new URL(u).protocol), 'must be an http:// or https:// URL')
      .default(DEFAULT_TEMPORAL_UI_URL),
    DASHBOARD_AUTH: z.enum(['jwt', 'none'], { message: 'must be "jwt" (bearer tokens, the default) or "none" (local use on loopback only)' }).default('jwt'),
    DASHBOARD_AUTH_JWKS_URL: z.string().url('must be the URL of a JWKS document').optional(),
    DASHBOARD_AUTH_JWKS_FILE: z.string().refine(existsSync, 'no such file').optional(),
    DASHBOARD_AUTH_ISSUER: z.string().optional(),
    DASHBOARD_AUTH_AUDIENCE: z.string().default('dbaas'),
    DASHBOARD_AUTH_REQUIRED_GROUP: z.string().optional(),
    DASHBOARD_TLS_CERT_FILE: z.string().refine(existsSync, 'no such file').optional(),
    DASHBOARD_TLS_KEY_FILE: z.string().refine(existsSync, 'no such file').optional(),
    DASHBOARD_COOKIE_SECURE: bool.optional(),
    DASHBOARD_POLL_MS: z.coerce.number().int().min(200).max(60_000).default(2_000),
  })
  .superRefine((env, ctx) => {
    const jwks = [env.DASHBOARD_AUTH_JWKS_URL, env.DASHBOARD_AUTH_JWKS_FILE].filter(Boolean).length;
    if (env.DASHBOARD_AUTH === 'jwt' && jwks !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['DASHBOARD_AUTH_JWKS_URL'],
        message:
          jwks === 0
            ? 'the dashboard shows the fleet, so it needs to know who may look: set DASHBOARD_AUTH_JWKS_URL (your identity provider\'s JWKS) or DASHBOARD_AUTH_JWKS_FILE, with DASHBOARD_AUTH_AUDIENCE and optionally DASHBOARD_AUTH_ISSUER and DASHBOARD_AUTH_REQUIRED_GROUP; or DASHBOARD_AUTH=none for local use'
            : 'set DASHBOARD_AUTH_JWKS_URL or DASHBOARD_AUTH_JWKS_FILE, not both',
      });
    }
    if (env.DASHBOARD_AUTH === 'none' && (jwks > 0 || env.DASHBOARD_AUTH_REQUIRED_GROUP)) {
      ctx.addIssue({ code: 'custom', path: ['DASHBOARD_AUTH'], message: 'is "none" but token settings (DASHBOARD_AUTH_JWKS_*, DASHBOARD_AUTH_REQUIRED_GROUP) are set: remove DASHBOARD_AUTH=none to check tokens' });
    }
    // Without a login, anyone who reaches the port sees the fleet: only this machine may.
    if (env.DASHBOARD_AUTH === 'none' && !LOOPBACK.includes(env.DASHBOARD_HOST)) {
      ctx.addIssue({ code: 'custom', path: ['DASHBOARD_HOST'], message: `is ${env.DASHBOARD_HOST}, but DASHBOARD_AUTH=none is allowed only on loopback (127.0.0.1, ::1, localhost)` });
    }
    if (Boolean(env.DASHBOARD_TLS_CERT_FILE) !== Boolean(env.DASHBOARD_TLS_KEY_FILE)) {
      ctx.addIssue({ code: 'custom', path: ['DASHBOARD_TLS_CERT_FILE'], message: 'DASHBOARD_TLS_CERT_FILE and DASHBOARD_TLS_KEY_FILE go together' });
    }
  });

/**
 * DASHBOARD_PORT (8090), DASHBOARD_HOST (127.0.0.1), DASHBOARD_TEMPORAL_UI_URL (http://127.0.0.1:8233),
 * DASHBOARD_AUTH (jwt | none), DASHBOARD_AUTH_JWKS_URL or _FILE, DASHBOARD_AUTH_ISSUER,
 * DASHBOARD_AUTH_AUDIENCE (dbaas), DASHBOARD_AUTH_REQUIRED_GROUP, DASHBOARD_TLS_CERT_FILE + _KEY_FILE,
 * DASHBOARD_COOKIE_SECURE (default: true with TLS), DASHBOARD_POLL_MS (2000). Empty variables count as unset.
 */
export function dashboardConfigFromEnv(rawEnv: NodeJS.ProcessEnv = process.env): DashboardConfig {
  const parsed = envSchema.safeParse(withoutEmptyValues(rawEnv));
  if (!parsed.success) throw new ConfigError(`dashboard: invalid configuration: ${describeZodError(parsed.error)}`);
  const env = parsed.data;
  const tls = env.DASHBOARD_TLS_CERT_FILE && env.DASHBOARD_TLS_KEY_FILE ? { cert: readFileSync(env.DASHBOARD_TLS_CERT_FILE), key: readFileSync(env.DASHBOARD_TLS_KEY_FILE) } : undefined;
  return {
    port: env.DASHBOARD_PORT,
    host: env.DASHBOARD_HOST,
    temporalUiUrl: env.DASHBOARD_TEMPORAL_UI_URL.replace(/\/+$/, ''),
    auth:
      env.DASHBOARD_AUTH === 'none'
        ? { mode: 'none' }
        : {
            mode: 'jwt',
            jwksUrl: env.DASHBOARD_AUTH_JWKS_URL,
            jwksFile: env.DASHBOARD_AUTH_JWKS_FILE,
            issuer: env.DASHBOARD_AUTH_ISSUER,
            audience: env.DASHBOARD_AUTH_AUDIENCE,
            requiredGroup: env.DASHBOARD_AUTH_REQUIRED_GROUP,
          },
    tls,
    secureCookie: env.DASHBOARD_COOKIE_SECURE ?? Boolean(tls),
    pollMs: env.DASHBOARD_POLL_MS,
  };
}

/** One line for the start-up log: who may look. */
export function describeDashboardAuth(auth: BearerAuthConfig): string {
  if (auth.mode === 'none') return 'NO AUTHENTICATION (DASHBOARD_AUTH=none): anyone on this machine can look; local use only';
  const group = auth.requiredGroup ? `, group "${auth.requiredGroup}"` : '';
  return `bearer tokens from ${auth.jwksUrl ?? auth.jwksFile}, audience "${auth.audience}"${auth.issuer ? `, issuer "${auth.issuer}"` : ''}${group}`;
}
