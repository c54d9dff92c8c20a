// What every bundle of the workflows carries besides the workflows: the interceptor that hands a
// start request's sealed credential to the workflow. The worker, the tests' prebuilt bundle, the
// benchmarks and replay all build from here, so none of them runs workflows without it.
// (Paths without extensions: the bundler resolves them, under tsx, vitest and compiled code alike.)
import path from 'node:path';

export const WORKFLOWS_PATH = path.join(__dirname, '..', 'workflows');
export const WORKFLOW_INTERCEPTOR_MODULES = [path.join(__dirname, '..', 'workflows', 'support', 'credential-interceptor')];
