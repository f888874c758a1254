import type { IncomingMessage } from 'node:http';
import {
  type SandboxApp,
  TokenRejectedError,
  type TokenVerifier,
  type VerifiedToken,
} from '../../core/contracts';
import { DataverseError, ErrorCode } from '../errors';
import { findApplicationUser, syncApplicationUsers } from '../seed/app-users';
import type { Store } from '../store/store';
import { type Actor, isEntityRef } from '../store/types';

export interface Authority {
  host: string | (() => string);
  tenantId: string;
}

export interface AuthOptions {
  verifier: TokenVerifier;
  /** The Entra authority the challenge points to (a function when known only once Entra listens). */
  authority: Authority;
}

/** Who is calling: the token and the application user it maps to. */
export interface Caller {
  token: VerifiedToken;
  /** Who the request runs as (the impersonated user when `CallerObjectId`/`MSCRMCallerID` is sent). */
  actor: Actor;
  /** The calling application user, when it impersonates another user. */
  callingUserId?: string;
}

/**
 * Bearer authentication as the org does it: the token must be valid for the org URL (its
 * audience) and tenant; otherwise 401 with `WWW-Authenticate: Bearer authorization_uri=…`
 * (unquoted) and an empty body (UNCONFIRMED).
 */
export async function verifyBearer(
  req: IncomingMessage,
  audience: string,
  options: AuthOptions,
): Promise<VerifiedToken> {
  const header = req.headers.authorization;
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  if (!match?.[1]) throw challenge(options);
  let token: VerifiedToken;
  try {
    token = await options.verifier.verify(match[1], audience);
  } catch (error) {
    if (error instanceof TokenRejectedError) throw challenge(options);
    throw error;
  }
  if (token.tenantId.toLowerCase() !== options.authority.tenantId.toLowerCase()) throw challenge(options);
  return token;
}

/**
 * The application user a verified token's app maps to. Apps registered since the seed get their
 * user here on first call; an app without one gets 401 `0x80072560` "The user is not a member of
 * the organization." (UNCONFIRMED).
 */
export function resolveCaller(
  token: VerifiedToken,
  store: Store,
  facts: { organizationId: string; businessUnitId: string; adminUserId: string },
  apps: readonly SandboxApp[],
): Caller {
  let user = findApplicationUser(store, token.appId);
  if (
    !user &&
    apps.some(
      (app) => app.dataverseApplicationUser && app.clientId.toLowerCase() === token.appId.toLowerCase(),
    )
  ) {
    const actor = {
      userId: facts.adminUserId,
      businessUnitId: facts.businessUnitId,
      organizationId: facts.organizationId,
    };
    store.transaction(() => syncApplicationUsers(store, apps, actor));
    user = findApplicationUser(store, token.appId);
  }
  if (!user) {
    throw new DataverseError(401, ErrorCode.notOrgMember, 'The user is not a member of the organization.', {
      messageName: 'UnManagedInvalidSecurityPrincipal',
    });
  }
  const businessUnit = user.values['businessunitid'];
  return {
    token,
    actor: {
      userId: user.id,
      businessUnitId: isEntityRef(businessUnit) ? businessUnit.id : facts.businessUnitId,
      organizationId: facts.organizationId,
    },
  };
}

function challenge(options: AuthOptions): DataverseError {
  const { host: configured } = options.authority;
  const host = (typeof configured === 'function' ? configured() : configured).replace(/\/+$/, '');
  return new DataverseError(401, ErrorCode.none, 'Unauthorized', {
    messageName: 'RequestIsNotAuthenticated',
    emptyBody: true,
    headers: {
      'WWW-Authenticate': `Bearer authorization_uri=${host}/${options.authority.tenantId}/oauth2/authorize`,
    },
  });
}
