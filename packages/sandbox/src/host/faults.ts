import { z } from 'zod';
import type { SimulatorService } from '../core/contracts';

export type ServiceName = SimulatorService['name'];

const rate = z.number().min(0).max(1);
const milliseconds = z.number().int().min(0).max(120_000);

/**
 * Body of `PUT /_sandbox/faults`: the whole fault configuration of one service (omitted fields take
 * their defaults, unknown fields are refused).
 */
export const faultInputSchema = z.strictObject({
  /** Share of requests answered 429 before they reach the service. */
  rate429: rate.default(0),
  /** `Retry-After` (seconds) of injected 429s. */
  retryAfterSeconds: z.number().int().min(0).max(3600).default(1),
  /** Share of requests answered with `status5xx`. */
  rate5xx: rate.default(0),
  status5xx: z.union([z.literal(500), z.literal(502), z.literal(503), z.literal(504)]).default(503),
  /** Added to every request: `latencyMs` plus a uniform random `0..latencyJitterMs`. */
  latencyMs: milliseconds.default(0),
  latencyJitterMs: milliseconds.default(0),
  /** Share of requests whose connection is destroyed before any response byte. */
  resetRate: rate.default(0),
  /**
   * Lifetime of tokens Entra issues: set on the Entra port for every token, or on a resource's port
   * (Dataverse, F&O) for tokens whose audience is that resource (wins over Entra's).
   */
  tokenLifetimeSeconds: z.number().int().min(1).max(86_400).nullable().default(null),
  /**
   * Token-expiry fault: tokens issued before this instant are rejected as expired. An ISO date-time,
   * epoch seconds, or `"now"`. On a resource's port it applies to that resource; on the Entra port
   * to every resource.
   */
  expireTokensIssuedBefore: z
    .union([z.literal('now'), z.iso.datetime({ offset: true }), z.number().nonnegative()])
    .nullable()
    .default(null),
});

export type FaultInput = z.input<typeof faultInputSchema>;

export interface FaultConfig {
  rate429: number;
  retryAfterSeconds: number;
  rate5xx: number;
  status5xx: 500 | 502 | 503 | 504;
  latencyMs: number;
  latencyJitterMs: number;
  resetRate: number;
  tokenLifetimeSeconds: number | null;
  /** ISO date-time (resolved from `"now"` or epoch seconds when set). */
  expireTokensIssuedBefore: string | null;
}

export const NO_FAULTS: Readonly<FaultConfig> = Object.freeze(resolveFaults(faultInputSchema.parse({}), 0));

export function resolveFaults(input: z.output<typeof faultInputSchema>, nowMs: number): FaultConfig {
  const before = input.expireTokensIssuedBefore;
  let expireTokensIssuedBefore: string | null = null;
  if (before === 'now') expireTokensIssuedBefore = new Date(nowMs).toISOString();
  else if (typeof before === 'number') expireTokensIssuedBefore = new Date(before * 1000).toISOString();
  else if (typeof before === 'string') expireTokensIssuedBefore = new Date(before).toISOString();
  return { ...input, expireTokensIssuedBefore };
}

/** The fault configuration of every service; shared by the host, Entra and the token verifiers. */
export class FaultStore {
  private readonly configs = new Map<ServiceName, FaultConfig>();

  get(service: ServiceName): FaultConfig {
    return this.configs.get(service) ?? NO_FAULTS;
  }

  set(service: ServiceName, config: FaultConfig): void {
    this.configs.set(service, config);
  }

  clear(service: ServiceName): void {
    this.configs.delete(service);
  }

  /**
   * The token-expiry cut-off (epoch ms) that applies to tokens for `resource`: the later of the
   * resource's own and Entra's.
   */
  tokenCutoffMs(resource: ServiceName | undefined): number | undefined {
    const cutoffs = [this.get('entra'), resource ? this.get(resource) : NO_FAULTS]
      .map((config) => config.expireTokensIssuedBefore)
      .filter((value): value is string => value !== null)
      .map((value) => Date.parse(value));
    return cutoffs.length > 0 ? Math.max(...cutoffs) : undefined;
  }

  /** Lifetime override for tokens for `resource`: the resource's own, else Entra's. */
  tokenLifetimeSeconds(resource: ServiceName | undefined): number | undefined {
    return (
      (resource ? this.get(resource).tokenLifetimeSeconds : null) ??
      this.get('entra').tokenLifetimeSeconds ??
      undefined
    );
  }
}

export type FaultAction =
  | { kind: 'none' }
  | { kind: 'reset' }
  | { kind: 'throttle'; retryAfterSeconds: number }
  | { kind: 'server_error'; status: number };

/** What to do with one request: a delay, then at most one fault (reset, then 429, then 5xx). */
export function decideFault(
  config: FaultConfig,
  random: () => number,
): { delayMs: number; action: FaultAction } {
  const delayMs = config.latencyMs + Math.round(random() * config.latencyJitterMs);
  if (hits(config.resetRate, random)) return { delayMs, action: { kind: 'reset' } };
  if (hits(config.rate429, random)) {
    return { delayMs, action: { kind: 'throttle', retryAfterSeconds: config.retryAfterSeconds } };
  }
  if (hits(config.rate5xx, random))
    return { delayMs, action: { kind: 'server_error', status: config.status5xx } };
  return { delayMs, action: { kind: 'none' } };
}

function hits(probability: number, random: () => number): boolean {
  if (probability <= 0) return false;
  if (probability >= 1) return true;
  return random() < probability;
}
