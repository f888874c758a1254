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
});
