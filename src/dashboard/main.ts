// `npm run dashboard`: the fleet dashboard as its own process, configured from the environment
// (./config.ts for its own settings; TEMPORAL_*, DBCS_*, DATABASE_URL, DBAAS_CODEC_KEY* as the CLI).
// Prints "dashboard listening on <url>" once it serves; SIGINT/SIGTERM close it.
import { PricesFileError } from '../reports/prices';
import { CliError, EXIT } from '../starter/exit-codes';
import { ConfigError } from '../worker/config-error';
import { dropEmptyEnvironmentVariables } from '../worker/env';
import { createLogger } from '../worker/telemetry/logging';
import { dashboardConfigFromEnv, describeDashboardAuth, type DashboardConfig } from './config';
import { dashboardData, openSources } from './data';
import { startDashboardServer } from './server';

async function main(): Promise<void> {
  dropEmptyEnvironmentVariables();
  let config: DashboardConfig;
  try {
    config = dashboardConfigFromEnv(process.env);
  } catch (err) {
    console.error(err instanceof ConfigError ? err.message : err);
    process.exit(2);
  }
  const logger = createLogger('dashboard');
  const data = dashboardData(await openSources(process.env));
  const server = await startDashboardServer({ ...config, data, log: (line, level = 'info') => logger[level](line) });
  logger.info({ url: server.url }, `dashboard listening on ${server.url}; auth: ${describeDashboardAuth(config.auth)}; Temporal UI links to ${config.temporalUiUrl}`);
  const stop = () => {
    void Promise.allSettled([server.close(), data.close()]).then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(`dashboard: ${err instanceof Error ? err.message : String(err)}`);
  // A setting that is wrong (TEMPORAL_*, DBCS_*, the price file) is exit 2, like the dashboard's own.
  const invalid = err instanceof ConfigError || err instanceof PricesFileError || (err instanceof CliError && err.exitCode === EXIT.invalid);
  process.exit(invalid ? 2 : 1);
});
