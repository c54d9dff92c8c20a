// The production-shape Temporal parts, built once from source into the project's cache (like the CLI):
// temporal-server and temporal-sql-tool v1.29.1 (the versions docker-compose.yml pins) and the
// standalone Temporal UI v2.42.1. `npx tsx scripts/temporal-server.ts` builds them ahead of time.
import { ensureGoProgram, type GoProgram } from './lib/go-binaries';

export const TEMPORAL_SERVER_VERSION = 'v1.29.1';
export const TEMPORAL_UI_VERSION = 'v2.42.1';

const SERVER: GoProgram = {
  cacheName: `temporal-server-${TEMPORAL_SERVER_VERSION}`,
  targets: [`go.temporal.io/server/cmd/server@${TEMPORAL_SERVER_VERSION}`, `go.temporal.io/server/cmd/tools/sql@${TEMPORAL_SERVER_VERSION}`],
  what: `temporal-server and temporal-sql-tool ${TEMPORAL_SERVER_VERSION}`,
  expected: 'about 2-10 minutes on 2 cores (2 min after the CLI warmed the Go module cache)',
};
const UI: GoProgram = {
  cacheName: `temporal-ui-${TEMPORAL_UI_VERSION}`,
  targets: [`github.com/temporalio/ui-server/v2/cmd/server@${TEMPORAL_UI_VERSION}`],
  what: `the Temporal UI server ${TEMPORAL_UI_VERSION}`,
  expected: 'under a minute on 2 cores',
};

export interface ClusterBinaries {
  server: string;
  sqlTool: string;
  ui: string;
}

export function ensureClusterBinaries(env: NodeJS.ProcessEnv = process.env, log?: (line: string) => void): ClusterBinaries {
  const server = ensureGoProgram(SERVER, env, log);
  const ui = ensureGoProgram(UI, env, log);
  return {
    server: server.server!,
    sqlTool: server.sql!,
    ui: ui.server!,
  };
}

if (require.main === module) {
  try {
    console.log(JSON.stringify(ensureClusterBinaries(), null, 2));
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  }
}
