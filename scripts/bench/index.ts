// `npm run bench [-- [--quick] [--out DIR] [scenario …]]`: starts its own dev server, simulators and
// worker processes, runs the scenarios, prints their figures, writes DIR/results.json (default bench/;
// .data/bench-quick/ with --quick) and, unless --quick, rewrites the figures in BENCHMARKS.md.
// --quick: small sizes, for the smoke test. --render: only rewrite BENCHMARKS.md from the results.
// Scenarios: overhead, throughput, history, rollout, maintain, crash, startup, reports, polling. --cluster: instead, throughput
// and crash recovery on the dev server and on the production-shape cluster, one after the other.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../lib/process';
import { openBenchEnv, type BenchEnv } from './env';
import { historyAndPolls } from './history-polls';
import { maintainLoad } from './maintain-load';
import { overhead } from './overhead';
import { polling } from './polling';
import { reports } from './reports';
import { describeRun, rewriteBenchmarksMd, writeResults, type BenchResults } from './report';
import { renderFigures } from './render';
import { rollout } from './rollout';
import { startup } from './startup';
import { compareTargets } from './targets';
import { crashRecovery, throughput } from './throughput';
import { dropEmptyEnvironmentVariables } from '../../src/worker/env';

export const SCENARIOS: Record<string, (env: BenchEnv) => Promise<unknown>> = {
  overhead,
  throughput,
  history: historyAndPolls,
  rollout,
  maintain: maintainLoad,
  crash: crashRecovery,
  startup,
  reports,
  polling,
};

function parseArgs(argv: string[]) {
  const quick = argv.includes('--quick');
  const renderOnly = argv.includes('--render');
  const cluster = argv.includes('--cluster');
  const outAt = argv.indexOf('--out');
  const outDir = outAt >= 0 ? argv[outAt + 1] : undefined;
  if (outAt >= 0 && !outDir) throw new Error('--out needs a directory');
  const names = argv.filter((a, i) => !a.startsWith('--') && (outAt < 0 || i !== outAt + 1));
  for (const n of names) if (!SCENARIOS[n]) throw new Error(`unknown scenario "${n}"; known: ${Object.keys(SCENARIOS).join(', ')}`);
  if (cluster && names.length) throw new Error('--cluster runs its own pair of scenarios (throughput and crash on both Temporals): name none');
  return { quick, renderOnly, cluster, outDir: path.resolve(outDir ?? path.join(REPO_ROOT, quick ? '.data/bench-quick' : 'bench')), names: names.length ? names : Object.keys(SCENARIOS) };
}

async function main(): Promise<void> {
  dropEmptyEnvironmentVariables();
  const { quick, outDir, names, renderOnly, cluster } = parseArgs(process.argv.slice(2));
  if (renderOnly) {
    // Rewrites BENCHMARKS.md from the results file, measuring nothing (after editing the rendering).
    const saved = JSON.parse(readFileSync(path.join(outDir, 'results.json'), 'utf8')) as BenchResults;
    rewriteBenchmarksMd(renderFigures(saved), saved);
    return;
  }
  const run = describeRun(quick);
  const resultsFile = path.join(outDir, 'results.json');
  // A partial full run keeps the other scenarios' last figures (each carries its own date and commit).
  const previous: BenchResults | undefined = !quick && existsSync(resultsFile) ? (JSON.parse(readFileSync(resultsFile, 'utf8')) as BenchResults) : undefined;
  const results: BenchResults = { ...run, scenarios: { ...(previous && !previous.quick ? previous.scenarios : {}) } };
  const measure = async (name: string, scenario: () => Promise<unknown>) => {
    const started = Date.now();
    console.log(`\n== ${name}${quick ? ' (quick)' : ''}`);
    const figures = await scenario();
    results.scenarios[name] = { measuredAt: run.date, commit: run.commit, seconds: Math.round((Date.now() - started) / 1000), figures };
    console.log(JSON.stringify(figures, null, 2));
    writeResults(results, outDir); // after each scenario: a stopped run keeps what it measured
  };
  if (cluster) {
    await measure('targets', () => compareTargets(quick));
  } else {
    const env = await openBenchEnv(quick);
    try {
      for (const name of names) await measure(name, () => SCENARIOS[name]!(env));
    } finally {
      await env.close();
    }
  }
  const markdown = renderFigures(results);
  console.log(`\n${markdown}\n\nresults: ${resultsFile}`);
  if (!quick) rewriteBenchmarksMd(markdown, results);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  },
);
