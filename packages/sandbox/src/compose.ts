import { createLogger, type Logger } from '@mlc/logger';
import { createDataverseService, createServiceProtection, type DataverseService } from './dataverse/index';
import { createEntraService, createTokenVerifier, describeSandbox, type EntraService } from './entra';
import { createFnoService, type FnoService, fnoFaultBodies } from './fno/index';
import { ServiceDirectory } from './host/directory';
import { FaultStore } from './host/faults';
import { type RunningSandbox, startSandbox } from './host/sandbox';

/**
 * The whole sandbox in one call: Entra ID, Dataverse and F&O behind the HTTPS host, wired as
 * `npm run sandbox` wires them. Used by `main.ts` and by other packages' integration tests
 * (the worker's sync tests run the complete product against it).
 */
export interface CompleteSandboxOptions {
  stateDir: string;
  /** Start again from the seed (ignore saved state). */
  reset?: boolean;
  logger?: Logger;
  /** Ports per service; 0 (the default) picks free ones. */
  ports?: { entra?: number; dataverse?: number; fno?: number };
  /** Released products per F&O legal entity in the seed. */
  products?: number;
  /** F&O cold start after a restart (the slow first `$metadata`), in ms. */
  fnoColdStartMs?: number;
  /** Rows per F&O page (server-driven paging; F&O's own is 10,000). */
  fnoMaxPageSize?: number;
  /** How long Dataverse takes to build an alternate key's index (default 2 s). */
  keyActivationDelayMs?: number;
  /** Dataverse service protection limits (default on, as in production). */
  serviceProtection?: boolean;
  /** Random numbers of the fault injector (seeded in tests). */
  random?: () => number;
}

export interface CompleteSandbox {
  sandbox: RunningSandbox;
  entra: EntraService;
  dataverse: DataverseService;
  fno: FnoService;
  urls: { entra: string; dataverse: string; fno: string };
  caPem: string;
  tenantId: string;
  stop(): Promise<void>;
}

export async function startCompleteSandbox(options: CompleteSandboxOptions): Promise<CompleteSandbox> {
  const logger = options.logger ?? createLogger({ name: 'sandbox' });
  const { stateDir } = options;
  const faults = new FaultStore();
  const directory = new ServiceDirectory();
  const entra = await createEntraService({ stateDir, faults, directory });
  const dataverse = createDataverseService({
    stateDir,
    verifier: createTokenVerifier({
      jwks: entra.jwks(),
      tenantId: entra.tenantId,
      faults,
      service: 'dataverse',
    }),
    apps: () => entra.apps(),
    logger: logger.child({ service: 'dataverse' }),
    authority: {
      host: () => directory.url('entra') ?? 'https://login.microsoftonline.com',
      tenantId: entra.tenantId,
    },
    fresh: options.reset ?? false,
    ...(options.keyActivationDelayMs === undefined
      ? {}
      : { keyActivationDelayMs: options.keyActivationDelayMs }),
    ...(options.serviceProtection === false ? {} : { serviceProtection: createServiceProtection() }),
  });
  const fno = await createFnoService({
    stateDir,
    verifier: createTokenVerifier({ jwks: entra.jwks(), tenantId: entra.tenantId, faults, service: 'fno' }),
    apps: () => entra.apps(),
    logger: logger.child({ service: 'fno' }),
    ...(options.products === undefined ? {} : { products: options.products }),
    ...(options.fnoColdStartMs === undefined ? {} : { coldStartMs: options.fnoColdStartMs }),
    ...(options.fnoMaxPageSize === undefined ? {} : { maxPageSize: options.fnoMaxPageSize }),
  });
  const sandbox = await startSandbox({
    stateDir,
    reset: options.reset ?? false,
    logger,
    faults,
    directory,
    ...(options.random ? { random: options.random } : {}),
    services: [
      { service: entra, port: options.ports?.entra ?? 0 },
      { service: dataverse, port: options.ports?.dataverse ?? 0 },
      { service: fno, port: options.ports?.fno ?? 0, faultBodies: fnoFaultBodies },
    ],
    describe: (urls) => describeSandbox(entra, urls, fno.legalEntities()),
  });
  const urls = {
    entra: sandbox.urls.entra ?? '',
    dataverse: sandbox.urls.dataverse ?? '',
    fno: sandbox.urls.fno ?? '',
  };
  return {
    sandbox,
    entra,
    dataverse,
    fno,
    urls,
    caPem: sandbox.caCertPem,
    tenantId: entra.tenantId,
    stop: () => sandbox.stop(),
  };
}
