// A simulator and a DBCS client on a virtual clock, for activity tests: hours of job time pass in
// milliseconds when the poller sleeps on the same clock.
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { DbcsClient } from '../../src/cloud/client';
import type { RequestName } from '../../src/simulator/state';
import { DbcsSimulator } from '../../src/simulator/server';
import { SIM_PASSWORD, SIM_USER } from './harness';

export interface VirtualCloud {
  sim: DbcsSimulator;
  client: DbcsClient;
  close(): Promise<void>;
}

export async function startVirtualCloud(now: () => number): Promise<VirtualCloud> {
  const sim = new DbcsSimulator({ username: SIM_USER, password: SIM_PASSWORD, now, visibilityDelayMs: 0 });
  await sim.listen();
  const client = new DbcsClient({ baseUrl: sim.url, username: SIM_USER, password: SIM_PASSWORD });
  return {
    sim,
    client,
    async close() {
      await client.close();
      await sim.close();
    },
  };
}

/**
 * A test file's virtual cloud: started before its tests, closed after them, faults cleared and job
 * durations reset before each. `clock.sleep` moves the shared virtual time forward.
 */
export function useVirtualCloud(jobDurationMs: Partial<Record<RequestName, number>>) {
  let nowMs = 1_700_000_000_000;
  let cloud: VirtualCloud | undefined;
  const clock = { now: () => nowMs, sleep: async (ms: number) => void (nowMs += ms) };
  beforeAll(async () => {
    cloud = await startVirtualCloud(clock.now);
  });
  afterAll(() => cloud?.close());
  beforeEach(() => {
    cloud!.sim.faults.replace({});
    cloud!.sim.configure({ jobDurationMs });
  });
  return {
    clock,
    get sim() {
      return cloud!.sim;
    },
    get client() {
      return cloud!.client;
    },
  };
}
