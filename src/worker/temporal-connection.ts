// Where the worker and the CLI connect to Temporal, as the `temporal` CLI decides it: command-line
// flags over TEMPORAL_* variables over a profile of the TOML config file (TEMPORAL_PROFILE,
// TEMPORAL_CONFIG_FILE, @temporalio/envconfig's format). Only the connection: the CLI reads nothing
// else of the worker's configuration to connect.
import { readFileSync } from 'node:fs';
import { toClientOptions, type ClientConfigProfile } from '@temporalio/envconfig';
import { z } from 'zod';
import { describeZodError } from '../shared/schemas';
import { ConfigError } from './config-error';
import { withoutEmptyValues } from './env';
import { loadProfile } from './temporal-profile';

/** A setting and where it came from (a variable, a flag, or a profile field and its file), for errors. */
export interface Setting<T> {
  value: T;
  from: string;
  file?: string;
}
export type Pem = { path: string } | { data: string };

/** One source's connection settings: the profile, the environment, or the flags. */
export interface ConnectionLayer {
  address?: Setting<string>;
  namespace?: Setting<string>;
  apiKey?: Setting<string>;
  /** TLS asked on or off explicitly (TEMPORAL_TLS, a profile's [tls] table or tls.disabled). */
  tls?: Setting<boolean>;
  serverName?: Setting<string>;
  clientCert?: Setting<Pem>;
  clientKey?: Setting<Pem>;
  serverCaCert?: Setting<Pem>;
  disableHostVerification?: Setting<boolean>;
  grpcMeta?: Record<string, Setting<string>>;
}

/** The global options of the CLI that choose the connection. */
export interface ConnectionFlags {
  address?: string;
  namespace?: string;
  profile?: string;
  configFile?: string;
}

export interface TemporalConnectionConfig {
  address: string;
  namespace: string;
  /** Sent by the SDK as `Authorization: Bearer <apiKey>` (a Temporal Cloud API key, or a JWT for the server's claim mapper). */
  apiKey?: string;
  /** false: plaintext even with an API key (the SDK would otherwise turn TLS on for one). */
  tls?:
    | {
        serverNameOverride?: string;
        serverRootCACertificate?: Buffer;
        clientCertPair?: { crt: Buffer; key: Buffer };
      }
    | false;
  /** gRPC metadata (headers) sent with every call: a profile's grpc_meta, TEMPORAL_GRPC_META_*. */
  metadata?: Record<string, string>;
  /** Where the address and the API key came from, and the profile read, for messages. */
  from: { address: string; apiKey?: string; profile?: { file: string; name: string } };
}

/** host:port, as the Temporal CLI and both SDK connections take it (a bracketed IPv6 host too). */
export const temporalAddressSchema = z
  .string()
  .max(1000)
  .regex(/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):\d{1,5}$/, 'must be host:port, e.g. localhost:7233 or my-ns.a1b2c.tmprl.cloud:7233')
  .refine((a) => Number(/:(\d+)$/.exec(a)?.[1] ?? 0) <= 65535, 'the port must be at most 65535');
export const namespaceSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(1000)
  .regex(/^[^\s\p{Cc}]+$/u, 'must not contain spaces or control characters');
export const profileNameSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(200)
  .regex(/^[^\s\p{Cc}]+$/u, 'must not contain spaces or control characters');

/** true, false, or undefined when not set (TEMPORAL_TLS: unset means "on when anything asks for it"). */
const flag = z
  .enum(['true', 'false', '1', '0'], { message: 'must be true, false, 1 or 0' })
  .optional()
  .transform((v) => (v === undefined ? undefined : v === 'true' || v === '1'));

