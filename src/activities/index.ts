// All activities the worker registers, built from their dependencies (cloud client, audit store).
import type { AuditStore } from '../audit/types';
import type { DbcsClient } from '../cloud/client';
import { createAuditActivities } from './audit';
import { createCloudActivities } from './cloud';
import { createPatchingActivities } from './patching';

export function createActivities(deps: { cloud: DbcsClient; audit: () => Promise<AuditStore> }) {
  return {
    ...createCloudActivities(deps.cloud),
    ...createPatchingActivities(deps.cloud),
    ...createAuditActivities(deps.audit),
  };
}

export type Activities = ReturnType<typeof createActivities>;
export type { AuditEventRequest } from './audit';
export type { CreateServiceResult, JobOutcome, LifecycleRequest, ScaleRequest, ServiceRef, SubmitResult, WaitForJobInput, WaitForStatusInput } from './cloud';
export type { FleetMember, HealthResult, PrecheckResult } from './patching';
