// changeLifecycle: stop, start or restart a service (or one VM of it) and confirm the state it ends in.
// Nothing to roll back: a failed stop/start/restart is reported with the API's answer.
import { ApplicationFailure } from '@temporalio/workflow';
import { changeLifecycleInputSchema, type ChangeLifecycleInput, type OperationResult } from '../shared/schemas';
import { cloud, waits } from './activity-proxies';
import { auditState, requireService, submitAndWait } from './jobs';
import { ServiceOperation, validateInput } from './operation';

/** The state each request starts from and ends in. */
const TRANSITIONS = {
  stop: { from: 'Running', to: 'Stopped' },
  start: { from: 'Stopped', to: 'Running' },
  restart: { from: 'Running', to: 'Running' },
} as const;

export async function changeLifecycle(input: ChangeLifecycleInput): Promise<OperationResult> {
  const { identityDomain, serviceName, lifecycleState, vmName, lifecycleTimeout, requestedBy, ticket } = validateInput('changeLifecycle', changeLifecycleInputSchema, input);
  const op = new ServiceOperation('changeLifecycle', identityDomain, serviceName, { requestedBy, ticket });
  const ref = { identityDomain, serviceName };
  const { from, to } = TRANSITIONS[lifecycleState];
  const subject = vmName ? `VM ${vmName} of [${serviceName}]` : `[${serviceName}]`;
  let vmBefore = '';
  await op.audit('requested', { details: { lifecycleState, vmName } });

  try {
    const before = await op.step('precheck', async () => {
      const service = await requireService(op, ref);
      let current = service.status;
      if (vmName) {
        const node = (await cloud.listServers(ref)).find((n) => n.vmName === vmName);
        if (!node) throw ApplicationFailure.nonRetryable(`service [${serviceName}] has no VM ${vmName}`, 'InvalidInput');
        current = vmBefore = node.status;
        op.before = { ...op.before, vmName, vmStatus: node.status };
      }
      if (current !== from) throw ApplicationFailure.nonRetryable(`cannot ${lifecycleState} ${subject}: it is ${current}, not ${from}`, 'InvalidState');
      return service;
    });

    await submitAndWait(op, lifecycleState, 'control', () => cloud.submitLifecycle({ ...ref, lifecycleState, vmName, lifecycleTimeout }));
    const confirmed = await op.step('confirmState', () => waits.waitForServiceStatus({ ...ref, vmName, want: [to], failOn: ['Failed', 'Terminating', ...(to === 'Running' ? ['Stopped'] : [])] }));

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
