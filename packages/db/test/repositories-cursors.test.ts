import { describe, expect } from 'vitest';
import { z } from 'zod';
import { createCursorsRepository, InvalidCursorError, schema } from '../src/index';
import { dbTest } from '../src/testing/index';
import { seedConnection, withWorkers } from './seed';

const deltaCursor = z.object({ deltaLink: z.url() });
const pollCursor = z.object({ modifiedSince: z.string(), page: z.number().int() });

describe('cursors repository', () => {
  dbTest(
    'get returns undefined before the first save, then the parsed value',
    async ({ database: { db } }) => {
      const connectionId = await seedConnection(db);
      const cursors = createCursorsRepository(db);
      expect(await cursors.get(connectionId, 'sales', 'salesorders', deltaCursor)).toBeUndefined();
      await cursors.save(connectionId, 'sales', 'salesorders', {
        deltaLink: 'https://x.crm.dynamics.com/d?token=1',
      });
      await cursors.save(connectionId, 'fno', 'ReleasedProductsV2@usmf', {
        modifiedSince: '2025-01-01',
        page: 3,
      });
      expect(await cursors.get(connectionId, 'sales', 'salesorders', deltaCursor)).toEqual({
        deltaLink: 'https://x.crm.dynamics.com/d?token=1',
      });
      // save replaces.
      await cursors.save(connectionId, 'sales', 'salesorders', {
        deltaLink: 'https://x.crm.dynamics.com/d?token=2',
      });
      expect((await cursors.get(connectionId, 'sales', 'salesorders', deltaCursor))?.deltaLink).toMatch(
        /token=2$/,
      );
      expect(await cursors.get(connectionId, 'fno', 'ReleasedProductsV2@usmf', pollCursor)).toEqual({
        modifiedSince: '2025-01-01',
        page: 3,
      });
      // Streams are per system.
      expect(await cursors.get(connectionId, 'fno', 'salesorders', deltaCursor)).toBeUndefined();
      await expect(cursors.save(connectionId, 'sales', 'accounts', null)).rejects.toThrow(TypeError);
    },
  );

  dbTest('a stored value that no longer parses is reported and kept', async ({ database: { db } }) => {
    const connectionId = await seedConnection(db);
    const cursors = createCursorsRepository(db);
    await cursors.save(connectionId, 'sales', 'accounts', { token: 'old-format' });
    const error = await cursors.get(connectionId, 'sales', 'accounts', deltaCursor).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidCursorError);
    if (error instanceof InvalidCursorError) {
      expect(error.stored).toEqual({ token: 'old-format' });
      expect(error.stream).toBe('accounts');
      expect(error.issues[0]?.path).toEqual(['deltaLink']);
      expect(error.message).toContain('deltaLink');
    }
    const rows = await db.select().from(schema.syncCursors);
    expect(rows.map((row) => row.cursor)).toEqual([{ token: 'old-format' }]);
    // The caller can start over by saving a fresh cursor.
    await cursors.save(connectionId, 'sales', 'accounts', { deltaLink: 'https://x.crm.dynamics.com/d' });
    expect(await cursors.get(connectionId, 'sales', 'accounts', deltaCursor)).toBeDefined();
  });

  dbTest('concurrent saves of one stream leave one row holding one of the values', async ({ database }) => {
    const connectionId = await seedConnection(database.db);
    await withWorkers(database.url, 3, (dbs) =>
      Promise.all(
        Array.from({ length: 9 }, (_, i) =>
          createCursorsRepository(dbs[i % dbs.length] ?? database.db).save(
            connectionId,
            'fno',
            'CustomersV3@usmf',
            {
              modifiedSince: `2025-01-0${i + 1}`,
              page: i,
            },
          ),
        ),
      ),
    );
    const rows = await database.db.select().from(schema.syncCursors);
    expect(rows).toHaveLength(1);
    expect(
      await createCursorsRepository(database.db).get(connectionId, 'fno', 'CustomersV3@usmf', pollCursor),
    ).toMatchObject({ page: expect.any(Number) });
  });
});
