// How the simulator describes instances, nodes and jobs: the field names of the DBCS API.
import type { PatchJobInfo, SimInstance, SimJob } from './state';

export function fmtDate(ms: number): string {
  return new Date(ms).toUTCString().replace('GMT', 'UTC');
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => String(n).padStart(2, '0');

/** The backup list's dates (FOG's mock: `%d-%b-%Y %H:%M:%S UTC`), e.g. `23-Nov-2026 18:11:02 UTC`. */
export function fmtFogDate(ms: number): string {
  const d = new Date(ms);
  return `${two(d.getUTCDate())}-${MONTHS[d.getUTCMonth()]}-${d.getUTCFullYear()} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} UTC`;
}

/** An RMAN-style backup tag (FOG's mock: `TAGyyyymmddTHHMMSS`). */
export function fmtFogTag(ms: number): string {
  const d = new Date(ms);
  return `TAG${d.getUTCFullYear()}${two(d.getUTCMonth() + 1)}${two(d.getUTCDate())}T${two(d.getUTCHours())}${two(d.getUTCMinutes())}${two(d.getUTCSeconds())}`;
}

export function describeInstance(i: SimInstance, base: string, now: number) {
  const host = `${i.name.toLowerCase()}.${i.domain.toLowerCase()}.oraclecloud.internal`;
  return {
    service_name: i.name,
    version: i.version,
    status: i.status,
    description: i.description ?? '',
    identity_domain: i.domain,
    creation_time: fmtDate(i.createdAt),
    last_modified_time: fmtDate(Math.min(i.lastModifiedAt, now)),
    created_by: i.createdBy,
    service_uri: `${base}/${i.name}`,
    num_nodes: i.isRac ? 2 : 1,
    level: i.level,
    edition: i.edition,
    shape: i.shape,
    subscriptionType: i.subscriptionType,
    creation_job_id: i.creationJobId,
    num_ip_reservations: 0,
    backup_destination: i.backupDestination,
    sid: i.sid,
    ...(i.pdbName ? { pdbName: i.pdbName } : {}),
    listenerPort: 1521,
    connect_descriptor: `${host}:1521/${(i.pdbName ?? i.sid).toUpperCase()}.${i.domain}.oraclecloud.internal`,
    rac_database: i.isRac,
    failover_database: i.failoverDatabase,
    patch_level: i.patchLevel,
    current_version: i.patchLevel,
    applied_patches: i.appliedPatches.filter((p) => p.status === 'Applied').map((p) => p.patchId),
    usable_storage: i.usableStorageGb,
    fra_storage: i.fraStorageGb,
    additional_volumes: i.extraVolumesGb,
    ...(i.isRac ? { total_shared_storage: i.usableStorageGb } : {}),
  };
}

/** GET …/{service}/servers: the compute nodes (two for RAC). */
export function describeServers(i: SimInstance, patchingNode?: number) {
  return i.nodes.map((n, k) => ({
    vmName: n.vmName,
    hostname: n.hostname,
    // While a patch job runs, the node being patched (one at a time) is in Maintenance.
    status: patchingNode === undefined ? n.status : k === patchingNode ? 'Maintenance' : n.status,
    patchLevel: i.patchLevel,
    shape: i.shape,
    sid: i.sid,
    listenerPort: 1521,
    creation_job_id: i.creationJobId,
    storageAllocated: (i.usableStorageGb + i.fraStorageGb + i.extraVolumesGb.reduce((a, b) => a + b, 0)) * 1024,
    initialPrimary: n.vmName === 'vm-1',
  }));
}

export function describeJob(job: SimJob, instance: SimInstance | undefined, base: string) {
  return {
    service_name: job.serviceName,
    version: instance?.version ?? job.requestParams.version ?? '',
    // After a successful delete the instance is gone; the job still answers, with the last state.
    status: instance?.status ?? (job.requestName === 'delete' && job.state === 'Succeeded' ? 'Terminated' : 'Unknown'),
    identity_domain: job.domain,
    creation_time: instance ? fmtDate(instance.createdAt) : fmtDate(job.submittedAt),
    created_by: job.createdBy,
    service_uri: `${base}/${job.serviceName}`,
    message: [...job.messages],
    job_id: job.id,
    job_start_date: fmtDate(job.submittedAt),
    job_status: job.state,
    job_operation: job.operation,
    job_request_params: job.requestParams,
  };
}

/** The activity log's status words (reference §1.4: NEW, RUNNING, SUCCEED, FAILED). */
const ACTIVITY_STATUS: Record<SimJob['state'], string> = { InProgress: 'RUNNING', Succeeded: 'SUCCEED', Failed: 'FAILED' };

/** GET /paas/api/v1.1/activitylog/{dom}/job/{jobId}: any job's dated messages (reference §1.4). */
export function describeActivityLog(job: SimJob) {
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    activityLogId: Number(job.id),
    authDomain: job.domain,
    authUser: job.createdBy,
    identityDomain: job.domain,
    initiatedBy: 'USER',
    jobId: Number(job.id),
    messages: job.messages.map((message, k) => ({ activityDate: iso(job.messageAt[k] ?? job.submittedAt), message })),
    operationId: Number(job.id),
    // e.g. create-dbaas-service → CREATE_SERVICE, apply-patch → APPLY_PATCH
    operationType: job.operation.replace('-dbaas-', '-').replace(/-/g, '_').toUpperCase(),
    serviceId: job.serviceName,
    serviceName: job.serviceName,
    serviceType: 'dbaas',
    startDate: iso(job.submittedAt),
    endDate: job.state === 'InProgress' ? null : iso(job.submittedAt + job.durationMs),
    status: ACTIVITY_STATUS[job.state],
    summaryMessage: job.messages.at(-1) ?? '',
  };
}

