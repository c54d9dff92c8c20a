// The local development identity provider: an ES256 key pair kept under <dataDir>/identity/ (created
// on first use), that signs tokens for `npm run token` and the tests, and publishes its public key as
// a JWKS file the worker and the codec server can trust (DBAAS_AUTH_JWKS_FILE, CODEC_AUTH_JWKS_FILE).
// Production points those at the organisation's IdP instead; nothing here is needed there.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';

export const LOCAL_ISSUER = 'dbaas-local-issuer';
export const DEFAULT_AUDIENCE = 'dbaas';

export interface LocalIssuer {
  jwksFile: string;
  issue(claims: { subject: string; groups?: string[]; audience?: string; ttlSeconds?: number; extra?: Record<string, unknown> }): Promise<string>;
}

export async function openLocalIssuer(dataDir: string): Promise<LocalIssuer> {
  const dir = path.join(dataDir, 'identity');
  const privateFile = path.join(dir, 'issuer-private.jwk.json');
  const jwksFile = path.join(dir, 'jwks.json');
  if (!existsSync(privateFile)) {
    mkdirSync(dir, { recursive: true });
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const kid = `local-${Date.now().toString(36)}`;
    const priv = { ...(await exportJWK(privateKey)), kid, alg: 'ES256' };
    writeFileSync(privateFile, JSON.stringify(priv), { mode: 0o600 });
    chmodSync(privateFile, 0o600);
    writeFileSync(jwksFile, JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' }] }, null, 2));
  }
  const jwk = JSON.parse(readFileSync(privateFile, 'utf8')) as JWK & { kid: string };
  const key = await importJWK(jwk, 'ES256');
  return {
    jwksFile,
    issue: ({ subject, groups = [], audience = DEFAULT_AUDIENCE, ttlSeconds = 3600, extra = {} }) =>
      new SignJWT({ ...extra, groups })
        .setProtectedHeader({ alg: 'ES256', kid: jwk.kid, typ: 'JWT' })
        .setSubject(subject)
        .setIssuer(LOCAL_ISSUER)
        .setAudience(audience)
        .setIssuedAt()
        .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
        .sign(key),
  };
}
