// Connection profiles as the `temporal` CLI writes and reads them: a TOML file written here by the real
// Temporal CLI (`temporal config set`), read by the worker's and the CLI's connection code, with flags
// over TEMPORAL_* variables over the profile, and errors that name the variable, flag or field.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { connectionOptions, temporalConnectionFromEnv } from '../../src/worker/temporal-connection';
import { defaultConfigFile } from '../../src/worker/temporal-profile';

const dir = mkdtempSync(path.join(os.tmpdir(), 'dbaas-profile-'));
const write = (name: string, text: string) => {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
};
const ca = write('ca.pem', 'CA PEM');
const crt = write('client.pem', 'CERT PEM');
const key = write('client.key', 'KEY PEM');

/** `temporal config set --profile <p> --prop <k> --value <v>` for each setting, into a fresh file. */
function temporalConfigSet(profiles: Record<string, Record<string, string>>): string {
  const file = path.join(mkdtempSync(path.join(dir, 'cfg-')), 'temporal.toml');
  for (const [profile, props] of Object.entries(profiles)) {
    for (const [prop, value] of Object.entries(props)) {
      execFileSync(inject('temporalCli'), ['config', 'set', '--profile', profile, '--prop', prop, '--value', value], { env: { PATH: process.env.PATH, HOME: dir, TEMPORAL_CONFIG_FILE: file }, stdio: 'pipe' });
    }
  }
  return file;
}

/** An environment with no home: no default config file is read unless a test names one. */
const env = (vars: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ ...vars });

