// Prometheus for `npm run cluster`: the scrape config of the cluster's servers and workers, and the
// server itself when a binary is at hand (PROMETHEUS_BIN, or `prometheus` on PATH). Nothing here
// downloads one: without it the cluster prints the endpoints to scrape instead.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { startProcess, type ManagedProcess } from './process';

export interface ScrapeJob {
  job: string;
  /** host:port of each /metrics endpoint. */
  targets: string[];
}

/** prometheus.yml with one static job per entry, scraped every `intervalSeconds`. */
export function prometheusConfig(jobs: ScrapeJob[], intervalSeconds = 15): string {
  return yaml.dump({
    global: { scrape_interval: `${intervalSeconds}s`, evaluation_interval: `${intervalSeconds}s` },
    scrape_configs: jobs.map((j) => ({ job_name: j.job, static_configs: [{ targets: j.targets }] })),
  });
}

/** The Prometheus binary to run: PROMETHEUS_BIN, else `prometheus` on PATH, else none. */
export function findPrometheus(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.PROMETHEUS_BIN) return env.PROMETHEUS_BIN;
  const found = spawnSync('sh', ['-c', 'command -v prometheus'], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() : undefined;
}

export async function startPrometheus(bin: string, jobs: ScrapeJob[], dataDir: string, listen: string): Promise<ManagedProcess> {
  const configFile = path.join(dataDir, 'prometheus.yml');
  writeFileSync(configFile, prometheusConfig(jobs));
  const proc = startProcess('prometheus', bin, [`--config.file=${configFile}`, `--storage.tsdb.path=${path.join(dataDir, 'prometheus')}`, `--web.listen-address=${listen}`], { echo: false });
  await proc.waitFor(/Server is ready to receive web requests/, 60_000);
  return proc;
}
