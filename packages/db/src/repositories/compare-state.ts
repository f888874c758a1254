import { and, eq, sql } from 'drizzle-orm';
import type { Database } from '../client';
import { compareState } from '../schema/index';

/**
 * The per-record hashes of the full-compare F&O streams (`compare_state`), one store per
 * connection and stream. Its methods are those of the connectors' `CompareStateStore`: the worker
 * hands `forStream(…)` to the F&O sources, which ask for one page of keys at a time.
 */
export function createCompareStateRepository(db: Database) {
  return {
    forStream(connectionId: string, stream: string) {
      const mine = and(eq(compareState.connectionId, connectionId), eq(compareState.stream, stream));
      return {
        async baseline(keys: readonly string[]): Promise<Map<string, string>> {
          if (keys.length === 0) return new Map();
          const rows = await db
            .select({ key: compareState.key, baseline: compareState.baseline })
            .from(compareState)
            .where(
              and(
                mine,
                sql`${compareState.key} = ANY(${sql.param([...keys])}::text[])`,
                sql`${compareState.baseline} IS NOT NULL`,
              ),
            );
          return new Map(rows.map((row) => [row.key, row.baseline as string]));
        },

        async mark(pass: number, entries: readonly (readonly [string, string])[]): Promise<void> {
          if (entries.length === 0) return;
          await db.execute(sql`
            INSERT INTO compare_state (connection_id, stream, key, mark, mark_pass)
            SELECT ${connectionId}::uuid, ${stream}, entry.key, entry.hash, ${pass}::int
            FROM unnest(${sql.param(entries.map(([key]) => key))}::text[],
                        ${sql.param(entries.map(([, hash]) => hash))}::text[]) AS entry(key, hash)
            ON CONFLICT (connection_id, stream, key)
            DO UPDATE SET mark = excluded.mark, mark_pass = excluded.mark_pass`);
        },

        async unseen(pass: number, after: string | null, limit: number): Promise<string[]> {
          const rows = await db
            .select({ key: compareState.key })
            .from(compareState)
            .where(
              and(
                mine,
                sql`${compareState.baseline} IS NOT NULL`,
                sql`${compareState.markPass} IS DISTINCT FROM ${pass}`,
                after === null ? undefined : sql`${compareState.key} > ${after}`,
              ),
            )
            .orderBy(compareState.key)
            .limit(limit);
          return rows.map((row) => row.key);
        },

        async promote(pass: number): Promise<void> {
          await db.transaction(async (tx) => {
            await tx
              .delete(compareState)
              .where(and(mine, sql`${compareState.markPass} IS DISTINCT FROM ${pass}`));
            await tx
              .update(compareState)
              .set({ baseline: sql`${compareState.mark}` })
              .where(and(mine, sql`${compareState.baseline} IS DISTINCT FROM ${compareState.mark}`));
          });
        },

        async clear(): Promise<void> {
          await db.delete(compareState).where(mine);
        },
      };
    },
  };
}

export type CompareStateRepository = ReturnType<typeof createCompareStateRepository>;
