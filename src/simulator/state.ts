// The simulator's cloud: service instances and the async jobs that change them. Time is read from a
// clock on each request ("lazy" advance), so job progress needs no timers and is easy to reason about.

export type InstanceStatus = 'In Progress' | 'Configured' | 'Running' | 'Maintenance' | 'Stopped' | 'Terminating' | 'Failed';
export type JobState = 'InProgress' | 'Succeeded' | 'Failed';
export const REQUEST_NAMES = ['create', 'delete', 'scale', 'control', 'precheck', 'patch', 'backup', 'recovery'] as const;
/**
 * The kind of job: create, delete, scale, control (stop/start/restart), precheck, patch (apply or roll
 * back), backup, recovery. Backups and recoveries run as jobs inside the simulator (they take time and
 * hold the service) but the API gives no job for them: clients watch the backup list and the recovery
 * history (reference §2.8).
 */
export type RequestName = (typeof REQUEST_NAMES)[number];

export interface SimNode {
  vmName: string;
  hostname: string;
  status: 'Running' | 'Stopped' | 'Maintenance';
}

export interface AppliedPatch {
  patchId: string;
  rollbackId: string;
  fromLevel: string;
  toLevel: string;
  appliedAt: number;
  status: 'Applied' | 'RolledBack';
}

export interface SimInstance {
  domain: string;
  name: string;
  status: InstanceStatus;
  version: string;
  level: string;
  edition: string;
  shape: string;
  subscriptionType: string;
  description?: string;
  /** Data volume (the create's usableStorage, grown by scale with usage "data"). */
  usableStorageGb: number;
  /** Backup/recovery (FRA) volume, grown by scale with usage "fra". */
  fraStorageGb: number;
  /** Volumes added by scale without a usage. */
  extraVolumesGb: number[];
  /** One compute node, two for RAC. */
  nodes: SimNode[];
  /** The release the database runs, e.g. 12.2.0.1.0 (base) or 12.2.0.1.190416 (patched). */
  patchLevel: string;
  appliedPatches: AppliedPatch[];
  backupDestination: string;
  sid: string;
  pdbName?: string;
  isRac: boolean;
  failoverDatabase: boolean;
  createdBy: string;
  createdAt: number;
  lastModifiedAt: number;
  creationJobId: string;
  /** A GET before this instant answers 404, like the real service right after a create. */
  visibleAt: number;
  activeJobId?: string;
  /** Space the database uses (GB): what a backup copies. Absent: a fifth of the data volume. */
  databaseSizeGb?: number;
  /** Backups in the recovery area (FRA), oldest first; only the most recent failed one is kept. */
  backups?: SimBackup[];
  /** Recoveries, oldest first (GET …/backups/recovery/history). */
  recoveries?: SimRecovery[];
}

/** A backup in the simulated recovery area (reference §2.8). */
export interface SimBackup {
  dbTag: string;
  status: 'IN PROGRESS' | 'COMPLETED' | 'FAILED';
  startedAt: number;
  completedAt?: number;
  databaseSizeGb: number;
  backupSizeGb: number;
  /** Why it failed. */
  message?: string;
}

/** A point-in-time recovery: from a backup (its tag or the latest), to a timestamp or to an SCN. */
export interface SimRecovery {
  target: { latest: true } | { tag: string } | { timestamp: string } | { scn: string };
  status: 'IN PROGRESS' | 'COMPLETED' | 'FAILED';
  startedAt: number;
  completedAt?: number;
  /** The backup it restores from. */
  backupTag: string;
  message?: string;
}

/** What a precheck, apply or rollback job answers besides its state (reference §2.9). */
export interface PatchJobInfo {
  patchId: string;
  /** The release the patch brings (apply) or takes off (rollback). */
  displayName: string;
  /** The service's level before the job: what a job reports when the service is gone. */
  fromLevel: string;
  /** Precheck: the problems found (empty: it passes). */
  findings?: string[];
  additionalNote?: string;
  rollbackId?: string;
  /** Whether the software was backed up before the job (Available: the backup is named after the job). */
  backupStatus?: 'Available' | 'SameVersion' | 'Unavailable' | 'Unknown';
}

