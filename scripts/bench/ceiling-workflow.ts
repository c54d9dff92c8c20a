// The throughput ceiling: a workflow shaped like buildService (seven activities in a row, one of them
// waiting out the job) whose activities do no I/O. Our builds' rate is reported as a share of its rate.
import { proxyActivities } from '@temporalio/workflow';
import type { CeilingActivities } from './ceiling-activities';

const { noop, wait } = proxyActivities<CeilingActivities>({ startToCloseTimeout: '1 minute' });

export async function ceilingBuild(jobMs: number): Promise<void> {
  await noop(); // audit requested
  await noop(); // find the service (name free)
  await noop(); // create
  await noop(); // audit started
  await wait(jobMs); // the job
  await noop(); // confirm Running
  await noop(); // audit succeeded
}
