// The benchmark's worker: the production worker (same configuration from the environment) plus the
// ceiling workflow's activities, and, when BENCH_CLOCK_FACTOR is set, a poller clock that runs that
// many times faster than real time from BENCH_CLOCK_EPOCH (the simulator runs the same clock).
import { sleep } from '@temporalio/activity';
import type { PollClock } from '../../src/activities/polling';
import { runWorker } from '../../src/worker/main';
import { loadWorkerConfig } from '../../src/worker/config';
import { ceilingActivities } from './ceiling-activities';
import { scaledNow } from './clock';

function scaledClock(factor: number, epoch: number): PollClock {
  return { now: scaledNow(factor, epoch), sleep: (ms) => sleep(Math.max(1, Math.round(ms / factor))) };
}

if (require.main === module) {
  const factor = Number(process.env.BENCH_CLOCK_FACTOR ?? 1);
  const epoch = Number(process.env.BENCH_CLOCK_EPOCH ?? Date.now());
  runWorker(loadWorkerConfig(), { activities: ceilingActivities, clock: factor !== 1 ? scaledClock(factor, epoch) : undefined }).then(
    () => process.exit(0),
    (err: unknown) => {
      console.error('bench worker failed:', err);
      process.exit(1);
    },
  );
}