export interface SimJob {
  id: string;
  domain: string;
  serviceName: string;
  requestName: RequestName;
  operation: string;
  submittedAt: number;
  durationMs: number;
  state: JobState;
  messages: string[];
  /** When each message was said (the activity log dates them). */
  messageAt: number[];
  createdBy: string;
  requestParams: Record<string, string>;
  /** Message the job ends with when it fails; undefined: it succeeds. */
  failureMessage?: string;
  /** Message the job ends with when it succeeds, if any. */
  successMessage?: string;
  /** Progress messages, each shown once its share (0..1) of the duration has passed. */
  steps: { at: number; text: string }[];
  onSuccess: (instance: SimInstance | undefined) => void;
  onFailure: (instance: SimInstance | undefined) => void;
  /** Patch jobs (precheck, apply, rollback): what their answers carry. */
  patch?: PatchJobInfo;
  /** Status reads of this job (polls), and when a read first saw it ended (detection delay). */
  reads: number;
  firstReadDoneAt?: number;
}

export interface SubmitJob {
  domain: string;
  serviceName: string;
  requestName: RequestName;
  operation: string;
  durationMs: number;
  createdBy: string;
  requestParams: Record<string, string>;
  failureMessage?: string;
  successMessage?: string;
  submittedMessage: string;
  steps: { at: number; text: string }[];
  onSuccess: (instance: SimInstance | undefined) => void;
  onFailure: (instance: SimInstance | undefined) => void;
  patch?: PatchJobInfo;
}

export interface JobCounters {
  submitted: number;
  succeeded: number;
  failed: number;
}

export class CloudState {
  private readonly instances = new Map<string, SimInstance>();
  private readonly jobs = new Map<string, SimJob>();
  private nextJobId = 10_001;
  readonly jobCounters = Object.fromEntries(REQUEST_NAMES.map((r) => [r, { submitted: 0, succeeded: 0, failed: 0 }])) as Record<RequestName, JobCounters>;
  /** The most jobs of each kind that ran at the same time (a rollout's parallelism shows here). */
  readonly maxConcurrent = Object.fromEntries(REQUEST_NAMES.map((r) => [r, 0])) as Record<RequestName, number>;
  instancesCreated = 0;
  instancesDeleted = 0;
  maxConcurrentJobs = 0;

  constructor(private readonly now: () => number = Date.now) {}

  private key(domain: string, name: string): string {
    return `${domain}/${name}`;
  }

  /** Brings every running job up to the current time. Call before reading or changing state. */
  advance(): void {
    const now = this.now();
    for (const job of this.jobs.values()) {
      if (job.state !== 'InProgress') continue;
      const elapsed = now - job.submittedAt;
      for (const step of job.steps) {
        if (elapsed >= step.at * job.durationMs && !job.messages.includes(step.text)) say(job, step.text, job.submittedAt + step.at * job.durationMs);
      }
      if (elapsed < job.durationMs) continue;
      const instance = this.instances.get(this.key(job.domain, job.serviceName));
      if (instance && instance.activeJobId === job.id) instance.activeJobId = undefined;
      if (job.failureMessage !== undefined) {
        job.state = 'Failed';
        say(job, job.failureMessage, job.submittedAt + job.durationMs);
        this.jobCounters[job.requestName].failed += 1;
        job.onFailure(instance);
      } else {
        job.state = 'Succeeded';
        if (job.successMessage !== undefined) say(job, job.successMessage, job.submittedAt + job.durationMs);
        this.jobCounters[job.requestName].succeeded += 1;
        job.onSuccess(instance);
      }
      if (instance) instance.lastModifiedAt = now;
    }
  }

