import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '@mlc/logger';

/**
 * The seams between the sandbox's parts. The host (`src/host/`) owns the HTTPS listeners, the CA,
 * the `/_sandbox/` control API, fault injection and request counters; each simulator (Entra ID,
 * Dataverse, later F&O) is a `SimulatorService` plugged into it.
 */

/** One app registration known to the sandbox's Entra ID. */
export interface SandboxApp {
  clientId: string;
  clientSecret: string;
  displayName: string;
  /** Dataverse: the app is an Application User of the org (with a security role). */
  dataverseApplicationUser: boolean;
  /** F&O: the app is registered under System administration > Microsoft Entra applications. */
  fnoEntraApplication: boolean;
}

/** A token the sandbox's Entra ID issued, after signature, issuer and lifetime checks. */
export interface VerifiedToken {
  audience: string;
  tenantId: string;
  appId: string;
  objectId: string;
  issuedAt: number;
  expiresAt: number;
}

export type TokenRejection = 'missing' | 'malformed' | 'bad_signature' | 'expired' | 'wrong_audience';

export class TokenRejectedError extends Error {
  override readonly name = 'TokenRejectedError';
  constructor(
    readonly reason: TokenRejection,
    message: string,
  ) {
    super(message);
  }
}

export interface TokenVerifier {
  /**
   * Verifies a bearer token for a resource. `audience` is the resource URL as the service knows
   * itself (e.g. `https://127.0.0.1:4402`). Throws `TokenRejectedError`.
   */
  verify(token: string, audience: string): Promise<VerifiedToken>;
}

/** Per-request facts the host hands to a service, and what the service tells the host back. */
export interface RequestContext {
  /** Scheme, host and port the request came in on, e.g. `https://127.0.0.1:4402`; links echo it. */
  origin: string;
  requestId: string;
  logger: Logger;
  /** Set by the service once it knows them; the host's request counters use them. */
  clientId?: string;
  entitySet?: string;
}

export interface SimulatorService {
  readonly name: 'entra' | 'dataverse' | 'fno';
  /** Real API requests (everything not under `/_sandbox/`). */
  handle(req: IncomingMessage, body: Buffer, res: ServerResponse, ctx: RequestContext): Promise<void>;
  /**
   * Service-specific control routes under `/_sandbox/` (e.g. seed, activity generator); returns
   * false when the path is not one of its own.
   */
  control?(path: string, req: IncomingMessage, body: Buffer, res: ServerResponse): Promise<boolean>;
  /** Back to the deterministic seed. */
  reset(): Promise<void>;
  /** Writes state to disk (called periodically and on shutdown). */
  flush(): Promise<void>;
  close(): Promise<void>;
}
