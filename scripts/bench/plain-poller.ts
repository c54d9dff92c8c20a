// The baseline of scenario 1: what the seed script opc-dbcs.py does. POST the create, then sleep a
// fixed interval and GET the job until it ends. No durability, no audit, no retries.
import type { DbcsClient } from '../../src/cloud/client';
import { isTerminalJobStatus } from '../../src/cloud/schemas';

export async function plainBuild(
  client: DbcsClient,
  identityDomain: string,
  service: Record<string, unknown>,
  intervalMs: number,
  /** Job time may run faster than real time (scenario 10): the sleep follows it. */
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): Promise<{ jobId: string; wallMs: number; polls: number }> {
  const started = Date.now();
  const { jobId } = await client.createInstance(identityDomain, service);
  for (let polls = 1; ; polls++) {
    await sleep(intervalMs);
    const job = await client.getJob(identityDomain, 'create', jobId);
    if (isTerminalJobStatus(job.job_status)) return { jobId, wallMs: Date.now() - started, polls };
  }
}
