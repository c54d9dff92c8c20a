// docker-compose.yml describes the production-like topology; no Docker engine runs here, so the file is
// validated by `docker-compose config` (Debian's docker-compose package) and checked against the contract.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { ALL_SEARCH_ATTRIBUTE_KEYS, DEFAULT_TASK_QUEUE } from '../src/shared/contract';

const root = path.resolve(__dirname, '..');
const composeFile = path.join(root, 'docker-compose.yml');
const compose = (args: string[], file = composeFile) => spawnSync('docker-compose', ['-f', file, ...args], { cwd: root, encoding: 'utf8' });

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
      services: Record<string, { command?: string[]; entrypoint?: string[]; volumes?: string[]; healthcheck?: unknown; ports?: string[]; environment?: Record<string, string> }>;
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
      if (!['temporal-schema', 'temporal-setup'].includes(name)) expect(svc.healthcheck, name).toBeDefined();
      for (const port of svc.ports ?? []) expect(port, `${name} publishes only on loopback`).toMatch(/^127\.0\.0\.1:/);
    }
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

  it('would catch a broken file (the check can fail)', () => {
    const broken = path.join(mkdtempSync(path.join(os.tmpdir(), 'compose-')), 'docker-compose.yml');
    writeFileSync(broken, readFileSync(composeFile, 'utf8').replace('condition: service_healthy', 'condition: service_maybe'));
    expect(compose(['config', '-q'], broken).status).not.toBe(0);
  });
});
