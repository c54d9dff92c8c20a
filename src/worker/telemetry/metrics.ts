// Metrics: the Temporal runtime's Prometheus endpoint carries the SDK's metrics (task slots, poll
// and schedule latencies, cache) and ours, created on the same meter. Ours (all prefixed dbaas_):
//   dbaas_operations_started / dbaas_operations_finished{outcome}  workflows, by workflowType (src/workflows/support/observability.ts)
//   dbaas_job_wait_seconds{job_kind, job_outcome}                  how long the cloud's jobs took to end (src/activities/cloud.ts)
//   dbaas_api_requests{method, status_class}, dbaas_api_request_seconds{method}   every DBCS call (below)
//   dbaas_rollout_services{rollout, state}                         services of a running rollout by state
//   dbaas_maintained_service{identity_domain, service, state}      1 for a maintained service's current state, 0 for the others
import type { MetricMeter } from '@temporalio/common';
import { z } from 'zod';
import type { ApiCallObserver } from '../../cloud/client';

const metricsEnvSchema = z.object({
  /** host:port of the Prometheus endpoint (GET /metrics); absent: no endpoint. */
  DBAAS_METRICS_ADDRESS: z
    .string()
    .regex(/^(\[[0-9a-fA-F:]+\]|[^:\s]+):\d{1,5}$/, 'must be host:port, e.g. 127.0.0.1:9464')
    .optional(),
});

export function metricsAddressFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const parsed = metricsEnvSchema.safeParse({ DBAAS_METRICS_ADDRESS: env.DBAAS_METRICS_ADDRESS || undefined });
  if (!parsed.success) throw new Error(`DBAAS_METRICS_ADDRESS ${parsed.error.issues[0]!.message}`);
  return parsed.data.DBAAS_METRICS_ADDRESS;
}

/** Buckets for our histograms (seconds): DBCS jobs take seconds to an hour, API calls ms to seconds. */
export const HISTOGRAM_BUCKETS: Record<string, number[]> = {
  dbaas_job_wait_seconds: [1, 2, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200],
  dbaas_api_request_seconds: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
};

/** Counts every DBCS call by method and status class (2xx … 5xx, or `error` when no answer came). */
export function apiCallMetrics(meter: MetricMeter): ApiCallObserver {
  const requests = meter.createCounter('dbaas_api_requests', undefined, 'DBCS API calls by method and status class');
  const seconds = meter.createHistogram('dbaas_api_request_seconds', 'float', 's', 'DBCS API call latency');
  return ({ method, status, durationMs }) => {
    const statusClass = status === undefined ? 'error' : `${Math.floor(status / 100)}xx`;
    requests.add(1, { method, status_class: statusClass });
    seconds.record(durationMs / 1000, { method });
  };
}
