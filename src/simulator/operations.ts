// What the simulated cloud does for each mutating request: validation (400 with the documented
// messages), the state change it starts, and the async job that finishes it.
import { createRequestViolations, formatViolations } from '../shared/dbcs-rules';
import { DB_VERSIONS, EDITIONS, LEVELS, SHAPES } from '../shared/shapes';
import type { FaultInjector } from './faults';
import { asObject, HttpError, NOT_FOUND_TEXT } from './http-util';
import { baseLevel } from './patches';
import type { CloudState, InstanceStatus, RequestName, SimInstance, SimJob, SimNode } from './state';

export { NOT_FOUND_TEXT } from './http-util';
export const STORAGE_LIMITS = { additionalMinGb: 1, additionalMaxGb: 1024, totalDataMaxGb: 4096 } as const;

export interface OperationsContext {
  state: CloudState;
  faults: FaultInjector;
  durations: () => Record<RequestName, number>;
  visibilityDelayMs: number;
  username: string;
  now: () => number;
  log: (line: string) => void;
}

/** What the simulated cloud's request handlers share: finding a visible instance, refusing a busy one. */
export abstract class InstanceOperations {
  constructor(protected readonly ctx: OperationsContext) {}

  protected existing(domain: string, name: string): SimInstance {
    const instance = this.ctx.state.instance(domain, name);
    if (!instance || this.ctx.now() < instance.visibleAt) throw new HttpError(404, NOT_FOUND_TEXT);
    return instance;
  }

  protected refuseIfBusy(instance: SimInstance): void {
    const busy = this.ctx.state.activeJob(instance);
    if (busy) throw new HttpError(400, `Service [${instance.name}] is busy: ${busy.operation} (job ${busy.id}) is in progress; try again when it has finished`);
  }
}

export class CloudOperations extends InstanceOperations {

  create(domain: string, raw: unknown): SimJob {
    const body = asObject(raw);
    const problems = validateCreateBody(body);
    if (problems.length > 0) throw new HttpError(400, `Invalid create request: ${problems.join('; ')}`);
    const name = body.serviceName as string;
    if (this.ctx.state.instance(domain, name)) {
      throw new HttpError(400, `Service name [${name}] is already in use in identity domain [${domain}]; service names must be unique`);
    }
    const db = ((body.parameters as Record<string, unknown>[] | undefined) ?? [])[0] ?? {};
    const now = this.ctx.now();
    const isRac = String(db.isRac ?? 'no').toLowerCase() === 'yes';
    const usable = Number(db.usableStorage ?? 25);
    const instance: SimInstance = {
      domain,
      name,
      status: 'In Progress',
      version: String(body.version),
      level: String(body.level),
      edition: String(body.edition),
      shape: String(body.shape),
      subscriptionType: String(body.subscriptionType),
      description: typeof body.description === 'string' ? body.description : undefined,
      usableStorageGb: usable,
      fraStorageGb: Math.max(15, Math.ceil(usable * 1.7)),
      extraVolumesGb: [],
      patchLevel: baseLevel(String(body.version)),
      appliedPatches: [],
      nodes: (isRac ? [1, 2] : [1]).map((n) => ({ vmName: `vm-${n}`, hostname: `${name.toLowerCase()}${isRac ? `-rac${n}` : ''}`, status: 'Running' })),
      backupDestination: String(db.backupDestination ?? 'NONE'),
      sid: String(db.sid ?? 'ORCL'),
      pdbName: body.version === '11.2.0.4' ? undefined : String(db.pdbName ?? 'pdb1'),
      isRac,
      failoverDatabase: String(db.failoverDatabase ?? 'no').toLowerCase() === 'yes',
      createdBy: this.ctx.username,
      createdAt: now,
      lastModifiedAt: now,
      creationJobId: '',
      visibleAt: now + this.ctx.visibilityDelayMs,
    };
    this.ctx.state.addInstance(instance);
    const job = this.ctx.state.submit({
      domain,
      serviceName: name,
      requestName: 'create',
      operation: 'create-dbaas-service',
      durationMs: this.ctx.durations().create,
      createdBy: this.ctx.username,
      requestParams: createRequestParams(body, db, domain),
      failureMessage: this.ctx.faults.jobFailure('create', name),
      submittedMessage: `Submitted job to create service [${name}] in domain [${domain}].`,
      steps: [
        { at: 0.1, text: `Creating compute resources for service [${name}]: ${instance.nodes.length} VM(s) of shape ${instance.shape}` },
        { at: 0.4, text: `SSH access to VM [DB_1/vm-1] succeeded` },
        { at: 0.6, text: `Configuring Oracle Database ${instance.version} (${instance.edition})` },
        { at: 0.85, text: 'Starting database services and listener' },
      ],
      onSuccess: (i) => {
        if (i) i.status = 'Running';
      },
      // A failed provisioning leaves a broken instance behind (billed until deleted): clients must clean up.
      onFailure: (i) => {
        if (i) i.status = 'Failed';
      },
    });
    instance.creationJobId = job.id;
    this.ctx.log(`create ${domain}/${name} job ${job.id}${job.failureMessage ? ' (will fail)' : ''}`);
    return job;
  }

