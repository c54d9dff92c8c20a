// What every bundle of the workflows carries besides the workflows: the interceptor that hands a
// start request's sealed credential to the workflow, our metrics and log attributes, and the
// OpenTelemetry workflow interceptors (spans leave through the worker's `exporter` sink; with tracing
// off the sink drops them). The worker, the tests' prebuilt bundle, the benchmarks and replay all
// build from here, so none of them runs workflows without these.
// (Paths without extensions: the bundler resolves them, under tsx, vitest and compiled code alike.)
import path from 'node:path';

export const WORKFLOWS_PATH = path.join(__dirname, '..', 'workflows');
export const WORKFLOW_INTERCEPTOR_MODULES = [
  path.join(__dirname, '..', 'workflows', 'support', 'credential-interceptor'),
  path.join(__dirname, '..', 'workflows', 'support', 'observability'),
  require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors'),
];
