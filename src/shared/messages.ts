// Queries, signals and updates shared by workflows and their clients (CLI, other services).
import { defineQuery } from '@temporalio/workflow';

export type OperationState = 'running' | 'rolling_back' | 'succeeded' | 'failed' | 'rolled_back';

export interface StepRecord {
  name: string;
  startedAt: string;
  endedAt?: string;
  outcome?: 'ok' | 'failed';
}

export interface OperationProgress {
  operation: string;
  identityDomain: string;
  serviceName: string;
  state: OperationState;
  /** The step running now (or the last one, once the operation has ended). */
  step: string;
  steps: StepRecord[];
  jobId?: string;
  /** The API's latest job messages known to the workflow. */
  messages: string[];
  startedAt: string;
  updatedAt: string;
  error?: string;
}

export const progressQuery = defineQuery<OperationProgress>('progress');
