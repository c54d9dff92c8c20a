// A private PostgreSQL server (for the test run and the benchmarks), from the Debian `postgresql` package's binaries.
// Root cannot run postgres, so the server runs as the `postgres` user when the tests run as root.
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export function findPostgresBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).filter((v) => existsSync(path.join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
  return versions[0] ? path.join(root, versions[0], 'bin') : undefined;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface PrivatePostgres {
  url: string;
  port: number;
  /** Stops the server (fast shutdown) and removes a temporary directory. */
  stop(): void;
  /** Stops it the hard way (as a crash would) and starts it again on the same port and data. */
  restart(): void;
  /** The two halves of restart(), for a caller that acts while the server is down. */
  crash(): void;
  start(): void;
}

export interface PostgresOptions {
  /** Keeps the data here across runs (created on first use); without it a temporary directory is removed at stop. */
  dir?: string;
  port?: number;
}

export async function startPrivatePostgres(options: PostgresOptions = {}): Promise<PrivatePostgres> {
  const bin = findPostgresBin();
  if (!bin) throw new Error('PostgreSQL binaries not found under /usr/lib/postgresql: install them (apt-get install postgresql) or set TEST_DATABASE_URL');
  const dir = options.dir ?? mkdtempSync(path.join(os.tmpdir(), 'dbaas-test-pg-'));
  mkdirSync(dir, { recursive: true });
  const asRoot = process.getuid?.() === 0;
  const run = (cmd: string, args: string[]) => {
    const full = asRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] as const : [cmd, args] as const;
    const r = spawnSync(full[0], full[1], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr || r.stdout}`);
  };
  if (asRoot) chownSync(dir, Number(execFileSync('id', ['-u', 'postgres']).toString()), Number(execFileSync('id', ['-g', 'postgres']).toString()));
  const data = path.join(dir, 'data');
  if (!existsSync(path.join(data, 'PG_VERSION'))) run(path.join(bin, 'initdb'), ['-D', data, '--auth=trust', '--username=postgres', '--encoding=UTF8', '--no-sync']);
  const port = options.port ?? (await freePort());
  // Persistent data keeps fsync on; a throwaway test server does not need it.
  const serverOptions = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=300${options.dir ? '' : ' -c fsync=off'}`;
  const start = () => run(path.join(bin, 'pg_ctl'), ['-D', data, '-w', '-t', '60', '-l', path.join(dir, 'log'), '-o', serverOptions, 'start']);
  const crash = () => run(path.join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', 'stop']);
  start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    stop() {
      try {
        run(path.join(bin, 'pg_ctl'), ['-D', data, '-m', options.dir ? 'fast' : 'immediate', 'stop']);
      } finally {
        if (!options.dir) rmSync(dir, { recursive: true, force: true });
      }
    },
    restart() {
      crash();
      start();
    },
    crash,
    start,
  };
}
