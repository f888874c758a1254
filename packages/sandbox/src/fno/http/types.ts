import type { Logger } from '@mlc/logger';
import type { FnoStore } from '../store/store';

/** A request as the OData layer sees it: also what one `$batch` part is turned into. */
export interface FnoRequest {
  method: string;
  url: URL;
  /** Lower-case header names. */
  headers: Readonly<Record<string, string | undefined>>;
  body: Buffer;
}

export interface FnoResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** The F&O user an Entra application acts as (System administration > Microsoft Entra applications). */
export interface FnoUser {
  userId: string;
  /** Default company (lower case): where reads without cross-company look and creates go. */
  company: string;
}

/** Everything a request handler needs; built once per request after authentication. */
export interface Session {
  store: FnoStore;
  /** Scheme, host and port of the request: every link echoes it. */
  origin: string;
  user: FnoUser;
  now: Date;
  maxPageSize: number;
  writeFailureStatus: number;
  csdl: string;
  logger: Logger;
}
