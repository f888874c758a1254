import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import {
  createDataverseHttpClient,
  createFnoHttpClient,
  dataverseConfigSchema,
  fnoConfigSchema,
  type HttpClient,
} from '@mlc/connectors';
import { createKeyring, createVault, parseKey } from '@mlc/db';
import { createLogger, type Logger } from '@mlc/logger';
import { type CompleteSandbox, startCompleteSandbox } from '@mlc/sandbox';
import { type RunningWorker, startWorker } from '@mlc/worker';

/**
 * The whole product for the browser test, as it runs for a customer: the sandbox (Entra ID,
 * Dataverse, F&O over HTTPS, `sandbox.json` in its state folder), the worker in this process, and the
 * BUILT portal (`next start`) as a child process on a free port with the same database and vault
 * key. Plus user-side clients that act in Dataverse and F&O the way people do.
 */
export interface RunningProduct {
  baseUrl: string;
  sandbox: CompleteSandbox;
  worker: RunningWorker;
  /** Dataverse Web API as a user: `dv('GET', 'accounts?$select=name')`. */
  dv: Call;
  /** F&O OData as a user: `fno('GET', 'ReleasedProductsV2?cross-company=true')`. */
  fno: Call;
  /** What the portal printed (for the failure message). */
  portalOutput(): string;
  close(): Promise<void>;
}

type Call = <T = Record<string, unknown>>(
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  target: string,
  json?: unknown,
) => Promise<{ status: number; body: T; headers: Record<string, string> }>;

export const portalDir = path.resolve(import.meta.dirname, '..', '..');
export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Why the browser test cannot run here, or null. */
export function missingPrerequisite(): string | null {
  if (!existsSync(path.join(portalDir, '.next', 'BUILD_ID')))
    return 'the portal is not built: run `npm run build -w @mlc/portal` first (`npm test` builds before testing)';
  if (!existsSync(CHROMIUM))
    return `${CHROMIUM} is missing: install Debian's chromium (\`apt-get install -y chromium\`; .ci/run does it)`;
  return null;
}

