import { createRecordsRepository, eq, type SyncRecord, schema, sql } from '@mlc/db';
import { dbTest } from '@mlc/db/testing';
import { afterEach, describe, expect } from 'vitest';
import { type ChildWorker, startChildWorker } from './child-worker';
import {
  createAccount,
  createOrder,
  eventually,
  fnoOrdersOf,
  fnoRequestCount,
  type Line,
  linesOf,
  orderNumberOf,
  type Row,
} from './sales-helpers';
import { type SyncHarness, startSyncHarness } from './sync-harness';

let harness: SyncHarness | undefined;
const children: ChildWorker[] = [];
afterEach(async () => {
  await Promise.allSettled(children.splice(0).map((child) => child.kill()));
  await harness?.close();
  harness = undefined;
});

const PRODUCTS = ['IE-10001', 'IE-10002', 'IE-10003', 'IE-10004', 'IE-10005', 'IE-10006'];

/** A batch of CRM orders of a few accounts, 1–3 lines each, created one right after the other. */
async function createBatch(h: SyncHarness, accounts: string[], count: number, seed: number) {
  const orders: { id: string; lines: Line[] }[] = [];
  for (let i = 0; i < count; i += 1) {
    const n = seed + i;
    const lines = Array.from({ length: 1 + (n % 3) }, (_, k) => ({
      product: PRODUCTS[(n + k) % PRODUCTS.length] as string,
      quantity: 1 + ((n * 7 + k) % 9),
    }));
    const account = accounts[i % accounts.length] as string;
    orders.push({ id: await createOrder(h, { table: 'accounts', id: account }, lines), lines });
  }
  return orders;
}

async function statuses(h: SyncHarness, ids: readonly string[]) {
  const rows = await h.records();
  const count = (status: SyncRecord['status']) =>
    ids.filter((id) => rows.find((row) => row.sourceId === id)?.status === status).length;
  return { synced: count('synced'), notSynced: ids.length - count('synced'), rows };
}

/** The records of `ids` at a moment when all of them are synced (later runs may re-run some). */
async function allSynced(h: SyncHarness, ids: readonly string[], what: string, timeoutMs: number) {
  return eventually(
    what,
    async () => {
      const now = await statuses(h, ids);
      return now.notSynced === 0 ? now.rows : undefined;
    },
    timeoutMs,
  );
}

/** Every order is in F&O exactly once, with all its lines, and its record synced and pointing at it. */
async function expectExactlyOnce(
  h: SyncHarness,
  orders: { id: string; lines: Line[] }[],
  records: SyncRecord[],
) {
  const numbers = new Set<string>();
  for (const order of orders) {
    const record = records.find((row) => row.sourceId === order.id);
    expect(record?.status, `record of ${order.id}`).toBe('synced');
    const found = await fnoOrdersOf(h, await orderNumberOf(h, order.id));
    expect(found, `F&O orders of ${order.id}`).toHaveLength(1);
    const fno = found[0] as Row;
    expect(fno['SalesOrderNumber']).toBe(record?.targetKey);
    expect(linesOf(fno)).toEqual(
      order.lines.map((line) => [line.product, line.quantity] as [string, number]).sort(),
    );
    numbers.add(String(fno['SalesOrderNumber']));
  }
  expect(numbers.size).toBe(orders.length);
}

