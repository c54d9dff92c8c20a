import { describe, expect, it } from 'vitest';
import { loadWorkerConfig } from '../../src/worker/config';
import { dropEmptyEnvironmentVariables } from '../../src/worker/env';

describe('worker configuration', () => {
  it('defaults to the local stack: simulator, embedded PGlite, task queue dbaas', () => {
    const c = loadWorkerConfig({});
    expect(c).toMatchObject({ taskQueue: 'dbaas', temporal: { address: 'localhost:7233', namespace: 'default' }, dbcs: { baseUrl: 'http://127.0.0.1:9080' }, audit: { pgliteDir: '.data/audit' } });
  });

  it('polls from 200 ms up to 30 s and lets 1,000 activities (job waits) run at once unless told otherwise', () => {
    expect(loadWorkerConfig({})).toMatchObject({ poll: { floorMs: 200, capMs: 30_000 }, maxConcurrentActivities: 1000 });
    expect(loadWorkerConfig({ DBAAS_POLL_FLOOR_MS: '1000', DBAAS_POLL_CAP_MS: '60000', DBAAS_MAX_CONCURRENT_ACTIVITIES: '200' })).toMatchObject({ poll: { floorMs: 1000, capMs: 60_000 }, maxConcurrentActivities: 200 });
    expect(() => loadWorkerConfig({ DBAAS_POLL_FLOOR_MS: '5000', DBAAS_POLL_CAP_MS: '1000' })).toThrow('DBAAS_POLL_FLOOR_MS (5000) must not exceed DBAAS_POLL_CAP_MS (1000)');
    expect(() => loadWorkerConfig({ DBAAS_MAX_CONCURRENT_ACTIVITIES: '0' })).toThrow('DBAAS_MAX_CONCURRENT_ACTIVITIES');
  });

  it('counts a variable set to the empty string as unset (compose passes VAR= for no value)', () => {
    const c = loadWorkerConfig({ DATABASE_URL: '', DBCS_BASE_URL: '', TEMPORAL_ADDRESS: ' ', DBAAS_MAX_CACHED_WORKFLOWS: '', TEMPORAL_TLS: '', DBCS_PASSWORD_FILE: '' });
    expect(c).toMatchObject({ audit: { pgliteDir: '.data/audit' }, dbcs: { baseUrl: 'http://127.0.0.1:9080', password: 'simulator' }, temporal: { address: 'localhost:7233' } });
    expect(c.maxCachedWorkflows).toBeUndefined();
    expect(c.temporal.tls).toBeUndefined();
    const env: NodeJS.ProcessEnv = { DATABASE_URL: '', KEEP: 'x', BLANK: '  ' };
    dropEmptyEnvironmentVariables(env);
    expect(env).toEqual({ KEEP: 'x' });
  });

  it('uses PostgreSQL when DATABASE_URL is set', () => {
    expect(loadWorkerConfig({ DATABASE_URL: 'postgres://u@h/db' }).audit).toEqual({ databaseUrl: 'postgres://u@h/db' });
  });

  it.each([
    [{ DBCS_BASE_URL: 'https://dbaas.oraclecloud.com' }, 'DBCS_USERNAME and DBCS_PASSWORD (or DBCS_PASSWORD_FILE) are required'],
    [{ DBCS_BASE_URL: 'not a url' }, 'DBCS_BASE_URL: must be a URL'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL: must be a postgres://'],
    [{ DBCS_PASSWORD: 'a', DBCS_PASSWORD_FILE: '/etc/hostname' }, 'not both'],
    [{ DBCS_PASSWORD_FILE: '/nonexistent/pw' }, 'cannot read /nonexistent/pw'],
    [{ TEMPORAL_TLS_CLIENT_CERT_PATH: '/x.pem' }, 'must be set together'],
  ])('explains a bad setting: %j', (env, message) => {
    expect(() => loadWorkerConfig(env)).toThrow(message);
  });

  it('never needs the cloud password in anything but the environment or a file', () => {
    expect(loadWorkerConfig({ DBCS_BASE_URL: 'https://dbaas.oraclecloud.com', DBCS_USERNAME: 'u', DBCS_PASSWORD_FILE: '/etc/hostname' }).dbcs.password.length).toBeGreaterThan(0);
  });
});
