// docker-compose.yml describes the production-like topology; no Docker engine runs here, so the file is
// validated by `docker-compose config` (Debian's docker-compose package) and checked against the contract.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
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
    expect(services).toEqual(['codec', 'postgresql', 'simulator', 'temporal', 'temporal-schema', 'temporal-setup', 'temporal-ui', 'worker']);
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
