// A clock that runs `factor` times faster than real time from `epoch`: the simulator and the benchmark
// worker's poller share one, so a 30 min job takes 30 min / factor of real time.
export function scaledNow(factor: number, epoch: number): () => number {
  return () => epoch + (Date.now() - epoch) * factor;
}
