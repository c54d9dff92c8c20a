// What every bundle of the workflows carries besides the workflows: the interceptor that hands a
// start request's sealed credential to the workflow, and our metrics and log attributes. A bundle for
// a worker that traces also carries the OpenTelemetry workflow interceptors (spans leave through the
// worker's `exporter` sink); the others do not: they cost a 100-service rollout 7 % of its makespan
// with tracing off (BENCHMARKS.md). The worker, the tests' prebuilt bundle, the benchmarks and replay
// all build from here. (Paths without extensions: the bundler resolves them, under tsx, vitest and
// compiled code alike.)
import { existsSync } from 'node:fs';
import path from 'node:path';

export const WORKFLOWS_PATH = path.join(__dirname, '..', 'workflows');

const ALWAYS = [path.join(__dirname, '..', 'workflows', 'support', 'credential-interceptor'), path.join(__dirname, '..', 'workflows', 'support', 'observability')];
const TRACING = require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors');

/** The workflow interceptor modules of a bundle for a worker that traces, or does not. */
export function workflowInterceptorModules(tracing: boolean): string[] {
  return tracing ? [...ALWAYS, TRACING] : [...ALWAYS];
}

/** Where `npm run build` puts the traced twin of a prebuilt bundle: workflow-bundle.js → workflow-bundle.traced.js. */
export function tracedBundlePath(bundlePath: string): string {
  return bundlePath.replace(/(\.js)?$/, '.traced.js');
}

/**
 * The prebuilt bundle a worker runs (DBAAS_WORKFLOW_BUNDLE): itself, or with tracing on its traced twin.
 * Undefined when tracing is on and there is no twin: the worker then bundles at start, with tracing.
 */
export function prebuiltBundleFor(bundlePath: string | undefined, tracing: boolean): string | undefined {
  if (!bundlePath || !tracing) return bundlePath;
  const traced = tracedBundlePath(bundlePath);
  return existsSync(traced) ? traced : undefined;
}
