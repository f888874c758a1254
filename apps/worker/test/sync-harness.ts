import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import {
  type ConnectorContext,
  createDataverseHttpClient,
  createFnoHttpClient,
  dataverseConfigSchema,
  fnoConfigSchema,
  type HttpClient,
  systemClock,
} from '@mlc/connectors';
import {
  type ConnectionSettingsInput,
  createDbClient,
  createKeyring,
  createRecordsRepository,
  createSecretsRepository,
  createVault,
  type DbClient,
  parseKey,
  type SyncRecord,
  schema,
} from '@mlc/db';
import { createLogger, type Logger } from '@mlc/logger';
import { type CompleteSandbox, startCompleteSandbox } from '@mlc/sandbox';
import {
  IntakeError,
  type RunningWorker,
  receiveDataverseWebhook,
  receiveFnoBusinessEvent,
  startWorker,
} from '../src/index';

/**
 * The complete product for the sync integration tests: the sandbox (Entra ID, Dataverse, F&O over
 * HTTPS), a connection stored as the portal stores it (settings, secrets in the vault), the real
 * worker on the test's own database, a webhook receiver doing what the portal route does, the
 * webhook registered in Dataverse through the connector, and user-side clients that act in
 * Dataverse and F&O the way people do (Web API / OData with the app's token).
 */
export interface SyncHarness {
  sandbox: CompleteSandbox;
  db: DbClient;
  databaseUrl: string;
  /** The vault key (base64) the connection's secrets are sealed with: `MLC_ENCRYPTION_KEY` of other workers. */
  encryptionKey: string;
  /** The in-process worker; with `worker: 'queue-only'` it only queues (intake, control), it runs nothing. */
  worker: RunningWorker;
  connectionId: string;
  webhookUrl: string;
  /** Dataverse Web API as a sales rep (impersonated): `dv('GET', 'accounts?$select=name')`. */
  dv<T = Record<string, unknown>>(
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    path: string,
    json?: unknown,
  ): Promise<{ status: number; body: T; headers: Record<string, string> }>;
  /** Dataverse Web API as our own application user (what the worker's writes look like). */
  dvAsOurApp<T = Record<string, unknown>>(
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    path: string,
    json?: unknown,
  ): Promise<{ status: number; body: T; headers: Record<string, string> }>;
  fno<T = Record<string, unknown>>(
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    path: string,
    json?: unknown,
  ): Promise<{ status: number; body: T; headers: Record<string, string> }>;
  /**
   * `refuse`: answer 503 to every webhook (the receiver is down). `hold`: webhooks it picks are
   * answered 202 and kept in `held` instead of being taken in (a delivery that comes late: the test
   * delivers them later with `redeliver`).
   */
  webhooks: {
    received: number;
    duplicates: number;
    bodies: string[];
    refuse: boolean;
    hold: ((body: Record<string, unknown>) => boolean) | undefined;
    held: string[];
  };
  /** Business events received on `<webhook origin>/events`. */
  businessEvents: { received: number; duplicates: number };
  /** Posts a stored webhook body again (a redelivery). */
  redeliver(body: string): Promise<number>;
  records(): Promise<SyncRecord[]>;
  waitForRecord(
    sourceId: string,
    statuses?: readonly SyncRecord['status'][],
    timeoutMs?: number,
  ): Promise<SyncRecord>;
  /** The sandbox control API of a service's port (`GET /_sandbox/counters` on the F&O port …). */
  control<T = Record<string, unknown>>(
    service: 'dataverse' | 'fno',
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    json?: unknown,
  ): Promise<{ status: number; body: T }>;
  restartWorker(): Promise<void>;
  close(): Promise<void>;
}

export const quietLogger = (): Logger =>
  createLogger({ name: 'sync-test', destination: new Writable({ write: (_c, _e, done) => done() }) });

export const testSettings = (caPem: string): ConnectionSettingsInput => ({
  legalEntities: {
    default: 'usmf',
    rules: [{ field: 'address1_country', equals: 'Germany', dataAreaId: 'demf' }],
    settings: {
      usmf: {
        customerGroupId: '10',
        currencyCode: 'USD',
        customerAccounts: 'manual',
        salesOrderNumbers: 'sequence',
        priceList: 'Standard Price List (USD)',
      },
      demf: { customerGroupId: '10', currencyCode: 'EUR', priceList: 'Standard Price List (EUR)' },
    },
  },
  // The F&O → Sales flows are switched on by the tests about them (their initial load is heavy).
  flows: { orders: true, products: false, prices: false, customers: false },
  cadences: { salesDeltaSeconds: 10 },
  sandbox: { caPem },
});

