// `npm run worker`: the dbaas worker. Reads its configuration from the environment, bundles the
// workflows once (or loads a prebuilt bundle), and drains gracefully on SIGINT/SIGTERM.
import { NativeConnection, Worker } from '@temporalio/worker';
import { openAuditStore } from '../audit/open';
import type { AuditStore } from '../audit/types';
import { createActivities } from '../activities';
import { DEFAULT_POLL_SETTINGS } from '../activities/cloud';
import { realClock, type PollClock } from '../activities/polling';
import { DbcsClient } from '../cloud/client';
import { tokenVerifier } from '../auth/tokens';
import type { RequesterCheckConfig } from '../activities/requester';
import { prebuiltBundleFor, workflowInterceptorModules, WORKFLOWS_PATH } from './bundle';
import { startHealthServer, type ReadinessCheck } from './health';
import { codecFor, loadCodecKeys, type EncryptionCodec } from './codec';
import { ConfigError, loadWorkerConfig, type WorkerConfig } from './config';
import { dropEmptyEnvironmentVariables } from './env';
import { apiCallMetrics } from './telemetry/metrics';
import { startWorkerTelemetry } from './telemetry/worker-telemetry';

/** What a benchmark adds to the production worker: its own activities, a faster clock. */
export interface WorkerExtras {
  activities?: Record<string, (...args: never[]) => Promise<unknown>>;
  clock?: PollClock;
}

export async function runWorker(config: WorkerConfig, extras: WorkerExtras = {}): Promise<void> {
  // First: the runtime takes our logger and metrics endpoint only if installed before any connection.
  const telemetry = startWorkerTelemetry();
  const log = telemetry.logger;
  // The current key encrypts; previous keys (after a rotation) still decrypt older history.
  const codec = codecFor(loadCodecKeys(process.env, config.dataDir));
  const audit = await openAuditStore(config.audit);
  const cloud = new DbcsClient({ ...config.dbcs, observe: apiCallMetrics(telemetry.meter) });
  const connection = await NativeConnection.connect({ address: config.temporal.address, tls: config.temporal.tls, apiKey: config.temporal.apiKey, metadata: config.temporal.metadata });
  const tracing = telemetry.tracing.enabled;
  const bundle = prebuiltBundleFor(config.workflowBundlePath, tracing);
  if (config.workflowBundlePath && !bundle) log.warn(`tracing is on and ${config.workflowBundlePath} has no traced twin: bundling the workflows at start, with tracing`);
  try {
    const worker = await Worker.create({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: config.taskQueue,
      ...(bundle ? { workflowBundle: { codePath: bundle } } : { workflowsPath: WORKFLOWS_PATH }),
      interceptors: { ...telemetry.workerOptions.interceptors, ...(bundle ? {} : { workflowModules: workflowInterceptorModules(tracing) }) },
      sinks: telemetry.workerOptions.sinks,
      activities: {
        ...createActivities({
          cloud,
          audit: async (): Promise<AuditStore> => audit,
          requesters: requesterCheck(config, codec),
          polling: { options: { ...DEFAULT_POLL_SETTINGS.options, initialMs: config.poll.floorMs, maxMs: config.poll.capMs }, clock: extras.clock ?? realClock },
        }),
        ...extras.activities,
      },
      dataConverter: { payloadCodecs: [codec] },
      // Running activities get this long to finish before they are cancelled at shutdown.
      shutdownGraceTime: '5s',
      // Heartbeats carry the API's job messages to `dbaas status`: send them at most 2 s apart.
      maxHeartbeatThrottleInterval: '2s',
      maxConcurrentActivityTaskExecutions: config.maxConcurrentActivities,
      ...(config.maxCachedWorkflows !== undefined ? { maxCachedWorkflows: config.maxCachedWorkflows } : {}),
    });
    const health = config.health && (await startHealthServer({ ...config.health, checks: readinessChecks(worker, connection, audit) }));
    const auditWhere = audit.kind === 'pglite' ? `embedded PGlite under ${config.dataDir}/audit` : 'PostgreSQL (DATABASE_URL)';
    // Tests and scripts wait for this line.
    const requesters = config.requesters.mode === 'development' ? 'DEVELOPMENT mode: unsigned requests run (recorded as unverified)' : 'requests verified';
    log.info({ taskQueue: config.taskQueue, namespace: config.temporal.namespace, address: config.temporal.address }, `dbaas worker ready: task queue "${config.taskQueue}", namespace "${config.temporal.namespace}" at ${config.temporal.address}; DBCS ${config.dbcs.baseUrl}; audit in ${auditWhere}; ${requesters}`);
    if (health) log.info(`health: ${health.url}/livez, ${health.url}/readyz`);
    if (telemetry.metricsAddress) log.info(`metrics: http://${telemetry.metricsAddress}/metrics`);
    if (telemetry.tracing.enabled) log.info('traces exported as the OTEL_* variables say');
    try {
      await worker.run(); // resolves after SIGINT/SIGTERM, once in-flight tasks have drained
    } finally {
      await health?.close();
    }
    log.info('dbaas worker stopped');
  } finally {
    await Promise.allSettled([audit.close(), cloud.close(), connection.close(), telemetry.shutdown()]);
  }
}

/** Ready: Temporal answers, the worker is polling, the audit store answers a read. */
function readinessChecks(worker: Worker, connection: NativeConnection, audit: AuditStore): Record<string, ReadinessCheck> {
  return {
    temporal: async () => void (await connection.workflowService.getSystemInfo({})),
    polling: async () => {
      if (worker.getState() !== 'RUNNING') throw new Error(`the worker is ${worker.getState()}`);
    },
    auditStore: async () => void (await audit.query({ limit: 1 })),
  };
}

function requesterCheck(config: WorkerConfig, codec: EncryptionCodec): RequesterCheckConfig {
  const { mode, tokens, policy } = config.requesters;
  return { mode, verify: tokens && tokenVerifier(tokens), policy, codec };
}

if (require.main === module) {
  dropEmptyEnvironmentVariables();
  let config: WorkerConfig;
  try {
    config = loadWorkerConfig();
  } catch (err) {
    console.error(err instanceof ConfigError ? `dbaas worker: ${err.message}` : err);
    process.exit(2);
  }
  runWorker(config).then(
    () => process.exit(0),
    (err: unknown) => {
      console.error('dbaas worker failed:', err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
