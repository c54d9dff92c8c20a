// Writes bench/results.json and rewrites the figures between the markers in BENCHMARKS.md.
import { execSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../lib/process';

export interface BenchResults {
  machine: { cpu: string; cores: number; memoryGb: number; node: string };
  date: string;
  commit: string;
  quick: boolean;
  scenarios: Record<string, unknown>;
}

export function describeRun(quick: boolean): Omit<BenchResults, 'scenarios'> {
  let commit = 'unknown';
  try {
    commit = execSync('git rev-parse --short HEAD', { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    if (execSync('git status --porcelain --untracked-files=no', { cwd: REPO_ROOT, encoding: 'utf8' }).trim()) commit += ' (with uncommitted changes)';
  } catch {
    // not a git checkout
  }
  return {
    machine: { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, memoryGb: Math.round(os.totalmem() / 2 ** 30), node: process.version },
    date: new Date().toISOString(),
    commit,
    quick,
  };
}

export function writeResults(results: BenchResults, outDir: string): string {
  mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, 'results.json');
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  return file;
}

const BEGIN = '<!-- figures:begin (written by npm run bench) -->';
const END = '<!-- figures:end -->';

/** Replaces the figures section of BENCHMARKS.md, keeping the prose around it. */
export function rewriteBenchmarksMd(markdownTables: string, results: BenchResults, file = path.join(REPO_ROOT, 'BENCHMARKS.md')): void {
  const header = `Machine: ${results.machine.cpu} (${results.machine.cores} cores, ${results.machine.memoryGb} GB), Node ${results.machine.node}. Last run ${results.date.slice(0, 10)} at commit ${results.commit}; each scenario says when and at which commit it was measured.`;
  const section = `${BEGIN}\n${header}\n\n${markdownTables.trim()}\n${END}`;
  const text = existsSync(file) ? readFileSync(file, 'utf8') : `# Benchmarks\n\n${BEGIN}\n${END}\n`;
  const start = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  if (start < 0 || end < start) throw new Error(`${file} lacks the markers ${BEGIN} … ${END}`);
  writeFileSync(file, text.slice(0, start) + section + text.slice(end + END.length));
}

/** A markdown table from rows of the same shape. */
export function table(rows: Record<string, unknown>[], columns: [key: string, title: string][]): string {
  const head = `| ${columns.map(([, t]) => t).join(' | ')} |\n|${columns.map(() => ' --- ').join('|')}|`;
  return [head, ...rows.map((r) => `| ${columns.map(([k]) => String(r[k] ?? '')).join(' | ')} |`)].join('\n');
}
