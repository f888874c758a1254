import { buildConnector, Pool } from 'undici';
import type { HostGuard } from './guard';

/**
 * One undici `Pool` per origin: keep-alive connections reused across requests and flows, the
 * origin's own trust settings (the sandbox CA for a sandbox origin, the system CAs plus the DNS
 * guard for Microsoft's hosts), and connect/headers/body timeouts.
 *
 * The connector is wrapped so that an error raised while connecting is remembered: such a request
 * provably never reached the server, which is what allows resending even a POST.
 */
export interface PoolSettings {
  connectTimeoutMs: number;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  keepAliveTimeoutMs: number;
  connections: number;
}

const connectPhaseErrors = new WeakSet<object>();

/** True when the error was raised while opening the connection (DNS, TCP, TLS handshake). */
export function isConnectPhaseError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && connectPhaseErrors.has(error);
}

export class OriginPools {
  private readonly pools = new Map<string, Pool>();

  constructor(
    private readonly guard: HostGuard,
    private readonly settings: PoolSettings,
  ) {}

  get(origin: string): Pool {
    let pool = this.pools.get(origin);
    if (!pool) {
      pool = this.create(origin);
      this.pools.set(origin, pool);
    }
    return pool;
  }

  async close(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((pool) => pool.close()));
  }

  private create(origin: string): Pool {
    const trust = this.guard.trustFor(origin);
    const base = buildConnector({
      timeout: this.settings.connectTimeoutMs,
      keepAlive: true,
      ...(trust.ca ? { ca: trust.ca } : {}),
      ...(trust.lookup ? { lookup: trust.lookup } : {}),
    });
    const connect: buildConnector.connector = (options, callback) => {
      base(options, (...args) => {
        const [error] = args;
        if (error) connectPhaseErrors.add(error);
        callback(...args);
      });
    };
    return new Pool(origin, {
      connect,
      connections: this.settings.connections,
      pipelining: 1,
      keepAliveTimeout: this.settings.keepAliveTimeoutMs,
      headersTimeout: this.settings.headersTimeoutMs,
      bodyTimeout: this.settings.bodyTimeoutMs,
    });
  }
}
