import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect } from 'vitest';
import { type AppendEventInput, createRecordsRepository, schema, sql } from '../src/index';
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

  dbTest(
    'startRun begins a run and appends its trigger event in one go; describe details go with the next event',
    async ({ database: { db } }) => {
      const connectionId = await seedConnection(db);
      const records = createRecordsRepository(db);
      const record = await records.upsertPending(order(connectionId));
      await records.appendEvent(record.id, step('an earlier run'));
      const begun = await records.startRun(record.id, {
        step: 'trigger',
        correlationId: 'corr-2',
        input: { message: 'Create', sourceId: 'abc' },
        startedAt: new Date('2025-01-02T00:00:00Z'),
      });
      expect(begun?.record).toMatchObject({ id: record.id, status: 'running', attempts: 1, eventSeq: 2 });
      expect(begun?.record.updatedAt).toBeInstanceOf(Date);
      expect(begun?.event).toMatchObject({
        recordId: record.id,
        seq: 2,
        stage: 'trigger',
        step: 'trigger',
        outcome: 'ok',
        durationMs: 0,
        input: {
          message: 'Create',
          sourceId: 'abc',
          attempt: 1,
          // The record's own clock, as JavaScript writes it (what later triggers are compared with).
          runStartedAt: begun?.record.updatedAt.toISOString(),
        },
      });
      expect(begun?.event.startedAt.toISOString()).toBe('2025-01-02T00:00:00.000Z');
      expect(
        await records.startRun(uuid(), {
          step: 'trigger',
          correlationId: 'c',
          input: {},
          startedAt: new Date(),
        }),
      ).toBeUndefined();

      const described = await records.appendEvent(record.id, step('read', { stage: 'read' }), {
        label: 'ORD-01001',
        targetDataAreaId: 'USMF',
      });
      expect(described.seq).toBe(3);
      expect(await records.get(record.id)).toMatchObject({
        label: 'ORD-01001',
        targetDataAreaId: 'usmf',
        dealKey: null,
        eventSeq: 3,
      });
      // Absent details are kept; an explicit null clears.
      await records.appendEvent(record.id, step('route'), { dealKey: 'ORD-01001', label: null });
      expect(await records.get(record.id)).toMatchObject({
        label: null,
        dealKey: 'ORD-01001',
        targetDataAreaId: 'usmf',
      });
      expect((await records.events(record.id)).map((event) => event.seq)).toEqual([1, 2, 3, 4]);
    },
  );

  dbTest('bulk outcomes and single appends share one numbering', async ({ database: { db } }) => {
    const connectionId = await seedConnection(db);
    const records = createRecordsRepository(db);
    const key = { connectionId, direction: 'fno_to_sales' as const, entity: 'ReleasedProductsV2' };
    const bulk = (hash: string) =>
      records.recordBulk(
        key,
        [
          {
            naturalKey: 'P-1',
            sourceId: 'P-1',
            label: 'P-1',
            targetDataAreaId: null,
            ok: true,
            targetKey: 't',
            contentHash: hash,
          },
        ],
        { step: 'write-products', correlationId: 'c', startedAt: new Date(), durationMs: 1 },
      );
    await bulk('h1');
    const record = await records.findByNaturalKey({ ...key, naturalKey: 'P-1' });
    if (!record) throw new Error('no record');
    expect((await records.appendEvent(record.id, step('x'))).seq).toBe(2);
    await bulk('h2');
    expect((await records.appendEvent(record.id, step('y'))).seq).toBe(4);
    expect((await records.events(record.id)).map((event) => [event.seq, event.step])).toEqual([
      [1, 'write-products'],
      [2, 'x'],
      [3, 'write-products'],
      [4, 'y'],
    ]);
  });

  dbTest(
    'migration 0006 makes records with an audit trail count on from their last event',
    async ({ database: { db } }) => {
      const connectionId = await seedConnection(db);
      const records = createRecordsRepository(db);
      const old = await records.upsertPending(order(connectionId));
      const fresh = await records.upsertPending(order(connectionId, 'ORD-FRESH'));
      // A trail written before the counter existed: events 1..3, counter at 0.
      for (const seq of [1, 2, 3]) {
        await db.insert(schema.recordEvents).values({ ...step(`old ${seq}`), recordId: old.id, seq });
      }
      const migration = readFileSync(
        fileURLToPath(new URL('../drizzle/0006_record_event_seq.sql', import.meta.url)),
        'utf8',
      );
      const backfill = migration
        .split('--> statement-breakpoint')
        .find((part) => /^\s*(--.*\n)*\s*UPDATE/i.test(part));
      if (!backfill) throw new Error('no backfill statement in migration 0006');
      await db.execute(sql.raw(backfill));
      expect((await records.appendEvent(old.id, step('next'))).seq).toBe(4);
      expect((await records.appendEvent(fresh.id, step('first'))).seq).toBe(1);
    },
  );

  dbTest(
    'appendEvents stores several events in order with the details, and can mark the record synced with them',
    async ({ database: { db } }) => {
      const connectionId = await seedConnection(db);
      const records = createRecordsRepository(db);
      const record = await records.upsertPending(order(connectionId));
      await records.appendEvent(record.id, step('trigger', { stage: 'trigger' }));
      const after = await records.appendEvents(
        record.id,
        [
          step('read', { stage: 'read', input: { id: 'x' }, output: { etag: 'W/"1"' } }),
          step('check', { stage: 'validate', output: null }),
          step('map', { stage: 'map', output: 'a string' }),
        ],
        { details: { label: 'ORD-7' } },
      );
      expect(after).toMatchObject({ eventSeq: 4, label: 'ORD-7', status: 'pending' });
      const synced = await records.appendEvents(
        record.id,
        [step('write-back', { stage: 'after', output: { written: true } })],
        { synced: { targetDataAreaId: 'USMF', targetKey: 'SO-9', contentHash: 'h' } },
      );
      expect(synced).toMatchObject({
        status: 'synced',
        targetKey: 'SO-9',
        targetDataAreaId: 'usmf',
        contentHash: 'h',
        lastError: null,
        eventSeq: 5,
        label: 'ORD-7',
      });
      expect(synced?.syncedAt).toBeInstanceOf(Date);
      const events = await records.events(record.id);
      expect(events.map((event) => [event.seq, event.stage, event.step])).toEqual([
        [1, 'trigger', 'trigger'],
        [2, 'read', 'read'],
        [3, 'validate', 'check'],
        [4, 'map', 'map'],
        [5, 'after', 'write-back'],
      ]);
      expect(events[1]).toMatchObject({
        input: { id: 'x' },
        output: { etag: 'W/"1"' },
        error: null,
        durationMs: 12,
      });
      expect(events[2]?.output).toBeNull();
      expect(events[3]?.output).toBe('a string');
      expect(events[1]?.startedAt.toISOString()).toBe('2025-01-01T00:00:00.000Z');
      // A failed event without its error is refused, and nothing of the statement is kept.
      expect(
        await sqlState(() =>
          records.appendEvents(record.id, [step('ok'), step('bad', { outcome: 'failed' })]),
        ),
      ).toBe('23514');
      expect((await records.get(record.id))?.eventSeq).toBe(5);
      expect(await records.appendEvents(uuid(), [step('x')])).toBeUndefined();
    },
  );
});
