import { createRecordsRepository } from '@mlc/db';
import { dbTest } from '@mlc/db/testing';
import { afterEach, describe, expect } from 'vitest';
import {
  createAccount,
  createOrder,
  eventually,
  fnoOrdersOf,
  type Line,
  orderNumberOf,
  type Row,
  settled,
  unfinishedJobs,
} from './sales-helpers';
import { type SyncHarness, sleep, startSyncHarness } from './sync-harness';

/**
 * A CRM order created with its lines in one request raises one Create webhook and one Update per
 * line (the header totals are recalculated). The Updates that reach us after the Create's run began
 * carry, in the post image our webhook step registers (`mlc_post`), the order's row version right
 * after their change: every one of them is a version the run read, so none costs another read of
 * the order. A change made after the run's read has a newer version and runs.
 */

let harness: SyncHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

interface CountersBody {
  requests: { method: string; entitySet: string | null; count: number }[];
}

/** Dataverse requests on `salesorders` by method (the worker's reads and write-backs; the test makes none meanwhile). */
async function orderCalls(h: SyncHarness): Promise<{ GET: number; PATCH: number }> {
  const { body } = await h.control<CountersBody>('dataverse', 'GET', '/_sandbox/counters');
  const calls = { GET: 0, PATCH: 0 };
  for (const r of body.requests) {
    if (r.entitySet !== 'salesorders') continue;
    if (r.method === 'GET' || r.method === 'PATCH') calls[r.method] += r.count;
  }
  return calls;
}

/** What the `sync.record` jobs of a record ended with (`synced`, `covered`, …), oldest first. */
async function runOutcomes(h: SyncHarness, sourceId: string): Promise<string[]> {
  const { rows } = await h.db.pool.query<{ status: string | null }>(
    `select output->>'status' as status from pgboss.job
      where name = 'sync.record' and data->>'sourceId' = $1 and state = 'completed' order by completed_on`,
    [sourceId],
  );
  return rows.map((row) => row.status ?? '?');
}

/** `count` products active in Sales and released in usmf. */
async function releasedProducts(h: SyncHarness, count: number): Promise<string[]> {
  const released = await h.fno<{ value: Row[] }>(
    'GET',
    `ReleasedProductsV2?cross-company=true&$filter=dataAreaId eq 'usmf'&$select=ItemNumber`,
  );
  const numbers = new Set(released.body.value.map((row) => String(row['ItemNumber'])));
  const active = await h.dv<{ value: Row[] }>(
    'GET',
    `products?$select=productnumber&$filter=statecode eq 0&$orderby=productnumber`,
  );
  const found = active.body.value.map((row) => String(row['productnumber'])).filter((n) => numbers.has(n));
  if (found.length < count) throw new Error(`only ${found.length} released products, ${count} needed`);
  return found.slice(0, count);
}

describe('Sales reads per order once aligned', () => {
  dbTest(
    'the line Updates of a 10-line order delivered after its run began are covered by the version it read; a later change still runs',
    async ({ database }) => {
      // No delta read after the first one: only webhooks trigger runs here.
      const h = await startSyncHarness(database.url, { settings: { cadences: { salesDeltaSeconds: 3600 } } });
      harness = h;
      const accountId = await createAccount(h, {
        name: `Juniper Fittings ${Date.now()}`,
        address1_city: 'Omaha',
        address1_country: 'United States',
      });
      const customer = { table: 'accounts' as const, id: accountId };
      const products = await releasedProducts(h, 10);
      const lines: Line[] = products.map((product, index) => ({ product, quantity: 1 + (index % 5) }));
      // The first order links the customer and the products.
      await h.waitForRecord(await createOrder(h, customer, lines.slice(0, 2)));
      await settled(h);

      // The Updates of the next order come late: held until its run has read it and synced.
      h.webhooks.hold = (body) =>
        body['MessageName'] === 'Update' && body['PrimaryEntityName'] === 'salesorder';
      const before = await orderCalls(h);
      const orderId = await createOrder(h, customer, lines);
      const record = await h.waitForRecord(orderId);
      const afterCreate = await orderCalls(h);
      expect(afterCreate.GET - before.GET).toBe(1);
      const held = h.webhooks.held.filter((body) => JSON.parse(body)['PrimaryEntityId'] === orderId);
      expect(held.length).toBeGreaterThanOrEqual(lines.length);
      // Each carries the order's version right after its change (the post image).
      const versions = held.map((body) =>
        (JSON.parse(body)['PostEntityImages'] as { key: string; value: { Attributes: Row[] } }[])
          .find((image) => image.key === 'mlc_post')
          ?.value.Attributes.find((a) => a['key'] === 'versionnumber'),
      );
      expect(versions.every((v) => typeof v?.['value'] === 'number')).toBe(true);

      h.webhooks.hold = undefined;
      for (const body of h.webhooks.held.splice(0)) expect(await h.redeliver(body)).toBe(202);
      await sleep(1500);
      await settled(h);
      // Two Sales calls for the order: its read and the ERP number written back. No second read.
      expect(await orderCalls(h)).toEqual({ GET: before.GET + 1, PATCH: before.PATCH + 1 });
      const outcomes = await runOutcomes(h, orderId);
      expect(outcomes[0]).toBe('synced');
      expect(outcomes.slice(1).length).toBeGreaterThanOrEqual(1);
      expect(outcomes.slice(1).every((outcome) => outcome === 'covered')).toBe(true);
      const records = createRecordsRepository(h.db.db);
      const events = await records.events(record.id);
      expect(events.filter((event) => event.stage === 'trigger')).toHaveLength(1);
      const read = events.find((event) => event.step === 'read-salesorder');
      expect(read?.output).toMatchObject({ sourceVersion: expect.stringMatching(/^\d+$/) });

      // A rep changes the order after that read: a newer version, so it runs, reads and syncs it.
      const reference = await orderNumberOf(h, orderId);
      const beforeChange = await orderCalls(h);
      const changed = await h.dv('PATCH', `salesorders(${orderId})`, { shipto_city: 'Tulsa' });
      expect(changed.status).toBe(204);
      await eventually('the F&O order updated', async () => {
        const [order] = await fnoOrdersOf(h, reference);
        return order?.['DeliveryAddressCity'] === 'Tulsa' ? order : undefined;
      });
      await settled(h);
      // One more read of the order by the worker.
      expect((await orderCalls(h)).GET - beforeChange.GET).toBe(1);
      expect((await runOutcomes(h, orderId)).at(-1)).toBe('synced');
      const after = await records.events(record.id);
      expect(after.filter((event) => event.stage === 'trigger')).toHaveLength(2);
      expect(await unfinishedJobs(h)).toBe(0);
    },
    90_000,
  );
});
