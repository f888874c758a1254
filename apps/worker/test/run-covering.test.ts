import { randomUUID } from 'node:crypto';
import { createRecordsRepository, type DbClient, schema } from '@mlc/db';
import { dbTest } from '@mlc/db/testing';
import { describe, expect } from 'vitest';
import { FlowError } from '../src/engine/errors';
import { defineFlow } from '../src/engine/flow';
import { type RunRequest, runRecord } from '../src/engine/run';
import { quietLogger } from './sync-harness';

/**
 * When a trigger needs no run (engine/run.ts `coveringRun`), with a flow of our own that says
 * which version of its source row it read: the last run, ended synced or skipped, read the
 * trigger's version or a later one (compared as numbers), or began after the trigger was queued.
 */

async function connection(db: DbClient): Promise<string> {
  const [workspace] = await db.db
    .insert(schema.workspaces)
    .values({ name: 'Covering', slug: `covering-${randomUUID().slice(0, 8)}` })
    .returning();
  const [row] = await db.db
    .insert(schema.connections)
    .values({
      workspaceId: workspace?.id ?? '',
      name: 'Covering',
      entraTenantId: randomUUID(),
      salesUrl: 'https://sales.example.com',
      salesClientId: randomUUID(),
      fnoUrl: 'https://fno.example.com',
      fnoClientId: randomUUID(),
      settings: {} as never,
    })
    .returning();
  return row?.id ?? '';
}

/** A flow whose read reports `source.version` and whose write fails while `source.fail` is set. */
function testFlow(source: { version: string | undefined; fail: boolean; reads: number }) {
  return defineFlow<Record<string, never>, undefined>({
    id: 'covering-test',
    direction: 'sales_to_fno',
    trigger: { system: 'sales', entity: 'salesorder', messages: ['*'] },
    naturalKey: (id) => id,
    initialState: () => ({}),
    steps: [
      {
        stage: 'read',
        name: 'read',
        run: async () => {
          source.reads += 1;
          return {
            output: { etag: `W/"${source.version}"` },
            ...(source.version === undefined ? {} : { sourceVersion: source.version }),
          };
        },
      },
      {
        stage: 'write',
        name: 'write',
        run: async (ctx) => {
          if (source.fail) throw new FlowError('refused', 'the target refused it');
          ctx.complete({ targetKey: 'T-1', targetDataAreaId: null, contentHash: null });
          return undefined;
        },
      },
    ],
  });
}

describe('covered triggers', () => {
  dbTest(
    'a trigger is covered by the version the last run read, compared as numbers',
    async ({ database }) => {
      const connectionId = await connection(database);
      const records = createRecordsRepository(database.db);
      const source = { version: '12' as string | undefined, fail: false, reads: 0 };
      const flow = testFlow(source);
      const deps = { db: database, records, logger: quietLogger(), runtime: undefined };
      // Triggers queued after the run began (the time rule alone would run them).
      const trigger = (extra: Partial<RunRequest> = {}): RunRequest => ({
        connectionId,
        sourceId: 'order-1',
        message: 'Update',
        queuedAt: new Date(Date.now() + 60_000),
        ...extra,
      });
      const run = (extra?: Partial<RunRequest>) => runRecord(flow, trigger(extra), deps);

      expect((await run({ message: 'Create', sourceVersion: '5' })).status).toBe('synced');
      expect(source.reads).toBe(1);
      const covered = await run({ sourceVersion: '12' });
      expect(covered).toMatchObject({ status: 'covered', by: { kind: 'version-read', readVersion: '12' } });
      expect((await run({ sourceVersion: '7' })).status).toBe('covered');
      expect(source.reads).toBe(1);
      // A newer change, a trigger without version, a replay: they run.
      expect((await run({ sourceVersion: '13' })).status).toBe('synced');
      expect(source.reads).toBe(2);
      expect((await run()).status).toBe('synced');
      expect((await run({ sourceVersion: '1', replay: true })).status).toBe('synced');
      expect(source.reads).toBe(4);

      // Beyond 2^53: numbers, not doubles.
      source.version = '9007199254740992';
      await run();
      expect((await run({ sourceVersion: '9007199254740993' })).status).toBe('synced');
      source.version = '9007199254740993';
      expect((await run({ sourceVersion: '9007199254740993' })).status).toBe('synced');
      expect((await run({ sourceVersion: '9007199254740993' })).status).toBe('covered');

      // A run read a newer version but failed: an older trigger still runs.
      source.version = '9007199254741010';
      source.fail = true;
      expect((await run({ sourceVersion: '9007199254741005' })).status).toBe('failed');
      source.fail = false;
      const reads = source.reads;
      expect((await run({ sourceVersion: '9007199254741001' })).status).toBe('synced');
      expect(source.reads).toBe(reads + 1);

      // A run whose read said no version covers nothing by version.
      source.version = undefined;
      await run();
      expect((await run({ sourceVersion: '1' })).status).toBe('synced');

      // The time rule still holds: a trigger queued before the last run began is covered.
      expect((await run({ queuedAt: new Date(Date.now() - 60_000) })).status).toBe('covered');
    },
  );
});
