import { describe, expect } from 'vitest';
import { createInboxRepository } from '../src/index';
import { dbTest } from '../src/testing/index';
import { seedConnection, withWorkers } from './seed';

const message = (connectionId: string, dedupKey = 'req-0001') => ({
  connectionId,
  source: 'dataverse_webhook' as const,
  dedupKey,
  headers: { 'x-request-id': dedupKey },
  // Odd spacing, key order and unicode: must come back byte for byte.
  body: '{ "b":1,  "a" : "é\\u00e9",\n"n": 1.50 }',
});

describe('inbox repository', () => {
  dbTest(
    'receive stores the raw body verbatim and a redelivery is a duplicate',
    async ({ database: { db } }) => {
      const connectionId = await seedConnection(db);
      const inbox = createInboxRepository(db);
      const first = await inbox.receive(message(connectionId));
      expect(first.duplicate).toBe(false);
      const again = await inbox.receive({ ...message(connectionId), body: 'different body' });
      expect(again).toEqual({ id: first.id, duplicate: true });
      const stored = await inbox.get(first.id);
      expect(stored?.body).toBe(message(connectionId).body);
      expect(stored?.headers).toEqual({ 'x-request-id': 'req-0001' });
      expect(stored?.status).toBe('received');
      // Same key from the other source, or another connection, is another message.
      const other = await inbox.receive({ ...message(connectionId), source: 'fno_business_event' });
      expect(other.duplicate).toBe(false);
      const otherConnection = await seedConnection(db, 'fabrikam');
      expect((await inbox.receive(message(otherConnection))).duplicate).toBe(false);
    },
  );

  dbTest('concurrent redeliveries from several processes store one message', async ({ database }) => {
    const connectionId = await seedConnection(database.db);
    const results = await withWorkers(database.url, 3, (dbs) =>
      Promise.all(
        Array.from({ length: 12 }, (_, i) => createInboxRepository(dbs[i % dbs.length] ?? database.db)).map(
          (inbox) => inbox.receive(message(connectionId)),
        ),
      ),
    );
    expect(new Set(results.map((result) => result.id)).size).toBe(1);
    expect(results.filter((result) => !result.duplicate)).toHaveLength(1);
    expect(await createInboxRepository(database.db).pending(connectionId, 100)).toHaveLength(1);
  });

  dbTest(
    'markFailed counts attempts, markProcessed is final and idempotent',
    async ({ database: { db } }) => {
      const connectionId = await seedConnection(db);
      const inbox = createInboxRepository(db);
      const { id } = await inbox.receive(message(connectionId));
      expect(await inbox.markFailed(id, 'F&O timed out')).toBe(true);
      expect(await inbox.markFailed(id, 'F&O timed out again')).toBe(true);
      let stored = await inbox.get(id);
      expect(stored).toMatchObject({ status: 'failed', attempts: 2, error: 'F&O timed out again' });
      expect(await inbox.markProcessed(id)).toBe(true);
      stored = await inbox.get(id);
      const processedAt = stored?.processedAt;
      expect(stored).toMatchObject({ status: 'processed', error: null });
      expect(processedAt).toBeInstanceOf(Date);
      expect(await inbox.markProcessed(id)).toBe(true);
      expect((await inbox.get(id))?.processedAt).toEqual(processedAt);
      // A late failure report from another worker does not undo the processing.
      expect(await inbox.markFailed(id, 'late')).toBe(false);
      expect((await inbox.get(id))?.status).toBe('processed');
      expect(await inbox.markProcessed(crypto.randomUUID())).toBe(false);
    },
  );

  dbTest(
    'pending lists received and failed messages of a connection, oldest first',
    async ({ database: { db } }) => {
      const connectionId = await seedConnection(db);
      const otherConnection = await seedConnection(db, 'fabrikam');
      const inbox = createInboxRepository(db);
      const ids: string[] = [];
      for (const key of ['a', 'b', 'c', 'd']) ids.push((await inbox.receive(message(connectionId, key))).id);
      await inbox.receive(message(otherConnection, 'x'));
      await inbox.markProcessed(ids[1] ?? '');
      await inbox.markFailed(ids[2] ?? '', 'boom');
      const pending = await inbox.pending(connectionId, 10);
      expect(pending.map((row) => row.dedupKey)).toEqual(['a', 'c', 'd']);
      expect((await inbox.pending(connectionId, 2)).map((row) => row.dedupKey)).toEqual(['a', 'c']);
    },
  );

  dbTest(
    'getMany and markProcessedMany serve a batch of messages in one statement each',
    async ({ database: { db } }) => {
      const connectionId = await seedConnection(db);
      const inbox = createInboxRepository(db);
      const a = await inbox.receive(message(connectionId, 'req-a'));
      const b = await inbox.receive(message(connectionId, 'req-b'));
      const c = await inbox.receive(message(connectionId, 'req-c'));
      const unknown = crypto.randomUUID();
      const read = await inbox.getMany([a.id, b.id, a.id, unknown]);
      expect([...read.keys()].sort()).toEqual([a.id, b.id].sort());
      expect(read.get(b.id)?.dedupKey).toBe('req-b');
      expect(await inbox.getMany([])).toEqual(new Map());
      await inbox.markProcessed(a.id);
      const first = (await inbox.get(a.id))?.processedAt;
      expect(await inbox.markProcessedMany([a.id, b.id, unknown])).toBe(2);
      expect((await inbox.get(a.id))?.processedAt).toEqual(first);
      expect((await inbox.get(b.id))?.status).toBe('processed');
      expect((await inbox.get(c.id))?.status).toBe('received');
      expect(await inbox.markProcessedMany([])).toBe(0);
    },
  );
});