  /** Puts Running services straight into the cloud (fleet tests and benchmarks); no job, no validation beyond the name. */
  seed(domain: string, names: string[], version: string, shape = 'oc3'): number {
    const now = this.ctx.now();
    let added = 0;
    for (const name of names) {
      if (this.ctx.state.instance(domain, name)) continue;
      this.ctx.state.addInstance({
        domain,
        name,
        status: 'Running',
        version,
        level: 'PAAS',
        edition: 'EE',
        shape,
        subscriptionType: 'HOURLY',
        usableStorageGb: 25,
        fraStorageGb: 43,
        extraVolumesGb: [],
        patchLevel: baseLevel(version),
        appliedPatches: [],
        nodes: [{ vmName: 'vm-1', hostname: name.toLowerCase(), status: 'Running' }],
        backupDestination: 'NONE',
        sid: 'ORCL',
        isRac: false,
        failoverDatabase: false,
        createdBy: this.ctx.username,
        createdAt: now,
        lastModifiedAt: now,
        creationJobId: 'seeded',
        visibleAt: now,
      });
      added += 1;
    }
    return added;
  }

  delete(domain: string, name: string, deleteBackup: boolean): SimJob {
    // Like a GET, a DELETE right after a create does not find the instance yet (404).
    const instance = this.existing(domain, name);
    // A delete already under way: answer with its job (deleting twice is not an error).
    if (instance.status === 'Terminating') return this.ctx.state.activeJob(instance)!;
    this.refuseIfBusy(instance);
    if (deleteBackup && instance.isRac) throw new HttpError(400, 'deleteBackup=true is not supported for cluster (RAC) databases');
    const previous = instance.status;
    instance.status = 'Terminating';
    const job = this.ctx.state.submit({
      domain,
      serviceName: name,
      requestName: 'delete',
      operation: 'delete-dbaas-service',
      durationMs: this.ctx.durations().delete,
      createdBy: this.ctx.username,
      requestParams: { serviceName: name, deleteBackup: String(deleteBackup) },
      failureMessage: this.ctx.faults.jobFailure('delete', name),
      submittedMessage: `Submitted job to delete service [${name}] in domain [${domain}].`,
      steps: [{ at: 0.3, text: `Stopping database and releasing compute resources of service [${name}]` }],
      onSuccess: () => this.ctx.state.removeInstance(domain, name),
      onFailure: (i) => {
        if (i) i.status = previous;
      },
    });
    this.ctx.log(`delete ${domain}/${name} job ${job.id}${deleteBackup ? ' (with backups)' : ''}`);
    return job;
  }

