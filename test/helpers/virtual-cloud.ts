// A simulator and a DBCS client on a virtual clock, for activity tests: hours of job time pass in
// milliseconds when the poller sleeps on the same clock.
import { DbcsClient } from '../../src/cloud/client';
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
