// docker-compose.yml describes the production-like topology; no Docker engine runs here, so the file is
// validated by `docker-compose config` (Debian's docker-compose package) and checked against the contract.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { ALL_SEARCH_ATTRIBUTE_KEYS, DEFAULT_TASK_QUEUE } from '../src/shared/contract';
import { codecServerConfigFromEnv } from '../src/worker/codec-server-config';

const root = path.resolve(__dirname, '..');
const composeFile = path.join(root, 'docker-compose.yml');
const compose = (args: string[], file = composeFile, env: NodeJS.ProcessEnv = {}) => spawnSync('docker-compose', ['-f', file, ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, ...env } });

interface ResolvedService {
  ports?: string[];
  environment?: Record<string, string>;
}
/** The file as docker-compose resolves it, with these variables set in its environment. */
const resolve = (env: NodeJS.ProcessEnv = {}) => (yaml.load(compose(['config'], composeFile, env).stdout) as { services: Record<string, ResolvedService> }).services;
const publishedPorts = (services: Record<string, ResolvedService>) => Object.entries(services).flatMap(([name, svc]) => (svc.ports ?? []).map((p) => `${name} ${p}`));

describe('docker-compose.yml', () => {
  it('is valid for docker-compose config -q', () => {
    const r = compose(['config', '-q']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('has every part of the topology', () => {
    const services = execFileSync('docker-compose', ['-f', composeFile, 'config', '--services'], { encoding: 'utf8' }).trim().split('\n').sort();
    expect(services).toEqual(['codec', 'postgresql', 'simulator', 'temporal-1', 'temporal-2', 'temporal-schema', 'temporal-setup', 'temporal-ui', 'worker-1', 'worker-2']);
  });

  it('runs two servers and the UI on the same configuration files as npm run cluster, with a healthcheck on every long-running service', () => {
    const resolved = yaml.load(compose(['config']).stdout) as {
      services: Record<string, { command?: string[]; entrypoint?: string[]; volumes?: string[]; healthcheck?: { test?: string[] }; restart?: string; ports?: string[]; environment?: Record<string, string> }>;
    };
    const deploy = path.join(root, 'scripts', 'cluster-config');
    for (const name of ['temporal-1', 'temporal-2', 'temporal-ui']) {
      const svc = resolved.services[name]!;
      expect(svc.volumes).toContain(`${deploy}:/etc/dbaas/temporal:ro`);
      expect([...(svc.entrypoint ?? []), ...(svc.command ?? [])].join(' ')).toMatch(/--root \/etc\/dbaas\/temporal --config (config|ui) --env cluster/);
    }
    // The files scripts/lib/cluster.ts starts its processes with.
    const cluster = readFileSync(path.join(root, 'scripts', 'lib', 'cluster.ts'), 'utf8');
    expect(cluster).toContain("'--config', 'config', '--env', 'cluster'");
    expect(cluster).toContain("'--config', 'ui', '--env', 'cluster'");
    for (const [name, svc] of Object.entries(resolved.services)) {
      if (!['temporal-schema', 'temporal-setup'].includes(name)) {
        expect(svc.healthcheck, name).toBeDefined();
        expect(svc.restart, `${name} restarts`).toMatch(/unless-stopped|always|on-failure/);
      }
      for (const port of svc.ports ?? []) expect(port, `${name} publishes only on loopback`).toMatch(/^127\.0\.0\.1:/);
    }
    // The services of this project answer their own health endpoints (src/worker/health.ts, the codec server, the simulator).
    expect(resolved.services['worker-1']!.healthcheck!.test!.join(' ')).toContain(`127.0.0.1:${resolved.services['worker-1']!.environment!.DBAAS_HEALTH_PORT}/readyz`);
    expect(resolved.services.codec!.healthcheck!.test!.join(' ')).toContain('/livez');
    expect(resolved.services.simulator!.healthcheck!.test!.join(' ')).toContain('/__sim/health');
    expect(resolved.services['worker-1']!.environment!.TEMPORAL_ADDRESS).toBe('temporal-1:7233');
    expect(resolved.services['worker-2']!.environment!.TEMPORAL_ADDRESS).toBe('temporal-2:7233');
  });

  it('registers the search attributes of the contract and runs the worker on its task queue', () => {
    const resolved = compose(['config']).stdout;
    for (const key of ALL_SEARCH_ATTRIBUTE_KEYS) expect(resolved).toContain(key.name);
    expect(resolved).toContain(`DBAAS_TASK_QUEUE: ${DEFAULT_TASK_QUEUE}`);
    expect(resolved).toContain('condition: service_completed_successfully');
    expect(resolved).toContain('TEMPORAL_CODEC_ENDPOINT');
  });

  it('publishes every port on 127.0.0.1 unless DBAAS_PUBLISH_HOST says otherwise', () => {
    // Bare "8080:8080" would listen on every interface: the default must name loopback for each port.
    const loopback = ['codec 127.0.0.1:8888:8888/tcp', 'simulator 127.0.0.1:9080:9080/tcp', 'temporal-1 127.0.0.1:7233:7233/tcp', 'temporal-ui 127.0.0.1:8080:8080/tcp'];
    expect(publishedPorts(resolve({ DBAAS_PUBLISH_HOST: '' })).sort()).toEqual(loopback);
    expect(publishedPorts(resolve({ DBAAS_PUBLISH_HOST: '0.0.0.0' })).sort()).toEqual(loopback.map((p) => p.replace('127.0.0.1', '0.0.0.0')));
    // The UI server listens on every interface by default: its configuration must say loopback (npm run cluster).
    expect(readFileSync(path.join(root, 'scripts', 'cluster-config', 'ui', 'cluster.yaml'), 'utf8')).toContain('host: {{ env "TEMPORAL_UI_HOST" | default "127.0.0.1" }}');
  });

  it('wires the codec server to bearer tokens the UI passes on, and it refuses to start until an identity provider is set', () => {
    const services = resolve({ CODEC_AUTH_JWKS_URL: '', CODEC_AUTH: '' });
    const ui = services['temporal-ui']!.environment!;
    expect(ui.TEMPORAL_CODEC_PASS_ACCESS_TOKEN).toBe('true');
    expect(ui.TEMPORAL_CODEC_ENDPOINT).toBe('http://localhost:8888');
    const codec = services.codec!.environment!;
    expect(codec).toMatchObject({ CODEC_AUTH: 'jwt', CODEC_AUTH_AUDIENCE: 'dbaas', CODEC_CORS_ORIGINS: 'http://localhost:8080' });
    // What the container's `npm run codec-server` would read:
    expect(() => codecServerConfigFromEnv(codec)).toThrow(/CODEC_AUTH_JWKS_URL.*CODEC_AUTH=none/);
    const withIdp = resolve({ CODEC_AUTH_JWKS_URL: 'https://idp.example.com/.well-known/jwks.json', CODEC_AUTH_ISSUER: 'https://idp.example.com/' }).codec!.environment!;
    expect(codecServerConfigFromEnv(withIdp)).toMatchObject({
      host: '0.0.0.0',
      port: 8888,
      allowedOrigins: ['http://localhost:8080'],
      auth: { mode: 'jwt', jwksUrl: 'https://idp.example.com/.well-known/jwks.json', issuer: 'https://idp.example.com/', audience: 'dbaas' },
    });
    const trial = resolve({ CODEC_AUTH: 'none', TEMPORAL_CODEC_PASS_ACCESS_TOKEN: 'false' });
    expect(codecServerConfigFromEnv(trial.codec!.environment!).auth).toEqual({ mode: 'none' });
    expect(trial['temporal-ui']!.environment!.TEMPORAL_CODEC_PASS_ACCESS_TOKEN).toBe('false');
    // Workers decode history too: they get the previous keys of a rotation.
    expect(Object.keys(services['worker-1']!.environment!)).toContain('DBAAS_CODEC_PREVIOUS_KEYS');
  });

  it('would catch a broken file (the check can fail)', () => {
    const broken = path.join(mkdtempSync(path.join(os.tmpdir(), 'compose-')), 'docker-compose.yml');
    writeFileSync(broken, readFileSync(composeFile, 'utf8').replace('condition: service_healthy', 'condition: service_maybe'));
    expect(compose(['config', '-q'], broken).status).not.toBe(0);
  });
});
