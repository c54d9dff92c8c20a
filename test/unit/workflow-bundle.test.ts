// Which workflow bundle a worker runs: OpenTelemetry's workflow interceptors only in a traced one.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { prebuiltBundleFor, tracedBundlePath, workflowInterceptorModules } from '../../src/worker/bundle';

describe('workflow bundles', () => {
  it('carries the OpenTelemetry workflow interceptors only for a worker that traces', () => {
    expect(workflowInterceptorModules(false).some((m) => m.includes('interceptors-opentelemetry'))).toBe(false);
    expect(workflowInterceptorModules(true).filter((m) => m.includes('interceptors-opentelemetry'))).toHaveLength(1);
    expect(workflowInterceptorModules(true).slice(0, 2)).toEqual(workflowInterceptorModules(false));
  });

  it('runs the prebuilt bundle, or with tracing its traced twin; with no twin, bundles at start', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'bundle-'));
    const plain = path.join(dir, 'workflow-bundle.js');
    writeFileSync(plain, '');
    expect(tracedBundlePath(plain)).toBe(path.join(dir, 'workflow-bundle.traced.js'));
    expect(prebuiltBundleFor(plain, false)).toBe(plain);
    expect(prebuiltBundleFor(plain, true)).toBeUndefined();
    writeFileSync(tracedBundlePath(plain), '');
    expect(prebuiltBundleFor(plain, true)).toBe(tracedBundlePath(plain));
    expect(prebuiltBundleFor(undefined, true)).toBeUndefined();
  });
});
