// How the simulator describes instances, nodes and jobs: the field names of the DBCS API.
import type { SimInstance, SimJob } from './state';

export function fmtDate(ms: number): string {
  return new Date(ms).toUTCString().replace('GMT', 'UTC');
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
    ...job.extra,
  };
}

export function jobAccepted(job: SimJob) {
  return { status: 'New', details: { jobId: job.id, message: job.messages[0] } };
}