/** Patch jobs spell their state in capitals (reference §2.9: 'IN PROGRESS', 'COMPLETED', 'FAILED'). */
const PATCH_JOB_STATUS: Record<SimJob['state'], string> = { InProgress: 'IN PROGRESS', Succeeded: 'COMPLETED', Failed: 'FAILED' };

function patchInfo(job: SimJob): PatchJobInfo {
  if (!job.patch) throw new Error(`job ${job.id} (${job.requestName}) is not a patch job`);
  return job.patch;
}

/** GET …/patches/checks/job/{id}: `view-precheck-response`; preCheckMessages is empty when the precheck passed. */
export function describePrecheckJob(job: SimJob) {
  const info = patchInfo(job);
  const ended = job.state !== 'InProgress';
  return {
    id: Number(job.id),
    jobId: job.id,
    patchId: info.patchId,
    inProgress: !ended,
    status: PATCH_JOB_STATUS[job.state],
    startDate: new Date(job.submittedAt).toISOString(),
    endDate: ended ? new Date(job.submittedAt + job.durationMs).toISOString() : null,
    performedBy: job.createdBy,
    // The findings are known once the precheck has run.
    preCheckMessages: ended ? [...(info.findings ?? [])] : [],
    resultMessage: job.messages.at(-1) ?? '',
  };
}

/** GET …/patches/applied/job/{id} (apply and rollback): `applied-patch`. */
export function describeAppliedPatchJob(job: SimJob, instance: SimInstance | undefined) {
  const info = patchInfo(job);
  return {
    id: Number(job.id),
    jobId: job.id,
    inProgress: job.state === 'InProgress',
    lastStatus: PATCH_JOB_STATUS[job.state],
    currentPatchLevel: instance?.patchLevel ?? info.fromLevel,
    appliedBy: job.createdBy,
    appliedDate: new Date(job.submittedAt).toISOString(),
    additionalNote: info.additionalNote ?? '',
    backupId: info.backupStatus === 'Available' ? `sw-backup-${job.id}` : '',
    backupStatus: info.backupStatus ?? 'Unknown',
    componentPatches: [{ component: 'DB', patchId: info.patchId, displayName: info.displayName }],
    displayName: info.displayName,
  };
}

export function jobAccepted(job: SimJob) {
  return { status: 'New', details: { jobId: job.id, message: job.messages[0] } };
}

