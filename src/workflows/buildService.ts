// buildService: create a database service and see it Running, or leave nothing behind.
// validate → audit requested → precheck (name free) → create → wait for the job → confirm Running →
// audit succeeded. Any failure or cancellation deletes what was created and audits rolled_back.
import { ApplicationFailure } from '@temporalio/workflow';
import { buildServiceInputSchema, type BuildServiceInput, type BuildServiceResult } from '../shared/schemas';
import { cloud, waits } from './activity-proxies';
import { readService } from './jobs';
import { failureType, ServiceOperation, validateInput } from './operation';

export async function buildService(input: BuildServiceInput): Promise<BuildServiceResult> {
  const { identityDomain, service, requestedBy, ticket } = validateInput('buildService', buildServiceInputSchema, input);
  const op = new ServiceOperation('buildService', identityDomain, service.serviceName, { requestedBy, ticket });
  const ref = { identityDomain, serviceName: service.serviceName };
  const isRac = service.parameters?.[0]?.isRac === 'yes';
  await op.audit('requested', {
    details: { shape: service.shape, version: service.version, edition: service.edition, level: service.level, isRac, usableStorageGb: service.parameters?.[0]?.usableStorage },
  });

  let createJob: { jobId: string; done: boolean } | undefined;
  try {
    await op.step('precheck', async () => {
      const existing = await readService(ref);
      if (existing) {
        throw ApplicationFailure.nonRetryable(`a service named [${service.serviceName}] already exists in domain [${identityDomain}] (status ${existing.status})`, 'ServiceAlreadyExists');
      }
    });

    // Registered before the call: the create may take effect even if its answer never arrives.
    op.addCompensation('deleteService', async () => {
      if (!createJob) {
        // Cancelled or failed while the create call was in flight: it may have been accepted anyway.
        const found = await cloud.findService(ref);
        if (found?.creationJobId && found.status === 'In Progress') createJob = { jobId: found.creationJobId, done: false };
      }
      if (createJob && !createJob.done) {
        // The API refuses to delete an instance whose create job still runs: let it end first.
        await waits.waitForJob({ identityDomain, requestName: 'create', jobId: createJob.jobId });
      }
      const deletion = await cloud.deleteService(ref);
      if (deletion.jobId) {
        op.noteJob(deletion.jobId);
        const outcome = await waits.waitForJob({ identityDomain, requestName: 'delete', jobId: deletion.jobId });
        if (outcome.jobStatus === 'Failed') {
          throw ApplicationFailure.nonRetryable(`delete job ${deletion.jobId} ended Failed: ${outcome.messages.at(-1) ?? 'no message'}`, 'JobFailed');
        }
      }
      await waits.waitForServiceStatus({ ...ref, want: 'gone' });
    });

    const created = await op.step('create', async () => {
      try {
        return await cloud.createService({ identityDomain, service });
      } catch (err) {
        // Someone else's service took the name between precheck and create: it is not ours to delete.
        if (failureType(err) === 'ServiceAlreadyExists') op.dropCompensation('deleteService');
        throw err;
      }
    });
    createJob = { jobId: created.jobId, done: false };
    op.noteJob(created.jobId);
    await op.audit('started', { step: 'create', jobId: created.jobId, details: { adopted: created.adopted } });

    const outcome = await op.step('waitForCreateJob', () => waits.waitForJob({ identityDomain, requestName: 'create', jobId: created.jobId }));
    createJob.done = true;
    op.noteJob(created.jobId, outcome.messages);
    if (outcome.jobStatus === 'Failed') {
      throw ApplicationFailure.nonRetryable(`create job ${created.jobId} ended Failed: ${outcome.messages.at(-1) ?? 'no message'}`, 'JobFailed');
    }

    const running = await op.step('confirmRunning', () => waits.waitForServiceStatus({ ...ref, want: ['Running'], failOn: ['Failed', 'Stopped', 'Terminating'] }));
    if (!running) throw ApplicationFailure.nonRetryable(`service [${service.serviceName}] disappeared after its create job succeeded`, 'UnexpectedServiceState');

    op.finish();
    await op.audit('succeeded', { jobId: created.jobId, details: { status: running.status, shape: running.shape, connectDescriptor: running.connectDescriptor } });
    return { service: running, jobId: created.jobId, durationMs: op.elapsedMs };
  } catch (err) {
    return op.fail(err);
  }
}