/** The variables the Temporal CLI reads for a connection; nothing else (the CLI parses only these). */
const temporalEnvSchema = z.object({
  TEMPORAL_ADDRESS: temporalAddressSchema.optional(),
  TEMPORAL_NAMESPACE: namespaceSchema.optional(),
  TEMPORAL_API_KEY: z.string().optional(),
  TEMPORAL_TLS: flag,
  TEMPORAL_TLS_CLIENT_CERT_PATH: z.string().optional(),
  TEMPORAL_TLS_CLIENT_KEY_PATH: z.string().optional(),
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: z.string().optional(),
  // PEM text instead of a file (a secret injected as a variable), as the Temporal CLI takes it.
  TEMPORAL_TLS_CLIENT_CERT_DATA: z.string().optional(),
  TEMPORAL_TLS_CLIENT_KEY_DATA: z.string().optional(),
  TEMPORAL_TLS_SERVER_CA_CERT_DATA: z.string().optional(),
  TEMPORAL_TLS_SERVER_NAME: z.string().optional(),
  TEMPORAL_TLS_DISABLE_HOST_VERIFICATION: flag,
  TEMPORAL_PROFILE: profileNameSchema.optional(),
  TEMPORAL_CONFIG_FILE: z.string().optional(),
});
type TemporalEnv = z.infer<typeof temporalEnvSchema>;

const GRPC_META_PREFIX = 'TEMPORAL_GRPC_META_';
/** gRPC metadata keys: lower-case letters, digits, - _ . (binary -bin headers are not text). */
const metaKeySchema = z.string().regex(/^[a-z0-9_.-]+$/, 'must be a gRPC header name (letters, digits, - _ .)').refine((k) => !k.endsWith('-bin'), 'binary (-bin) headers are not supported');
const metaValueSchema = z.string().regex(/^[\x20-\x7e]*$/, 'must be printable ASCII');

/** TEMPORAL_GRPC_META_X_TENANT and grpc_meta.X_Tenant → x-tenant, as envconfig has it (every underscore, where envconfig 1.24 changes only the first). */
export const grpcHeaderName = (name: string) => name.toLowerCase().replace(/_/g, '-');

const DEFAULT_ADDRESS = 'localhost:7233';
const DEFAULT_NAMESPACE = 'default';

/**
 * The Temporal connection of the worker and the CLI. TLS is on when TEMPORAL_TLS (or a profile's
 * [tls] table) says so or when any TLS setting or an API key is given; TEMPORAL_TLS=false turns it off
 * even with an API key (e.g. a token for a local plaintext server) and is refused with a certificate.
 */
export function temporalConnectionFromEnv(env: NodeJS.ProcessEnv, flags: ConnectionFlags = {}): TemporalConnectionConfig {
  const e = parseTemporalEnv(env);
  const loaded = loadProfile({
    env,
    file: flags.configFile !== undefined ? { value: flags.configFile, from: '--config-file' } : e.TEMPORAL_CONFIG_FILE !== undefined ? { value: e.TEMPORAL_CONFIG_FILE, from: 'TEMPORAL_CONFIG_FILE' } : undefined,
    name: flags.profile !== undefined ? { value: flags.profile, from: '--profile' } : e.TEMPORAL_PROFILE !== undefined ? { value: e.TEMPORAL_PROFILE, from: 'TEMPORAL_PROFILE' } : undefined,
  });
  const s = merge(loaded.layer, envLayer(e, env), flagLayer(flags));
  return resolve(s, loaded.source);
}

/** Options for NativeConnection.connect (worker) and Connection.connect (client). */
export function connectionOptions(c: TemporalConnectionConfig): { address: string; tls?: TemporalConnectionConfig['tls']; apiKey?: string; metadata?: Record<string, string> } {
  return { address: c.address, tls: c.tls, apiKey: c.apiKey, ...(c.metadata ? { metadata: c.metadata } : {}) };
}

function parseTemporalEnv(env: NodeJS.ProcessEnv): TemporalEnv {
  const known = Object.fromEntries(Object.entries(withoutEmptyValues(env)).filter(([k]) => k in temporalEnvSchema.shape));
  const parsed = temporalEnvSchema.safeParse(known);
  if (!parsed.success) throw new ConfigError(`invalid Temporal connection setting: ${describeZodError(parsed.error)}`);
  return parsed.data;
}