  /** PUT: a new shape (up or down) and/or more storage (usage data|fra, or a new volume). */
  scale(domain: string, name: string, raw: unknown): SimJob {
    const body = asObject(raw);
    const instance = this.existing(domain, name);
    const shape = body.shape === undefined ? undefined : String(body.shape);
    const storageText = body.additionalStorage === undefined ? undefined : String(body.additionalStorage);
    const usage = body.usage === undefined ? undefined : String(body.usage).toLowerCase();
    const problems: string[] = [];
    if (shape === undefined && storageText === undefined) problems.push('give a shape, an additionalStorage, or both');
    if (shape !== undefined && !(shape in SHAPES)) problems.push(`shape: must be one of ${Object.keys(SHAPES).join(', ')} (got ${shape})`);
    if (shape !== undefined && shape === instance.shape) problems.push(`shape: the service already has shape ${shape}`);
    let storage = 0;
    if (storageText !== undefined) {
      storage = Number(storageText);
      if (!/^\d+$/.test(storageText) || storage < STORAGE_LIMITS.additionalMinGb || storage > STORAGE_LIMITS.additionalMaxGb) {
        problems.push(`additionalStorage: must be a whole number of GB from ${STORAGE_LIMITS.additionalMinGb} to ${STORAGE_LIMITS.additionalMaxGb} (got ${storageText})`);
      }
    }
    if (usage !== undefined && storageText === undefined) problems.push('usage: applies only with additionalStorage');
    if (usage !== undefined && usage !== 'data' && usage !== 'fra') problems.push(`usage: must be data or fra (got ${usage})`);
    if (usage === 'data' && instance.usableStorageGb + storage > STORAGE_LIMITS.totalDataMaxGb) {
      problems.push(`additionalStorage: the data volume would exceed ${STORAGE_LIMITS.totalDataMaxGb} GB`);
    }
    if (problems.length > 0) throw new HttpError(400, `Invalid scale request: ${problems.join('; ')}`);
    this.refuseIfBusy(instance);
    if (instance.status !== 'Running') throw new HttpError(400, `Service [${name}] is ${instance.status}: it can be scaled only when Running`);

    const originalShape = instance.shape;
    instance.status = 'Maintenance';
    const what = [shape ? `shape ${originalShape} → ${shape}` : '', storageText ? `${storage} GB ${usage === 'fra' ? 'on the FRA volume' : usage === 'data' ? 'on the data volume' : 'as a new volume'}` : ''].filter(Boolean).join(', ');
    const job = this.ctx.state.submit({
      domain,
      serviceName: name,
      requestName: 'scale',
      operation: 'scale-dbaas-service',
      durationMs: this.ctx.durations().scale,
      createdBy: this.ctx.username,
      requestParams: { serviceName: name, ...(shape ? { shape } : {}), ...(storageText ? { additionalStorage: storageText } : {}), ...(usage ? { usage } : {}) },
      failureMessage: this.ctx.faults.jobFailure('scale', name),
      submittedMessage: `Submitted job to scale service [${name}] in domain [${domain}]: ${what}.`,
      steps: [
        { at: 0.2, text: `Stopping database services of [${name}] for the change` },
        { at: 0.5, text: `Applying ${what}` },
        { at: 0.8, text: 'Restarting database services' },
      ],
      onSuccess: (i) => {
        if (!i) return;
        if (shape) i.shape = shape;
        if (storage > 0) {
          if (usage === 'data') i.usableStorageGb += storage;
          else if (usage === 'fra') i.fraStorageGb += storage;
          else i.extraVolumesGb.push(storage);
        }
        i.status = 'Running';
      },
      // The cloud began the change: a failed shape change leaves the new shape half applied.
      onFailure: (i) => {
        if (!i) return;
        if (shape) i.shape = shape;
        i.status = 'Running';
      },
    });
    this.ctx.log(`scale ${domain}/${name} (${what}) job ${job.id}`);
    return job;
  }

