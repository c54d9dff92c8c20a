// Smoke test of `npm run bench -- --cluster`: the throughput and crash-recovery runs in quick mode on
// the dev server and then on a cluster of its own (two temporal-server processes on PostgreSQL).
// Figures are not asserted (a shared 2-core machine): only that both targets measured what they say.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';

const root = path.resolve(__dirname, '..', '..');

it('measures throughput and crash recovery on both Temporals in one run', async () => {
  const out = mkdtempSync(path.join(os.tmpdir(), 'bench-targets-'));
  const child = spawn('npm', ['run', '--silent', 'bench', '--', '--quick', '--cluster', '--out', out], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  expect(code, output.slice(-3000)).toBe(0);
  expect(output).toContain('Cluster against dev server:');

  const results = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8'));
  expect(Object.keys(results.scenarios)).toEqual(['targets']);
  const rows = results.scenarios.targets.figures;
  expect(rows.map((r: { target: string }) => r.target)).toEqual(['dev-server', 'cluster']);
  for (const r of rows) {
    expect(r.throughput).toMatchObject({ n: 10, builds: { n: 10 }, ceiling: { n: 10 } });
    expect(r.crash).toMatchObject({ n: 10, createJobs: 10, instancesCreated: 10, allRunning: true });
    expect(r.crash.completedBeforeKill).toBeGreaterThanOrEqual(2);
  }
}, 600_000);
