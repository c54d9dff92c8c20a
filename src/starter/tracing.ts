// The CLI's part of a trace: with the OTEL_* variables set (src/worker/telemetry/tracing.ts), every
// workflow start, signal, update and query of a command is a span, and the workflow's spans (on the
// worker) become its children, so one trace runs from `dbaas build` to the DBCS calls.
import type { WorkflowClientInterceptor } from '@temporalio/client';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import { startTracing } from '../worker/telemetry/tracing';

export interface CliTracing {
  interceptors: WorkflowClientInterceptor[];
  /** Exports the command's spans before the process exits. */
  flush(): Promise<void>;
}

export function cliTracing(env: NodeJS.ProcessEnv = process.env): CliTracing {
  const tracing = startTracing('dbaas-cli', { env });
  if (!tracing.enabled) return { interceptors: [], flush: async () => undefined };
  return { interceptors: [new OpenTelemetryWorkflowClientInterceptor()], flush: () => tracing.shutdown() };
}
