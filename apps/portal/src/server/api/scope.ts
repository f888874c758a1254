import { and, eq, schema } from '@mlc/db';
import { TRPCError } from '@trpc/server';
import type { WorkspaceProcedureContext } from './trpc';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isUuid = (value: string): boolean => UUID.test(value);

type Ctx = Pick<WorkspaceProcedureContext, 'services' | 'workspace'>;

export type ConnectionRow = typeof schema.connections.$inferSelect;
export type RecordRow = typeof schema.syncRecords.$inferSelect;

/** The same answer for an unknown id and another workspace's id, so ids cannot be probed. */
export function notFound(what: 'connection' | 'record'): TRPCError {
  return new TRPCError({ code: 'NOT_FOUND', message: `No such ${what}.` });
}

/** A connection of the caller's workspace, or NOT_FOUND. */
export async function loadConnection(ctx: Ctx, id: string): Promise<ConnectionRow> {
  if (!isUuid(id)) throw notFound('connection');
  const [row] = await ctx.services.db.db
    .select()
    .from(schema.connections)
    .where(and(eq(schema.connections.id, id), eq(schema.connections.workspaceId, ctx.workspace.id)));
  if (!row) throw notFound('connection');
  return row;
}

/** A sync record of a connection of the caller's workspace, or NOT_FOUND. */
export async function loadRecord(ctx: Ctx, id: string): Promise<RecordRow> {
  if (!isUuid(id)) throw notFound('record');
  const [row] = await ctx.services.db.db
    .select({ record: schema.syncRecords })
    .from(schema.syncRecords)
    .innerJoin(schema.connections, eq(schema.connections.id, schema.syncRecords.connectionId))
    .where(and(eq(schema.syncRecords.id, id), eq(schema.connections.workspaceId, ctx.workspace.id)));
  if (!row) throw notFound('record');
  return row.record;
}
