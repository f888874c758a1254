import { setMaxListeners } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLogger, type Logger } from '@mlc/logger';
import {
  type CountersSnapshot,
  createDataverseService,
  createEntraService,
  createTokenVerifier,
  type DataverseService,
  describeSandbox,
  type EntraApp,
  type EntraService,
  type FaultInput,
  FaultStore,
  MAIN_APP_NAME,
  MISCONFIGURED_APP_NAME,
  type RunningSandbox,
  ServiceDirectory,
  startSandbox,
} from '@mlc/sandbox';
import {
  type ConnectorContext,
  createDataverseHttpClient,
  type DataverseConfig,
  type DataverseConfigInput,
  dataverseConfigSchema,
  type HttpClient,
  systemClock,
} from '../src/index';
import { asTestSetup, requestRecorder } from './request-recorder';
import { createControlClient, findApp } from './sandbox-control';

/**
 * The sandbox for the Dataverse connector tests, composed as `packages/sandbox/src/main.ts` does it
 * (Entra ID + Dataverse behind the HTTPS host, a temporary state directory, free ports), plus the
 * host's control API (`/_sandbox/faults`, `/_sandbox/counters`, `/_sandbox/reset`) over HTTPS with
 * the sandbox CA, and connector configurations for the two app registrations.
 */
export interface DataverseSandbox {
  sandbox: RunningSandbox;
  entra: EntraService;
  dataverse: DataverseService;
  entraUrl: string;
  dataverseUrl: string;
  caPem: string;
  mainApp: EntraApp;
  misconfiguredApp: EntraApp;
  /** Connector configuration for an app (the main one by default). */
  config(app?: EntraApp, extra?: Partial<DataverseConfigInput>): DataverseConfig;
  /** A connector context with a fresh HTTP client (a "new process"), closed by `close()`. */
  context(
    app?: EntraApp,
    extra?: Partial<DataverseConfigInput>,
    logger?: Logger,
  ): { ctx: ConnectorContext; http: HttpClient; config: DataverseConfig };
  control: {
    faults(service: 'entra' | 'dataverse', faults: FaultInput): Promise<void>;
    counters(service: 'entra' | 'dataverse'): Promise<CountersSnapshot>;
    resetCounters(service: 'entra' | 'dataverse'): Promise<void>;
    reset(service: 'dataverse'): Promise<void>;
    /** `PUT /_sandbox/limits`: the whole service-protection setting (and `x-ms-dop-hint`). */
    limits(settings: Record<string, unknown>): Promise<void>;
  };
  close(): Promise<void>;
}

export const silentLogger = (): Logger => createLogger({ name: 'connectors-test', level: 'silent' });

export interface DataverseSandboxOptions {
  keyActivationDelayMs?: number;
  now?: () => Date;
}

