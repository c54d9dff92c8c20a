// `npm run dev-server`: only the Temporal dev server (SQLite under .data/, UI on :8233, the project's
// search attributes), for running the worker and simulator by hand. Ctrl+C stops it.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { startDevServer } from './lib/dev-server';
import { REPO_ROOT } from './lib/process';
import { dropEmptyEnvironmentVariables } from '../src/worker/env';

async function main(): Promise<void> {
  dropEmptyEnvironmentVariables();
  const dataDir = path.resolve(REPO_ROOT, process.env.DBAAS_DATA_DIR || '.data');
  mkdirSync(dataDir, { recursive: true });
  const port = Number(process.env.TEMPORAL_PORT || 7233);
  const server = await startDevServer({ port, uiPort: port + 1000, dbFile: path.join(dataDir, 'temporal.db'), codecEndpoint: process.env.DBAAS_CODEC_ENDPOINT || undefined, echo: true });
  console.log(`Temporal dev server on ${server.address}, UI ${server.uiUrl}; Ctrl+C stops it`);
  const stop = async () => {
    await server.process.stop('SIGTERM');
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