describe('a profile written by `temporal config set`', () => {
  const file = temporalConfigSet({
    prod: { address: 'prod.example.com:7233', namespace: 'prod-ns', api_key: 'prod-key', 'tls.server_ca_cert_path': ca, 'tls.server_name': 'temporal.prod', 'grpc_meta.x-tenant': 'acme' },
    mtls: { address: 'mtls.example.com:7233', 'tls.client_cert_path': crt, 'tls.client_key_path': key },
    local: { address: '127.0.0.1:7233', api_key: 'dev-token', 'tls.disabled': 'true' },
    default: { address: 'default.example.com:7233', namespace: 'from-default' },
  });

  it('gives the address, namespace, API key, TLS and gRPC headers of the profile named by TEMPORAL_PROFILE', () => {
    const c = temporalConnectionFromEnv(env({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'prod' }));
    expect(c).toMatchObject({ address: 'prod.example.com:7233', namespace: 'prod-ns', apiKey: 'prod-key', metadata: { 'x-tenant': 'acme' }, from: { address: `profile.prod.address (in ${file})`, profile: { file, name: 'prod' } } });
    expect(c.tls && { ca: String(c.tls.serverRootCACertificate), name: c.tls.serverNameOverride }).toEqual({ ca: 'CA PEM', name: 'temporal.prod' });
    // The options both connections (NativeConnection for the worker, Connection for the CLI) are given.
    expect(connectionOptions(c)).toMatchObject({ address: 'prod.example.com:7233', apiKey: 'prod-key', metadata: { 'x-tenant': 'acme' } });
  });

  it('reads mTLS files, a tls.disabled profile with an API key (plaintext), and "default" when no profile is named', () => {
    const mtls = temporalConnectionFromEnv(env({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'mtls' }));
    expect(mtls.tls && [String(mtls.tls.clientCertPair?.crt), String(mtls.tls.clientCertPair?.key)]).toEqual(['CERT PEM', 'KEY PEM']);
    expect(temporalConnectionFromEnv(env({ TEMPORAL_CONFIG_FILE: file }), { profile: 'local' })).toMatchObject({ address: '127.0.0.1:7233', apiKey: 'dev-token', tls: false });
    expect(temporalConnectionFromEnv(env({ TEMPORAL_CONFIG_FILE: file }))).toMatchObject({ address: 'default.example.com:7233', namespace: 'from-default', tls: undefined });
  });

  it('lets flags win over variables and variables over the profile, setting by setting (the temporal CLI\'s order)', () => {
    const vars = env({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'prod', TEMPORAL_NAMESPACE: 'env-ns', TEMPORAL_ADDRESS: 'env.example.com:7233', TEMPORAL_GRPC_META_X_TRACE_LEVEL: 'debug' });
    expect(temporalConnectionFromEnv(vars)).toMatchObject({ address: 'env.example.com:7233', namespace: 'env-ns', apiKey: 'prod-key', metadata: { 'x-tenant': 'acme', 'x-trace-level': 'debug' }, from: { address: 'TEMPORAL_ADDRESS' } });
    expect(temporalConnectionFromEnv(vars, { address: 'flag.example.com:7233', namespace: 'flag-ns' })).toMatchObject({ address: 'flag.example.com:7233', namespace: 'flag-ns', from: { address: '--address' } });
    // --profile over TEMPORAL_PROFILE, --config-file over TEMPORAL_CONFIG_FILE.
    const other = temporalConfigSet({ prod: { address: 'other.example.com:7233' } });
    expect(temporalConnectionFromEnv(env({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'prod' }), { profile: 'default' }).address).toBe('default.example.com:7233');
    expect(temporalConnectionFromEnv(env({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'prod' }), { configFile: other }).address).toBe('other.example.com:7233');
    // A variable's certificate replaces the profile's, whichever form each takes (no "both path and data").
    const swapped = temporalConnectionFromEnv(env({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'mtls', TEMPORAL_TLS_CLIENT_CERT_DATA: 'NEW CERT' }));
    expect(swapped.tls && String(swapped.tls.clientCertPair?.crt)).toBe('NEW CERT');
    // TEMPORAL_TLS=true turns TLS on over a profile that disables it; the API key stays.
    expect(temporalConnectionFromEnv(env({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'local', TEMPORAL_TLS: 'true' }))).toMatchObject({ apiKey: 'dev-token', tls: {} });
  });

  it.each([
    [{ TEMPORAL_PROFILE: 'staging' }, {}, /profile "staging" \(TEMPORAL_PROFILE\) not found in .*temporal\.toml \(profiles there: .*prod.*\)/],
    [{}, { profile: 'nope' }, /profile "nope" \(--profile\) not found in /],
    [{ TEMPORAL_PROFILE: 'mtls', TEMPORAL_TLS: 'false' }, {}, /TEMPORAL_TLS=false contradicts profile\.mtls\.tls\.client_cert_\*/],
    [{ TEMPORAL_PROFILE: 'mtls', TEMPORAL_TLS_CLIENT_KEY_PATH: '/nonexistent/k.pem' }, {}, 'TEMPORAL_TLS_CLIENT_KEY_PATH: cannot read /nonexistent/k.pem'],
    [{ TEMPORAL_PROFILE: 'prod', TEMPORAL_GRPC_META_AUTHORIZATION: 'Bearer x' }, {}, /profile\.prod\.api_key .* and TEMPORAL_GRPC_META_AUTHORIZATION both set the authorization header/],
    [{ TEMPORAL_PROFILE: 'prod' }, { address: 'no-port' }, '--address: must be host:port'],
  ] as [NodeJS.ProcessEnv, Record<string, string>, string | RegExp][])('refuses %j %j, naming what is wrong', (vars, flags, message) => {
    expect(() => temporalConnectionFromEnv(env({ TEMPORAL_CONFIG_FILE: file, ...vars }), flags)).toThrow(message);
  });
});

