import { describe, expect } from 'vitest';
import { type AppendEventInput, createRecordsRepository, sql } from '../src/index';
import { dbTest } from '../src/testing/index';
import { seedConnection, sqlState, uuid, withWorkers } from './seed';

const order = (connectionId: string, naturalKey = 'ORD-01001-X2Y3Z4') => ({
  connectionId,
  direction: 'sales_to_fno' as const,
  entity: 'salesorder',
  naturalKey,
});

const step = (step: string, extra: Partial<AppendEventInput> = {}): AppendEventInput => ({
  stage: 'write',
  step,
  outcome: 'ok',
  correlationId: 'corr-1',
  startedAt: new Date('2025-01-01T00:00:00Z'),
  durationMs: 12,
  ...extra,
});

describe('records repository', () => {
  dbTest(
    'upsertPending creates once and returns the existing record afterwards',
    async ({ database: { db } }) => {
      const connectionId = await seedConnection(db);
      const records = createRecordsRepository(db);
      const created = await records.upsertPending({ ...order(connectionId) });
      expect(created).toMatchObject({ status: 'pending', attempts: 0, sourceId: null });
      const sourceId = uuid();
      const again = await records.upsertPending({ ...order(connectionId), sourceId });
      expect(again.id).toBe(created.id);
      expect(again.sourceId).toBe(sourceId);
      // A known source id is kept.
      expect((await records.upsertPending({ ...order(connectionId), sourceId: uuid() })).sourceId).toBe(
        sourceId,
      );
      // A record keeps its status: upsertPending does not reset a synced record.
      await records.markSynced(created.id, {
        targetDataAreaId: 'USMF',
        targetKey: 'SO-1',
        contentHash: 'h1',
      });
      expect((await records.upsertPending(order(connectionId))).status).toBe('synced');
      expect(await records.findByNaturalKey(order(connectionId))).toMatchObject({ id: created.id });
      expect(await records.findByNaturalKey(order(connectionId, 'ORD-OTHER'))).toBeUndefined();
      const opposite = await records.upsertPending({ ...order(connectionId), direction: 'fno_to_sales' });
      expect(opposite.id).not.toBe(created.id);
    },
  );

  dbTest(
    'holdForResume: a change while paused makes a synced or failed record pending again, never a running one',
    async ({ database: { db } }) => {
      const connectionId = await seedConnection(db);
      const records = createRecordsRepository(db);
      const { holdForResume } = records;
      const fresh = await holdForResume(order(connectionId, 'ORD-NEW'));
      expect(fresh.status).toBe('pending');
      const synced = await records.upsertPending(order(connectionId));
      await records.markSynced(synced.id, { targetDataAreaId: 'usmf', targetKey: 'SO-1', contentHash: 'h1' });
      const held = await holdForResume(order(connectionId));
      expect(held).toMatchObject({ id: synced.id, status: 'pending', targetKey: 'SO-1' });
      await records.markFailed(synced.id, { code: 'x', message: 'failed' });
      expect((await holdForResume(order(connectionId))).status).toBe('pending');
      await records.start(synced.id);
      expect((await holdForResume(order(connectionId))).status).toBe('running');
    },
  );

  dbTest('10 concurrent upsertPending calls from several processes give one record', async ({ database }) => {
    const connectionId = await seedConnection(database.db);
    const results = await withWorkers(database.url, 3, (dbs) =>
      Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          createRecordsRepository(dbs[i % dbs.length] ?? database.db).upsertPending({
            ...order(connectionId),
            sourceId: uuid(),
          }),
        ),
      ),
    );
    expect(new Set(results.map((record) => record.id)).size).toBe(1);
    const count = await database.db.execute<{ n: number }>(sql`select count(*)::int as n from sync_records`);
    expect(count.rows[0]?.n).toBe(1);
  });

  dbTest(
    'status transitions: start, failed with remedy, listFailed, skipped, synced',
    async ({ database: { db } }) => {
      const connectionId = await seedConnection(db);
      const records = createRecordsRepository(db);
      const a = await records.upsertPending(order(connectionId, 'A'));
      const b = await records.upsertPending(order(connectionId, 'B'));
      expect(await records.start(a.id)).toMatchObject({ status: 'running', attempts: 1 });
      const failed = await records.markFailed(a.id, {
        code: 'unknown_product',
        message: 'Item D0001 is not released in usmf',
        remedy: 'Release D0001 in usmf, then replay',
      });
      expect(failed).toMatchObject({
        status: 'failed',
        lastError: {
          code: 'unknown_product',
          message: 'Item D0001 is not released in usmf',
          remedy: 'Release D0001 in usmf, then replay',
        },
      });
      await records.start(b.id);
      await records.markFailed(b.id, { code: 'validation', message: 'no customer group' });
      expect((await records.get(b.id))?.lastError).toEqual({
        code: 'validation',
        message: 'no customer group',
      });
      expect((await records.listFailed(connectionId)).map((record) => record.naturalKey)).toEqual(['A', 'B']);

      // Replay of A: a second attempt that succeeds.
      expect(await records.start(a.id)).toMatchObject({ status: 'running', attempts: 2 });
      const synced = await records.markSynced(a.id, {
        targetDataAreaId: 'usmf',
        targetKey: 'SO-000123',
        contentHash: 'abc',
      });
      expect(synced).toMatchObject({
        status: 'synced',
        targetKey: 'SO-000123',
        targetDataAreaId: 'usmf',
        lastError: null,
      });
      expect(synced?.syncedAt).toBeInstanceOf(Date);
      // Marking synced twice is harmless.
      expect(
        await records.markSynced(a.id, {
          targetDataAreaId: 'usmf',
          targetKey: 'SO-000123',
          contentHash: 'abc',
        }),
      ).toMatchObject({
        status: 'synced',
        attempts: 2,
      });

      const skipped = await records.markSkipped(b.id, 'F&O has already confirmed the order');
      expect(skipped).toMatchObject({
        status: 'skipped',
        lastError: { code: 'skipped', message: 'F&O has already confirmed the order' },
      });
      expect(await records.listFailed(connectionId)).toEqual([]);
      expect(await records.get(uuid())).toBeUndefined();
      expect(await records.start(uuid())).toBeUndefined();
    },
  );

  dbTest(
    'appendEvent numbers events 1, 2, 3 and events() returns them in order',
    async ({ database: { db } }) => {
      const connectionId = await seedConnection(db);
      const records = createRecordsRepository(db);
      const record = await records.upsertPending(order(connectionId));
      const first = await records.appendEvent(
        record.id,
        step('resolve customer', { stage: 'read', input: { accountid: 'x' } }),
      );
      const second = await records.appendEvent(
        record.id,
        step('create order', {
          outcome: 'failed',
          error: { code: 'http_400', message: 'bad' },
          output: null,
        }),
      );
      const third = await records.appendEvent(record.id, step('create order'));
      expect([first.seq, second.seq, third.seq]).toEqual([1, 2, 3]);
      const other = await records.upsertPending(order(connectionId, 'OTHER'));
      expect((await records.appendEvent(other.id, step('x'))).seq).toBe(1);
      const events = await records.events(record.id);
      expect(events.map((event) => [event.seq, event.step, event.outcome])).toEqual([
        [1, 'resolve customer', 'ok'],
        [2, 'create order', 'failed'],
        [3, 'create order', 'ok'],
      ]);
      expect(events[0]).toMatchObject({
        stage: 'read',
        input: { accountid: 'x' },
        output: null,
        durationMs: 12,
      });
      expect(events[1]?.error).toEqual({ code: 'http_400', message: 'bad' });
      // The trail stays append-only, and a failed step without its error is refused by the database.
      expect(
        await sqlState(() => records.appendEvent(record.id, step('no error', { outcome: 'failed' }))),
      ).toBe('23514');
      await expect(records.appendEvent(uuid(), step('x'))).rejects.toThrow(/not found/);
    },
  );

  dbTest('concurrent appends from several processes get distinct consecutive seqs', async ({ database }) => {
    const connectionId = await seedConnection(database.db);
    const record = await createRecordsRepository(database.db).upsertPending(order(connectionId));
    const appended = await withWorkers(database.url, 4, (dbs) =>
      Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          createRecordsRepository(dbs[i % dbs.length] ?? database.db).appendEvent(
            record.id,
            step(`step ${i}`),
          ),
        ),
      ),
    );
    expect(appended.map((event) => event.seq).sort((x, y) => x - y)).toEqual(
      Array.from({ length: 40 }, (_, i) => i + 1),
    );
    const events = await createRecordsRepository(database.db).events(record.id);
    expect(events.map((event) => event.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
  });
});