export async function startDataverseSandbox(
  options: DataverseSandboxOptions = {},
): Promise<DataverseSandbox> {
  const stateDir = await mkdtemp(path.join(tmpdir(), 'mlc-connectors-dv-'));
  const logger = silentLogger();
  const directory = new ServiceDirectory();
  const faults = new FaultStore();
  const entra = await createEntraService({ stateDir, directory, faults });
  const dataverse = createDataverseService({
    stateDir,
    verifier: createTokenVerifier({
      jwks: entra.jwks(),
      tenantId: entra.tenantId,
      faults,
      service: 'dataverse',
    }),
    apps: () => entra.apps(),
    authority: {
      host: () => directory.url('entra') ?? 'https://login.microsoftonline.com',
      tenantId: entra.tenantId,
    },
    logger,
    ...(options.keyActivationDelayMs === undefined
      ? {}
      : { keyActivationDelayMs: options.keyActivationDelayMs }),
    ...(options.now ? { now: options.now } : {}),
  });
  const sandbox = await startSandbox({
    stateDir,
    logger,
    faults,
    directory,
    services: [
      { service: entra, port: 0 },
      { service: dataverse, port: 0 },
    ],
    describe: (urls) => describeSandbox(entra, urls),
  });
  await dataverse.ready();
  const entraUrl = sandbox.urls.entra ?? '';
  const dataverseUrl = sandbox.urls.dataverse ?? '';
  const caPem = sandbox.caCertPem;
  const control = createControlClient<'entra' | 'dataverse'>(caPem, (service) =>
    service === 'entra' ? entraUrl : dataverseUrl,
  );
  const mainApp = findApp(entra, MAIN_APP_NAME);
  const misconfiguredApp = findApp(entra, MISCONFIGURED_APP_NAME);
  const clients: HttpClient[] = [];
  const onRequest = requestRecorder();

  const config = (which: EntraApp = mainApp, extra: Partial<DataverseConfigInput> = {}): DataverseConfig =>
    dataverseConfigSchema.parse({
      url: dataverseUrl,
      authorityHost: entraUrl,
      tenantId: entra.tenantId,
      clientId: which.clientId,
      clientSecret: which.clientSecret,
      sandbox: { caPem },
      ...extra,
    });

  return {
    sandbox,
    entra,
    dataverse,
    entraUrl,
    dataverseUrl,
    caPem,
    mainApp,
    misconfiguredApp,
    config,
    context(which = mainApp, extra = {}, contextLogger = logger) {
      const connection = config(which, extra);
      const http = createDataverseHttpClient(connection, {
        logger: contextLogger,
        retry: { baseDelayMs: 50, maxDelayMs: 200 },
        ...(onRequest ? { onRequest } : {}),
      });
      clients.push(http);
      // One run signal serves every concurrent request of the run (each adds an abort listener).
      const signal = new AbortController().signal;
      setMaxListeners(100, signal);
      return {
        http,
        config: connection,
        ctx: { http, logger: contextLogger, signal, clock: systemClock },
      };
    },
    control: {
      faults: control.faults,
      counters: control.counters,
      resetCounters: control.resetCounters,
      reset: async () => {
        await control.call('POST', `${dataverseUrl}/_sandbox/reset`);
      },
      limits: async (settings) => {
        await control.call('PUT', `${dataverseUrl}/_sandbox/limits`, settings);
      },
    },
    async close() {
      await Promise.all(clients.map((client) => client.close()));
      await control.close();
      await sandbox.stop();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}

/**
 * Plain Web API calls for test set-up (through a connector HTTP client: real tokens, the guard);
 * not connector calls, so not recorded for the contract tests' coverage gate.
 */
export function webApi(client: HttpClient, dataverseUrl: string) {
  const http: Pick<HttpClient, 'request'> = {
    request: (req) => asTestSetup(() => client.request(req)),
  };
  const url = (path: string) =>
    path.startsWith('https://') ? path : `${dataverseUrl}/api/data/v9.2/${path.replace(/ /g, '%20')}`;
  return {
    async get<T = Record<string, unknown>>(path: string, prefer?: string): Promise<T> {
      const response = await http.request({
        method: 'GET',
        url: url(path),
        headers: prefer ? { Prefer: prefer } : {},
      });
      return response.body as T;
    },
    async rows<T = Record<string, unknown>>(path: string): Promise<T[]> {
      const response = await http.request({ method: 'GET', url: url(path) });
      return (response.body as { value: T[] }).value;
    },
    /** POST; returns the new row's id (from OData-EntityId). */
    async create(path: string, body: unknown): Promise<string> {
      const response = await http.request({ method: 'POST', url: url(path), json: body });
      const id = /\(([0-9a-f-]{36})\)$/i.exec(response.headers['odata-entityid'] ?? '')?.[1];
      if (!id) throw new Error(`POST ${path}: no OData-EntityId`);
      return id;
    },
    async update(path: string, body: unknown): Promise<void> {
      await http.request({ method: 'PATCH', url: url(path), json: body, headers: { 'If-Match': '*' } });
    },
    async remove(path: string): Promise<void> {
      await http.request({ method: 'DELETE', url: url(path) });
    },
  };
}

/** Every page of a stream, with its checkpoint and meta. */
export async function collect<T>(pages: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const page of pages) out.push(page);
  return out;
}

export { tokenRequests } from './sandbox-control';
