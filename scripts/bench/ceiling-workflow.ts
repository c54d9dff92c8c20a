// The throughput ceiling: a workflow shaped like buildService whose activities do no I/O. Same steps,
// same kinds: four activities (one waits out the job) and three local activities where buildService
// writes its audit events. Our builds' rate is reported as a share of its rate.
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { CeilingActivities } from './ceiling-activities';

const { noop, wait } = proxyActivities<CeilingActivities>({ startToCloseTimeout: '1 minute' });
const local = proxyLocalActivities<CeilingActivities>({ startToCloseTimeout: '15 seconds' });

export async function ceilingBuild(jobMs: number): Promise<void> {
  await local.noop(); // audit requested
  await noop(); // find the service (name free)
  await noop(); // create
  await local.noop(); // audit started
  await wait(jobMs); // the job
  await noop(); // confirm Running
  await local.noop(); // audit succeeded
}
