import path from 'node:path';
import { createLogger, type Logger } from '@mlc/logger';
import type { SimulatorService } from '../core/contracts';
import { type SandboxDescriptor, sandboxDescriptorSchema } from '../descriptor';
import { DEFAULT_BODY_LIMIT_BYTES } from './body';
import { type CountersSnapshot, RequestCounters } from './counters';
import { ServiceDirectory } from './directory';
import { SandboxStartError } from './errors';
import { defaultFaultBodies, type FaultBodies } from './fault-bodies';
import { FaultStore, type ServiceName } from './faults';
import { ensureDir, writeFileAtomic } from './files';
import { listen, type ServiceListener } from './listener';
import { ensureTlsMaterial } from './tls';

export interface ServiceRegistration {
  service: SimulatorService;
  /** 0 picks a free port (tests). */
  port: number;
  /** How injected faults look on this port; defaults to the service's real error shapes. */
  faultBodies?: FaultBodies;
}

export type SandboxUrls = Partial<Record<ServiceName, string>>;

export interface StartSandboxOptions {
  /** Absolute or relative; `.sandbox/` at the repo root for the CLI. */
  stateDir: string;
  services: readonly ServiceRegistration[];
  logger?: Logger;
  /** Shared with Entra and the token verifiers; created when omitted. */
  faults?: FaultStore;
  /** Filled in with each service's URL once bound; created when omitted. */
  directory?: ServiceDirectory;
  /** Back to the seed before listening (`--reset`). */
  reset?: boolean;
  /** Listen address, default 127.0.0.1. */
  host?: string;
  bodyLimitBytes?: number;
  /**
   * How often services write their state to disk, default 5 s; while requests keep arriving, a
   * flush waits for an interval without any, up to 12 intervals.
   */
  flushIntervalMs?: number;
  /**
   * The parts of `sandbox.json` other than `caCertPath`, built once the URLs are known. Without it
   * no `sandbox.json` is written.
   */
  describe?: (urls: SandboxUrls) => Omit<SandboxDescriptor, 'caCertPath'>;
  /** Randomness of the fault injector (tests pin it). */
  random?: () => number;
  now?: () => number;
}

export interface RunningSandbox {
  readonly stateDir: string;
  readonly urls: SandboxUrls;
  readonly caCertPath: string;
  readonly caCertPem: string;
  /** `<stateDir>/sandbox.json` when `describe` was given. */
  readonly descriptorPath: string | undefined;
  readonly faults: FaultStore;
  readonly directory: ServiceDirectory;
  counters(service: ServiceName): CountersSnapshot;
  /** Writes every service's state now. */
  flush(): Promise<void>;
  /** Stops listening, flushes and closes every service. Idempotent. */
  stop(): Promise<void>;
}

const DEFAULT_FLUSH_INTERVAL_MS = 5_000;
/** A busy sandbox still flushes after this many intervals (60 s by default). */
const FLUSH_DEFER_INTERVALS = 12;

/**
 * Starts the sandbox host: TLS material from the state directory, one HTTPS listener per service on
 * 127.0.0.1, periodic flushes, and `sandbox.json` once everything listens.
 */
