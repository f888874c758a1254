import { and, asc, desc, eq, inArray, or, schema, sql } from '@mlc/db';
import type { TRPCRouterRecord } from '@trpc/server';
import { TRPCError } from '@trpc/server';
import {
  flowEntities,
  connectionIdSchema as recordIdSchema,
  recordsListSchema,
  replayFailedSchema,
} from '../schemas';
import { loadConnection, loadRecord, type RecordRow } from '../scope';
import { workspaceProcedure } from '../trpc';

const iso = (value: Date | null): string | null => (value ? value.toISOString() : null);

/**
 * Keyset cursor: the last row's `updated_at` as microseconds since the epoch (exact, and nothing
 * but digits, so no client-made cursor reaches PostgreSQL's date parser) and its id.
 */
function encodeCursor(atMicros: string, id: string): string {
  return Buffer.from(JSON.stringify([atMicros, id]), 'utf8').toString('base64url');
}

const MICROS = /^\d{1,17}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function decodeCursor(cursor: string): [string, string] {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === 'string' &&
      typeof value[1] === 'string' &&
      MICROS.test(value[0]) &&
      UUID.test(value[1])
    ) {
      return [value[0], value[1]];
    }
  } catch {
    // fall through
  }
  throw new TRPCError({
    code: 'BAD_REQUEST',
    message: 'The cursor is not valid; start again from the first page.',
  });
}

/** `%` and `_` are literal in a search. */
const likePattern = (search: string) => `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

function recordView(record: RecordRow) {
  return {
    id: record.id,
    connectionId: record.connectionId,
    entity: record.entity,
    direction: record.direction,
    naturalKey: record.naturalKey,
    sourceId: record.sourceId,
    label: record.label,
    dealKey: record.dealKey,
    targetDataAreaId: record.targetDataAreaId,
    targetKey: record.targetKey,
    status: record.status,
    lastError: record.lastError,
    attempts: record.attempts,
    createdAt: record.createdAt.toISOString(),
    updatedAt: record.updatedAt.toISOString(),
    syncedAt: iso(record.syncedAt),
  };
}

export const recordsRouter = {
  list: workspaceProcedure.input(recordsListSchema).query(async ({ ctx, input }) => {
    const connection = await loadConnection(ctx, input.connectionId);
    const r = schema.syncRecords;
    const filters = [eq(r.connectionId, connection.id)];
    if (input.search) {
      const pattern = likePattern(input.search);
      const match = or(
        sql`${r.label} ilike ${pattern}`,
        sql`${r.dealKey} ilike ${pattern}`,
        sql`${r.naturalKey} ilike ${pattern}`,
        sql`${r.targetKey} ilike ${pattern}`,
        sql`${r.sourceId} ilike ${pattern}`,
      );
      if (match) filters.push(match);
    }
    if (input.flow) filters.push(inArray(r.entity, [...flowEntities[input.flow]]));
    if (input.direction) filters.push(eq(r.direction, input.direction));
    if (input.status) filters.push(eq(r.status, input.status));
    if (input.legalEntity) filters.push(eq(r.targetDataAreaId, input.legalEntity));
    if (input.from) filters.push(sql`${r.updatedAt} >= ${input.from.toISOString()}::timestamptz`);
    if (input.to) filters.push(sql`${r.updatedAt} < ${input.to.toISOString()}::timestamptz`);
    const where = and(...filters);
    const page = [...filters];
    if (input.cursor) {
      const [at, id] = decodeCursor(input.cursor);
      page.push(
        sql`(${r.updatedAt}, ${r.id}) < (timestamptz 'epoch' + ${at}::bigint * interval '1 microsecond', ${id}::uuid)`,
      );
    }
    const db = ctx.services.db.db;
    const [rows, counted] = await Promise.all([
      db
        .select({
          record: r,
          cursorAt: sql<string>`(extract(epoch from ${r.updatedAt}) * 1000000)::bigint::text`,
        })
        .from(r)
        .where(and(...page))
        .orderBy(desc(r.updatedAt), desc(r.id))
        .limit(input.limit + 1),
      db.select({ n: sql<number>`count(*)::int` }).from(r).where(where),
    ]);
    const items = rows.slice(0, input.limit);
    const last = items.at(-1);
    return {
      items: items.map(({ record }) => {
        const view = recordView(record);
        return {
          id: view.id,
          entity: view.entity,
          direction: view.direction,
          label: view.label,
          dealKey: view.dealKey,
          targetDataAreaId: view.targetDataAreaId,
          targetKey: view.targetKey,
          status: view.status,
          lastError: view.lastError,
          attempts: view.attempts,
          updatedAt: view.updatedAt,
          syncedAt: view.syncedAt,
        };
      }),
      nextCursor: rows.length > input.limit && last ? encodeCursor(last.cursorAt, last.record.id) : null,
      total: counted[0]?.n ?? 0,
    };
  }),

  get: workspaceProcedure.input(recordIdSchema).query(async ({ ctx, input }) => {
    const record = await loadRecord(ctx, input.id);
    const e = schema.recordEvents;
    const events = await ctx.services.db.db
      .select()
      .from(e)
      .where(eq(e.recordId, record.id))
      .orderBy(asc(e.seq));
    return {
      record: recordView(record),
      events: events.map((event) => ({
        seq: event.seq,
        stage: event.stage,
        step: event.step,
        outcome: event.outcome,
        input: event.input,
        output: event.output,
        error: event.error,
        startedAt: event.startedAt.toISOString(),
        durationMs: event.durationMs,
      })),
    };
  }),

  replay: workspaceProcedure.input(recordIdSchema).mutation(async ({ ctx, input }) => {
    const record = await loadRecord(ctx, input.id);
    const queued = await (await ctx.services.syncClient()).control.replay(record.id);
    if (!queued) {
      throw new TRPCError({
        code: 'PRECONDITION_FAILED',
        message: 'This record has no source id to read again; it is replayed with the next change.',
      });
    }
    ctx.logger.info({ connectionId: record.connectionId, recordId: record.id }, 'record replay queued');
    return { queued: true as const };
  }),

  replayFailed: workspaceProcedure.input(replayFailedSchema).mutation(async ({ ctx, input }) => {
    const connection = await loadConnection(ctx, input.connectionId);
    const control = (await ctx.services.syncClient()).control;
    let queued = 0;
    if (input.flow) {
      for (const entity of flowEntities[input.flow])
        queued += await control.replayFailed(connection.id, entity);
    } else {
      queued = await control.replayFailed(connection.id);
    }
    ctx.logger.info(
      { connectionId: connection.id, flow: input.flow, queued },
      'failed records replay queued',
    );
    return { queued };
  }),
} satisfies TRPCRouterRecord;
