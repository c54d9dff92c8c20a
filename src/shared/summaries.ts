// One line per run for the Temporal UI's list (the static summary the CLI sets at start) and the
// run's current details (what it does now, set by the workflow as it goes). Workflow-safe.

const text = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : undefined);
const MAX = 200;

/** "build orders-db (oc3, 12.2.0.1)", "scale orders-db to oc4 +100 GB", "patch 12201-190416 on 12 services in prod". */
export function operationSummary(workflowType: string, input: unknown): string {
  const i = (input && typeof input === 'object' ? input : {}) as Record<string, unknown>;
  const service = (i.service && typeof i.service === 'object' ? i.service : {}) as Record<string, unknown>;
  const name = text(i.serviceName) ?? text(service.serviceName) ?? '?';
  const services = Array.isArray(i.services) ? i.services.length : undefined;
  const summary: Record<string, () => string> = {
    buildService: () => `build ${name} (${text(service.shape) ?? '?'}, ${text(service.version) ?? '?'})`,
    scaleService: () => `scale ${name}${text(i.shape) ? ` to ${text(i.shape)}` : ''}${text(i.additionalStorage) ? ` +${text(i.additionalStorage)} GB` : ''}`,
    changeLifecycle: () => `${text(i.lifecycleState) ?? 'change'} ${name}${text(i.vmName) ? ` (VM ${text(i.vmName)})` : ''}`,
    deleteService: () => `delete ${name}${i.deleteBackup ? ' and its backups' : ''}`,
    patchService: () => `patch ${name} with ${text(i.patchId) ?? '?'}`,
    rollbackServicePatch: () => `roll back ${text(i.patchId) ?? 'the patch'} on ${name}`,
    rollingPatch: () => `patch ${text(i.patchId) ?? '?'} on ${services !== undefined ? `${services} services` : `version ${text(i.version) ?? '?'}`} in ${text(i.identityDomain) ?? '?'}`,
    maintainService: () => `maintain ${name}`,
    backupService: () => `back up ${name}${text(i.type) && i.type !== 'on-demand' ? ` (${text(i.type)})` : ''}`,
    restoreService: () => `restore ${name} to ${text(i.tag) ? `backup ${text(i.tag)}` : text(i.timestamp) ? `${text(i.timestamp)}` : 'the latest backup'}`,
  };
  return (summary[workflowType]?.() ?? workflowType).slice(0, MAX);
}
