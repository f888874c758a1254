import { setMaxListeners } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  type ConnectorContext,
  createDataverseHttpClient,
  createFnoHttpClient,
  type DataverseConfig,
  type DataverseConfigInput,
  type DataverseHttpOptions,
  dataverseConfigSchema,
  type FnoConfig,
  type FnoConfigInput,
  fnoConfigSchema,
  type HttpClient,
  systemClock,
} from '@mlc/connectors';
import { createLogger } from '@mlc/logger';
import {
  createEntraService,
  type EntraApp,
  ensureTlsMaterial,
  MAIN_APP_NAME,
  type RunningSandbox,
  startSandbox,
} from '@mlc/sandbox';
import { type Front, startFront } from './tls-front';

/**
 * What a consumer test file runs the connectors in:
 * - the environment (Dataverse or F&O) is a Pact mock server behind an HTTPS front
 *   (`tls-front.ts`) whose certificate the sandbox CA issued, so the connector runs in its ordinary
 *   sandbox mode (`sandbox: { caPem }`) and its host guard accepts the front's exact origin;
 * - tokens come from the sandbox's Entra ID alone (no service directory: it issues tokens for any
 *   https resource), so every consumer test gets real msal-node tokens without pinning the token
 *   exchange again; `entra.consumer.test.ts` pins that exchange against a Pact mock of its own.
 */
export interface ConsumerWorld {
  front: Front;
  entraUrl: string;
  tenantId: string;
  app: EntraApp;
  caPem: string;
  tls: { certPem: string; keyPem: string };
  dataverse(
    extra?: Partial<DataverseConfigInput>,
    http?: Partial<DataverseHttpOptions>,
  ): { ctx: ConnectorContext; config: DataverseConfig };
  fno(extra?: Partial<FnoConfigInput>): { ctx: ConnectorContext; config: FnoConfig };
  close(): Promise<void>;
}

export const silentLogger = () => createLogger({ name: 'contract-tests', level: 'silent' });

/** Quick retries: a consumer test never waits for a real backoff. */
const retry = { baseDelayMs: 10, maxDelayMs: 20 };

export async function startConsumerWorld(): Promise<ConsumerWorld> {
  const stateDir = await mkdtemp(path.join(tmpdir(), 'mlc-contract-consumer-'));
  const logger = silentLogger();
  const tlsMaterial = await ensureTlsMaterial(stateDir);
  const entra = await createEntraService({ stateDir });
  const sandbox: RunningSandbox = await startSandbox({
    stateDir,
    logger,
    services: [{ service: entra, port: 0 }],
  });
  const app = entra.apps().find((a) => a.displayName === MAIN_APP_NAME);
  if (!app) throw new Error('the sandbox has no main app');
  const entraUrl = sandbox.urls.entra ?? '';
  const tls = { certPem: tlsMaterial.certPem, keyPem: tlsMaterial.keyPem };
  const front = await startFront({ tls });
  const clients: HttpClient[] = [];
  const context = (http: HttpClient): ConnectorContext => {
    clients.push(http);
    const signal = new AbortController().signal;
    setMaxListeners(100, signal);
    return { http, logger, signal, clock: systemClock };
  };
  const connection = {
    url: front.origin,
    authorityHost: entraUrl,
    tenantId: entra.tenantId,
    clientId: app.clientId,
    clientSecret: app.clientSecret,
    sandbox: { caPem: sandbox.caCertPem },
  };
  return {
    front,
    entraUrl,
    tenantId: entra.tenantId,
    app,
    caPem: sandbox.caCertPem,
    tls,
    dataverse(extra = {}, http = {}) {
      const config = dataverseConfigSchema.parse({ ...connection, ...extra });
      return { config, ctx: context(createDataverseHttpClient(config, { logger, retry, ...http })) };
    },
    fno(extra = {}) {
      const config = fnoConfigSchema.parse({
        ...connection,
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
        outcomeUnknownRecheckMs: 50,
        ...extra,
      });
      return { config, ctx: context(createFnoHttpClient(config, { logger, retry })) };
    },
    async close() {
      await Promise.all(clients.map((c) => c.close()));
      await front.close();
      await sandbox.stop();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}
