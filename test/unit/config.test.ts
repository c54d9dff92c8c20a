import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dbcsConfigFromEnv, loadWorkerConfig, temporalConnectionFromEnv } from '../../src/worker/config';
import { dropEmptyEnvironmentVariables } from '../../src/worker/env';

/** The worker's configuration with the requester checks in development mode (their own tests cover the rest). */
const loadConfig = (env: NodeJS.ProcessEnv) => loadWorkerConfig({ DBAAS_AUTH: 'development', ...env });

describe('worker configuration', () => {
  it('defaults to the local stack: simulator, embedded PGlite, task queue dbaas', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ taskQueue: 'dbaas', temporal: { address: 'localhost:7233', namespace: 'default' }, dbcs: { baseUrl: 'http://127.0.0.1:9080' }, audit: { pgliteDir: '.data/audit' } });
  });

  it('polls from 200 ms up to 30 s and lets 1,000 activities (job waits) run at once unless told otherwise', () => {
    expect(loadConfig({})).toMatchObject({ poll: { floorMs: 200, capMs: 30_000 }, maxConcurrentActivities: 1000 });
    expect(loadConfig({ DBAAS_POLL_FLOOR_MS: '1000', DBAAS_POLL_CAP_MS: '60000', DBAAS_MAX_CONCURRENT_ACTIVITIES: '200' })).toMatchObject({ poll: { floorMs: 1000, capMs: 60_000 }, maxConcurrentActivities: 200 });
    expect(() => loadConfig({ DBAAS_POLL_FLOOR_MS: '5000', DBAAS_POLL_CAP_MS: '1000' })).toThrow('DBAAS_POLL_FLOOR_MS (5000) must not exceed DBAAS_POLL_CAP_MS (1000)');
    expect(() => loadConfig({ DBAAS_MAX_CONCURRENT_ACTIVITIES: '0' })).toThrow('DBAAS_MAX_CONCURRENT_ACTIVITIES');
  });

  it('counts a variable set to the empty string as unset (compose passes VAR= for no value)', () => {
    const c = loadConfig({ DATABASE_URL: '', DBCS_BASE_URL: '', TEMPORAL_ADDRESS: ' ', DBAAS_MAX_CACHED_WORKFLOWS: '', TEMPORAL_TLS: '', DBCS_PASSWORD_FILE: '' });
    expect(c).toMatchObject({ audit: { pgliteDir: '.data/audit' }, dbcs: { baseUrl: 'http://127.0.0.1:9080', password: 'simulator' }, temporal: { address: 'localhost:7233' } });
    expect(c.maxCachedWorkflows).toBeUndefined();
    expect(c.temporal.tls).toBeUndefined();
    const env: NodeJS.ProcessEnv = { DATABASE_URL: '', KEEP: 'x', BLANK: '  ' };
    dropEmptyEnvironmentVariables(env);
    expect(env).toEqual({ KEEP: 'x' });
  });

  it('uses PostgreSQL when DATABASE_URL is set', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://u@h/db' }).audit).toEqual({ databaseUrl: 'postgres://u@h/db' });
  });

  it.each([
    [{ DBCS_BASE_URL: 'https://dbaas.oraclecloud.com' }, 'DBCS_USERNAME and DBCS_PASSWORD (or DBCS_PASSWORD_FILE) are required'],
    [{ DBCS_BASE_URL: 'not a url' }, 'DBCS_BASE_URL: must be a URL'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL: must be a postgres://'],
    [{ DBCS_PASSWORD: 'a', DBCS_PASSWORD_FILE: '/etc/hostname' }, 'not both'],
    [{ DBCS_PASSWORD_FILE: '/nonexistent/pw' }, 'cannot read /nonexistent/pw'],
    [{ TEMPORAL_TLS_CLIENT_CERT_PATH: '/x.pem' }, 'must be set together'],
    [{ TEMPORAL_TLS_CLIENT_KEY_DATA: 'k' }, 'must be set together'],
    [{ TEMPORAL_TLS_SERVER_CA_CERT_PATH: '/nonexistent/ca.pem' }, 'TEMPORAL_TLS_SERVER_CA_CERT_PATH: cannot read /nonexistent/ca.pem'],
    [{ TEMPORAL_TLS_SERVER_CA_CERT_PATH: '/etc/hostname', TEMPORAL_TLS_SERVER_CA_CERT_DATA: 'pem' }, 'TEMPORAL_TLS_SERVER_CA_CERT_PATH or TEMPORAL_TLS_SERVER_CA_CERT_DATA, not both'],
    [{ TEMPORAL_TLS: 'false', TEMPORAL_TLS_SERVER_CA_CERT_DATA: 'pem' }, 'TEMPORAL_TLS=false contradicts TEMPORAL_TLS_SERVER_CA_CERT_*'],
    [{ TEMPORAL_TLS: 'maybe' }, 'TEMPORAL_TLS: must be true, false, 1 or 0'],
    [{ TEMPORAL_ADDRESS: 'no-port' }, 'TEMPORAL_ADDRESS: must be host:port'],
    [{ TEMPORAL_ADDRESS: 'h:70000' }, 'TEMPORAL_ADDRESS: the port must be at most 65535'],
    [{ TEMPORAL_TLS_DISABLE_HOST_VERIFICATION: 'true' }, 'TEMPORAL_TLS_DISABLE_HOST_VERIFICATION: not supported'],
    [{ TEMPORAL_PROFILE: 'prod' }, 'profile "prod" (TEMPORAL_PROFILE) not found: there is no config file'],
    [{ TEMPORAL_CONFIG_FILE: '/nonexistent/temporal.toml' }, 'TEMPORAL_CONFIG_FILE /nonexistent/temporal.toml: cannot read the config file'],
    [{ TEMPORAL_GRPC_META_X_NOTE: 'caf\u00e9' }, 'TEMPORAL_GRPC_META_X_NOTE: must be printable ASCII'],
  ])('explains a bad setting: %j', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('never needs the cloud password in anything but the environment or a file', () => {
    expect(loadConfig({ DBCS_BASE_URL: 'https://dbaas.oraclecloud.com', DBCS_USERNAME: 'u', DBCS_PASSWORD_FILE: '/etc/hostname' }).dbcs.password.length).toBeGreaterThan(0);
  });
});

