// `npm run build [-- --out DIR]`: what the production image runs, in DIR (default dist/):
//   DIR/src/**.js           src/ compiled to CommonJS by tsc (tsconfig.build.json)
//   DIR/workflow-bundle.js  the workflows bundled ahead of time (DBAAS_WORKFLOW_BUNDLE)
// The bundle is built by the compiled src/worker/build-bundle.js, from the compiled workflows: what
// the image runs is what was bundled. DIR is emptied first, so no file of a deleted source survives.
// Another DIR (inside the repository, so that node_modules resolves) keeps a test or benchmark from
// racing a developer's dist/.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';

// Self-contained (the image's build stage copies this file alone).
const REPO_ROOT = path.resolve(__dirname, '..');

export interface BuiltDist {
  dir: string;
  bundle: string;
  /** Wall-clock seconds of each step. */
  seconds: { compile: number; bundle: number };
}

const timed = (step: () => void): number => {
  const started = process.hrtime.bigint();
  step();
  return Number(process.hrtime.bigint() - started) / 1e9;
};

export function buildDist(outDir = path.join(REPO_ROOT, 'dist')): BuiltDist {
  const dir = path.resolve(outDir);
  if (dir === REPO_ROOT || !dir.startsWith(`${REPO_ROOT}${path.sep}`)) throw new Error(`build output ${dir} must be a directory inside ${REPO_ROOT} (compiled code finds node_modules from there)`);
  rmSync(dir, { recursive: true, force: true });
  const tsc = require.resolve('typescript/bin/tsc');
  const compile = timed(() => execFileSync(process.execPath, [tsc, '-p', path.join(REPO_ROOT, 'tsconfig.build.json'), '--outDir', dir], { cwd: REPO_ROOT, stdio: 'inherit' }));
  const bundlePath = path.join(dir, 'workflow-bundle.js');
  const bundle = timed(() => execFileSync(process.execPath, [path.join(dir, 'src', 'worker', 'build-bundle.js'), bundlePath], { cwd: REPO_ROOT, stdio: 'inherit' }));
  return { dir, bundle: bundlePath, seconds: { compile, bundle } };
}

if (require.main === module) {
  const outAt = process.argv.indexOf('--out');
  const out = outAt >= 0 ? process.argv[outAt + 1] : undefined;
  if (outAt >= 0 && !out) {
    console.error('--out needs a directory');
    process.exit(2);
  }
  try {
    const built = buildDist(out);
    console.log(`built ${path.relative(REPO_ROOT, built.dir)}/ in ${(built.seconds.compile + built.seconds.bundle).toFixed(1)} s (tsc ${built.seconds.compile.toFixed(1)} s, workflow bundle ${built.seconds.bundle.toFixed(1)} s)`);
  } catch (err) {
    // tsc and the bundler have printed their own errors above.
    console.error(`build failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
    process.exit(1);
  }
}
