// Throw-away certificates for a TLS cluster, made with the openssl command line (EC P-256, a few days).
// Two CAs on purpose: the servers' CA signs the servers' certificate (frontend, and the internode
// identity that also opens the internal frontend, which grants admin), the clients' CA signs the
// workers' and CLIs' certificates. A client certificate therefore gets past the public frontend's
// mTLS check but never into the servers' internal ports.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface ClusterCertificates {
  dir: string;
  /** Signs the servers' certificate: clients trust it (TEMPORAL_TLS_SERVER_CA_CERT_PATH), servers trust each other through it. */
  serverCa: string;
  /** The servers' certificate and key (SANs: the given hosts); also their client identity between each other. */
  serverCert: string;
  serverKey: string;
  /** A DNS name in the servers' certificate, for callers that do not dial a host name (servers reach each other through the ring). */
  serverName: string;
  /** Signs client certificates: the frontend admits only those (mTLS). */
  clientCa: string;
  clientCert: string;
  clientKey: string;
}

export interface CertificateOptions {
  /** Host names and IP addresses the servers' certificate is valid for. */
  hosts?: string[];
  /** Common name of the client certificate. */
  clientName?: string;
  days?: number;
}

export function generateCertificates(dir: string, options: CertificateOptions = {}): ClusterCertificates {
  mkdirSync(dir, { recursive: true });
  const days = String(options.days ?? 7);
  const file = (name: string) => path.join(dir, name);
  const hosts = options.hosts ?? ['127.0.0.1', 'localhost'];
  const isIp = (h: string) => /^[\d.]+$|:/.test(h);
  const san = hosts.map((h) => (isIp(h) ? `IP:${h}` : `DNS:${h}`)).join(',');
  const serverName = hosts.find((h) => !isIp(h));
  if (!serverName) throw new Error('generateCertificates: the hosts need at least one DNS name');

  const ca = (name: string, cn: string) => {
    openssl(['req', '-x509', ...newKey(file(`${name}.key`)), '-out', file(`${name}.pem`), '-days', days, '-subj', `/CN=${cn}`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
    return file(`${name}.pem`);
  };
  // Leaf certificates are signed from a CSR with an extension file: `openssl x509 -req` keeps only what it lists.
  const leaf = (name: string, cn: string, caName: string, extensions: string[]) => {
    openssl(['req', '-new', ...newKey(file(`${name}.key`)), '-out', file(`${name}.csr`), '-subj', `/CN=${cn}`]);
    writeFileSync(file(`${name}.ext`), ['basicConstraints=critical,CA:FALSE', 'keyUsage=critical,digitalSignature', ...extensions].join('\n') + '\n');
    openssl(['x509', '-req', '-in', file(`${name}.csr`), '-CA', file(`${caName}.pem`), '-CAkey', file(`${caName}.key`),
      '-set_serial', `0x${randomBytes(8).toString('hex')}`, '-days', days, '-extfile', file(`${name}.ext`), '-out', file(`${name}.pem`)]);
    return { cert: file(`${name}.pem`), key: file(`${name}.key`) };
  };

  const serverCa = ca('server-ca', 'dbaas temporal servers CA');
  const clientCa = ca('client-ca', 'dbaas temporal clients CA');
  // clientAuth too: a server presents this certificate when it calls another server (internode mTLS).
  const server = leaf('server', 'temporal-server', 'server-ca', ['extendedKeyUsage=serverAuth,clientAuth', `subjectAltName=${san}`]);
  const client = leaf('client', options.clientName ?? 'dbaas-client', 'client-ca', ['extendedKeyUsage=clientAuth']);
  return { dir, serverCa, serverCert: server.cert, serverKey: server.key, serverName, clientCa, clientCert: client.cert, clientKey: client.key };
}

/** A new unencrypted P-256 key (PKCS#8, which every TLS stack here reads) written to `keyFile`. */
const newKey = (keyFile: string) => ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile];

function openssl(args: string[]): void {
  const r = spawnSync('openssl', args, { encoding: 'utf8' });
  if (r.error) throw new Error(`openssl could not run (is it installed?): ${r.error.message}`);
  if (r.status !== 0) throw new Error(`openssl ${args[0]} failed: ${r.stderr || r.stdout}`);
}