describe('Temporal connection (the Temporal CLI\'s variables)', () => {
  const files = () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dbaas-tls-'));
    const write = (name: string, text: string) => (writeFileSync(path.join(dir, name), text), path.join(dir, name));
    return { ca: write('ca.pem', 'CA PEM'), crt: write('c.pem', 'CERT PEM'), key: write('c.key', 'KEY PEM') };
  };

  it('is plaintext with nothing set, and TLS as soon as TEMPORAL_TLS, a TLS setting or an API key asks for it', () => {
    expect(temporalConnectionFromEnv({}).tls).toBeUndefined();
    expect(temporalConnectionFromEnv({ TEMPORAL_TLS: 'true' }).tls).toEqual({});
    expect(temporalConnectionFromEnv({ TEMPORAL_TLS_SERVER_NAME: 'temporal.internal' }).tls).toEqual({ serverNameOverride: 'temporal.internal' });
    expect(temporalConnectionFromEnv({ TEMPORAL_API_KEY: 'k1' })).toMatchObject({ apiKey: 'k1', tls: {} });
  });

  it('reads the CA and the client certificate from files or from the variables themselves (mTLS)', () => {
    const f = files();
    const fromFiles = temporalConnectionFromEnv({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: f.ca, TEMPORAL_TLS_CLIENT_CERT_PATH: f.crt, TEMPORAL_TLS_CLIENT_KEY_PATH: f.key, TEMPORAL_API_KEY: 'jwt' });
    expect(fromFiles.apiKey).toBe('jwt');
    expect(fromFiles.tls && { ca: String(fromFiles.tls.serverRootCACertificate), crt: String(fromFiles.tls.clientCertPair?.crt), key: String(fromFiles.tls.clientCertPair?.key) }).toEqual({ ca: 'CA PEM', crt: 'CERT PEM', key: 'KEY PEM' });
    const fromData = temporalConnectionFromEnv({ TEMPORAL_TLS_SERVER_CA_CERT_DATA: 'CA2', TEMPORAL_TLS_CLIENT_CERT_DATA: 'CRT2', TEMPORAL_TLS_CLIENT_KEY_DATA: 'KEY2' });
    expect(fromData.tls && [String(fromData.tls.serverRootCACertificate), String(fromData.tls.clientCertPair?.crt), String(fromData.tls.clientCertPair?.key)]).toEqual(['CA2', 'CRT2', 'KEY2']);
  });

  it('keeps an API key on a plaintext connection when TEMPORAL_TLS=false says so (the SDK would turn TLS on otherwise)', () => {
    expect(temporalConnectionFromEnv({ TEMPORAL_API_KEY: 'k1', TEMPORAL_TLS: 'false' })).toMatchObject({ apiKey: 'k1', tls: false });
    expect(temporalConnectionFromEnv({ TEMPORAL_API_KEY: 'k1', TEMPORAL_TLS: '0' }).tls).toBe(false);
    expect(loadConfig({ TEMPORAL_API_KEY: 'k1', TEMPORAL_TLS: 'false' }).temporal.tls).toBe(false);
  });
});

