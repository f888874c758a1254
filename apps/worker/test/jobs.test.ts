import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { dbTest } from '@mlc/db/testing';
import { createLogger } from '@mlc/logger';
import PgBoss from 'pg-boss';
import { describe, expect } from 'vitest';
import { createJobQueue, jobCatalog, PermanentJobError, QUEUE_SCHEMA } from '../src/index';

const quiet = () =>
  createLogger({ name: 'jobs-test', destination: new Writable({ write: (_c, _e, done) => done() }) });

async function startBoss(url: string): Promise<PgBoss> {
  const boss = new PgBoss({ connectionString: url, schema: QUEUE_SCHEMA, retryDelay: 1 });
  boss.on('error', () => undefined);
  await boss.start();
  return boss;
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const orderRecord = (connectionId: string, sourceId: string) => ({
  connectionId,
  direction: 'sales_to_fno' as const,
  entity: 'salesorder',
  sourceId,
});

describe('job queue', () => {
  dbTest(
    'triggers of one record coalesce while its job waits; a running job does not hold back the next one; other records run in parallel',
    async ({ database }) => {
      const boss = await startBoss(database.url);
      try {
        const queue = await createJobQueue(boss, quiet());
        const connectionId = randomUUID();
        const runs: string[] = [];
        let release: () => void = () => undefined;
        const gate = new Promise<void>((resolve) => {
          release = resolve;
        });
        let active = 0;
        let maxActive = 0;
        await queue.register(
          {
            'sync.record': async (payload) => {
              active += 1;
              maxActive = Math.max(maxActive, active);
              runs.push(payload.message ?? '?');
              if (payload.sourceId === 'a' && payload.message === 'Create') await gate;
              active -= 1;
            },
          },
          { concurrency: 4 },
        );
        const job = (sourceId: string, message: string) => ({
          ...orderRecord(connectionId, sourceId),
          message,
        });
        // Queued for later (an hour): the triggers that come meanwhile join it (one queued job per
        // record), and one that is due now brings it forward instead of waiting behind it. The
        // record's creation stays what the run reports (the flow learns from it the order is new).
        const first = await queue.enqueue('sync.record', job('a', 'Create'), { delaySeconds: 3600 });
        expect(first).toMatch(/^[0-9a-f-]{36}$/);
        expect(await queue.enqueue('sync.record', job('a', 'Update'), { delaySeconds: 1 })).toBeNull();
        expect(runs).toEqual([]);
        expect(await queue.enqueue('sync.record', job('a', 'delta'))).toBeNull();
        // A replay is never dropped behind an ordinary trigger.
        expect(await queue.enqueue('sync.record', { ...job('a', 'replay'), replay: true })).toMatch(
          /^[0-9a-f-]{36}$/,
        );
        await until(() => runs.includes('Create'));
        // While it runs, one more job may wait for the record (the change it brings must be read).
        const next = await queue.enqueue('sync.record', job('a', 'Update'));
        expect(next).toMatch(/^[0-9a-f-]{36}$/);
        await until(() => runs.filter((message) => message === 'Update').length === 1);
        for (const sourceId of ['b', 'c'])
          expect(await queue.enqueue('sync.record', job(sourceId, 'Create'))).not.toBeNull();
        await until(() => runs.length === 5);
        release();
        await until(() => active === 0);
        expect(jobCatalog['sync.record'].queue.policy).toBe('short');
        expect(runs.filter((message) => message === 'Create')).toHaveLength(3);
        expect(runs.filter((message) => message === 'Update')).toHaveLength(1);
        expect(maxActive).toBeGreaterThan(1);
      } finally {
        await boss.stop({ graceful: false, wait: true });
      }
    },
    60_000,
  );

  dbTest('a burst of delta triggers for one table coalesces into one queued read', async ({ database }) => {
    const boss = await startBoss(database.url);
    try {
      const queue = await createJobQueue(boss, quiet());
      const connectionId = randomUUID();
      const ids = await Promise.all(
        Array.from({ length: 5 }, () => queue.enqueue('sync.delta', { connectionId, table: 'salesorders' })),
      );
      expect(ids.filter(Boolean)).toHaveLength(1);
      expect(await queue.enqueue('sync.delta', { connectionId, table: 'accounts' })).not.toBeNull();
    } finally {
      await boss.stop({ graceful: false, wait: true });
    }
  });

  dbTest(
    'payloads are parsed on the way in and on the way out',
    async ({ database }) => {
      const boss = await startBoss(database.url);
      try {
        const queue = await createJobQueue(boss, quiet());
        await expect(
          queue.enqueue('sync.record', { ...orderRecord('not-a-uuid', 'x') } as never),
        ).rejects.toThrow(/connectionId/);
        // A payload put on the queue by something else (an older version, a person) is refused once.
        const handled: unknown[] = [];
        await queue.register({ 'sync.record': async (payload) => void handled.push(payload) });
        const id = await boss.send('sync.record', { connectionId: randomUUID() }, { singletonKey: 'x' });
        await until(async () => (await boss.getJobById('sync.record', id ?? ''))?.state === 'completed');
        const job = await boss.getJobById('sync.record', id ?? '');
        expect(job?.output).toMatchObject({
          refused: expect.arrayContaining([expect.stringMatching(/^direction: /)]),
        });
        expect(handled).toEqual([]);
      } finally {
        await boss.stop({ graceful: false, wait: true });
      }
    },
    60_000,
  );

  dbTest(
    'permanent failures end at once; others are retried',
    async ({ database }) => {
      const boss = await startBoss(database.url);
      try {
        const queue = await createJobQueue(boss, quiet());
        const attempts = new Map<string, number>();
        await queue.register({
          'sync.record': async (payload) => {
            const n = (attempts.get(payload.sourceId) ?? 0) + 1;
            attempts.set(payload.sourceId, n);
            if (payload.sourceId === 'bad-config')
              throw new PermanentJobError('customer group US99 does not exist');
            if (payload.sourceId === 'flaky' && n < 2) throw new Error('F&O answered 503');
            return { ok: true };
          },
        });
        const connectionId = randomUUID();
        const bad = await queue.enqueue('sync.record', orderRecord(connectionId, 'bad-config'));
        const flaky = await queue.enqueue('sync.record', orderRecord(connectionId, 'flaky'));
        await until(
          async () => (await boss.getJobById('sync.record', flaky ?? ''))?.state === 'completed',
          30_000,
        );
        await until(async () => (await boss.getJobById('sync.record', bad ?? ''))?.state === 'completed');
        expect(attempts.get('bad-config')).toBe(1);
        expect(attempts.get('flaky')).toBe(2);
        expect((await boss.getJobById('sync.record', bad ?? ''))?.output).toEqual({
          failed: 'customer group US99 does not exist',
        });
      } finally {
        await boss.stop({ graceful: false, wait: true });
      }
    },
    60_000,
  );

  dbTest('creating the queues twice is harmless (every worker does it at start)', async ({ database }) => {
    const boss = await startBoss(database.url);
    try {
      await createJobQueue(boss, quiet());
      await createJobQueue(boss, quiet());
      const names = (await boss.getQueues()).map((q) => q.name);
      expect(names).toEqual(expect.arrayContaining(Object.keys(jobCatalog)));
    } finally {
      await boss.stop({ graceful: false, wait: true });
    }
  });

  dbTest(
    'a batch kind takes its jobs together; a failed one is retried alone, a permanent failure ends, the others complete',
    async ({ database }) => {
      const boss = await startBoss(database.url);
      try {
        const inboxDefinition = jobCatalog['inbox.process'];
        const catalog = {
          ...jobCatalog,
          'inbox.process': {
            ...inboxDefinition,
            queue: { ...inboxDefinition.queue, retryDelaySeconds: 1, retryBackoff: false },
          },
        };
        const queue = await createJobQueue(boss, quiet(), { catalog });
        const connectionId = randomUUID();
        const events = Array.from({ length: 6 }, () => randomUUID());
        const [flaky, broken] = events;
        const ids = await Promise.all(
          events.map((inboxEventId) => queue.enqueue('inbox.process', { connectionId, inboxEventId })),
        );
        // Put there by something else: refused, not handed to the handler.
        const refused = await boss.send('inbox.process', { connectionId }, { singletonKey: 'odd' });
        const batches: string[][] = [];
        await queue.register({
          'inbox.process': {
            async batch(jobs) {
              batches.push(jobs.map(({ payload }) => payload.inboxEventId));
              const failed = [];
              for (const { payload, job } of jobs) {
                if (payload.inboxEventId === flaky && batches.length === 1)
                  failed.push({ jobId: job.id, error: new Error('database went away') });
                if (payload.inboxEventId === broken)
                  failed.push({ jobId: job.id, error: new PermanentJobError('message body is not JSON') });
              }
              return { failed };
            },
          },
        });
        const state = async (id: string | null) => (await boss.getJobById('inbox.process', id ?? ''))?.state;
        await until(async () => (await state(ids[0] ?? null)) === 'completed', 30_000);
        // The six came in one fetch (the pollers of a batch kind take up to its size at once).
        expect(batches[0]?.sort()).toEqual([...events].sort());
        for (const id of ids.slice(1)) expect(await state(id)).toBe('completed');
        expect(await state(refused)).toBe('completed');
        // Only the one that failed came back, alone.
        expect(batches).toHaveLength(2);
        expect(batches[1]).toEqual([flaky]);
        expect((await boss.getJobById('inbox.process', ids[0] ?? ''))?.retryCount).toBe(1);
        expect((await boss.getJobById('inbox.process', ids[1] ?? ''))?.retryCount).toBe(0);
        expect(catalog['inbox.process'].batch?.size).toBeGreaterThan(1);
      } finally {
        await boss.stop({ graceful: false, wait: true });
      }
    },
    60_000,
  );

  dbTest('enqueueMany joins the triggers of one record before it queues them', async ({ database }) => {
    const boss = await startBoss(database.url);
    try {
      const queue = await createJobQueue(boss, quiet());
      const connectionId = randomUUID();
      const trigger = (sourceId: string, message: string, sourceVersion?: string) => ({
        payload: {
          ...orderRecord(connectionId, sourceId),
          message,
          ...(sourceVersion ? { sourceVersion } : {}),
        },
        ...(message === 'Update' ? { options: { delaySeconds: 60 } } : {}),
      });
      const result = await queue.enqueueMany('sync.record', [
        trigger('a', 'Update', '10'),
        trigger('a', 'Create', '11'),
        trigger('a', 'Update', '14'),
        trigger('b', 'Update', '20'),
        trigger('b', 'Update', '21'),
      ]);
      expect(result).toEqual({ queued: 2, joined: 3 });
      const jobs = async () =>
        (
          await boss
            .getDb()
            .executeSql(
              `select data, start_after <= now() as due from pgboss.job where name = 'sync.record' and state = 'created' order by data->>'sourceId'`,
              [],
            )
        ).rows as { data: { sourceId: string; message: string; sourceVersion?: string }; due: boolean }[];
      expect(await jobs()).toEqual([
        // The record's creation stays its creation, with the newest version; due at once.
        {
          data: expect.objectContaining({ sourceId: 'a', message: 'Create', sourceVersion: '14' }),
          due: true,
        },
        {
          data: expect.objectContaining({ sourceId: 'b', message: 'Update', sourceVersion: '21' }),
          due: false,
        },
      ]);
      // A later batch joins the jobs already queued.
      expect(await queue.enqueueMany('sync.record', [trigger('b', 'Update', '22')])).toEqual({
        queued: 0,
        joined: 1,
      });
      expect((await jobs())[1]?.data.sourceVersion).toBe('22');
      expect(await queue.enqueueMany('sync.record', [])).toEqual({ queued: 0, joined: 0 });
    } finally {
      await boss.stop({ graceful: false, wait: true });
    }
  });
});