const quietLogger = (): Logger =>
  createLogger({ name: 'browser-test', destination: new Writable({ write: (_c, _e, done) => done() }) });

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitForHealth(url: string, child: ChildProcess, output: () => string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`next start exited with ${child.exitCode}:\n${output()}`);
    try {
      const response = await fetch(url);
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline)
      throw new Error(`the portal did not answer ${url} in ${timeoutMs} ms:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** The BUILT portal alone (`next start` on a free port), as a customer's browser reaches it. */
export interface RunningPortal {
  baseUrl: string;
  /** What the portal printed (for the failure message). */
  output(): string;
  close(): Promise<void>;
}

export interface PortalOptions {
  databaseUrl: string;
  /** The vault key, shared with a worker; a fresh one when omitted. */
  encryptionKey?: string;
  /** The sandbox's state folder (`sandbox.json`): sandbox mode is on only with one. */
  sandboxStateDir?: string;
}

/**
 * Starts the built portal as a child process on a free port and waits for `/api/health`. Enough
 * for tests that put data in the database themselves (no sandbox, no worker: fast).
 */
export async function startPortal(options: PortalOptions): Promise<RunningPortal> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const nextBin = createRequire(import.meta.url).resolve('next/dist/bin/next');
  const lines: string[] = [];
  const child = spawn(
    process.execPath,
    [nextBin, 'start', '--port', String(port), '--hostname', '127.0.0.1'],
    {
      cwd: portalDir,
      env: {
        PATH: process.env['PATH'],
        HOME: process.env['HOME'],
        NODE_ENV: 'production',
        NEXT_TELEMETRY_DISABLED: '1',
        DATABASE_URL: options.databaseUrl,
        MLC_ENCRYPTION_KEY: options.encryptionKey ?? randomBytes(32).toString('base64'),
        BETTER_AUTH_SECRET: randomBytes(32).toString('base64url'),
        PUBLIC_URL: baseUrl,
        ...(options.sandboxStateDir
          ? { SANDBOX_MODE: 'true', SANDBOX_STATE_DIR: options.sandboxStateDir }
          : { SANDBOX_MODE: 'false' }),
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const keep = (chunk: Buffer) => {
    lines.push(chunk.toString('utf8'));
    if (lines.length > 400) lines.splice(0, lines.length - 400);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const output = () => lines.join('').slice(-8000);
  const close = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await waitForHealth(`${baseUrl}/api/health`, child, output);
  } catch (error) {
    await close();
    throw error;
  }
  return { baseUrl, output, close };
}

export async function startProduct(databaseUrl: string): Promise<RunningProduct> {
  const logger = quietLogger();
  const stateDir = await mkdtemp(path.join(tmpdir(), 'mlc-browser-'));
  const cleanups: Array<() => Promise<unknown>> = [() => rm(stateDir, { recursive: true, force: true })];
  const close = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  };
  try {
    const sandbox = await startCompleteSandbox({ stateDir, reset: true, logger, fnoColdStartMs: 100 });
    cleanups.push(() => sandbox.stop());

    const encryptionKey = randomBytes(32).toString('base64');
    const vault = createVault(createKeyring(parseKey(encryptionKey, 'test key')));
    const worker = await startWorker({
      databaseUrl,
      logger,
      health: { host: '127.0.0.1', port: 0 },
      vault,
      sync: { tickMs: 300, staleAfterSeconds: 3 },
    });
    cleanups.push(() => worker.stop());

    const portal = await startPortal({ databaseUrl, encryptionKey, sandboxStateDir: stateDir });
    cleanups.push(() => portal.close());
    const baseUrl = portal.baseUrl;
    const output = portal.output;

    const app = sandbox.entra.mainApp();
    const common = {
      authorityHost: sandbox.urls.entra,
      tenantId: sandbox.tenantId,
      clientId: app.clientId,
      clientSecret: app.clientSecret,
      sandbox: { caPem: sandbox.caPem },
    };
    const salesHttp = createDataverseHttpClient(
      dataverseConfigSchema.parse({ url: sandbox.urls.dataverse, ...common }),
      {
        logger,
      },
    );
    const fnoHttp = createFnoHttpClient(
      fnoConfigSchema.parse({
        url: sandbox.urls.fno,
        ...common,
        defaultLegalEntity: 'usmf',
        legalEntitySettings: { usmf: { customerGroupId: '10', currencyCode: 'USD' } },
      }),
      { logger },
    );
    cleanups.push(
      () => salesHttp.close(),
      () => fnoHttp.close(),
    );
    const call =
      (http: HttpClient, base: string, extra: Record<string, string> = {}): Call =>
      async (method, target, json) => {
        const response = await http.request({
          method,
          url: `${base}${target.replaceAll(' ', '%20')}`,
          ...(json === undefined ? {} : { json }),
          headers: { Prefer: 'odata.include-annotations="*"', ...extra },
          priority: 'live',
        });
        return { status: response.status, body: response.body as never, headers: response.headers };
      };
    // The salesperson is a person of the org, not the connection's application user (whose own
    // changes the sync ignores as echoes): the app impersonates them (`CallerObjectId`).
    const dataverseRoot = `${sandbox.urls.dataverse}/api/data/v9.2/`;
    const reps = await call(salesHttp, dataverseRoot)(
      'GET',
      'systemusers?$select=azureactivedirectoryobjectid&$filter=accessmode eq 0 and isdisabled eq false and azureactivedirectoryobjectid ne null&$top=1',
    );
    const rep = String(
      (reps.body as { value?: Record<string, unknown>[] }).value?.[0]?.['azureactivedirectoryobjectid'] ?? '',
    );
    if (!rep) throw new Error('product: the sandbox org has no salesperson to act as');

    return {
      baseUrl,
      sandbox,
      worker,
      dv: call(salesHttp, dataverseRoot, { CallerObjectId: rep }),
      fno: call(fnoHttp, `${sandbox.urls.fno}/data/`),
      portalOutput: output,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// What a salesperson does in Dynamics 365 Sales (Web API), and a product manager in F&O (OData).
// ---------------------------------------------------------------------------------------------

type Row = Record<string, unknown>;

function idFrom(headers: Record<string, string>): string {
  const match = /\(([0-9a-f-]{36})\)/i.exec(headers['odata-entityid'] ?? '');
  if (!match?.[1]) throw new Error(`no OData-EntityId in ${JSON.stringify(headers)}`);
  return match[1].toLowerCase();
}

async function created(p: RunningProduct, set: string, values: Row): Promise<string> {
  const response = await p.dv('POST', set, values);
  if (response.status >= 300)
    throw new Error(`POST ${set}: ${response.status} ${JSON.stringify(response.body)}`);
  return idFrom(response.headers);
}

async function productRef(p: RunningProduct, productNumber: string) {
  const { body } = await p.dv<{ value: Row[] }>(
    'GET',
    `products?$select=productid,_defaultuomid_value,price&$filter=productnumber eq '${productNumber}'`,
  );
  const row = body.value[0];
  if (!row) throw new Error(`no product ${productNumber} in Sales`);
  return {
    id: String(row['productid']),
    uom: String(row['_defaultuomid_value']),
    price: Number(row['price'] ?? 10) || 10,
  };
}

async function usdPriceList(p: RunningProduct) {
  const { body } = await p.dv<{ value: Row[] }>(
    'GET',
    'pricelevels?$select=pricelevelid,_transactioncurrencyid_value,name',
  );
  const row = body.value.find((r) => String(r['name']).includes('USD'));
  if (!row) throw new Error('no USD price list in Sales');
  return { id: String(row['pricelevelid']), currency: String(row['_transactioncurrencyid_value']) };
}

export async function createAccount(p: RunningProduct, name: string): Promise<string> {
  return created(p, 'accounts', { name, address1_city: 'Omaha', address1_country: 'United States' });
}

interface Line {
  product: string;
  quantity: number;
}

async function lineValues(p: RunningProduct, line: Line) {
  const product = await productRef(p, line.product);
  return {
    'productid@odata.bind': `/products(${product.id})`,
    'uomid@odata.bind': `/uoms(${product.uom})`,
    quantity: line.quantity,
    ispriceoverridden: true,
    priceperunit: product.price,
  };
}

/** An opportunity with its products, then won (`WinOpportunity`), as a salesperson closes a deal. */
export async function createWonOpportunity(
  p: RunningProduct,
  accountId: string,
  name: string,
  lines: readonly Line[],
): Promise<string> {
  const list = await usdPriceList(p);
  const opportunityId = await created(p, 'opportunities', {
    name,
    'customerid_account@odata.bind': `/accounts(${accountId})`,
    'pricelevelid@odata.bind': `/pricelevels(${list.id})`,
    'transactioncurrencyid@odata.bind': `/transactioncurrencies(${list.currency})`,
  });
  for (const line of lines)
    await created(p, 'opportunityproducts', {
      'opportunityid@odata.bind': `/opportunities(${opportunityId})`,
      ...(await lineValues(p, line)),
    });
  const won = await p.dv('POST', 'WinOpportunity', {
    Status: 3,
    OpportunityClose: { subject: 'Won', 'opportunityid@odata.bind': `/opportunities(${opportunityId})` },
  });
  if (won.status !== 204) throw new Error(`WinOpportunity: ${won.status} ${JSON.stringify(won.body)}`);
  return opportunityId;
}

/** A CRM sales order with its lines (deep insert); returns its id and order number. */
export async function createOrder(
  p: RunningProduct,
  accountId: string,
  lines: readonly Line[],
): Promise<{ id: string; orderNumber: string }> {
  const list = await usdPriceList(p);
  const details = [];
  for (const line of lines) details.push(await lineValues(p, line));
  const id = await created(p, 'salesorders', {
    name: `Order ${Date.now()}`,
    'customerid_account@odata.bind': `/accounts(${accountId})`,
    'pricelevelid@odata.bind': `/pricelevels(${list.id})`,
    'transactioncurrencyid@odata.bind': `/transactioncurrencies(${list.currency})`,
    order_details: details,
  });
  const { body } = await p.dv<Row>('GET', `salesorders(${id})?$select=ordernumber`);
  return { id, orderNumber: String(body['ordernumber']) };
}

export async function releasedProduct(
  p: RunningProduct,
  dataAreaId: string,
  item: string,
): Promise<Row | undefined> {
  const { body } = await p.fno<{ value: Row[] }>(
    'GET',
    `ReleasedProductsV2?cross-company=true&$filter=dataAreaId eq '${dataAreaId}' and ItemNumber eq '${item}'`,
  );
  return body.value[0];
}

/** Releases `item` in `dataAreaId` as `from` has it (what a product manager does in F&O). */
export async function releaseProduct(
  p: RunningProduct,
  item: string,
  from: string,
  to: string,
): Promise<number> {
  const source = await releasedProduct(p, from, item);
  if (!source) throw new Error(`${item} is not released in ${from}`);
  const response = await p.fno('POST', 'ReleasedProductsV2', {
    dataAreaId: to,
    ItemNumber: item,
    ProductNumber: source['ProductNumber'],
    InventoryUnitSymbol: source['InventoryUnitSymbol'],
    SalesUnitSymbol: source['SalesUnitSymbol'],
    PurchaseUnitSymbol: source['PurchaseUnitSymbol'],
    SalesPrice: source['SalesPrice'],
  });
  return response.status;
}

export async function fnoSalesOrder(p: RunningProduct, salesOrderNumber: string): Promise<Row | undefined> {
  const { body } = await p.fno<{ value: Row[] }>(
    'GET',
    `SalesOrderHeadersV2?cross-company=true&$filter=SalesOrderNumber eq '${salesOrderNumber}'`,
  );
  return body.value[0];
}