describe('crash safety', () => {
  dbTest(
    'a worker killed in the middle of a batch: the next one finishes it, every order in F&O exactly once; two workers at once create no duplicates',
    async ({ database, annotate }) => {
      const h = await startSyncHarness(database.url, { worker: 'queue-only' });
      harness = h;
      const env = { databaseUrl: h.databaseUrl, encryptionKey: h.encryptionKey };
      const first = await startChildWorker(env);
      children.push(first);
      // Every F&O answer 100–250 ms late: a run takes long enough to be cut in the middle.
      await h.control('fno', 'PUT', '/_sandbox/faults', { latencyMs: 100, latencyJitterMs: 150 });

      const stamp = Date.now() % 100_000;
      const accounts = [
        await createAccount(h, {
          name: `Ironbark Mills ${stamp}`,
          accountnumber: `ACC-C1-${stamp}`,
          address1_country: 'United States',
        }),
        await createAccount(h, {
          name: `Tallgrass Fluid ${stamp}`,
          accountnumber: `ACC-C2-${stamp}`,
          address1_country: 'United States',
        }),
        await createAccount(h, {
          name: `Kettle Forge ${stamp}`,
          accountnumber: `ACC-C3-${stamp}`,
          address1_country: 'United States',
        }),
      ];
      const batch = await createBatch(h, accounts, 12, 1);
      const ids = batch.map((order) => order.id);

      // SIGKILL once some are synced and some are not.
      const cut = await eventually(
        'some orders synced, some not',
        async () => {
          const now = await statuses(h, ids);
          return now.synced >= 3 && now.notSynced >= 3 ? now : undefined;
        },
        60_000,
      );
      await first.kill();
      const killedAt = Date.now();
      const left: Record<string, number> = {};
      for (const row of await h.records())
        if (ids.includes(row.sourceId ?? '')) left[row.status] = (left[row.status] ?? 0) + 1;
      await annotate(
        `killed after ${cut.synced} of ${ids.length} synced; records then: ${JSON.stringify(left)}`,
      );

      // The next worker (and a second one, started at the same time, for the next batch).
      const [second, third] = await Promise.all([startChildWorker(env), startChildWorker(env)]);
      children.push(second, third);
      const recovered = await allSynced(h, ids, 'every order of the batch synced after the restart', 60_000);
      await annotate(`recovered ${(Date.now() - killedAt) / 1000} s after the kill`);
      await expectExactlyOnce(h, batch, recovered);
      expect(await fnoRequestCount(h, 'POST', 'SalesOrderHeadersV2')).toBe(batch.length);

      // Two workers at once on the same database.
      const more = await createBatch(h, accounts, 6, 100);
      const synced = await allSynced(
        h,
        more.map((order) => order.id),
        'the second batch synced by two workers',
        90_000,
      );
      await expectExactlyOnce(h, more, synced);
      expect(await fnoRequestCount(h, 'POST', 'SalesOrderHeadersV2')).toBe(batch.length + more.length);
      // One F&O customer per account, whatever ran where.
      for (const [index] of accounts.entries()) {
        const { body } = await h.fno<{ value: Row[] }>(
          'GET',
          `CustomersV3?$filter=CustomerAccount eq 'ACC-C${index + 1}-${stamp}'&$select=CustomerAccount`,
        );
        expect(body.value).toHaveLength(1);
      }
      await Promise.all([second.stop(), third.stop()]);
    },
    180_000,
  );

  dbTest(
    'a record a killed worker left pending, its job still active in the queue, is taken over without waiting for the job to expire',
    async ({ database, annotate }) => {
      const h = await startSyncHarness(database.url, { worker: 'queue-only' });
      harness = h;
      const accountId = await createAccount(h, {
        name: `Lodgepole Valves ${Date.now()}`,
        accountnumber: `ACC-PD-${Date.now() % 100_000}`,
        address1_country: 'United States',
      });
      const orderId = await createOrder(h, { table: 'accounts', id: accountId }, [
        { product: 'IE-10003', quantity: 2 },
      ]);
      // Every webhook of the order in (Create, then the Update of its totals), none for a second.
      let seen = -1;
      await eventually(
        'the webhooks',
        async () => {
          const now = h.webhooks.received;
          const settled = now > 0 && now === seen;
          seen = now;
          return settled ? true : undefined;
        },
        15_000,
        1_000,
      );

      // What a worker killed right after it took the jobs leaves behind: its jobs "active" (until
      // they expire, 300 s), the record created pending by the run that never started.
      const { boss } = h.worker;
      await h.worker.jobs.enqueue('sync.record', {
        connectionId: h.connectionId,
        direction: 'sales_to_fno',
        entity: 'salesorder',
        sourceId: orderId,
        message: 'Create',
      });
      const taken = [
        ...(await boss.fetch('inbox.process', { batchSize: 10 })),
        ...(await boss.fetch('sync.record', { batchSize: 10 })),
      ];
      expect(taken.length).toBeGreaterThanOrEqual(2);
      const pending = await createRecordsRepository(h.db.db).upsertPending({
        connectionId: h.connectionId,
        direction: 'sales_to_fno',
        entity: 'salesorder',
        naturalKey: orderId,
        sourceId: orderId,
      });
      // Sync was switched on after this order changed, so the change-tracking read does not pick it up.
      await h.db.db
        .update(schema.connections)
        .set({ enabledAt: sql`now()` })
        .where(eq(schema.connections.id, h.connectionId));

      const startedAt = Date.now();
      children.push(await startChildWorker({ databaseUrl: h.databaseUrl, encryptionKey: h.encryptionKey }));
      const synced = await h.waitForRecord(orderId, ['synced'], 30_000);
      await annotate(
        `pending record taken over ${(Date.now() - startedAt) / 1000} s after the new worker started`,
      );
      expect(synced.id).toBe(pending.id);
      const events = await createRecordsRepository(h.db.db).events(synced.id);
      expect(events[0]?.input).toMatchObject({ message: 'recover' });
      expect(await fnoOrdersOf(h, await orderNumberOf(h, orderId))).toHaveLength(1);
    },
    60_000,
  );
});
