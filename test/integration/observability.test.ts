// What an operator sees of a running worker: Prometheus metrics (the SDK's and ours), one trace from
// the client through the workflow and its activities to the DBCS calls, and JSON log lines that say
// which workflow, run, activity and service they belong to.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { inject } from 'vitest';
import { freePort } from '../../scripts/lib/postgres';
import type { ManagedProcess } from '../../scripts/lib/process';
import { serviceWorkflowId } from '../../src/shared/contract';
import { maintainProgressQuery, maintainWorkflowId } from '../../src/shared/maintain';
import { rolloutProgressQuery } from '../../src/shared/patching';
import type { DbcsSimulator } from '../../src/simulator/server';
import { startTracing, type Tracing } from '../../src/worker/telemetry/tracing';
import { cliEnvFor, cliFor, codec, sampleInput, startSimulator, startWorker, uniqueName, waitUntil } from '../helpers/harness';
import { startOtlpCollector, type OtlpCollector } from '../helpers/otlp-collector';

/** The attribute the Temporal client interceptor puts the workflow id in. */
const WORKFLOW_ID = 'temporalWorkflowId';

let sim: DbcsSimulator;
let worker: ManagedProcess;
let collector: OtlpCollector;
let metricsUrl: string;
let taskQueue: string;
let client: Client;
let connection: Connection;
let tracing: Tracing;
const clientSpans = new InMemorySpanExporter();

beforeAll(async () => {
  [sim, collector] = await Promise.all([startSimulator({ jobDurationMs: { create: 600, delete: 300, precheck: 200 } }), startOtlpCollector()]);
  const port = await freePort();
  metricsUrl = `http://127.0.0.1:${port}/metrics`;
  taskQueue = uniqueName('observe');
  worker = await startWorker({
    taskQueue,
    simulatorUrl: sim.url,
    env: { DBAAS_METRICS_ADDRESS: `127.0.0.1:${port}`, OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint, OTEL_BSP_SCHEDULE_DELAY: '200', LOG_LEVEL: 'debug', DBAAS_LOG_FORMAT: 'json' },
  });
  // This process is the client: its spans stay in memory.
  tracing = startTracing('observability-test', { exporter: clientSpans });
  connection = await Connection.connect({ address: inject('temporalAddress') });
  client = new Client({ connection, dataConverter: { payloadCodecs: [codec()] }, interceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor()] } });
}, 120_000);
afterAll(async () => {
  await worker?.stop();
  await tracing?.shutdown();
  await connection?.close();
  await Promise.all([sim?.close(), collector?.close()]);
});

