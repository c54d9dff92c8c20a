// Every workflow the worker runs. One workflow per file; this index is what the bundler loads.
export { applicationRecords } from './applicationRecords';
export { auditTrail } from './auditTrail';
export { fleetReport } from './fleetReport';
export { backupRecords } from './backupRecords';
export { backupService } from './backupService';
export { buildService } from './buildService';
export { changeLifecycle } from './changeLifecycle';
export { deleteService } from './deleteService';
export { maintainService } from './maintainService';
export { notifyContacts } from './notifyContacts';
export { patchService } from './patchService';
export { restoreService } from './restoreService';
export { rollbackServicePatch } from './rollbackServicePatch';
export { rollingPatch } from './rollingPatch';
export { scaleService } from './scaleService';
