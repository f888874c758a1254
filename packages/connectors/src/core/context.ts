import type { Logger } from '@mlc/logger';
import type { HttpClient } from '../http/client';
import type { Clock } from './clock';

/**
 * What a connector gets to work with: the connection's HTTP client (guarded hosts, tokens,
 * budgets, retries), a logger already bound to the run, the run's abort signal and the clock.
 * Nothing else: no database, no environment variables.
 */
export interface ConnectorContext {
  http: HttpClient;
  logger: Logger;
  signal: AbortSignal;
  clock: Clock;
}
