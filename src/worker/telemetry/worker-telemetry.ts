// The worker's telemetry in one place: the Temporal runtime (installed once per process) with our
// logger and the Prometheus endpoint, the tracer provider, and what Worker.create needs for both
// (activity interceptors, the workflows' span sink).
import type { MetricMeter } from '@temporalio/common';
import { OpenTelemetryActivityInboundInterceptor, OpenTelemetryActivityOutboundInterceptor, makeWorkflowExporter } from '@temporalio/interceptors-opentelemetry';
import { Runtime, type ActivityInterceptorsFactory, type InjectedSinks, type WorkerOptions } from '@temporalio/worker';
import { subjectOfWorkflowId } from '../../shared/contract';
import { coreLogLevel, createLogger, temporalLogger, type PinoLogger } from './logging';
import { HISTOGRAM_BUCKETS, metricsAddressFromEnv } from './metrics';
import { startTracing, type Tracing } from './tracing';

export interface WorkerTelemetry {
  logger: PinoLogger;
  /** Where our own metrics are created (a no-op meter when no endpoint is configured). */
  meter: MetricMeter;
  /** host:port of the Prometheus endpoint, if any. */
  metricsAddress?: string;
  tracing: Tracing;
  /** Spread into Worker.create's options. */
  workerOptions: Pick<WorkerOptions, 'interceptors' | 'sinks'>;
  shutdown(): Promise<void>;
}

let installed: { logger: PinoLogger; metricsAddress?: string } | undefined;

/**
 * Installs the runtime on first use. A second call in the same process (a benchmark running several
 * workers) reuses it: the runtime can be installed once only.
 */
function installRuntime(env: NodeJS.ProcessEnv): { logger: PinoLogger; metricsAddress?: string } {
  if (installed) return installed;
  const logger = createLogger('worker', { env });
  const metricsAddress = metricsAddressFromEnv(env);
  Runtime.install({
    logger: temporalLogger(logger),
    telemetryOptions: {
      // The native core's lines join the same stream, at our level (its dependencies: errors only).
      logging: { forward: {}, filter: { core: coreLogLevel(logger.level), other: 'ERROR' } },
      ...(metricsAddress ? { metrics: { prometheus: { bindAddress: metricsAddress, useSecondsForDurations: true, histogramBucketOverrides: HISTOGRAM_BUCKETS } } } : {}),
    },
  });
  installed = { logger, metricsAddress };
  return installed;
}

export function startWorkerTelemetry(env: NodeJS.ProcessEnv = process.env): WorkerTelemetry {
  const { logger, metricsAddress } = installRuntime(env);
  const tracing = startTracing('dbaas-worker', { env });
  const activityInterceptors: ActivityInterceptorsFactory = (ctx) => ({
    inbound: new OpenTelemetryActivityInboundInterceptor(ctx),
    outbound: {
      // Spans' trace and span ids, then the activity's service (or rollout), on every line it logs.
      getLogAttributes: (input, next) => new OpenTelemetryActivityOutboundInterceptor(ctx).getLogAttributes({ ...subjectOfWorkflowId(ctx.info.workflowExecution?.workflowId ?? ''), ...input }, next),
    },
  });
  const sinks: InjectedSinks<never> = { exporter: makeWorkflowExporter(tracing.spanProcessor, tracing.resource) } as never;
  return {
    logger,
    meter: Runtime.instance().metricMeter,
    metricsAddress,
    tracing,
    workerOptions: { interceptors: { activity: [activityInterceptors] }, sinks },
    shutdown: () => tracing.shutdown(),
  };
}