  runningJobs(requestName?: RequestName): number {
    let n = 0;
    for (const job of this.jobs.values()) if (job.state === 'InProgress' && (!requestName || job.requestName === requestName)) n += 1;
    return n;
  }

  /** Jobs of a service (newest first), e.g. to find the patch job running on it. */
  jobsOf(domain: string, serviceName: string): SimJob[] {
    return [...this.jobs.values()].filter((j) => j.domain === domain && j.serviceName === serviceName).reverse();
  }

  submit(spec: SubmitJob): SimJob {
    const id = String(this.nextJobId++);
    const job: SimJob = {
      id,
      domain: spec.domain,
      serviceName: spec.serviceName,
      requestName: spec.requestName,
      operation: spec.operation,
      submittedAt: this.now(),
      durationMs: spec.durationMs,
      state: 'InProgress',
      messages: [spec.submittedMessage],
      messageAt: [this.now()],
      createdBy: spec.createdBy,
      requestParams: spec.requestParams,
      failureMessage: spec.failureMessage,
      successMessage: spec.successMessage,
      steps: spec.steps,
      onSuccess: spec.onSuccess,
      onFailure: spec.onFailure,
      patch: spec.patch,
      reads: 0,
    };
    this.jobs.set(id, job);
    this.jobCounters[spec.requestName].submitted += 1;
    const instance = this.instances.get(this.key(spec.domain, spec.serviceName));
    if (instance) instance.activeJobId = id;
    this.maxConcurrentJobs = Math.max(this.maxConcurrentJobs, this.runningJobs());
    this.maxConcurrent[spec.requestName] = Math.max(this.maxConcurrent[spec.requestName], this.runningJobs(spec.requestName));
    return job;
  }

  /** Counts a status read of a job (a poll), noting when one first saw it ended. */
  noteRead(job: SimJob): void {
    job.reads += 1;
    if (job.state !== 'InProgress' && job.firstReadDoneAt === undefined) job.firstReadDoneAt = this.now();
  }

  job(domain: string, id: string): SimJob | undefined {
    const job = this.jobs.get(id);
    return job && job.domain === domain ? job : undefined;
  }

  /** The instance whatever its visibility (name uniqueness, busy checks). */
  instance(domain: string, name: string): SimInstance | undefined {
    return this.instances.get(this.key(domain, name));
  }

  /** The instance as a GET sees it: not yet visible right after create. */
  visibleInstance(domain: string, name: string): SimInstance | undefined {
    const instance = this.instance(domain, name);
    return instance && this.now() >= instance.visibleAt ? instance : undefined;
  }

  visibleInstances(domain: string): SimInstance[] {
    const now = this.now();
    return [...this.instances.values()].filter((i) => i.domain === domain && now >= i.visibleAt).sort((a, b) => a.name.localeCompare(b.name));
  }

  allInstances(): SimInstance[] {
    return [...this.instances.values()];
  }

  addInstance(instance: SimInstance): void {
    this.instances.set(this.key(instance.domain, instance.name), instance);
    this.instancesCreated += 1;
  }

  removeInstance(domain: string, name: string): void {
    if (this.instances.delete(this.key(domain, name))) this.instancesDeleted += 1;
  }

  activeJob(instance: SimInstance): SimJob | undefined {
    if (!instance.activeJobId) return undefined;
    const job = this.jobs.get(instance.activeJobId);
    return job?.state === 'InProgress' ? job : undefined;
  }

  clear(): void {
    this.instances.clear();
    this.jobs.clear();
  }

  resetCounters(): void {
    for (const c of Object.values(this.jobCounters)) Object.assign(c, { submitted: 0, succeeded: 0, failed: 0 });
    this.instancesCreated = 0;
    this.instancesDeleted = 0;
    this.maxConcurrentJobs = this.runningJobs();
    for (const r of REQUEST_NAMES) this.maxConcurrent[r] = this.runningJobs(r);
  }
}

function say(job: SimJob, text: string, at: number): void {
  job.messages.push(text);
  job.messageAt.push(Math.round(at));
}
