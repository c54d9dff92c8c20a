// A connection profile from the TOML file that `temporal config set` writes (@temporalio/envconfig's
// format): which file, which profile, and its settings, each labelled with the field it came from so
// an error can name it. Read with envconfig's own TOML loader; checked with zod here because
// envconfig accepts any type and drops `tls.disable_host_verification` without a word.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
// Not in the package index, but the only loader that keeps every field as written (pinned version).
import { loadFromTomlData } from '@temporalio/envconfig/lib/envconfig-toml';
import { z } from 'zod';
import { describeZodError } from '../shared/schemas';
import { ConfigError } from './config-error';
import { grpcHeaderName, type ConnectionLayer, type Pem, type Setting } from './temporal-connection';

const text = z.string();
const tlsSchema = z.object({
  disabled: z.boolean().optional(),
  client_cert_path: text.optional(),
  client_cert_data: text.optional(),
  client_key_path: text.optional(),
  client_key_data: text.optional(),
  server_ca_cert_path: text.optional(),
  server_ca_cert_data: text.optional(),
  server_name: text.optional(),
  disable_host_verification: z.boolean().optional(),
});
const profileSchema = z.object({
  address: text.optional(),
  namespace: text.optional(),
  api_key: text.optional(),
  tls: tlsSchema.optional(),
  // The Temporal CLI's remote codec; dbaas decodes with its own keys (DBAAS_CODEC_*), so it is not used.
  codec: z.object({ endpoint: text.optional(), auth: text.optional() }).optional(),
  grpc_meta: z.record(text).optional(),
});
const fileSchema = z.object({ profile: z.record(z.unknown()).optional() });

export interface ProfileChoice {
  /** --config-file or TEMPORAL_CONFIG_FILE (a file that must exist), or undefined for the default location. */
  file?: Setting<string>;
  /** --profile or TEMPORAL_PROFILE (must exist), or undefined for "default" (used if present). */
  name?: Setting<string>;
  env: NodeJS.ProcessEnv;
}

export interface LoadedProfile {
  layer: ConnectionLayer;
  /** The file and profile read; absent when no file was there (the default location, nothing asked for). */
  source?: { file: string; name: string };
}

/** The file the Temporal CLI uses when none is named: $XDG_CONFIG_HOME (or ~/.config)/temporalio/temporal.toml (envconfig's rule). */
export function defaultConfigFile(env: NodeJS.ProcessEnv, platform = os.platform()): string | undefined {
  if (platform === 'win32') return env.APPDATA ? path.join(env.APPDATA, 'temporalio', 'temporal.toml') : undefined;
  if (platform === 'darwin') return env.HOME ? path.join(env.HOME, 'Library', 'Application Support', 'temporalio', 'temporal.toml') : undefined;
  const xdg = env.XDG_CONFIG_HOME;
  if (xdg) return path.isAbsolute(xdg) ? path.join(xdg, 'temporalio', 'temporal.toml') : undefined;
  return env.HOME ? path.join(env.HOME, '.config', 'temporalio', 'temporal.toml') : undefined;
}

export function loadProfile(choice: ProfileChoice): LoadedProfile {
  const file = choice.file?.value ?? defaultConfigFile(choice.env);
  const wanted = choice.name?.value ?? 'default';
  const data = file === undefined ? undefined : readConfigFile(file, choice.file);
  if (data === undefined) {
    if (choice.name) throw new ConfigError(`profile "${wanted}" (${choice.name.from}) not found: there is no config file${file ? ` at ${file}` : ''} (set TEMPORAL_CONFIG_FILE or --config-file, or create it with \`temporal config set --profile ${wanted} …\`)`);
    return { layer: {} };
  }
  let parsed: unknown;
  try {
    parsed = loadFromTomlData(data, false);
  } catch (err) {
    throw new ConfigError(`${where(file!, choice.file)}: not valid TOML: ${(err as Error).message.split('\n')[0]}`);
  }
  const top = fileSchema.safeParse(parsed);
  if (!top.success) throw new ConfigError(`${where(file!, choice.file)}: ${describeZodError(top.error)}`);
  const profiles = top.data.profile ?? {};
  const raw = Object.hasOwn(profiles, wanted) ? profiles[wanted] : undefined;
  if (raw === undefined) {
    if (!choice.name) return { layer: {} };
    const known = Object.keys(profiles);
    throw new ConfigError(`profile "${wanted}" (${choice.name.from}) not found in ${file} (${known.length ? `profiles there: ${known.join(', ')}` : 'it has no profiles'})`);
  }
  const p = profileSchema.safeParse(raw);
  if (!p.success) throw new ConfigError(`${file}: ${describeZodError(p.error, `profile.${wanted}`)}`);
  return { layer: toLayer(p.data, `profile.${wanted}`, file!), source: { file: file!, name: wanted } };
}

/** The file's text; undefined when the default file is absent. A named file that cannot be read is an error naming where it was named. */
function readConfigFile(file: string, named: Setting<string> | undefined): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (!named && code === 'ENOENT') return undefined;
    throw new ConfigError(`${where(file, named)}: cannot read the config file (${code ?? (err as Error).message})`);
  }
}

const where = (file: string, named: Setting<string> | undefined) => (named ? `${named.from} ${file}` : `config file ${file}`);

function toLayer(p: z.infer<typeof profileSchema>, prefix: string, file: string): ConnectionLayer {
  const at = <T>(value: T | undefined, field: string): Setting<T> | undefined => (value === undefined ? undefined : { value, from: `${prefix}.${field}`, file });
  const tls = p.tls;
  return {
    address: at(p.address, 'address'),
    namespace: at(p.namespace, 'namespace'),
    apiKey: at(p.api_key, 'api_key'),
    // A [tls] table turns TLS on (as envconfig reads it), unless it says disabled = true.
    tls: tls && (tls.disabled !== undefined ? at(!tls.disabled, 'tls.disabled') : at(true, 'tls')),
    serverName: at(tls?.server_name, 'tls.server_name'),
    clientCert: pem(tls, 'client_cert', prefix, file),
    clientKey: pem(tls, 'client_key', prefix, file),
    serverCaCert: pem(tls, 'server_ca_cert', prefix, file),
    disableHostVerification: at(tls?.disable_host_verification, 'tls.disable_host_verification'),
    grpcMeta: p.grpc_meta && Object.fromEntries(Object.entries(p.grpc_meta).map(([k, v]) => [grpcHeaderName(k), { value: v, from: `${prefix}.grpc_meta.${k}`, file }])),
  };
}

function pem(tls: z.infer<typeof tlsSchema> | undefined, field: 'client_cert' | 'client_key' | 'server_ca_cert', prefix: string, file: string): Setting<Pem> | undefined {
  const filePath = tls?.[`${field}_path`];
  const data = tls?.[`${field}_data`];
  if (filePath !== undefined && data !== undefined) throw new ConfigError(`set ${prefix}.tls.${field}_path or ${prefix}.tls.${field}_data, not both (in ${file})`);
  if (data !== undefined) return { value: { data }, from: `${prefix}.tls.${field}_data`, file };
  if (filePath !== undefined) return { value: { path: filePath }, from: `${prefix}.tls.${field}_path`, file };
  return undefined;
}
