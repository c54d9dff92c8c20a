// Who may read a page or call an endpoint: a bearer JWT the configured identity provider signed,
// checked against its JWKS (signature, exp, aud, iss when set) and, optionally, a required group.
// The same rules as the codec server's (src/worker/codec-server.ts), as a piece any HTTP server of
// the project can use; the answers are HTTP statuses (401 no or bad token, 403 outside the group)
// with the RFC 6750 challenge, and never repeat the token.
import { TokenRejected, tokenVerifier } from './tokens';

export type BearerAuthConfig =
  | { mode: 'none' }
  | { mode: 'jwt'; jwksUrl?: string; jwksFile?: string; issuer?: string; audience: string; requiredGroup?: string };

export interface Caller {
  subject: string;
  groups: string[];
  /** The token's `exp` in epoch seconds (undefined without auth): a cookie holding it lives no longer. */
  expiresAt?: number;
}

/** Why a caller is turned away: the status, a message safe to show, the challenge header. */
export class AuthRefusal extends Error {
  constructor(
    readonly status: 401 | 403,
    message: string,
    readonly headers: Record<string, string>,
  ) {
    super(message);
  }
}

/** Verifies a raw token (undefined: none was sent); resolves with the caller or rejects with an AuthRefusal. */
export type BearerAuthenticator = (token: string | undefined) => Promise<Caller>;

/** The token of an `Authorization: Bearer <JWT>` header, or undefined. */
export function bearerTokenOf(authorization: string | undefined): string | undefined {
  return /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
}

export function bearerAuthenticator(auth: BearerAuthConfig, realm: string, anonymous = 'anonymous (no authentication)'): BearerAuthenticator {
  if (auth.mode === 'none') return async () => ({ subject: anonymous, groups: [] });
  const verify = tokenVerifier(auth);
  // Quotes and backslashes would end the quoted-string of the header early.
  const challenge = (error: string, description: string) => ({ 'WWW-Authenticate': `Bearer realm="${realm}", error="${error}", error_description="${description.replace(/["\\]/g, "'")}"` });
  return async (token) => {
    if (!token) throw new AuthRefusal(401, 'a bearer token is required (Authorization: Bearer <JWT>)', { 'WWW-Authenticate': `Bearer realm="${realm}"` });
    let verified;
    try {
      verified = await verify(token);
    } catch (err) {
      const why = err instanceof TokenRejected ? err.message : 'the token could not be verified';
      throw new AuthRefusal(401, why, challenge('invalid_token', why));
    }
    if (auth.requiredGroup && !verified.groups.includes(auth.requiredGroup)) {
      const why = `the token's subject is not in the group "${auth.requiredGroup}"`;
      throw new AuthRefusal(403, why, challenge('insufficient_scope', why));
    }
    return { subject: verified.subject, groups: verified.groups, expiresAt: verified.claims.exp };
  };
}
