import pg from 'pg';
import { describe, expect } from 'vitest';
import { CONNECTION_CHANGES_CHANNEL, eq, schema } from '../src/index';
import { dbTest } from '../src/testing/index';
import { seedConnection } from './seed';

describe('connection change notices', () => {
  dbTest('an update or delete of a connection announces its id when it commits', async ({ database }) => {
    const connectionId = await seedConnection(database.db);
    const listener = new pg.Client({ connectionString: database.url });
    await listener.connect();
    try {
      const heard: string[] = [];
      listener.on('notification', (message) => {
        if (message.channel === CONNECTION_CHANGES_CHANNEL && message.payload) heard.push(message.payload);
      });
      await listener.query(`listen ${CONNECTION_CHANGES_CHANNEL}`);
      const until = async (count: number) => {
        const deadline = Date.now() + 5_000;
        while (heard.length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      };
      // Not before the transaction commits.
      await database.db.transaction(async (tx) => {
        await tx
          .update(schema.connections)
          .set({ status: 'paused' })
          .where(eq(schema.connections.id, connectionId));
        await new Promise((r) => setTimeout(r, 100));
        expect(heard).toEqual([]);
      });
      await until(1);
      expect(heard).toEqual([connectionId]);
      await database.db.delete(schema.connections).where(eq(schema.connections.id, connectionId));
      await until(2);
      expect(heard).toEqual([connectionId, connectionId]);
    } finally {
      await listener.end();
    }
  });
});