export async function startSandbox(options: StartSandboxOptions): Promise<RunningSandbox> {
  const stateDir = path.resolve(options.stateDir);
  const logger = options.logger ?? createLogger({ name: 'sandbox' });
  const faults = options.faults ?? new FaultStore();
  const directory = options.directory ?? new ServiceDirectory();
  const now = options.now ?? Date.now;
  const host = options.host ?? '127.0.0.1';
  assertDistinct(options.services);

  await ensureDir(stateDir);
  const tls = await ensureTlsMaterial(stateDir);
  if (tls.generated.ca) logger.info({ caCertPath: tls.caCertPath }, 'generated the sandbox CA');
  else if (tls.generated.server) logger.info('renewed the sandbox server certificate');

  if (options.reset) {
    for (const { service } of options.services) await service.reset();
    logger.info('state reset to the seed');
  }

  const counters = new Map<ServiceName, RequestCounters>();
  const listeners: ServiceListener[] = [];
  const urls: SandboxUrls = {};
  let descriptorPath: string | undefined;
  try {
    for (const registration of options.services) {
      const { service } = registration;
      const serviceCounters = new RequestCounters({ service: service.name, now });
      counters.set(service.name, serviceCounters);
      const listener = await listen({
        service,
        port: registration.port,
        host,
        tls,
        faultBodies: registration.faultBodies ?? defaultFaultBodies(service.name),
        faults,
        counters: serviceCounters,
        logger: logger.child({ service: service.name }),
        bodyLimitBytes: options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES,
        random: options.random ?? Math.random,
        now,
      });
      listeners.push(listener);
      urls[service.name] = listener.url;
      directory.set(service.name, listener.url);
    }
    if (options.describe) {
      descriptorPath = path.join(stateDir, 'sandbox.json');
      const descriptor = sandboxDescriptorSchema.parse({
        caCertPath: tls.caCertPath,
        ...options.describe(urls),
      });
      await writeFileAtomic(descriptorPath, `${JSON.stringify(descriptor, null, 2)}\n`);
    }
  } catch (error) {
    await Promise.all(listeners.map((listener) => listener.close()));
    for (const { service } of options.services) directory.delete(service.name);
    throw error;
  }

  let flushing: Promise<void> | undefined;
  const flush = async (): Promise<void> => {
    const results = await Promise.allSettled(options.services.map(({ service }) => service.flush()));
    results.forEach((result, index) => {
      if (result.status === 'rejected') {
        logger.error({ err: result.reason, service: options.services[index]?.service.name }, 'flush failed');
      }
    });
  };
  // While requests keep coming (a catalog load writing 100,000 rows), a flush rewrites whole
  // tables every few seconds for nothing: flushes wait for a quiet interval, but never longer
  // than FLUSH_DEFER_INTERVALS intervals.
  const flushIntervalMs = options.flushIntervalMs ?? DEFAULT_FLUSH_INTERVAL_MS;
  let lastFlushAt = now();
  let lastRequests = -1;
  const timer = setInterval(() => {
    let requests = 0;
    for (const serviceCounters of counters.values()) requests += serviceCounters.snapshot().total;
    const busy = requests !== lastRequests;
    lastRequests = requests;
    if (busy && now() - lastFlushAt < flushIntervalMs * FLUSH_DEFER_INTERVALS) return;
    lastFlushAt = now();
    flushing ??= flush().finally(() => {
      flushing = undefined;
    });
  }, flushIntervalMs);
  timer.unref();

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      clearInterval(timer);
      await Promise.all(listeners.map((listener) => listener.close()));
      await flushing;
      await flush();
      for (const { service } of options.services) {
        try {
          await service.close();
        } catch (error) {
          logger.error({ err: error, service: service.name }, 'close failed');
        }
        directory.delete(service.name);
      }
      logger.info('sandbox stopped');
    })();
    return stopping;
  };

  logger.debug({ urls, stateDir }, 'sandbox listening');
  return {
    stateDir,
    urls,
    caCertPath: tls.caCertPath,
    caCertPem: tls.caCertPem,
    descriptorPath,
    faults,
    directory,
    counters: (service) => {
      const serviceCounters = counters.get(service);
      if (!serviceCounters) throw new Error(`no service named ${service} in this sandbox`);
      return serviceCounters.snapshot();
    },
    flush,
    stop,
  };
}

function assertDistinct(services: readonly ServiceRegistration[]): void {
  const names = services.map(({ service }) => service.name);
  const duplicate = names.find((name, index) => names.indexOf(name) !== index);
  if (duplicate) throw new SandboxStartError(`service ${duplicate} is registered twice`);
}
