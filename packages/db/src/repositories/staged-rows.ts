import { and, eq, gt, sql } from 'drizzle-orm';
import type { Database } from '../client';
import { stagedRows } from '../schema/index';

/**
 * Rows that wait, during a poll, for rows of another stream (`staged_rows`), one store per
 * connection and stream, read and removed by key a page at a time: e.g. the product names of a
 * catalog load, each kept until its released product is written.
 */
export function createStagedRowsRepository(db: Database) {
  return {
    forStream(connectionId: string, stream: string) {
      const mine = and(eq(stagedRows.connectionId, connectionId), eq(stagedRows.stream, stream));
      return {
        /** Adds or replaces rows by key (the last of a repeated key wins). */
        async put(entries: readonly (readonly [string, unknown])[]): Promise<void> {
          if (entries.length === 0) return;
          const byKey = new Map(entries);
          await db.execute(sql`
            INSERT INTO staged_rows (connection_id, stream, key, data)
            SELECT ${connectionId}::uuid, ${stream}, entry.key, entry.data
            FROM unnest(${sql.param([...byKey.keys()])}::text[],
                        ${sql.param([...byKey.values()].map((data) => JSON.stringify(data)))}::jsonb[])
                 AS entry(key, data)
            ON CONFLICT (connection_id, stream, key) DO UPDATE SET data = excluded.data`);
        },

        /** The rows of these keys that are staged (exact, case-sensitive keys). */
        async get(keys: readonly string[]): Promise<Map<string, unknown>> {
          if (keys.length === 0) return new Map();
          const rows = await db
            .select({ key: stagedRows.key, data: stagedRows.data })
            .from(stagedRows)
            .where(and(mine, sql`${stagedRows.key} = ANY(${sql.param([...new Set(keys)])}::text[])`));
          return new Map(rows.map((row) => [row.key, row.data]));
        },

        async remove(keys: readonly string[]): Promise<void> {
          if (keys.length === 0) return;
          await db
            .delete(stagedRows)
            .where(and(mine, sql`${stagedRows.key} = ANY(${sql.param([...new Set(keys)])}::text[])`));
        },

        /** Up to `limit` staged keys after `after` (null: from the first), in key order. */
        async keys(after: string | null, limit: number): Promise<string[]> {
          const rows = await db
            .select({ key: stagedRows.key })
            .from(stagedRows)
            .where(and(mine, after === null ? undefined : gt(stagedRows.key, after)))
            .orderBy(stagedRows.key)
            .limit(limit);
          return rows.map((row) => row.key);
        },

        async clear(): Promise<void> {
          await db.delete(stagedRows).where(mine);
        },
      };
    },
  };
}

export type StagedRowsRepository = ReturnType<typeof createStagedRowsRepository>;
export type StagedRows = ReturnType<StagedRowsRepository['forStream']>;
