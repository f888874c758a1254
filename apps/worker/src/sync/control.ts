import {
  and,
  asc,
  createCursorsRepository,
  createRecordsRepository,
  type DbClient,
  eq,
  schema,
  sql,
} from '@mlc/db';
import type { JobQueue } from '../jobs/index';
import type { RuntimeCache } from './runtimes';
import { type EnableOptions, setUpSales } from './setup';

/**
 * What a person does from the portal: replay a record or every failed record of a connection
 * (re-run from the current state of the source; idempotent, as every run is), pause a connection
 * (changes keep arriving and wait as pending records, without limit) and resume it (the waiting
 * records run, oldest first).
 */
export function createSyncControl(deps: { db: DbClient; jobs: JobQueue; runtimes: RuntimeCache }) {
  const records = createRecordsRepository(deps.db.db);
  const cursors = createCursorsRepository(deps.db.db);
  /**
   * F&O → Sales rows are replayed by reading their stream again from the start: unchanged rows
   * are compared away by their hashes, failed ones (no hash) are written again.
   */
  const replayStream = async (connectionId: string, entity: string) => {
    const stream = entity === 'customer' ? 'customers' : 'catalog';
    for (const prefix of stream === 'customers' ? ['customers@'] : ['products/', 'prices@']) {
      await cursors.forget(connectionId, 'fno', prefix);
    }
    await deps.jobs.enqueue('sync.poll', { connectionId, stream, reason: 'replay' });
  };
  const enqueueRecord = async (
    record: {
      connectionId: string;
      direction: 'sales_to_fno' | 'fno_to_sales';
      entity: string;
      sourceId: string | null;
    },
    message: string,
    replay: boolean,
  ) => {
    if (record.direction === 'fno_to_sales') {
      await replayStream(record.connectionId, record.entity);
      return true;
    }
    if (!record.sourceId) return false;
    await deps.jobs.enqueue('sync.record', {
      connectionId: record.connectionId,
      direction: record.direction,
      entity: record.entity,
      sourceId: record.sourceId,
      message,
      replay,
    });
    return true;
  };

  return {
    async replay(recordId: string): Promise<boolean> {
      const record = await records.get(recordId);
      return record ? enqueueRecord(record, 'replay', true) : false;
    },

    async replayFailed(connectionId: string, entity?: string): Promise<number> {
      let count = 0;
      const streams = new Set<string>();
      for (const record of await records.listFailed(connectionId)) {
        if (entity && record.entity !== entity) continue;
        count += 1;
        if (record.direction === 'fno_to_sales')
          streams.add(record.entity === 'customer' ? 'customer' : 'product');
        else await enqueueRecord(record, 'replay', true);
      }
      for (const stream of streams) await replayStream(connectionId, stream);
      return count;
    },

    async pause(connectionId: string): Promise<void> {
      await deps.db.db
        .update(schema.connections)
        .set({ status: 'paused', updatedAt: sql`now()` })
        .where(eq(schema.connections.id, connectionId));
    },

    async resume(connectionId: string): Promise<number> {
      await deps.db.db
        .update(schema.connections)
        .set({ status: 'active', statusReason: null, updatedAt: sql`now()` })
        .where(eq(schema.connections.id, connectionId));
      const waiting = await deps.db.db
        .select()
        .from(schema.syncRecords)
        .where(
          and(eq(schema.syncRecords.connectionId, connectionId), eq(schema.syncRecords.status, 'pending')),
        )
        .orderBy(asc(schema.syncRecords.createdAt), asc(schema.syncRecords.id));
      let count = 0;
      for (const record of waiting) if (await enqueueRecord(record, 'resume', false)) count += 1;
      return count;
    },

    /**
     * Sync starts for a connection: with `sales`, the Dataverse side is set up first (alternate
     * keys, change tracking, the webhook to our intake URL); changes from now on are triggers, and
     * the first polls are the initial load.
     */
    async enable(connectionId: string, sales?: EnableOptions) {
      const setup = sales ? await setUpSales(await deps.runtimes.get(connectionId), sales) : undefined;
      await deps.db.db
        .update(schema.connections)
        .set({
          status: 'active',
          statusReason: null,
          enabledAt: sql`coalesce(${schema.connections.enabledAt}, now())`,
          updatedAt: sql`now()`,
        })
        .where(eq(schema.connections.id, connectionId));
      return setup;
    },
  };
}

export type SyncControl = ReturnType<typeof createSyncControl>;
