import { createLocalJWKSet, errors, type JSONWebKeySet, jwtVerify } from 'jose';
import { TokenRejectedError, type TokenVerifier, type VerifiedToken } from '../core/contracts';
import type { FaultStore, ServiceName } from '../host/faults';
import { tokenIssuer } from './token';

export interface TokenVerifierOptions {
  /** Entra's public keys (`entra.jwks()`). */
  jwks: JSONWebKeySet;
  tenantId: string;
  /** The service that verifies: its own token-expiry fault applies, as does Entra's. */
  service?: ServiceName;
  faults?: FaultStore;
  now?: () => number;
}

/** Tolerance for `nbf`/`iat` a little ahead of the clock (issuance rounds up to a cut-off second). */
const CLOCK_TOLERANCE_SECONDS = 2;

/**
 * Verifies tokens of the sandbox's Entra ID for a resource simulator: RS256 signature against the
 * local JWKS, issuer of the tenant, lifetime (`exp` strictly, the token-expiry fault), and audience
 * equal to the service's own URL (scheme and host case-insensitive, trailing slash ignored).
 */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const keys = createLocalJWKSet(options.jwks);
  const issuer = tokenIssuer(options.tenantId);
  const now = options.now ?? Date.now;

  return {
    async verify(token, audience): Promise<VerifiedToken> {
      if (!token) throw new TokenRejectedError('missing', 'no bearer token');
      const nowMs = now();
      let claims: Awaited<ReturnType<typeof jwtVerify>>['payload'];
      try {
        ({ payload: claims } = await jwtVerify(token, keys, {
          algorithms: ['RS256'],
          issuer,
          clockTolerance: CLOCK_TOLERANCE_SECONDS,
          currentDate: new Date(nowMs),
        }));
      } catch (error) {
        throw rejection(error);
      }

      const { exp, iat, aud, tid, appid, oid } = claims;
      if (typeof exp !== 'number' || typeof iat !== 'number' || typeof aud !== 'string') {
        throw new TokenRejectedError('malformed', 'the token lacks exp, iat or aud');
      }
      if (typeof tid !== 'string' || typeof appid !== 'string' || typeof oid !== 'string') {
        throw new TokenRejectedError('malformed', 'the token lacks tid, appid or oid');
      }
      if (exp * 1000 <= nowMs) {
        throw new TokenRejectedError('expired', `the token expired at ${new Date(exp * 1000).toISOString()}`);
      }
      const cutoffMs = options.faults?.tokenCutoffMs(options.service);
      if (cutoffMs !== undefined && iat < Math.ceil(cutoffMs / 1000)) {
        throw new TokenRejectedError(
          'expired',
          `the token was issued before ${new Date(cutoffMs).toISOString()} (token-expiry fault)`,
        );
      }
      if (!sameResource(aud, audience)) {
        throw new TokenRejectedError('wrong_audience', `the token is for ${aud}, not ${audience}`);
      }
      return { audience: aud, tenantId: tid, appId: appid, objectId: oid, issuedAt: iat, expiresAt: exp };
    },
  };
}

function rejection(error: unknown): TokenRejectedError {
  if (error instanceof errors.JWTExpired) return new TokenRejectedError('expired', 'the token has expired');
  if (error instanceof errors.JWSSignatureVerificationFailed || error instanceof errors.JWKSNoMatchingKey) {
    return new TokenRejectedError('bad_signature', 'the token signature is not valid for the tenant keys');
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf') return new TokenRejectedError('expired', 'the token is not valid yet (nbf)');
    return new TokenRejectedError(
      'malformed',
      `the token claim ${error.claim} is not acceptable: ${error.reason}`,
    );
  }
  return new TokenRejectedError('malformed', 'the token is not a JWT the tenant issued');
}

/** Same URL for a resource: scheme, host and port case-insensitively; path without trailing slash. */
function sameResource(a: string, b: string): boolean {
  const normalise = (value: string) => {
    try {
      const url = new URL(value);
      return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`.toLowerCase();
    } catch {
      return value.toLowerCase().replace(/\/+$/, '');
    }
  };
  return normalise(a) === normalise(b);
}
