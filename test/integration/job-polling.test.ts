// Job waits that learn (issue 16), end to end: real worker, real audit store, the simulator over HTTP.
// Builds in a domain of their own, whose create jobs all take 1.5 s: once the domain has three, later
// builds poll where the earlier jobs ended: one or two reads of the job, its end seen within a second.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceWorkflowId } from '../../src/shared/contract';
import type { BuildServiceResult } from '../../src/shared/schemas';
import { auditReader, sampleInput, startFileStack, uniqueName, type FileStack } from '../helpers/harness';

let s: FileStack;

beforeAll(async () => {
  s = await startFileStack('job-polling');
  s.sim.configure({ jobDurationMs: { create: 1500 } });
});

afterAll(() => s?.stop());

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

describe('job polling', () => {
  it('reads a job less once jobs of its kind have ended before, and still sees its end within a second', async () => {
    const domain = uniqueName('learn');
    const runs: { reads: number; delayMs: number }[] = [];
    for (let i = 0; i < 7; i++) {
      const input = sampleInput(uniqueName('lj'), {}, domain);
      const result = (await s.t.client.workflow.execute('buildService', { taskQueue: s.taskQueue, workflowId: serviceWorkflowId(domain, input.service.serviceName), args: [input] })) as BuildServiceResult;
      const job = s.sim.state.job(domain, result.jobId)!;
      runs.push({ reads: job.reads, delayMs: job.firstReadDoneAt! - (job.submittedAt + job.durationMs) });
    }
    // Every job's end was recorded in the store: the domain's own history is what the later waits used.
    const ends = await (await auditReader()).recentJobEnds({ kind: 'create', identityDomain: domain, limit: 20, enough: 3, withinDays: 1 });
    expect(ends).toHaveLength(7);
    for (const e of ends) expect(e.lowMs).toBeLessThan(e.highMs);
    // The growth schedule reads a 1.5 s job about 9 times (200 ms floor, 10 % growth); with the domain's
    // own history (from the fourth build on) one or two reads suffice. (The first builds may already
    // learn from other domains' create jobs in the shared store, so they are not compared.)
    const warm = runs.slice(4);
    expect(median(warm.map((r) => r.reads)), JSON.stringify(runs)).toBeLessThanOrEqual(2);
    expect(Math.max(...warm.map((r) => r.reads)), JSON.stringify(runs)).toBeLessThanOrEqual(4);
    for (const r of warm) expect(r.delayMs, JSON.stringify(runs)).toBeLessThanOrEqual(1_000);
  });
});
