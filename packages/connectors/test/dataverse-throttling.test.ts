import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ConnectorContext,
  type DataverseConfig,
  dataverseConnector,
  ensureAlternateKeys,
  ensureWebhook,
  readOrderWithLines,
  readStream,
  runPing,
  writeStream,
} from '../src/index';
import {
  collect,
  type DataverseSandbox,
  startDataverseSandbox,
  tokenRequests,
  webApi,
} from './dataverse-sandbox';
import { memoryLogger } from './helpers';

/**
 * Every Dataverse operation under service-protection pressure: the sandbox answers 30% of the
 * requests with 429 and `Retry-After` (1 s, and 2 s for part of it) through the host's fault
 * control API. Each operation must still complete, the host must count zero early retries (the
 * budget holds every flow of the host until the wait is over, and keeps one request in flight
 * while the host throttles), and the Entra port must have seen one token request for the
 * environment host however many clients and requests there were.
 */

let sb: DataverseSandbox;
let ctx: ConnectorContext;
let config: DataverseConfig;
const { logger, lines } = memoryLogger();

beforeAll(async () => {
  sb = await startDataverseSandbox({ keyActivationDelayMs: 200 });
  ({ ctx, config } = sb.context(undefined, { alternateKeyPollMs: 100, pageSize: 150 }, logger));
  await sb.control.faults('dataverse', { rate429: 0.3, retryAfterSeconds: 1 });
});

afterAll(async () => {
  await sb?.close();
});

describe('dataverse with 30% of requests answered 429', { timeout: 60_000 }, () => {
  it('sets the environment up (alternate keys, webhook)', async () => {
    const keys = await ensureAlternateKeys(ctx, config);
    expect(keys.every((key) => key.status === 'Active')).toBe(true);
    const hook = await ensureWebhook(ctx, config, {
      url: 'https://hooks.example.com/dataverse',
      secret: 'x1',
    });
    expect(hook.steps).toHaveLength(8);
  });

  it('reads changes and an order with its lines (Retry-After 2 s)', async () => {
    const pages = await collect(readStream(dataverseConnector, 'accounts', ctx, config, undefined));
    expect(pages.at(-1)?.checkpoint).toEqual({ deltaLink: expect.any(String) });
    await sb.control.faults('dataverse', { rate429: 0.3, retryAfterSeconds: 2 });
    const [order] = await webApi(ctx.http, sb.dataverseUrl).rows<{ salesorderid: string }>(
      'salesorders?$select=salesorderid&$filter=statecode eq 0&$top=1',
    );
    const detail = await readOrderWithLines(ctx, config, order?.salesorderid ?? '');
    expect(detail.lines.length).toBeGreaterThan(0);
    await sb.control.faults('dataverse', { rate429: 0.3, retryAfterSeconds: 1 });
  });

  it('writes products (UpsertMultiple), price-list items ($batch) and the ERP order number', async () => {
    const products = await writeStream(
      dataverseConnector,
      'products',
      ctx,
      config,
      Array.from({ length: 12 }, (_, i) => ({ productnumber: `MLC-429-${i}`, name: `Throttled ${i}` })),
    );
    expect(products.every((outcome) => outcome.ok)).toBe(true);
    const items = await writeStream(dataverseConnector, 'priceListItems', ctx, config, [
      {
        pricelevelid: { key: { name: 'Standard Price List (USD)' } },
        productid: { key: { productnumber: 'MLC-429-1' } },
        uomid: { key: { name: 'Each' } },
        amount: 10,
      },
    ]);
    expect(items.every((outcome) => outcome.ok)).toBe(true);
    const missing = await writeStream(
      dataverseConnector,
      'orderErpNumbers',
      ctx,
      { ...config, erpOrderNumberColumn: 'description' },
      [{ salesorderid: randomUUID(), erpOrderNumber: '000099' }],
    );
    expect(missing[0]?.ok === false && missing[0].error.code).toBe('not_found');
  });

  it('pings', async () => {
    const ping = await runPing(dataverseConnector, ctx, config);
    expect(ping.filter((check) => !check.ok)).toEqual([]);
  });

  it('was throttled often and never came back early', async () => {
    await sb.control.faults('dataverse', {});
    const counters = await sb.control.counters('dataverse');
    expect(counters.earlyRetries).toEqual({ total: 0, byClient: {} });
    // ~45 requests at 30% answered 429: ~13 waits on average; 3 or more unless throttling is off
    // (fewer than 3 has a chance of about 1 in 10,000).
    expect(lines.filter((line) => line.includes('http 429: waiting')).length).toBeGreaterThanOrEqual(3);
  });

  it('asked Entra ID for one token for the environment host in all of this', async () => {
    // Another client (a restart of the worker in the same process) reuses the cached token too.
    const other = sb.context();
    await collect(readStream(dataverseConnector, 'products', other.ctx, other.config, undefined));
    const entra = await sb.control.counters('entra');
    expect(tokenRequests(entra, sb.mainApp.clientId)).toBe(1);
  });
});
