import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import type { EntraApp } from './apps';
import type { SigningKey } from './keys';

/** Entra's default access-token lifetime as `expires_in` reports it. */
export const DEFAULT_TOKEN_LIFETIME_SECONDS = 3599;

/**
 * v1-style issuer (`https://sts.windows.net/{tid}/`): Dataverse and F&O resources receive v1
 * access tokens (their app registrations do not ask for v2), whatever endpoint issued them.
 */
export function tokenIssuer(tenantId: string): string {
  return `https://sts.windows.net/${tenantId}/`;
}

export interface IssueTokenInput {
  key: SigningKey;
  tenantId: string;
  app: EntraApp;
  /** The resource as requested: lowercase, no trailing slash, no `/.default`. */
  audience: string;
  lifetimeSeconds: number;
  nowMs: number;
  /**
   * An active token-expiry cut-off (epoch ms) already in the past: a token issued now must not fall
   * before it, so `iat` is raised to the cut-off's second when they share one.
   */
  cutoffMs?: number | undefined;
}

export interface IssuedToken {
  accessToken: string;
  expiresIn: number;
  issuedAt: number;
  expiresAt: number;
}

/** An RS256 app-only access token with the claims of Entra's v1 tokens. */
export async function issueAccessToken(input: IssueTokenInput): Promise<IssuedToken> {
  let issuedAt = Math.floor(input.nowMs / 1000);
  if (input.cutoffMs !== undefined && input.cutoffMs <= input.nowMs) {
    issuedAt = Math.max(issuedAt, Math.ceil(input.cutoffMs / 1000));
  }
  const expiresAt = issuedAt + input.lifetimeSeconds;
  const issuer = tokenIssuer(input.tenantId);
  const accessToken = await new SignJWT({
    aud: input.audience,
    iss: issuer,
    iat: issuedAt,
    nbf: issuedAt,
    exp: expiresAt,
    appid: input.app.clientId,
    appidacr: '1',
    azp: input.app.clientId,
    idp: issuer,
    idtyp: 'app',
    oid: input.app.objectId,
    sub: input.app.objectId,
    tid: input.tenantId,
    uti: randomBytes(16).toString('base64url'),
    ver: '1.0',
  })
    .setProtectedHeader({ typ: 'JWT', alg: 'RS256', x5t: input.key.kid, kid: input.key.kid })
    .sign(input.key.privateKey);
  return { accessToken, expiresIn: input.lifetimeSeconds, issuedAt, expiresAt };
}
