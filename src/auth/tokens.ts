// Verifies bearer tokens (JWTs) against an identity provider's keys: a JWKS URL (the IdP's, fetched
// and cached by jose), a JWKS file, or the local development issuer's file (./local-issuer.ts).
// Shared by the worker (who asked for an operation) and the codec server (who may read payloads).
import { readFileSync } from 'node:fs';
import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';

export interface TokenVerifierConfig {
  /** The IdP's JWKS endpoint, e.g. https://idp.example.com/.well-known/jwks.json. */
  jwksUrl?: string;
  /** A JWKS document on disk (keys rotated by replacing the file and restarting). */
  jwksFile?: string;
  /** Required `iss`, when set. */
  issuer?: string;
  /** Required `aud`. */
  audience: string;
}

export interface VerifiedToken {
  subject: string;
  groups: string[];
  claims: JWTPayload;
}

/** Why a token was refused, in words that never repeat the token. */
export class TokenRejected extends Error {}

const CLOCK_TOLERANCE_S = 30;

function keySource(config: TokenVerifierConfig): JWTVerifyGetKey {
  if (config.jwksUrl) return createRemoteJWKSet(new URL(config.jwksUrl), { cooldownDuration: 30_000, timeoutDuration: 5_000 });
  if (config.jwksFile) return createLocalJWKSet(JSON.parse(readFileSync(config.jwksFile, 'utf8')));
  throw new Error('a token verifier needs jwksUrl or jwksFile');
}

/** `at`: the moment the token must have been valid (default now; the worker judges a request as of its arrival). */
export type TokenVerifier = (token: string, at?: Date) => Promise<VerifiedToken>;

export function tokenVerifier(config: TokenVerifierConfig): TokenVerifier {
  const keys = keySource(config);
  return async (token, at) => {
    if (!token || token.split('.').length !== 3) throw new TokenRejected('not a JWT');
    try {
      const { payload } = await jwtVerify(token, keys, {
        audience: config.audience,
        issuer: config.issuer,
        clockTolerance: CLOCK_TOLERANCE_S,
        currentDate: at,
        requiredClaims: ['sub', 'exp'],
        algorithms: ['ES256', 'RS256', 'EdDSA', 'PS256'],
      });
      return { subject: payload.sub!, groups: groupsOf(payload), claims: payload };
    } catch (err) {
      throw new TokenRejected(describeRejection(err));
    }
  };
}

/** `groups` (an array or a space-separated string), as most IdPs put them. */
function groupsOf(payload: JWTPayload): string[] {
  const g = payload.groups;
  if (Array.isArray(g)) return g.filter((x): x is string => typeof x === 'string');
  if (typeof g === 'string') return g.split(/[\s,]+/).filter(Boolean);
  return [];
}

function describeRejection(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'the token has expired';
  if (err instanceof errors.JWTClaimValidationFailed) return `the token's "${err.claim}" claim is not accepted (${err.reason})`;
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'the token signature does not verify';
  if (err instanceof errors.JWKSNoMatchingKey) return 'the token was signed by a key this service does not trust';
  if (err instanceof errors.JOSEAlgNotAllowed) return 'the token uses an algorithm that is not accepted';
  if (err instanceof errors.JOSEError) return `the token is not valid (${err.code})`;
  return 'the token could not be verified';
}