function envLayer(e: TemporalEnv, env: NodeJS.ProcessEnv): ConnectionLayer {
  const at = <T>(value: T | undefined, from: string): Setting<T> | undefined => (value === undefined ? undefined : { value, from });
  const pem = (prefix: 'TEMPORAL_TLS_CLIENT_CERT' | 'TEMPORAL_TLS_CLIENT_KEY' | 'TEMPORAL_TLS_SERVER_CA_CERT'): Setting<Pem> | undefined => {
    const file = e[`${prefix}_PATH`];
    const data = e[`${prefix}_DATA`];
    if (file && data) throw new ConfigError(`set ${prefix}_PATH or ${prefix}_DATA, not both`);
    return data ? { value: { data }, from: `${prefix}_DATA` } : file ? { value: { path: file }, from: `${prefix}_PATH` } : undefined;
  };
  const meta: Record<string, Setting<string>> = {};
  for (const [name, value] of Object.entries(withoutEmptyValues(env))) {
    if (!name.startsWith(GRPC_META_PREFIX) || value === undefined) continue;
    meta[grpcHeaderName(name.slice(GRPC_META_PREFIX.length))] = { value, from: name };
  }
  return {
    address: at(e.TEMPORAL_ADDRESS, 'TEMPORAL_ADDRESS'),
    namespace: at(e.TEMPORAL_NAMESPACE, 'TEMPORAL_NAMESPACE'),
    apiKey: at(e.TEMPORAL_API_KEY, 'TEMPORAL_API_KEY'),
    tls: at(e.TEMPORAL_TLS, 'TEMPORAL_TLS'),
    serverName: at(e.TEMPORAL_TLS_SERVER_NAME, 'TEMPORAL_TLS_SERVER_NAME'),
    clientCert: pem('TEMPORAL_TLS_CLIENT_CERT'),
    clientKey: pem('TEMPORAL_TLS_CLIENT_KEY'),
    serverCaCert: pem('TEMPORAL_TLS_SERVER_CA_CERT'),
    disableHostVerification: at(e.TEMPORAL_TLS_DISABLE_HOST_VERIFICATION, 'TEMPORAL_TLS_DISABLE_HOST_VERIFICATION'),
    grpcMeta: Object.keys(meta).length ? meta : undefined,
  };
}

function flagLayer(flags: ConnectionFlags): ConnectionLayer {
  return {
    address: flags.address === undefined ? undefined : { value: check(temporalAddressSchema, flags.address, '--address'), from: '--address' },
    namespace: flags.namespace === undefined ? undefined : { value: check(namespaceSchema, flags.namespace, '--namespace'), from: '--namespace' },
  };
}

/** Each setting from the highest layer that has it; gRPC headers merged by name. */
function merge(...layers: ConnectionLayer[]): ConnectionLayer {
  const out: ConnectionLayer = {};
  for (const layer of layers) {
    for (const [k, v] of Object.entries(layer) as [keyof ConnectionLayer, ConnectionLayer[keyof ConnectionLayer]][]) {
      if (v === undefined) continue;
      if (k === 'grpcMeta') out.grpcMeta = { ...out.grpcMeta, ...(v as ConnectionLayer['grpcMeta']) };
      else (out as Record<string, unknown>)[k] = v;
    }
  }
  return out;
}

/** `TEMPORAL_TLS_CLIENT_CERT_*` or `profile.prod.tls.client_cert_*`: the setting whichever form it took. */
const family = (s: Setting<unknown>) => s.from.replace(/_(PATH|DATA)$/, '_*').replace(/_(path|data)$/, '_*');
/** Where a setting came from, with its file when it is a profile field. */
const named = (s: Setting<unknown>) => (s.file ? `${s.from} (in ${s.file})` : s.from);

