import { and, eq, sql } from 'drizzle-orm';
import type { z } from 'zod';
import type { Database } from '../client';
import { syncCursors, type systemName } from '../schema/index';

export type SystemName = (typeof systemName.enumValues)[number];

/**
 * A stored cursor no longer matches the schema of its reader (e.g. its format changed). The row is
 * kept untouched; the caller decides (typically: log it, then `save` a fresh cursor after a full read).
 */
export class InvalidCursorError extends Error {
  override readonly name = 'InvalidCursorError';
  constructor(
    readonly connectionId: string,
    readonly system: SystemName,
    readonly stream: string,
    readonly stored: unknown,
    readonly issues: z.core.$ZodIssue[],
  ) {
    super(
      `stored cursor ${system}/${stream} of connection ${connectionId} does not parse: ${issues
        .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
        .join('; ')}`,
    );
  }
}

export function createCursorsRepository(db: Database) {
  const where = (connectionId: string, system: SystemName, stream: string) =>
    and(
      eq(syncCursors.connectionId, connectionId),
      eq(syncCursors.system, system),
      eq(syncCursors.stream, stream),
    );

  return {
    /**
     * The stored cursor parsed by `schema`, or `undefined` when none is stored.
     * Throws `InvalidCursorError` (and keeps the row) when the stored value does not parse.
     */
    async get<T>(
      connectionId: string,
      system: SystemName,
      stream: string,
      schema: z.ZodType<T>,
    ): Promise<T | undefined> {
      const [row] = await db
        .select({ cursor: syncCursors.cursor })
        .from(syncCursors)
        .where(where(connectionId, system, stream));
      if (!row) return undefined;
      const parsed = schema.safeParse(row.cursor);
      if (!parsed.success) {
        throw new InvalidCursorError(connectionId, system, stream, row.cursor, parsed.error.issues);
      }
      return parsed.data;
    },

    /** Stores (or replaces) the cursor of a stream. `null` and `undefined` are not cursors. */
    async save(connectionId: string, system: SystemName, stream: string, cursor: unknown): Promise<void> {
      if (cursor === undefined || cursor === null)
        throw new TypeError('a cursor cannot be null or undefined');
      await db
        .insert(syncCursors)
        .values({ connectionId, system, stream, cursor })
        .onConflictDoUpdate({
          target: [syncCursors.connectionId, syncCursors.system, syncCursors.stream],
          set: { cursor, updatedAt: sql`now()` },
        });
    },

    /** Every stored cursor of a system whose stream starts with `prefix`, unparsed (stream → value). */
    async list(connectionId: string, system: SystemName, prefix: string): Promise<Map<string, unknown>> {
      const rows = await db
        .select({ stream: syncCursors.stream, cursor: syncCursors.cursor })
        .from(syncCursors)
        .where(
          and(
            eq(syncCursors.connectionId, connectionId),
            eq(syncCursors.system, system),
            sql`starts_with(${syncCursors.stream}, ${prefix})`,
          ),
        );
      return new Map(rows.map((row) => [row.stream, row.cursor]));
    },

    /** Forgets the cursors of a system whose stream starts with `prefix` (the next read starts over). */
    async forget(connectionId: string, system: SystemName, prefix: string): Promise<number> {
      const rows = await db
        .delete(syncCursors)
        .where(
          and(
            eq(syncCursors.connectionId, connectionId),
            eq(syncCursors.system, system),
            sql`starts_with(${syncCursors.stream}, ${prefix})`,
          ),
        )
        .returning({ stream: syncCursors.stream });
      return rows.length;
    },
  };
}

export type CursorsRepository = ReturnType<typeof createCursorsRepository>;
