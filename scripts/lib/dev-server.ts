// Starts `temporal server start-dev` for the local stack: SQLite persistence under .data/, the UI on,
// the project's search attributes registered, and the UI pointed at the codec server.
import { Connection, type ConnectionOptions } from '@temporalio/client';
import { ALL_SEARCH_ATTRIBUTE_KEYS } from '../../src/shared/contract';
import { ensureTemporalCli } from '../temporal-cli';
import { bindHost, reachableHost } from './bind-host';
import { startProcess, type ManagedProcess } from './process';

export interface DevServerOptions {
  port: number;
  /** The address the frontend, its internal services, metrics and the UI listen on; default bindHost() (127.0.0.1). */
  host?: string;
  uiPort?: number;
  dbFile?: string;
  codecEndpoint?: string;
  namespace?: string;
  echo?: boolean;
  /** More `start-dev` flags, e.g. `--dynamic-config-value KEY=VALUE`. */
  extraArgs?: string[];
}

export function searchAttributeArgs(): string[] {
  return ALL_SEARCH_ATTRIBUTE_KEYS.flatMap((k) => ['--search-attribute', `${k.name}=Keyword`]);
}

/** The `temporal` arguments: every listener (gRPC, HTTP, metrics, UI) on `host`, loopback by default. */
export function devServerArgs(options: DevServerOptions): string[] {
  const host = options.host ?? bindHost();
  const args = ['server', 'start-dev', '--ip', host, '--port', String(options.port), '--log-level', 'warn', ...searchAttributeArgs()];
  if (options.namespace) args.push('--namespace', options.namespace);
  if (options.dbFile) args.push('--db-filename', options.dbFile);
  // --ui-ip follows --ip by default; said explicitly so a change of the CLI's default cannot widen it.
  if (options.uiPort) args.push('--ui-ip', host, '--ui-port', String(options.uiPort));
  else args.push('--headless');
  if (options.codecEndpoint) args.push('--ui-codec-endpoint', options.codecEndpoint);
  args.push(...(options.extraArgs ?? []));
  return args;
}

export async function startDevServer(options: DevServerOptions): Promise<{ process: ManagedProcess; address: string; uiUrl?: string }> {
  const cli = ensureTemporalCli();
  const proc = startProcess('temporal', cli, devServerArgs(options), { echo: options.echo });
  const host = reachableHost(options.host ?? bindHost());
  const address = `${host}:${options.port}`;
  await waitForTemporal(address, proc);
  return { process: proc, address, uiUrl: options.uiPort ? `http://${host}:${options.uiPort}` : undefined };
}

/**
 * Waits until the frontend answers GetSystemInfo (SQLite start-up can take a few seconds on a small
 * machine). `connect`: TLS and a token, for a cluster that wants them (GetSystemInfo needs no permission).
 */
export async function waitForTemporal(address: string, proc?: ManagedProcess, timeoutMs = 60_000, connect: Pick<ConnectionOptions, 'tls' | 'apiKey'> = {}): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  while (Date.now() < deadline) {
    if (proc && proc.child.exitCode !== null) throw new Error(`Temporal (${proc.name}) exited (code ${proc.child.exitCode}):\n${proc.output.slice(-20).join('\n')}`);
    try {
      const connection = await Connection.connect({ address, ...connect, connectTimeout: 1_000 });
      try {
        await connection.workflowService.getSystemInfo({});
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(`Temporal at ${address} did not answer within ${timeoutMs} ms: ${lastError}`);
}