describe('profile files with mistakes', () => {
  const load = (toml: string, profile = 'p') => () => temporalConnectionFromEnv(env({ TEMPORAL_CONFIG_FILE: write(`bad-${Math.abs(hash(toml))}.toml`, toml), TEMPORAL_PROFILE: profile }));

  it.each([
    ['[profile.p]\naddress = 7233\n', /profile\.p\.address: Expected string, received number/],
    ['[profile.p]\naddress = "nohost"\n', /profile\.p\.address \(in .*\): must be host:port/],
    ['[profile.p.tls]\ndisabled = "yes"\n', /profile\.p\.tls\.disabled: Expected boolean/],
    ['[profile.p.tls]\nclient_cert_path = "/a"\nclient_cert_data = "b"\nclient_key_data = "k"\n', 'set profile.p.tls.client_cert_path or profile.p.tls.client_cert_data, not both'],
    ['[profile.p.tls]\nclient_cert_data = "c"\n', /profile\.p\.tls\.client_cert_data \(in .*\) is set, but no client key/],
    ['[profile.p.tls]\ndisabled = true\nserver_name = "x"\n', /profile\.p\.tls\.disabled=true contradicts profile\.p\.tls\.server_name/],
    ['[profile.p.tls]\ndisable_host_verification = true\n', /profile\.p\.tls\.disable_host_verification \(in .*\): not supported/],
    ['[profile.p.tls]\nserver_ca_cert_path = "/nonexistent/ca.pem"\n', /profile\.p\.tls\.server_ca_cert_path \(in .*\): cannot read \/nonexistent\/ca\.pem/],
    ['[profile.p.grpc_meta]\n"bad header" = "v"\n', /profile\.p\.grpc_meta\.bad header .*: must be a gRPC header name/],
    ['[profile.p\naddress = "x:1"\n', /TEMPORAL_CONFIG_FILE .*: not valid TOML/],
    ['profile = 3\n', /profile: Expected object/],
  ])('%j', (toml, message) => {
    expect(load(toml)).toThrow(message);
  });

  it('names the file and where it was named when it cannot be read; the default file may be absent', () => {
    expect(() => temporalConnectionFromEnv(env({ TEMPORAL_CONFIG_FILE: '/nonexistent/temporal.toml' }))).toThrow('TEMPORAL_CONFIG_FILE /nonexistent/temporal.toml: cannot read the config file (ENOENT)');
    expect(() => temporalConnectionFromEnv(env(), { configFile: '/nonexistent/t.toml' })).toThrow('--config-file /nonexistent/t.toml: cannot read the config file');
    const home = mkdtempSync(path.join(dir, 'home-'));
    expect(temporalConnectionFromEnv(env({ HOME: home }))).toMatchObject({ address: 'localhost:7233', namespace: 'default', from: { address: 'the default' } });
    expect(() => temporalConnectionFromEnv(env({ HOME: home, TEMPORAL_PROFILE: 'prod' }))).toThrow(`profile "prod" (TEMPORAL_PROFILE) not found: there is no config file at ${path.join(home, '.config', 'temporalio', 'temporal.toml')}`);
  });

  it('finds the default file where the Temporal CLI keeps it', () => {
    expect(defaultConfigFile({ HOME: '/home/op' }, 'linux')).toBe('/home/op/.config/temporalio/temporal.toml');
    expect(defaultConfigFile({ HOME: '/home/op', XDG_CONFIG_HOME: '/cfg' }, 'linux')).toBe('/cfg/temporalio/temporal.toml');
    expect(defaultConfigFile({ HOME: '/Users/op' }, 'darwin')).toBe('/Users/op/Library/Application Support/temporalio/temporal.toml');
    expect(defaultConfigFile({}, 'linux')).toBeUndefined();
    const home = mkdtempSync(path.join(dir, 'home-'));
    const file = temporalConfigSet({ default: { address: 'home.example.com:7233' } });
    const target = path.join(home, '.config', 'temporalio');
    mkdirSync(target, { recursive: true });
    copyFileSync(file, path.join(target, 'temporal.toml'));
    expect(temporalConnectionFromEnv(env({ HOME: home })).address).toBe('home.example.com:7233');
  });
});

function hash(text: string): number {
  let h = 0;
  for (const c of text) h = (h * 31 + c.charCodeAt(0)) | 0;
  return h;
}
