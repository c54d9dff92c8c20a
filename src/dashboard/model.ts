// What the dashboard shows, independent of where it is read from: the pages render these, and the
// unit tests hand the server a fake source of them.
import type { AuditRecord } from '../audit/types';
import type { Report } from '../reports/runner';
import type { ServicePatchStatus } from '../shared/patching';

/** One run of a workflow: what a link into the Temporal UI needs. */
export interface RunRef {
  workflowId: string;
  runId: string;
}

export interface RunSummary extends RunRef {
  operation: string;
  /** Temporal's execution status: RUNNING, COMPLETED, FAILED, … */
  status: string;
  startedAt: string;
  closedAt?: string;
}

export interface MaintainView extends RunRef {
  state: string;
  paused: boolean;
  lastPassAt?: string;
  drift?: string[];
}

export interface ServiceRow {
  name: string;
  status: string;
  shape?: string;
  version?: string;
  edition?: string;
  patchLevel?: string;
  /** Undefined: not maintained (no maintain:<domain>:<service> workflow running). */
  maintain?: MaintainView;
  lastOperation?: RunSummary;
}

export interface RunningOperation extends RunRef {
  operation: string;
  service?: string;
  startedAt: string;
  state?: string;
  step?: string;
  jobId?: string;
}

export interface RolloutView extends RunRef {
  patchId: string;
  state: string;
  /** 1-based batch running or next; 0 before the plan has batches. */
  batch: number;
  batches: number;
  counts: Record<string, number>;
  services: Record<string, ServicePatchStatus>;
  eta?: string;
}

/** What the live poll answers. */
export interface LiveView {
  at: string;
  operations: RunningOperation[];
  rollouts: RolloutView[];
  /** Why part of it is missing (e.g. a query that timed out), said on the page. */
  warnings: string[];
}

export interface ServiceDetail {
  service?: ServiceRow;
  /** Why the service could not be read from the API (not found, API down). */
  serviceError?: string;
  runs: RunSummary[];
  trail: AuditRecord[];
}

export type ReportAnswer = { report: Report } | { unavailable: string };

export interface DashboardData {
  /** The Temporal namespace the runs live in (for the UI links). */
  namespace: string;
  /** Domains the audit trail knows (empty without an audit store of our own). */
  domains(): Promise<string[]>;
  services(domain: string): Promise<ServiceRow[]>;
  live(domain: string): Promise<LiveView>;
  service(domain: string, name: string): Promise<ServiceDetail>;
  report(domain: string, since: Date, until: Date): Promise<ReportAnswer>;
  close(): Promise<void>;
}
