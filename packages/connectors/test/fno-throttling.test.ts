import { FNO_SEED_FACTS } from '@mlc/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createFnoHttpClient,
  createSalesOrder,
  ensureCustomer,
  fetchFnoRecord,
  fnoConnector,
  readStream,
  systemClock,
} from '../src/index';
import { collect, type FnoSandbox, startFnoSandbox, tokenRequests } from './fno-sandbox';
import { memoryLogger } from './helpers';

/**
 * Service protection: with 30% of the F&O requests answered 429 (Retry-After 1 s, then 2 s; the
 * host's fault API), every operation completes, and the sandbox counts no request sent before the
 * Retry-After had passed. Tokens: one token request per host per token lifetime, across every
 * client ("process") of this file.
 */

let sb: FnoSandbox;

beforeAll(async () => {
  sb = await startFnoSandbox({ maxPageSize: 40, faultSeed: 20250601 });
});

afterAll(async () => {
  await sb?.close();
});

describe('F&O under throttling (sandbox)', () => {
  it('30% of requests answered 429 with Retry-After 1–2 s: reads and writes complete, zero early retries', async () => {
    const config = sb.config(undefined, { readScope: 'cross-company' });
    const { logger, lines } = memoryLogger();
    const http = createFnoHttpClient(config, { logger });
    const ctx = { http, logger, signal: new AbortController().signal, clock: systemClock };
    try {
      await sb.control.resetCounters('fno');
      await sb.control.faults('fno', { rate429: 0.3, retryAfterSeconds: 1 });
      // One flow, as a sync run does it: every customer (several pages), a customer, an order.
      const customers = await collect(readStream(fnoConnector, 'customers', ctx, config, undefined));
      expect(customers.pages).toBeGreaterThan(2);
      const customer = await ensureCustomer(ctx, config, {
        legalEntity: 'usmf',
        accountNumber: 'ACC-55001',
        partyType: 'Organization',
        organizationName: 'Throttled Pumps LLC',
      });
      await sb.control.faults('fno', { rate429: 0.3, retryAfterSeconds: 2 });
      const order = await createSalesOrder(ctx, config, {
        legalEntity: 'demf',
        crmOrderNumber: 'ORD-THROTTLE-1',
        customerAccount: 'ACC-10004',
        lines: [
          { itemNumber: FNO_SEED_FACTS.commonItem, quantity: 3 },
          { itemNumber: FNO_SEED_FACTS.demfOnlyItem, quantity: 1 },
        ],
      });
      const product = await fetchFnoRecord(ctx, config, 'ReleasedProductsV2', {
        dataAreaId: 'demf',
        ItemNumber: FNO_SEED_FACTS.demfOnlyItem,
      });
      expect(customer.customerAccount).toBe('ACC-55001');
      expect(order).toMatchObject({ outcome: 'created', lines: [expect.anything(), expect.anything()] });
      expect(product?.ItemNumber).toBe(FNO_SEED_FACTS.demfOnlyItem);

      const counters = await sb.control.counters('fno');
      const throttled = lines.filter((line) => line.includes('http 429: waiting')).length;
      expect(throttled).toBeGreaterThanOrEqual(2);
      expect(counters.total).toBeGreaterThan(throttled);
      expect(counters.earlyRetries).toEqual({ total: 0, byClient: {} });
    } finally {
      await sb.control.faults('fno', {});
      await http.close();
    }
  });

  it('at most one token request per host per token lifetime, across clients', async () => {
    // Three more "processes" of the same connection, each reading and writing.
    for (let index = 0; index < 3; index++) {
      const { ctx, config } = sb.context();
      await fetchFnoRecord(ctx, config, 'LegalEntities', { LegalEntityId: 'USMF' });
      await ensureCustomer(ctx, config, {
        accountNumber: 'ACC-10001',
        partyType: 'Organization',
        organizationName: 'x',
      });
    }
    const entra = await sb.control.counters('entra');
    expect(tokenRequests(entra, sb.mainApp.clientId)).toBe(1);
  });
});
