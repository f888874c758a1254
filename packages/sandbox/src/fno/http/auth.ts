import type { SandboxApp, TokenVerifier, VerifiedToken } from '../../core/contracts';
import { TokenRejectedError } from '../../core/contracts';
import { unauthorized } from '../errors';
import type { FnoUser } from './types';

export interface Authenticated {
  token: VerifiedToken;
  app: SandboxApp;
  user: FnoUser;
}

export interface AuthOptions {
  verifier: TokenVerifier;
  apps: () => readonly SandboxApp[];
  /** The F&O user an app registered under Microsoft Entra applications acts as. */
  userFor: (app: SandboxApp) => FnoUser;
}

/**
 * `Authorization: Bearer` checked against the F&O URL (the request's origin): a missing, expired
 * or wrongly-addressed token, or an app that is not registered as a Microsoft Entra application
 * in F&O, gets the bare 401 (fno.md §1).
 */
export async function authenticate(
  options: AuthOptions,
  authorization: string | undefined,
  audience: string,
): Promise<Authenticated> {
  const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1] ?? '';
  let verified: VerifiedToken;
  try {
    verified = await options.verifier.verify(token, audience);
  } catch (error) {
    if (error instanceof TokenRejectedError) throw unauthorized(`${error.reason}: ${error.message}`);
    throw error;
  }
  const wanted = verified.appId.toLowerCase();
  const app = options.apps().find((candidate) => candidate.clientId.toLowerCase() === wanted);
  if (!app) throw unauthorized(`app ${verified.appId} is not known to the sandbox`);
  if (!app.fnoEntraApplication) {
    throw unauthorized(`app ${verified.appId} is not registered under Microsoft Entra applications in F&O`);
  }
  return { token: verified, app, user: options.userFor(app) };
}
