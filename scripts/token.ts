// `npm run token -- --subject alice [--groups operators,admins] [--ttl 3600] [--audience dbaas]`:
// a token from the local development identity provider (src/auth/local-issuer.ts, keys under
// $DBAAS_DATA_DIR/identity). Use it as DBAAS_TOKEN for the CLI; start the worker with
// DBAAS_AUTH_JWKS_FILE=<the jwks.json it names> to verify it. Production uses the real IdP's tokens.
import { parseArgs } from 'node:util';
import { openLocalIssuer } from '../src/auth/local-issuer';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { subject: { type: 'string' }, groups: { type: 'string', default: '' }, ttl: { type: 'string', default: '3600' }, audience: { type: 'string', default: 'dbaas' } },
  });
  const ttlSeconds = Number(values.ttl);
  if (!values.subject) throw new Error('--subject is required (who the token is for)');
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > 7 * 86_400) throw new Error('--ttl must be a whole number of seconds from 1 to 604800');
  const issuer = await openLocalIssuer(process.env.DBAAS_DATA_DIR ?? '.data');
  const groups = values.groups.split(',').map((g) => g.trim()).filter(Boolean);
  console.log(await issuer.issue({ subject: values.subject, groups, ttlSeconds, audience: values.audience }));
  console.error(`(for ${values.subject}, groups [${groups.join(', ')}], ${ttlSeconds} s; the worker trusts it with DBAAS_AUTH_JWKS_FILE=${issuer.jwksFile})`);
}

main().catch((err: unknown) => {
  console.error(`token: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(2);
});