describe('Temporal connection: what the CLI reads (nothing of the worker\'s own settings)', () => {
  const workerOnlyMistakes = { DBAAS_POLL_FLOOR_MS: 'abc', DBAAS_AUTH: 'maybe', DATABASE_URL: 'mysql://x', DBAAS_HEALTH_PORT: 'x' };

  it('connects whatever the worker-only variables say; the worker refuses them', () => {
    expect(temporalConnectionFromEnv({ ...workerOnlyMistakes, TEMPORAL_ADDRESS: 'temporal.example.com:7233' })).toMatchObject({ address: 'temporal.example.com:7233', namespace: 'default' });
    expect(dbcsConfigFromEnv({ ...workerOnlyMistakes, DBCS_BASE_URL: 'http://127.0.0.1:9999' }).baseUrl).toBe('http://127.0.0.1:9999');
    expect(() => loadConfig(workerOnlyMistakes)).toThrow(/invalid worker configuration: .*DBAAS_POLL_FLOOR_MS/);
  });

  it('sends TEMPORAL_GRPC_META_* as gRPC headers and keeps TEMPORAL_TLS_DISABLE_HOST_VERIFICATION=false harmless', () => {
    const c = temporalConnectionFromEnv({ TEMPORAL_GRPC_META_X_TENANT_ID: 'acme', TEMPORAL_GRPC_META_TRACE: 'on', TEMPORAL_TLS_DISABLE_HOST_VERIFICATION: 'false' });
    expect(c.metadata).toEqual({ 'x-tenant-id': 'acme', trace: 'on' });
    expect(c.tls).toBeUndefined();
    expect(loadConfig({ TEMPORAL_GRPC_META_X_TENANT_ID: 'acme' }).temporal.metadata).toEqual({ 'x-tenant-id': 'acme' });
  });
});

describe('who may ask (the requester check)', () => {
  it('requires an identity provider unless development mode is asked for, naming the variables', () => {
    expect(() => loadWorkerConfig({})).toThrow(/DBAAS_AUTH_JWKS_URL \(or DBAAS_AUTH_JWKS_FILE\).*or DBAAS_AUTH=development/);
    expect(() => loadWorkerConfig({ DBAAS_AUTH: 'maybe' })).toThrow(/DBAAS_AUTH: must be "required" or "development"/);
    expect(() => loadWorkerConfig({ DBAAS_AUTH_JWKS_URL: 'https://idp.example.com/jwks', DBAAS_AUTH_JWKS_FILE: '/x' })).toThrow('not both');
    expect(loadWorkerConfig({ DBAAS_AUTH: 'development' }).requesters).toMatchObject({ mode: 'development', tokens: undefined });
    expect(loadWorkerConfig({ DBAAS_AUTH_JWKS_URL: 'https://idp.example.com/jwks', DBAAS_AUTH_ISSUER: 'https://idp.example.com' }).requesters).toMatchObject({
      mode: 'required',
      tokens: { jwksUrl: 'https://idp.example.com/jwks', issuer: 'https://idp.example.com', audience: 'dbaas' },
    });
  });

  it('stops at a policy file with a mistake, naming the field', () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'policy-')), 'policy.json');
    writeFileSync(file, JSON.stringify({ roles: { ops: ['scaleService'] }, grants: [{ group: 'g', role: 'opz' }] }));
    expect(() => loadWorkerConfig({ DBAAS_AUTH: 'development', DBAAS_POLICY_FILE: file })).toThrow(/grants\.0\.role.*unknown role "opz"/);
  });

  it('leaves the CLI\'s direct reads (view, job) out of it: they need only the DBCS settings', () => {
    expect(dbcsConfigFromEnv({ DBCS_BASE_URL: 'http://127.0.0.1:9999' })).toEqual({ baseUrl: 'http://127.0.0.1:9999', username: 'dbaas', password: 'simulator', caFile: undefined });
  });
});
