// `node dist/src/worker/build-bundle.js <out.js>` (the last step of `npm run build`): bundles the
// workflows ahead of time, so that a worker given DBAAS_WORKFLOW_BUNDLE starts without webpack: <out.js>
// for a worker that does not trace, and its twin <out>.traced.js for one that does. It
// builds from the same paths and interceptor modules as a worker that bundles at start (./bundle.ts);
// run compiled, it bundles the compiled workflows next to it, i.e. the code the image ships.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { tracedBundlePath, workflowInterceptorModules, WORKFLOWS_PATH } from './bundle';

/** Writes the bundle to `outFile`; resolves with its size in bytes. */
export async function buildWorkflowBundle(outFile: string, tracing: boolean): Promise<number> {
  // Webpack's progress lines are noise in a build log; its warnings and errors are not.
  const quiet = { info() {}, debug() {}, trace() {}, log() {}, warn: console.warn, error: console.error };
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, workflowInterceptorModules: workflowInterceptorModules(tracing), logger: quiet as never });
  mkdirSync(path.dirname(outFile), { recursive: true });
  writeFileSync(outFile, code);
  return Buffer.byteLength(code);
}

if (require.main === module) {
  const out = process.argv[2];
  if (!out) {
    console.error('usage: node build-bundle.js <out.js>');
    process.exit(2);
  }
  const plain = path.resolve(out);
  const both = async () => [await buildWorkflowBundle(plain, false), await buildWorkflowBundle(tracedBundlePath(plain), true)];
  both().then(
    ([bytes, tracedBytes]) => console.log(`workflow bundle: ${plain} (${(bytes! / 1024).toFixed(0)} KiB), traced: ${tracedBundlePath(plain)} (${(tracedBytes! / 1024).toFixed(0)} KiB)`),
    (err: unknown) => {
      console.error('workflow bundle failed:', err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
