// The codec server's configuration, read from the environment and validated. The server decrypts
// payloads for whoever it serves, so it refuses to start unless it is told who may ask: bearer tokens
// checked against an identity provider's keys, or CODEC_AUTH=none, said out loud, for a local stack
// whose UI has no login.
import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { describeZodError } from '../shared/schemas';
import { ConfigError } from './config';
import { withoutEmptyValues } from './env';

/** The audience a token must name unless CODEC_AUTH_AUDIENCE says otherwise (the local issuer's default too). */
export const DEFAULT_CODEC_AUDIENCE = 'dbaas';
export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;
export const DEFAULT_CORS_ORIGINS = ['http://localhost:8233', 'http://127.0.0.1:8233', 'http://localhost:8080', 'http://127.0.0.1:8080'];

export type CodecAuthConfig =
  | { mode: 'none' }
  | { mode: 'jwt'; jwksUrl?: string; jwksFile?: string; issuer?: string; audience: string; requiredGroup?: string };

export interface CodecServerConfig {
  port: number;
  host: string;
  allowedOrigins: string[];
  maxBodyBytes: number;
  auth: CodecAuthConfig;
  tls?: { cert: Buffer; key: Buffer };
}

const origins = z
  .string()
  .transform((s) => s.split(',').map((o) => o.trim().replace(/\/+$/, '')).filter(Boolean))
  .refine((list) => list.every((o) => o === '*' || isOrigin(o)), 'each entry must be an origin such as https://temporal.example.com (scheme, host, optional port; no path)');

const envSchema = z
  .object({
    CODEC_PORT: z.coerce.number().int().min(0).max(65535).default(8888),
    CODEC_HOST: z.string().default('127.0.0.1'),
    CODEC_CORS_ORIGINS: origins.default(DEFAULT_CORS_ORIGINS.join(',')),
    CODEC_MAX_BODY_BYTES: z.coerce.number().int().min(1024).max(256 * 1024 * 1024).default(DEFAULT_MAX_BODY_BYTES),
    CODEC_AUTH: z.enum(['jwt', 'none'], { message: 'must be "jwt" (bearer tokens, the default) or "none" (local development only)' }).default('jwt'),
    CODEC_AUTH_JWKS_URL: z.string().url('must be the URL of a JWKS document').optional(),
    CODEC_AUTH_JWKS_FILE: z.string().refine(existsSync, 'no such file').optional(),
    CODEC_AUTH_ISSUER: z.string().optional(),
    CODEC_AUTH_AUDIENCE: z.string().default(DEFAULT_CODEC_AUDIENCE),
    CODEC_AUTH_REQUIRED_GROUP: z.string().optional(),
    CODEC_TLS_CERT_FILE: z.string().refine(existsSync, 'no such file').optional(),
    CODEC_TLS_KEY_FILE: z.string().refine(existsSync, 'no such file').optional(),
  })
  .superRefine((env, ctx) => {
    const jwks = [env.CODEC_AUTH_JWKS_URL, env.CODEC_AUTH_JWKS_FILE].filter(Boolean).length;
    if (env.CODEC_AUTH === 'jwt' && jwks !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['CODEC_AUTH_JWKS_URL'],
        message:
          jwks === 0
            ? 'the codec server decrypts payloads, so it needs to know who may ask: set CODEC_AUTH_JWKS_URL (your identity provider\'s JWKS) or CODEC_AUTH_JWKS_FILE, with CODEC_AUTH_AUDIENCE and optionally CODEC_AUTH_ISSUER; or CODEC_AUTH=none for local development without login'
            : 'set CODEC_AUTH_JWKS_URL or CODEC_AUTH_JWKS_FILE, not both',
      });
    }
    if (env.CODEC_AUTH === 'none' && (jwks > 0 || env.CODEC_AUTH_REQUIRED_GROUP)) {
      ctx.addIssue({ code: 'custom', path: ['CODEC_AUTH'], message: 'is "none" but token settings (CODEC_AUTH_JWKS_*, CODEC_AUTH_REQUIRED_GROUP) are set: remove CODEC_AUTH=none to check tokens' });
    }
    if (env.CODEC_AUTH !== 'none' && env.CODEC_CORS_ORIGINS.includes('*')) {
      ctx.addIssue({ code: 'custom', path: ['CODEC_CORS_ORIGINS'], message: '"*" is refused: list the Temporal UI origin(s)' });
    }
    if (Boolean(env.CODEC_TLS_CERT_FILE) !== Boolean(env.CODEC_TLS_KEY_FILE)) {
      ctx.addIssue({ code: 'custom', path: ['CODEC_TLS_CERT_FILE'], message: 'CODEC_TLS_CERT_FILE and CODEC_TLS_KEY_FILE go together' });
    }
  });

function isOrigin(s: string): boolean {
  try {
    return new URL(s).origin === s;
  } catch {
    return false;
  }
}

/**
 * Reads the codec server's settings (empty variables count as unset):
 * CODEC_PORT (8888), CODEC_HOST (127.0.0.1), CODEC_CORS_ORIGINS (the local UIs' origins),
 * CODEC_MAX_BODY_BYTES (4 MiB), CODEC_AUTH (jwt | none), CODEC_AUTH_JWKS_URL or CODEC_AUTH_JWKS_FILE,
 * CODEC_AUTH_ISSUER, CODEC_AUTH_AUDIENCE (dbaas), CODEC_AUTH_REQUIRED_GROUP,
 * CODEC_TLS_CERT_FILE + CODEC_TLS_KEY_FILE (serve https: the UI passes tokens to https endpoints only).
 */
export function codecServerConfigFromEnv(rawEnv: NodeJS.ProcessEnv = process.env): CodecServerConfig {
  const parsed = envSchema.safeParse(withoutEmptyValues(rawEnv));
  if (!parsed.success) throw new ConfigError(`codec server: invalid configuration: ${describeZodError(parsed.error)}`);
  const env = parsed.data;
  return {
    port: env.CODEC_PORT,
    host: env.CODEC_HOST,
    allowedOrigins: env.CODEC_CORS_ORIGINS,
    maxBodyBytes: env.CODEC_MAX_BODY_BYTES,
    auth:
      env.CODEC_AUTH === 'none'
        ? { mode: 'none' }
        : {
            mode: 'jwt',
            jwksUrl: env.CODEC_AUTH_JWKS_URL,
            jwksFile: env.CODEC_AUTH_JWKS_FILE,
            issuer: env.CODEC_AUTH_ISSUER,
            audience: env.CODEC_AUTH_AUDIENCE,
            requiredGroup: env.CODEC_AUTH_REQUIRED_GROUP,
          },
    tls: env.CODEC_TLS_CERT_FILE && env.CODEC_TLS_KEY_FILE ? { cert: readFileSync(env.CODEC_TLS_CERT_FILE), key: readFileSync(env.CODEC_TLS_KEY_FILE) } : undefined,
  };
}
