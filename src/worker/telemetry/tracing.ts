// Traces (OpenTelemetry), configured only by the standard OTEL_* variables so any collector works:
// OTEL_TRACES_EXPORTER (otlp, console, none), OTEL_EXPORTER_OTLP_ENDPOINT or
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (read by the exporter itself), OTEL_SERVICE_NAME,
// OTEL_RESOURCE_ATTRIBUTES, OTEL_SDK_DISABLED. Off unless an exporter or an endpoint is named.
import { Resource, detectResourcesSync, envDetectorSync } from '@opentelemetry/resources';
import { BatchSpanProcessor, ConsoleSpanExporter, NoopSpanProcessor, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';

export interface Tracing {
  /** Where finished spans go: the process's own and, through the worker's sink, the workflows'. */
  spanProcessor: SpanProcessor;
  resource: Resource;
  enabled: boolean;
  /** Exports what is still buffered; called before the process exits. */
  shutdown(): Promise<void>;
}

/** Which exporter the OTEL_* variables ask for; undefined: tracing off. */
export function traceExporterFromEnv(env: NodeJS.ProcessEnv = process.env): 'otlp' | 'console' | undefined {
  if (env.OTEL_SDK_DISABLED?.toLowerCase() === 'true') return undefined;
  const named = env.OTEL_TRACES_EXPORTER?.split(',')[0]?.trim().toLowerCase();
  if (named === 'none') return undefined;
  if (named === 'console') return 'console';
  if (named === 'otlp') return 'otlp';
  if (named) throw new Error(`OTEL_TRACES_EXPORTER: "${named}" is not supported (otlp, console or none)`);
  return env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ? 'otlp' : undefined;
}

/**
 * Registers this process's tracer provider (global, with W3C trace context propagation), so the
 * Temporal interceptors and the DBCS client's spans join one trace. `serviceName` unless
 * OTEL_SERVICE_NAME says otherwise. `exporter` replaces the env's choice (tests pass an in-memory one).
 */
export function startTracing(serviceName: string, options: { env?: NodeJS.ProcessEnv; exporter?: SpanExporter } = {}): Tracing {
  const env = options.env ?? process.env;
  const kind = options.exporter ? 'given' : traceExporterFromEnv(env);
  const resource = new Resource({ 'service.name': env.OTEL_SERVICE_NAME ?? serviceName }).merge(detectResourcesSync({ detectors: [envDetectorSync] }));
  if (!kind) return { spanProcessor: new NoopSpanProcessor(), resource, enabled: false, shutdown: async () => undefined };
  const exporter = options.exporter ?? (kind === 'console' ? new ConsoleSpanExporter() : new OTLPTraceExporter());
  const spanProcessor = new BatchSpanProcessor(exporter, { scheduledDelayMillis: 1_000 });
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  provider.register();
  return { spanProcessor, resource, enabled: true, shutdown: () => provider.shutdown() };
}
