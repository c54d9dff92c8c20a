// All activities the worker registers, built from their dependencies (cloud client, audit store).
import type { AuditStore } from '../audit/types';
import type { DbcsClient } from '../cloud/client';
import { createAuditActivities } from './audit';
import { createBackupActivities } from './backups';
import { createCloudActivities, type PollSettings } from './cloud';
import { createContactActivities } from './contacts';
import { learnJobEnds } from './job-ends';
import { createAdoptionActivities } from './create-adoption';
import { createPatchingActivities } from './patching';
import { createReportActivities } from './reports';
import { createRequesterActivities, type RequesterCheckConfig } from './requester';

export function createActivities(deps: { cloud: DbcsClient; audit: () => Promise<AuditStore>; requesters: RequesterCheckConfig; polling?: PollSettings }) {
  const jobEnds = learnJobEnds(deps.audit);
  return {
    ...createRequesterActivities(deps.requesters, deps.audit),
    ...createCloudActivities(deps.cloud, deps.polling, jobEnds),
    ...createPatchingActivities(deps.cloud),
    ...createAdoptionActivities(deps.cloud),
    ...createAuditActivities(deps.audit),
    ...createReportActivities(deps.cloud, deps.audit),
    ...createBackupActivities(deps.cloud, deps.audit, deps.polling, jobEnds),
    ...createContactActivities(deps.audit),
  };
}

export type Activities = ReturnType<typeof createActivities>;
export type { AuditEventRequest } from './audit';
export type { BackupStart, StartBackupInput, StartRecoveryInput, WaitForBackupInput, WaitForRecoveryInput } from './backups';
export type { DispatchInput } from './contacts';
export type { CreateServiceResult, PollSettings, JobOutcome, LifecycleRequest, ScaleRequest, ServiceRef, SubmitResult, WaitForJobInput, WaitForStatusInput } from './cloud';
export type { OwnCreate, OwnCreateQuery } from './create-adoption';
export type { FleetMember, HealthResult, PrecheckResult } from './patching';
