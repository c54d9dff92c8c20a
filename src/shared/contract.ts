// The public contract other services depend on (design.md): task queue, workflow ids, search attributes.
import { defineSearchAttributeKey } from '@temporalio/common';

export const DEFAULT_TASK_QUEUE = 'dbaas';

export const SEARCH_ATTRIBUTES = {
  serviceName: defineSearchAttributeKey('DbServiceName', 'KEYWORD'),
  identityDomain: defineSearchAttributeKey('IdentityDomain', 'KEYWORD'),
  operation: defineSearchAttributeKey('DbOperation', 'KEYWORD'),
  patchId: defineSearchAttributeKey('PatchId', 'KEYWORD'),
} as const;

export const ALL_SEARCH_ATTRIBUTE_KEYS = Object.values(SEARCH_ATTRIBUTES);

export const MUTATING_OPERATIONS = ['buildService', 'scaleService', 'changeLifecycle', 'deleteService', 'patchService', 'rollbackServicePatch', 'backupService', 'restoreService'] as const;
export type Operation = (typeof MUTATING_OPERATIONS)[number] | 'rollingPatch' | 'maintainService';

/** Mutating operations on one service share this id, so Temporal itself refuses a second concurrent one. */
export function serviceWorkflowId(identityDomain: string, serviceName: string): string {
  return `svc:${identityDomain}:${serviceName}`;
}

/** Inverse of serviceWorkflowId, for CLI messages; undefined when the id is not a per-service id. */
export function parseServiceWorkflowId(workflowId: string): { identityDomain: string; serviceName: string } | undefined {
  const m = /^svc:([^:]+):(.+)$/.exec(workflowId);
  return m ? { identityDomain: m[1]!, serviceName: m[2]! } : undefined;
}

/**
 * What a workflow id says about its subject, for log lines and metric-free labels: the identity
 * domain and the service (svc:, maintain:) or the rollout's patch (patch:). Empty for other ids.
 */
export function subjectOfWorkflowId(workflowId: string): { identityDomain?: string; serviceName?: string; patchId?: string } {
  const m = /^(svc|maintain|patch):([^:]+):(.+)$/.exec(workflowId);
  if (!m) return {};
  return m[1] === 'patch' ? { identityDomain: m[2], patchId: m[3] } : { identityDomain: m[2], serviceName: m[3] };
}
