// Where the local stack and `npm run cluster` listen: loopback, unless DBAAS_BIND_HOST says otherwise.
// The UI, the codec server (which decrypts payloads) and the simulator have no login in these setups,
// so they must not be reachable from the network by default.
import { withoutEmptyValues } from '../../src/worker/env';

export const DEFAULT_BIND_HOST = '127.0.0.1';

/** DBAAS_BIND_HOST, or 127.0.0.1. */
export function bindHost(env: NodeJS.ProcessEnv = process.env): string {
  const host = withoutEmptyValues(env).DBAAS_BIND_HOST?.trim() ?? DEFAULT_BIND_HOST;
  if (/[\s/]/.test(host)) throw new Error(`DBAAS_BIND_HOST must be an IP address or a host name (got "${host}")`);
  return host;
}

/** The address clients on this machine use for a server bound to `host` (a wildcard is not an address). */
export function reachableHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
