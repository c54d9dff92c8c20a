// changeLifecycle: stop, start or restart a service (or one VM of it) and confirm the state it ends in.
// Nothing to roll back: a failed stop/start/restart is reported with the API's answer.
import { ApplicationFailure } from '@temporalio/workflow';
import { changeLifecycleInputSchema, type ChangeLifecycleInput, type OperationResult } from '../shared/schemas';
import { cloud } from './activity-proxies';

import { auditState, requireService, submitAndWait } from './jobs';
import { ServiceOperation, validateInput } from './operation';
import { FAILURE_TYPES } from '../shared/failures';

/** The state each request starts from and ends in. */
const TRANSITIONS = {
  stop: { from: 'Running', to: 'Stopped' },
  start: { from: 'Stopped', to: 'Running' },
  restart: { from: 'Running', to: 'Running' },
} as const;

/** What the API allows a lifecycle change when the request names no lifecycleTimeout (reference §2.6). */
const DEFAULT_LIFECYCLE_TIMEOUT_MINUTES = 60;

/**
 * What a recovery restart (input `recovery`, maintainService's) may start from: a service stuck in
 * Maintenance or In Progress has no other action that brings it back, and the API itself decides
 * (refusing a busy one). Stopped needs a start, Failed a human, Terminating nothing at all.
 */
const NOT_RECOVERABLE = ['Stopped', 'Terminating', 'Failed'];

export async function changeLifecycle(input: ChangeLifecycleInput): Promise<OperationResult> {
  const { identityDomain, serviceName, lifecycleState, vmName, lifecycleTimeout, recovery, requestedBy, ticket, timeouts } = validateInput('changeLifecycle', changeLifecycleInputSchema, input);
  const op = new ServiceOperation('changeLifecycle', identityDomain, serviceName, { requestedBy, ticket });
  // The cloud may take up to lifecycleTimeout minutes (60 by default): unless the input sets its own
  // job deadline, the wait allows that plus a margin.
  op.timeouts = { ...timeouts, jobMinutes: timeouts?.jobMinutes ?? (lifecycleTimeout ?? DEFAULT_LIFECYCLE_TIMEOUT_MINUTES) + 15 };
  const ref = { identityDomain, serviceName };
  const { from, to } = TRANSITIONS[lifecycleState];
  const subject = vmName ? `VM ${vmName} of [${serviceName}]` : `[${serviceName}]`;
  let vmBefore = '';
  await op.begin({ lifecycleState, vmName, ...(recovery ? { recovery } : {}) });

  try {
    const before = await op.step('precheck', async () => {
      const service = await requireService(op, ref);
      let current = service.status;
      if (vmName) {
        const node = (await cloud.listServers(ref)).find((n) => n.vmName === vmName);
        if (!node) throw ApplicationFailure.nonRetryable(`service [${serviceName}] has no VM ${vmName}`, FAILURE_TYPES.invalidInput);
        current = vmBefore = node.status;
        op.before = { ...op.before, vmName, vmStatus: node.status };
      }
      const allowed = recovery ? !NOT_RECOVERABLE.includes(current) : current === from;
      const expected = recovery ? `a recovery restart needs another status than ${NOT_RECOVERABLE.join(', ')}` : `not ${from}`;
      if (!allowed) throw ApplicationFailure.nonRetryable(`cannot ${lifecycleState} ${subject}: it is ${current}, ${expected}`, FAILURE_TYPES.invalidState);
      return service;
    });

    await submitAndWait(op, lifecycleState, 'control', () => cloud.submitLifecycle({ ...ref, lifecycleState, vmName, lifecycleTimeout }));
    const confirmed = await op.step('confirmState', () => op.waitForStatus([to], { vmName, failOn: ['Failed', 'Terminating', ...(to === 'Running' ? ['Stopped'] : [])] }));

    const after = vmName ? await cloud.findService(ref) : confirmed;
    op.after = vmName ? { ...auditState(after), vmName, vmStatus: confirmed?.status } : auditState(after);
    op.finish();
    await op.audit('succeeded');
    const vm = vmName ? { vmName, statusBefore: vmBefore, statusAfter: confirmed?.status } : undefined;
    return { before, after, jobIds: op.jobIds, durationMs: op.elapsedMs, ...(vm ? { vm } : {}) };
  } catch (err) {
    return op.fail(err);
  }
}