  /** POST: stop, start or restart the service, or one of its nodes (vmName). */
  control(domain: string, name: string, raw: unknown): SimJob {
    const body = asObject(raw);
    const instance = this.existing(domain, name);
    const state = String(body.lifecycleState ?? '').toLowerCase();
    if (!['stop', 'start', 'restart'].includes(state)) throw new HttpError(400, `lifecycleState: must be stop, start or restart (got ${JSON.stringify(body.lifecycleState ?? null)})`);
    if (body.lifecycleTimeout !== undefined) {
      const t = Number(body.lifecycleTimeout);
      if (!Number.isInteger(t) || t < 1 || t > 300) throw new HttpError(400, `lifecycleTimeout: must be 1 to 300 minutes (got ${String(body.lifecycleTimeout)})`);
    }
    const vmName = body.vmName === undefined ? undefined : String(body.vmName);
    const targets: SimNode[] = vmName ? instance.nodes.filter((n) => n.vmName === vmName) : instance.nodes;
    if (vmName && targets.length === 0) throw new HttpError(400, `vmName: service [${name}] has no VM ${vmName} (it has ${instance.nodes.map((n) => n.vmName).join(', ')})`);
    this.refuseIfBusy(instance);
    const subject = vmName ? `VM ${vmName} of service [${name}]` : `service [${name}]`;
    const current = vmName ? targets[0]!.status : instance.status;
    // A service left in Maintenance with no job running is stuck: a restart is what brings it back (busy ones were refused above).
    const stuck = state === 'restart' && current === 'Maintenance';
    if ((state === 'stop' || state === 'restart') && current !== 'Running' && !stuck) throw new HttpError(400, `Cannot ${state} ${subject}: it is ${current}, not Running`);
    if (state === 'start' && current !== 'Stopped') throw new HttpError(400, `Cannot start ${subject}: it is ${current}, not Stopped`);

    const previous: InstanceStatus = instance.status;
    const previousNodes = targets.map((n) => n.status);
    instance.status = 'Maintenance';
    for (const n of targets) n.status = 'Maintenance';
    const verb = { stop: 'stopped', start: 'started', restart: 'restarted' }[state];
    const job = this.ctx.state.submit({
      domain,
      serviceName: name,
      requestName: 'control',
      operation: `${state}-dbaas-service`,
      durationMs: this.ctx.durations().control,
      createdBy: this.ctx.username,
      requestParams: { serviceName: name, lifecycleState: state, ...(vmName ? { vmName } : {}) },
      failureMessage: this.ctx.faults.jobFailure('control', name),
      submittedMessage: `Submitted job to ${state} ${subject} in domain [${domain}].`,
      steps: [{ at: 0.3, text: `The ${subject} is being ${verb}...` }],
      onSuccess: (i) => {
        if (!i) return;
        for (const n of targets) n.status = state === 'stop' ? 'Stopped' : 'Running';
        i.status = i.nodes.every((n) => n.status === 'Stopped') ? 'Stopped' : 'Running';
      },
      onFailure: (i) => {
        if (!i) return;
        targets.forEach((n, k) => (n.status = previousNodes[k] as SimNode['status']));
        i.status = previous;
      },
    });
    this.ctx.log(`${state} ${domain}/${name}${vmName ? ` ${vmName}` : ''} job ${job.id}`);
    return job;
  }
}

/** Structural checks of a create body (types and enumerations), then the shared cross-field rules. */
export function validateCreateBody(body: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const need = (field: string, allowed?: readonly string[]) => {
    const v = body[field];
    if (typeof v !== 'string' || v.length === 0) problems.push(`${field}: is required`);
    else if (allowed && !allowed.includes(v)) problems.push(`${field}: must be one of ${allowed.join(', ')} (got ${v})`);
  };
  need('serviceName');
  need('version', DB_VERSIONS);
  need('level', LEVELS);
  need('edition', EDITIONS);
  need('subscriptionType', ['HOURLY', 'MONTHLY']);
  need('shape', Object.keys(SHAPES));
  need('vmPublicKeyText');
  const params = body.parameters;
  if (params !== undefined && !Array.isArray(params)) problems.push('parameters: must be an array of one object');
  const db = Array.isArray(params) ? (params[0] as Record<string, unknown> | undefined) : undefined;
  if (db) {
    if (db.type !== 'db') problems.push('parameters.0.type: must be "db"');
    if (typeof db.adminPassword !== 'string') problems.push('parameters.0.adminPassword: is required');
    if (!['BOTH', 'OSS', 'NONE'].includes(String(db.backupDestination))) problems.push('parameters.0.backupDestination: must be one of BOTH, OSS, NONE');
  }
  const cross = createRequestViolations(body);
  if (cross.length > 0) problems.push(formatViolations(cross));
  return problems;
}

/** What the job echoes of the request: the documented job_request_params, never the passwords. */
function createRequestParams(body: Record<string, unknown>, db: Record<string, unknown>, domain: string): Record<string, string> {
  return {
    serviceName: String(body.serviceName),
    version: String(body.version),
    level: String(body.level),
    edition: String(body.edition),
    shape: String(body.shape),
    subscriptionType: String(body.subscriptionType),
    usableStorage: String(db.usableStorage ?? ''),
    backupDestination: String(db.backupDestination ?? 'NONE'),
    sid: String(db.sid ?? 'ORCL'),
    isRac: String(String(db.isRac ?? 'no').toLowerCase() === 'yes'),
    failoverDatabase: String(String(db.failoverDatabase ?? 'no').toLowerCase() === 'yes'),
    noRollback: 'false',
    identity_domain_id: domain,
    operationName: 'create-dbaas-service',
    serviceType: 'dbaas',
  };
}
