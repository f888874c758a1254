import { and, asc, eq, inArray, ne, sql } from 'drizzle-orm';
import type { Database } from '../client';
import { inboxEvents, type inboxSource } from '../schema/index';

export type InboxSource = (typeof inboxSource.enumValues)[number];
export type InboxEvent = typeof inboxEvents.$inferSelect;

export interface ReceiveInput {
  connectionId: string;
  source: InboxSource;
  /** The Dataverse request id, or `<dataAreaId>:<ControlNumber>` for a business event. */
  dedupKey: string;
  headers: Record<string, string>;
  /** The raw request body, stored verbatim (never re-serialised). */
  body: string;
}

export function createInboxRepository(db: Database) {
  const markProcessedMany = async (ids: readonly string[]): Promise<number> => {
    if (ids.length === 0) return 0;
    const rows = await db
      .update(inboxEvents)
      .set({
        status: 'processed',
        error: null,
        processedAt: sql`coalesce(${inboxEvents.processedAt}, now())`,
      })
      .where(inArray(inboxEvents.id, [...new Set(ids)]))
      .returning({ id: inboxEvents.id });
    return rows.length;
  };
  return {
    /**
     * Stores a pushed message once. A redelivery (same connection, source and dedup key) is a
     * no-op that returns the id of the message already stored, with `duplicate: true`.
     * `ON CONFLICT DO NOTHING` waits for a concurrent insert of the same key to commit, so the
     * follow-up read always finds the winner's row.
     */
    async receive(input: ReceiveInput): Promise<{ id: string; duplicate: boolean }> {
      const [inserted] = await db
        .insert(inboxEvents)
        .values({
          connectionId: input.connectionId,
          source: input.source,
          dedupKey: input.dedupKey,
          headers: input.headers,
          body: input.body,
        })
        .onConflictDoNothing({ target: [inboxEvents.connectionId, inboxEvents.source, inboxEvents.dedupKey] })
        .returning({ id: inboxEvents.id });
      if (inserted) return { id: inserted.id, duplicate: false };
      const [existing] = await db
        .select({ id: inboxEvents.id })
        .from(inboxEvents)
        .where(
          and(
            eq(inboxEvents.connectionId, input.connectionId),
            eq(inboxEvents.source, input.source),
            eq(inboxEvents.dedupKey, input.dedupKey),
          ),
        );
      if (!existing) throw new Error(`inbox message ${input.dedupKey} conflicted but is gone`);
      return { id: existing.id, duplicate: true };
    },

    async get(id: string): Promise<InboxEvent | undefined> {
      const [row] = await db.select().from(inboxEvents).where(eq(inboxEvents.id, id));
      return row;
    },

    /** Several messages by id (one read); unknown ids are absent from the map. */
    async getMany(ids: readonly string[]): Promise<Map<string, InboxEvent>> {
      if (ids.length === 0) return new Map();
      const rows = await db
        .select()
        .from(inboxEvents)
        .where(inArray(inboxEvents.id, [...new Set(ids)]));
      return new Map(rows.map((row) => [row.id, row]));
    },

    /** `markProcessed` for several messages in one statement; resolves with how many exist. */
    markProcessedMany,

    /** Done. Idempotent: the first processing time is kept. Returns false for an unknown id. */
    async markProcessed(id: string): Promise<boolean> {
      return (await markProcessedMany([id])) > 0;
    },

    /**
     * A processing attempt failed: counts it and keeps the error. A message already processed
     * (by another worker) stays processed; returns false then, or for an unknown id.
     */
    async markFailed(id: string, error: string): Promise<boolean> {
      const rows = await db
        .update(inboxEvents)
        .set({ status: 'failed', error, attempts: sql`${inboxEvents.attempts} + 1` })
        .where(and(eq(inboxEvents.id, id), ne(inboxEvents.status, 'processed')))
        .returning({ id: inboxEvents.id });
      return rows.length > 0;
    },

    /**
     * Messages still to process (received, or failed and due for another attempt), oldest first.
     * A read, not a claim: the worker serialises the processing of one message through its job queue.
     */
    async pending(connectionId: string, limit: number): Promise<InboxEvent[]> {
      return db
        .select()
        .from(inboxEvents)
        .where(
          and(
            eq(inboxEvents.connectionId, connectionId),
            inArray(inboxEvents.status, ['received', 'failed']),
          ),
        )
        .orderBy(asc(inboxEvents.receivedAt), asc(inboxEvents.id))
        .limit(limit);
    },
  };
}

export type InboxRepository = ReturnType<typeof createInboxRepository>;
