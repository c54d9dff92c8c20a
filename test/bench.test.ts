// Smoke test of `npm run bench`: every scenario runs in its quick mode against its own dev server,
// simulators and workers, and the results parse. Figures are never asserted here (this is a shared,
// noisy 2-core machine): only that each scenario measured what it says it measures.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';

const root = path.resolve(__dirname, '..');

// 2-4 minutes on this machine, more when others share its cores (the startup scenario builds dist/ too).
it('runs every scenario in quick mode and writes results that parse', async () => {
  const out = mkdtempSync(path.join(os.tmpdir(), 'bench-smoke-'));
  const child = spawn('npm', ['run', '--silent', 'bench', '--', '--quick', '--out', out], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  expect(code, output.slice(-3000)).toBe(0);
  expect(output).toContain('### Goals');

  const results = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8'));
  expect(results).toMatchObject({ quick: true, machine: { cores: expect.any(Number) }, commit: expect.any(String) });
  expect(Object.keys(results.scenarios).sort()).toEqual(['crash', 'history', 'maintain', 'overhead', 'polling', 'reports', 'rollout', 'startup', 'throughput']);
  const f = (name: string) => results.scenarios[name].figures;

  expect(f('overhead').map((r: { client: string }) => r.client).sort()).toEqual(['plain script, 1 s polls', 'plain script, 3 s polls', 'workflow']);
  for (const r of f('overhead')) expect(r.wallSeconds).toBeGreaterThanOrEqual(r.jobSeconds);

  const [tp] = f('throughput').rows;
  expect(tp.builds.n).toBe(10);
  expect(tp.ceiling.n).toBe(10);
  expect(tp.shareOfCeiling).toBeGreaterThan(0);

  // Same history whatever the job's duration; polls counted by the simulator.
  const history = f('history');
  expect(history.map((r: { jobSeconds: number }) => r.jobSeconds)).toEqual([2, 60]);
  expect(new Set(history.map((r: { historyEvents: number }) => r.historyEvents)).size).toBe(1);
  for (const r of history) expect(r.jobPolls).toBeGreaterThan(1);

  // Job polling: at each length, the workflow with no history and after learning, and both plain loops.
  const pollingRows = f('polling') as { jobSeconds: number; client: string; jobPolls: number; historyEvents?: number }[];
  expect(pollingRows.map((r) => [r.jobSeconds, r.client])).toEqual(
    [2, 60].flatMap((d) => ['workflow, no history (first build)', 'workflow, after 3 builds', 'plain script, 1 s polls', 'plain script, 30 s polls'].map((c) => [d, c])),
  );
  for (const r of pollingRows) expect(r.jobPolls).toBeGreaterThan(0);
  expect(new Set(pollingRows.flatMap((r) => (r.historyEvents === undefined ? [] : [r.historyEvents]))).size).toBe(1);

  expect(f('rollout')).toMatchObject({ services: 10, maxParallel: 5, maxConcurrentPatchJobs: 5 });
  // Embedded PGlite, then PostgreSQL (CI installs the Debian binaries).
  expect(f('maintain').map((m: { auditStore: string }) => m.auditStore)).toEqual(['embedded PGlite', 'PostgreSQL']);
  for (const m of f('maintain')) {
    expect(m).toMatchObject({ services: 20, queryFailures: 0 });
    expect(m.workerRssMedianMb).toBeGreaterThan(0);
  }
  expect(f('crash')).toMatchObject({ n: 10, createJobs: 10, instancesCreated: 10, allRunning: true });
  expect(f('crash').completedBeforeKill).toBeGreaterThanOrEqual(2);

  // Start to polling: each way of starting a worker served a build's first workflow task; only the
  // image's (compiled, prebuilt bundle) did so without webpack.
  const startup = f('startup');
  expect(startup.rows.map((r: { variant: string; bundledAtStart: boolean }) => [r.variant, r.bundledAtStart])).toEqual([
    ['before: the old image', true],
    ['tsx, warm cache', true],
    ['compiled, bundling', true],
    ['after: the new image', false],
  ]);
  for (const r of startup.rows) {
    expect(r.runs).toBe(1);
    expect(r.firstTaskSeconds).toBeGreaterThanOrEqual(r.firstPollSeconds);
    expect(r.firstPollSeconds).toBeGreaterThan(0);
  }
  expect(startup.build.compileSeconds).toBeGreaterThan(0);

  // The fleet report over a seeded trail (quick: 100 services × 50 events), on PGlite then PostgreSQL.
  const rep = f('reports');
  expect(rep.backends.map((b: { auditStore: string }) => b.auditStore)).toEqual(['embedded PGlite', 'PostgreSQL']);
  for (const b of rep.backends) {
    expect(b.events).toBe(5000);
    expect(b.reportSeconds).toBeGreaterThan(0);
    expect(Object.keys(b.sectionSeconds)).toContain('downtime');
  }
}, 420_000);