function resolve(s: ConnectionLayer, profile: { file: string; name: string } | undefined): TemporalConnectionConfig {
  if (s.disableHostVerification?.value) {
    throw new ConfigError(
      `${named(s.disableHostVerification)}: not supported: the Temporal TypeScript SDK cannot skip the host name check; set TEMPORAL_TLS_SERVER_NAME (or tls.server_name) to the name in the server's certificate instead`,
    );
  }
  if (!!s.clientCert !== !!s.clientKey) {
    const [given, missing] = s.clientCert ? [s.clientCert, 'client key (TEMPORAL_TLS_CLIENT_KEY_PATH/_DATA or tls.client_key_path/_data)'] : [s.clientKey!, 'client certificate (TEMPORAL_TLS_CLIENT_CERT_PATH/_DATA or tls.client_cert_path/_data)'];
    throw new ConfigError(`a client certificate and its key must be set together: ${named(given)} is set, but no ${missing}`);
  }
  const tlsSettings = [s.clientCert, s.serverCaCert, s.serverName].filter((x): x is Setting<Pem> | Setting<string> => x !== undefined);
  // Refused rather than ignored: a certificate set up and silently not used is a security surprise.
  if (s.tls?.value === false && tlsSettings.length > 0) {
    const off = s.tls.from.endsWith('tls.disabled') ? `${s.tls.from}=true` : `${s.tls.from}=false`;
    throw new ConfigError(`${off} contradicts ${tlsSettings.map(family).join(', ')}${[s.tls, ...tlsSettings].some((x) => x.file) ? ` (profile in ${profile?.file})` : ''}`);
  }
  if (s.apiKey && s.grpcMeta?.authorization) {
    throw new ConfigError(`${named(s.apiKey)} and ${named(s.grpcMeta.authorization)} both set the authorization header: keep one`);
  }
  // Checked whatever their source, so a profile's mistake is named as well as a variable's.
  if (s.address) check(temporalAddressSchema, s.address.value, named(s.address));
  if (s.namespace) check(namespaceSchema, s.namespace.value, named(s.namespace));
  for (const [k, v] of Object.entries(s.grpcMeta ?? {})) {
    check(metaKeySchema, k, `${named(v)} (the header name)`);
    check(metaValueSchema, v.value, named(v));
  }
  const wantsTls = s.tls?.value ?? (tlsSettings.length > 0 || !!s.apiKey);
  const metadata = s.grpcMeta && Object.fromEntries(Object.entries(s.grpcMeta).map(([k, v]) => [k, v.value]));
  // envconfig's own mapping from a profile to connection options, with the PEM files already read (so
  // an unreadable one is named) and the TLS decision above (which refuses what envconfig would ignore).
  const profileForSdk: ClientConfigProfile = {
    address: s.address?.value ?? DEFAULT_ADDRESS,
    namespace: s.namespace?.value ?? DEFAULT_NAMESPACE,
    apiKey: s.apiKey?.value,
    tls: wantsTls ? { serverName: s.serverName?.value, clientCert: pemData(s.clientCert), clientKey: pemData(s.clientKey), serverCACert: pemData(s.serverCaCert) } : s.tls?.value === false ? { disabled: true } : undefined,
    grpcMeta: metadata && Object.keys(metadata).length ? metadata : undefined,
  };
  const { connectionOptions: o, namespace } = toClientOptions(profileForSdk);
  const tls = o.tls === true ? {} : o.tls ? withBuffers(o.tls) : o.tls === false ? false : undefined;
  return {
    address: o.address ?? DEFAULT_ADDRESS,
    namespace: namespace ?? DEFAULT_NAMESPACE,
    apiKey: typeof o.apiKey === 'string' ? o.apiKey : undefined,
    tls,
    ...(profileForSdk.grpcMeta ? { metadata: profileForSdk.grpcMeta } : {}),
    from: { address: s.address ? named(s.address) : 'the default', apiKey: s.apiKey && named(s.apiKey), profile },
  };
}

/** A PEM as bytes: its file read (an unreadable one named by its setting), or its text. */
function pemData(s: Setting<Pem> | undefined): { data: Buffer } | undefined {
  if (!s) return undefined;
  if ('data' in s.value) return { data: Buffer.from(s.value.data) };
  try {
    return { data: readFileSync(s.value.path) };
  } catch {
    throw new ConfigError(`${named(s)}: cannot read ${s.value.path}`);
  }
}

/** The SDK's TLS options with Buffers (what Node's TLS and our callers expect) and without unset fields. */
function withBuffers(t: { serverNameOverride?: string; serverRootCACertificate?: Uint8Array; clientCertPair?: { crt: Uint8Array; key: Uint8Array } }): Exclude<TemporalConnectionConfig['tls'], false | undefined> {
  const b = (u: Uint8Array) => (Buffer.isBuffer(u) ? u : Buffer.from(u));
  return {
    ...(t.serverNameOverride !== undefined ? { serverNameOverride: t.serverNameOverride } : {}),
    ...(t.serverRootCACertificate ? { serverRootCACertificate: b(t.serverRootCACertificate) } : {}),
    ...(t.clientCertPair ? { clientCertPair: { crt: b(t.clientCertPair.crt), key: b(t.clientCertPair.key) } } : {}),
  };
}

function check<S extends z.ZodTypeAny>(schema: S, value: unknown, from: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ConfigError(`${from}: ${describeZodError(parsed.error).replace(/\(input\): /g, '')}`);
  return parsed.data;
}