export async function startSyncHarness(
  databaseUrl: string,
  options: {
    settings?: Partial<ConnectionSettingsInput>;
    /**
     * `in-process` (default): the harness runs the real worker. `queue-only`: the harness's worker
     * only queues (webhook intake, replay); the sync runs in workers the test starts itself (child
     * processes with `encryptionKey`).
     */
    worker?: 'in-process' | 'queue-only';
    /** Rows per F&O page (to see a catalog load page by page). */
    fnoMaxPageSize?: number;
    /** Released products per F&O legal entity (the seed's 2,000 by default). */
    fnoProducts?: number;
  } = {},
): Promise<SyncHarness> {
  const stateDir = await mkdtemp(path.join(tmpdir(), 'mlc-worker-sync-'));
  const logger = quietLogger();
  const sandbox = await startCompleteSandbox({
    stateDir,
    reset: true,
    logger,
    fnoColdStartMs: 100,
    keyActivationDelayMs: 300,
    ...(options.fnoMaxPageSize === undefined ? {} : { fnoMaxPageSize: options.fnoMaxPageSize }),
    ...(options.fnoProducts === undefined ? {} : { products: options.fnoProducts }),
  });
  const app = sandbox.entra.mainApp();
  const encryptionKey = randomBytes(32).toString('base64');
  const vault = createVault(createKeyring(parseKey(encryptionKey, 'test key')));
  const db = createDbClient(databaseUrl, { max: 4 });

  const [workspace] = await db.db
    .insert(schema.workspaces)
    .values({ name: 'Kestrel', slug: `kestrel-${randomUUID().slice(0, 8)}` })
    .returning();
  const [connection] = await db.db
    .insert(schema.connections)
    .values({
      workspaceId: workspace?.id ?? '',
      name: 'Sandbox',
      authorityHost: sandbox.urls.entra,
      entraTenantId: sandbox.tenantId,
      salesUrl: sandbox.urls.dataverse,
      salesClientId: app.clientId,
      fnoUrl: sandbox.urls.fno,
      fnoClientId: app.clientId,
      settings: { ...testSettings(sandbox.caPem), ...options.settings } as never,
    })
    .returning();
  const connectionId = connection?.id ?? '';
  const secrets = createSecretsRepository(db.db, vault);
  await secrets.put(connectionId, 'sales_client_secret', app.clientSecret);
  await secrets.put(connectionId, 'fno_client_secret', app.clientSecret);
  const webhookSecret = randomBytes(24).toString('base64url');

  const start = () =>
    startWorker({
      databaseUrl,
      logger,
      health: { host: '127.0.0.1', port: 0 },
      vault,
      sync: options.worker === 'queue-only' ? false : { tickMs: 300, staleAfterSeconds: 3 },
    });
  let worker = await start();

  const webhooks: SyncHarness['webhooks'] = {
    received: 0,
    duplicates: 0,
    bodies: [],
    refuse: false,
    hold: undefined,
    held: [],
  };
  const businessEvents = { received: 0, duplicates: 0 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if (req.url?.startsWith('/events')) {
        // F&O business events (what the portal's /api/events/fno route does after its secret check).
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(req.headers))
          if (typeof value === 'string') headers[name] = value;
        receiveFnoBusinessEvent({ db: worker.db, jobs: worker.jobs }, { connectionId, headers, body }).then(
          (receipt) => {
            businessEvents.received += 1;
            if (receipt.duplicate) businessEvents.duplicates += 1;
            res.writeHead(202).end();
          },
          (error: unknown) =>
            res.writeHead(error instanceof IntakeError ? error.status : 500).end(String(error)),
        );
        return;
      }
      if (webhooks.refuse) {
        // A receiver that is down: Dataverse retries, then gives up (the delta read is the safety net).
        res.writeHead(503).end();
        return;
      }
      if (req.headers['x-mlc-webhook-secret'] !== webhookSecret) {
        res.writeHead(401).end();
        return;
      }
      if (webhooks.hold?.(JSON.parse(body) as Record<string, unknown>)) {
        webhooks.held.push(body);
        res.writeHead(202).end();
        return;
      }
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers))
        if (typeof value === 'string') headers[name] = value;
      receiveDataverseWebhook({ db: worker.db, jobs: worker.jobs }, { connectionId, headers, body }).then(
        (receipt) => {
          webhooks.received += 1;
          if (receipt.duplicate) webhooks.duplicates += 1;
          else webhooks.bodies.push(body);
          res.writeHead(202).end();
        },
        (error: unknown) => {
          res.writeHead(error instanceof IntakeError ? error.status : 500).end(String(error));
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const webhookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook`;

  const clients: HttpClient[] = [];
  const salesConfig = dataverseConfigSchema.parse({
    url: sandbox.urls.dataverse,
    authorityHost: sandbox.urls.entra,
    tenantId: sandbox.tenantId,
    clientId: app.clientId,
    clientSecret: app.clientSecret,
    sandbox: { caPem: sandbox.caPem },
  });
  const fnoConfig = fnoConfigSchema.parse({
    url: sandbox.urls.fno,
    authorityHost: sandbox.urls.entra,
    tenantId: sandbox.tenantId,
    clientId: app.clientId,
    clientSecret: app.clientSecret,
    defaultLegalEntity: 'usmf',
    legalEntitySettings: { usmf: { customerGroupId: '10', currencyCode: 'USD' } },
    sandbox: { caPem: sandbox.caPem },
  });
  const salesHttp = createDataverseHttpClient(salesConfig, { logger });
  const fnoHttp = createFnoHttpClient(fnoConfig, { logger });
  clients.push(salesHttp, fnoHttp);
  const salesCtx: ConnectorContext = {
    http: salesHttp,
    logger,
    signal: new AbortController().signal,
    clock: systemClock,
  };
  void salesCtx;
  // "Enable", as the portal does it: alternate keys, change tracking, the webhook to our intake.
  await worker.control.enable(connectionId, { webhookUrl, webhookSecret });

  const call =
    (http: HttpClient, base: string, extra: Record<string, string> = {}) =>
    async <T>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', target: string, json?: unknown) => {
      const response = await http.request<T>({
        method,
        url: `${base}${target.replaceAll(' ', '%20')}`,
        ...(json === undefined ? {} : { json }),
        headers: { Prefer: 'odata.include-annotations="*"', ...extra },
        priority: 'live',
      });
      return { status: response.status, body: response.body, headers: response.headers };
    };
  // The people of the tests are a sales rep of the org, not our application user: the app
  // impersonates them (`CallerObjectId`), so their changes carry their own user, as in production.
  const dataverseRoot = `${sandbox.urls.dataverse}/api/data/v9.2/`;
  const rep = await call(salesHttp, dataverseRoot)<{ value: Record<string, unknown>[] }>(
    'GET',
    'systemusers?$select=azureactivedirectoryobjectid&$filter=accessmode eq 0 and isdisabled eq false and azureactivedirectoryobjectid ne null&$top=1',
  );
  const repObjectId = String(rep.body.value[0]?.['azureactivedirectoryobjectid'] ?? '');
  if (!repObjectId) throw new Error('sync harness: the sandbox org has no sales rep to act as');
  const records = createRecordsRepository(db.db);

  const harness: SyncHarness = {
    sandbox,
    db,
    databaseUrl,
    encryptionKey,
    get worker() {
      return worker;
    },
    connectionId,
    webhookUrl,
    dv: call(salesHttp, dataverseRoot, { CallerObjectId: repObjectId }),
    dvAsOurApp: call(salesHttp, dataverseRoot),
    fno: call(fnoHttp, `${sandbox.urls.fno}/data/`),
    webhooks,
    businessEvents,
    async redeliver(body) {
      const response = await fetch(webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-mlc-webhook-secret': webhookSecret },
        body,
      });
      return response.status;
    },
    async records() {
      return db.db.select().from(schema.syncRecords);
    },
    async waitForRecord(sourceId, statuses = ['synced'], timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      let last: SyncRecord | undefined;
      for (;;) {
        const rows = await db.db.select().from(schema.syncRecords);
        last = rows.find((row) => row.sourceId === sourceId.toLowerCase());
        if (last && statuses.includes(last.status)) return last;
        if (Date.now() > deadline) {
          const events = last ? await records.events(last.id) : [];
          throw new Error(
            `record of ${sourceId} did not reach ${statuses.join('/')} in ${timeoutMs} ms: ${JSON.stringify({ status: last?.status, lastError: last?.lastError, events: events.map((e) => [e.step, e.outcome, e.error]) })}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async control(service, method, target, json) {
      return controlRequest(sandbox.urls[service], sandbox.caPem, method, target, json);
    },
    async restartWorker() {
      await worker.stop();
      worker = await start();
    },
    async close() {
      await worker.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.allSettled(clients.map((client) => client.close()));
      await db.close();
      await sandbox.stop();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
  return harness;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A request to the sandbox control API (`/_sandbox/...`) of a port, trusting the sandbox CA. */
async function controlRequest<T>(
  base: string,
  caPem: string,
  method: string,
  target: string,
  json?: unknown,
): Promise<{ status: number; body: T }> {
  const url = new URL(target, base);
  const payload = json === undefined ? undefined : JSON.stringify(json);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      url,
      {
        method,
        ca: caPem,
        headers: payload === undefined ? {} : { 'content-type': 'application/json' },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          try {
            body = text ? JSON.parse(text) : undefined;
          } catch {
            // not JSON: keep the text
          }
          resolve({ status: res.statusCode ?? 0, body: body as T });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}