const scrape = async () => (await fetch(metricsUrl)).text();
/** The value of the first sample of `name` whose labels include all of `labels`. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

let buildId = '';
let serviceName = '';

it('traces a build from the client through the workflow and its activities to the DBCS calls', async () => {
  serviceName = uniqueName('obs').slice(0, 14);
  buildId = serviceWorkflowId('obsdom', serviceName);
  await client.workflow.execute('buildService', { taskQueue, workflowId: buildId, args: [sampleInput(serviceName, {}, 'obsdom')] });
  // (Not shutdown: an in-memory exporter forgets its spans when shut down.)
  await tracing.spanProcessor.forceFlush();
  const start = clientSpans.getFinishedSpans().find((s) => s.name === 'StartWorkflow:buildService');
  expect(start, 'the client span').toBeDefined();
  const traceId = start!.spanContext().traceId;

  const trace = await waitUntil(
    'the worker\'s spans of the build',
    () => collector.spans.filter((s) => s.traceId === traceId),
    (spans) => spans.some((s) => s.name.startsWith('DBCS POST create')) && spans.some((s) => s.name === 'RunWorkflow:buildService'),
  );
  const byId = new Map(trace.map((s) => [s.spanId, s]));
  const run = trace.find((s) => s.name === 'RunWorkflow:buildService')!;
  expect(run.parentSpanId, 'the workflow run is a child of the client\'s start').toBe(start!.spanContext().spanId);
  const create = trace.find((s) => s.name.startsWith('DBCS POST create'))!;
  const activity = byId.get(create.parentSpanId!);
  expect(activity?.name, 'a DBCS call is a child of its activity').toBe('RunActivity:createService');
  expect(create.attributes).toMatchObject({ 'http.request.method': 'POST', 'http.response.status_code': 202 });
  expect(create.service).toBe('dbaas-worker');
  // Every DBCS call of the build is in this trace, each under an activity.
  const calls = trace.filter((s) => s.name.startsWith('DBCS '));
  expect(calls.length).toBeGreaterThanOrEqual(3);
  for (const c of calls) expect(byId.get(c.parentSpanId!)?.name).toMatch(/^RunActivity:/);
});

it('traces `dbaas build` from the CLI process to the DBCS calls: one trace across two processes', async () => {
  const name = uniqueName('obscli').slice(0, 14);
  const spec = path.join(mkdtempSync(path.join(os.tmpdir(), 'dbaas-obs-')), 'spec.json');
  const service = structuredClone(sampleInput(name).service);
  for (const p of service.parameters ?? []) delete (p as { adminPassword?: string }).adminPassword;
  writeFileSync(spec, JSON.stringify(service));
  const { cli } = cliFor(() => ({ ...cliEnvFor({ sim, taskQueue }), OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint }));
  const built = await cli(['build', spec, '--domain', 'obsdom', '--wait']);
  expect(built.code, built.out).toBe(0);
  // The CLI exports its spans before it exits.
  const start = collector.spans.find((s) => s.service === 'dbaas-cli' && s.name === 'StartWorkflow:buildService' && s.attributes[WORKFLOW_ID] === serviceWorkflowId('obsdom', name));
  expect(start, `the CLI's span; CLI spans: ${collector.spans.filter((s) => s.service === 'dbaas-cli').map((s) => s.name).join(', ')}`).toBeDefined();
  const trace = await waitUntil(
    'the worker\'s spans under the CLI\'s',
    () => collector.spans.filter((s) => s.traceId === start!.traceId),
    // The workflow's span leaves the worker when the run ends, after its activities' spans: wait for both.
    (spans) => spans.some((s) => s.name.startsWith('DBCS POST create')) && spans.some((s) => s.name === 'RunWorkflow:buildService'),
  );
  expect(trace.find((s) => s.name === 'RunWorkflow:buildService')?.parentSpanId).toBe(start!.spanId);
});

it('serves the SDK\'s metrics and ours on the Prometheus endpoint', async () => {
  // A rollout (plan only) and a maintainer feed the two gauges.
  const domain = uniqueName('obsfleet');
  sim.seed(domain, ['f-01', 'f-02']);
  const rollout = await client.workflow.start('rollingPatch', { taskQueue, workflowId: `patch:${domain}:p1`, args: [{ identityDomain: domain, patchId: '12201-190416', services: ['f-01', 'f-02'], maxParallel: 1, approval: 'first' }] });
  await waitUntil('approval', () => rollout.query(rolloutProgressQuery), (p) => p.state === 'awaiting_approval');
  const maintainer = await client.workflow.start('maintainService', { taskQueue, workflowId: maintainWorkflowId('obsdom', serviceName), args: [{ identityDomain: 'obsdom', serviceName, passIntervalSeconds: 1 }] });
  await waitUntil('a maintain pass', () => maintainer.query(maintainProgressQuery), (p) => (p.lastPass?.pass ?? 0) >= 1);

  const text = await waitUntil('our metrics', scrape, (t) => sample(t, 'dbaas_maintained_service', { state: 'maintaining' }) === 1 && sample(t, 'dbaas_rollout_services', { state: 'pending' }) !== undefined);
  expect(sample(text, 'dbaas_operations_started', { workflowType: 'buildService' })).toBeGreaterThanOrEqual(1);
  expect(sample(text, 'dbaas_operations_finished', { workflowType: 'buildService', outcome: 'succeeded' })).toBeGreaterThanOrEqual(1);
  expect(sample(text, 'dbaas_job_wait_seconds_count', { job_kind: 'create', job_outcome: 'succeeded' })).toBeGreaterThanOrEqual(1);
  expect(sample(text, 'dbaas_api_requests', { method: 'POST', status_class: '2xx' })).toBeGreaterThanOrEqual(1);
  expect(sample(text, 'dbaas_api_requests', { method: 'GET', status_class: '2xx' })).toBeGreaterThanOrEqual(1);
  expect(sample(text, 'dbaas_api_request_seconds_count', { method: 'GET' })).toBeGreaterThanOrEqual(1);
  expect(sample(text, 'dbaas_rollout_services', { rollout: rollout.workflowId, state: 'pending' })).toBe(2);
  expect(sample(text, 'dbaas_maintained_service', { service: serviceName, state: 'maintaining' })).toBe(1);
  expect(sample(text, 'dbaas_maintained_service', { service: serviceName, state: 'needs_attention' })).toBe(0);
  // The SDK's own: slots, task latencies.
  expect(text).toMatch(/^temporal_worker_task_slots_available\{/m);
  expect(text).toMatch(/^temporal_workflow_task_execution_latency_bucket\{/m);

  await rollout.terminate('observability test done');
  await maintainer.terminate('observability test done');
  // A refused run counts as refused, not failed: a build with an invalid input.
  await client.workflow.execute('buildService', { taskQueue, workflowId: uniqueName('svc:obsdom:bad'), args: [{ identityDomain: 'obsdom' }] }).catch(() => undefined);
  await waitUntil('invalid_input counted', scrape, (t) => (sample(t, 'dbaas_operations_finished', { workflowType: 'buildService', outcome: 'invalid_input' }) ?? 0) >= 1);
});

it('writes JSON lines that name the workflow, run, activity and service', () => {
  const lines = worker.output.flatMap((l) => {
    try {
      return [JSON.parse(l) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
  expect(lines.length).toBeGreaterThan(10);
  const ready = lines.find((l) => String(l.msg).startsWith('dbaas worker ready'));
  expect(ready).toMatchObject({ level: 'info', component: 'worker', taskQueue });
  const ofBuild = lines.filter((l) => l.workflowId === buildId);
  const activityLine = ofBuild.find((l) => l.activityType === 'createService');
  expect(activityLine, 'a line of the build\'s createService activity').toMatchObject({ workflowId: buildId, serviceName, identityDomain: 'obsdom', component: 'worker' });
  expect(activityLine!.workflowRunId ?? activityLine!.runId).toEqual(expect.any(String));
  const workflowLine = ofBuild.find((l) => l.msg === 'Workflow completed');
  expect(workflowLine, 'a line of the build\'s workflow').toMatchObject({ workflowId: buildId, workflowType: 'buildService', serviceName, runId: expect.any(String) });
  // The native core's lines are forwarded into the same stream (at debug it reports its workers); none is plain text.
  expect(lines.find((l) => l.sdkComponent === 'core'), 'a line of the native core').toMatchObject({ component: 'worker', level: expect.any(String) });
  expect(worker.output.filter((l) => l.trim() && !l.trim().startsWith('{'))).toEqual([]);
});
