import { describe, expect, it } from 'vitest';
import { loadWorkerConfig } from '../../src/worker/config';

describe('worker configuration', () => {
  it('defaults to the local stack: simulator, embedded PGlite, task queue dbaas', () => {
    const c = loadWorkerConfig({});
    expect(c).toMatchObject({ taskQueue: 'dbaas', temporal: { address: 'localhost:7233', namespace: 'default' }, dbcs: { baseUrl: 'http://127.0.0.1:9080' }, audit: { pgliteDir: '.data/audit' } });
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
