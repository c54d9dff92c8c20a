// Every URL the pages print: this dashboard's own pages and endpoints, and links into the Temporal UI.
import type { RunRef } from './model';

export interface Links {
  home(): string;
  domain(domain: string): string;
  service(domain: string, service: string): string;
  report(domain: string, since?: string): string;
  live(domain: string): string;
  /** The run's page in the Temporal UI (its event history). */
  run(run: RunRef): string;
}

const enc = encodeURIComponent;

/**
 * `temporalUiUrl`/namespaces/<ns>/workflows/<workflowId>/<runId>/history: the UI's route for one run
 * (v2.x; without /history it redirects there). The workflow id is one path segment: encoded, so
 * `svc:domain:name` and ids with slashes stay one segment.
 */
export function linksFor(temporalUiUrl: string, namespace: string): Links {
  return {
    home: () => '/',
    domain: (d) => `/domains/${enc(d)}`,
    service: (d, s) => `/domains/${enc(d)}/services/${enc(s)}`,
    report: (d, since) => `/domains/${enc(d)}/report${since ? `?since=${enc(since)}` : ''}`,
    live: (d) => `/api/domains/${enc(d)}/live`,
    run: (r) => `${temporalUiUrl}/namespaces/${enc(namespace)}/workflows/${enc(r.workflowId)}/${enc(r.runId)}/history`,
  };
}
