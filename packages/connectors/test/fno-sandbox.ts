import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLogger, type Logger } from '@mlc/logger';
import {
  type CountersSnapshot,
  createEntraService,
  createFnoService,
  createTokenVerifier,
  type EntraApp,
  type EntraService,
  type FaultInput,
  FaultStore,
  type FnoService,
  fnoFaultBodies,
  MAIN_APP_NAME,
  MISCONFIGURED_APP_NAME,
  type RunningSandbox,
  ServiceDirectory,
  startSandbox,
} from '@mlc/sandbox';
import type { Dispatcher } from 'undici';
import {
  type ConnectorContext,
  createFnoHttpClient,
  type FnoConfig,
  type FnoConfigInput,
  fnoConfigSchema,
  type HttpClient,
  type HttpRequest,
  type HttpResponse,
  systemClock,
} from '../src/index';
import { asTestSetup, requestRecorder } from './request-recorder';
import { createControlClient, findApp } from './sandbox-control';

/**
 * The sandbox for the F&O connector tests, composed as `packages/sandbox/src/main.ts` does it
 * (Entra ID + F&O behind the HTTPS host, a temporary state directory, free ports, a short cold
 * start), plus the host's control API over HTTPS with the sandbox CA, and connector configurations
 * for the two app registrations (real msal-node tokens through the connector's token provider).
 */
export interface FnoSandbox {
  sandbox: RunningSandbox;
  entra: EntraService;
  fno: FnoService;
  entraUrl: string;
  fnoUrl: string;
  caPem: string;
  mainApp: EntraApp;
  misconfiguredApp: EntraApp;
  /** Connector configuration for an app (the main one by default), parsed as the host would. */
  config(app?: EntraApp, extra?: Partial<FnoConfigInput>): FnoConfig;
  /** A connector context with a fresh HTTP client (a "new process"), closed by `close()`. */
  context(
    app?: EntraApp,
    extra?: Partial<FnoConfigInput>,
  ): { ctx: ConnectorContext; http: HttpClient; config: FnoConfig };
  control: {
    faults(service: 'entra' | 'fno', faults: FaultInput): Promise<void>;
    counters(service: 'entra' | 'fno'): Promise<CountersSnapshot>;
    resetCounters(service: 'entra' | 'fno'): Promise<void>;
    /** Any other control route of the F&O port (`/_sandbox/…`), JSON in and out. */
    call(method: Dispatcher.HttpMethod, path: string, body?: unknown): Promise<unknown>;
  };
  close(): Promise<void>;
}

export const silentLogger = (): Logger => createLogger({ name: 'connectors-test', level: 'silent' });

export interface FnoSandboxOptions {
  coldStartMs?: number;
  maxPageSize?: number;
  products?: number;
  /** Seed of the fault injector's random numbers (deterministic faults for a sequential flow). */
  faultSeed?: number;
}

/** mulberry32: a small seeded PRNG. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export const COLD_START_MS = 300;

export async function startFnoSandbox(options: FnoSandboxOptions = {}): Promise<FnoSandbox> {
  const stateDir = await mkdtemp(path.join(tmpdir(), 'mlc-connectors-fno-'));
  const logger = silentLogger();
  const directory = new ServiceDirectory();
  const faults = new FaultStore();
  const entra = await createEntraService({ stateDir, directory, faults });
  const fno = await createFnoService({
    stateDir,
    verifier: createTokenVerifier({ jwks: entra.jwks(), tenantId: entra.tenantId, faults, service: 'fno' }),
    apps: () => entra.apps(),
    logger,
    coldStartMs: options.coldStartMs ?? COLD_START_MS,
    ...(options.maxPageSize === undefined ? {} : { maxPageSize: options.maxPageSize }),
    ...(options.products === undefined ? {} : { products: options.products }),
  });
  const sandbox = await startSandbox({
    stateDir,
    logger,
    faults,
    directory,
    ...(options.faultSeed === undefined ? {} : { random: seededRandom(options.faultSeed) }),
    services: [
      { service: entra, port: 0 },
      { service: fno, port: 0, faultBodies: fnoFaultBodies },
    ],
  });
  const entraUrl = sandbox.urls.entra ?? '';
  const fnoUrl = sandbox.urls.fno ?? '';
  const caPem = sandbox.caCertPem;
  const control = createControlClient<'entra' | 'fno'>(caPem, (service) =>
    service === 'entra' ? entraUrl : fnoUrl,
  );
  const mainApp = findApp(entra, MAIN_APP_NAME);
  const misconfiguredApp = findApp(entra, MISCONFIGURED_APP_NAME);
  const clients: HttpClient[] = [];
  const onRequest = requestRecorder();

  const config = (which: EntraApp = mainApp, extra: Partial<FnoConfigInput> = {}): FnoConfig =>
    fnoConfigSchema.parse({
      url: fnoUrl,
      authorityHost: entraUrl,
      tenantId: entra.tenantId,
      clientId: which.clientId,
      clientSecret: which.clientSecret,
      defaultLegalEntity: 'usmf',
      legalEntitySettings: {
        usmf: {
          customerGroupId: '10',
          currencyCode: 'USD',
          customerAccounts: 'manual',
          salesOrderNumbers: 'manual',
        },
        demf: { customerGroupId: '10', currencyCode: 'EUR' },
      },
      outcomeUnknownRecheckMs: 200,
      sandbox: { caPem },
      ...extra,
    });

  return {
    sandbox,
    entra,
    fno,
    entraUrl,
    fnoUrl,
    caPem,
    mainApp,
    misconfiguredApp,
    config,
    context(which = mainApp, extra = {}) {
      const parsed = config(which, extra);
      const http = createFnoHttpClient(parsed, {
        logger,
        retry: { baseDelayMs: 50, maxDelayMs: 200 },
        ...(onRequest ? { onRequest } : {}),
      });
      clients.push(http);
      return {
        http,
        config: parsed,
        ctx: { http, logger, signal: new AbortController().signal, clock: systemClock },
      };
    },
    control: {
      faults: control.faults,
      counters: control.counters,
      resetCounters: control.resetCounters,
      call: (method, controlPath, body) => control.call(method, `${fnoUrl}${controlPath}`, body),
    },
    async close() {
      await Promise.all(clients.map((client) => client.close()));
      await control.close();
      await sandbox.stop();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}

/** Every record of a read, with the pages' checkpoints and metas. */
export async function collect<R, C>(
  pages: AsyncIterable<{ records: R[]; checkpoint: C; meta?: unknown }>,
  limit = Number.POSITIVE_INFINITY,
): Promise<{ records: R[]; checkpoints: C[]; metas: unknown[]; pages: number }> {
  const records: R[] = [];
  const checkpoints: C[] = [];
  const metas: unknown[] = [];
  let count = 0;
  for await (const page of pages) {
    records.push(...page.records);
    checkpoints.push(page.checkpoint);
    metas.push(page.meta);
    count += 1;
    if (count >= limit) break;
  }
  return { records, checkpoints, metas, pages: count };
}

export { tokenRequests } from './sandbox-control';

/**
 * Requests a test makes to arrange or inspect F&O (through the connector's client: real tokens, the
 * guard); not connector calls, so not recorded for the contract tests' coverage gate.
 */
export function testSetup(ctx: ConnectorContext): {
  request<T = unknown>(req: HttpRequest<T>): Promise<HttpResponse<T>>;
} {
  return { request: (req) => asTestSetup(() => ctx.http.request(req)) };
}
