import { Writable } from 'node:stream';
import { dbTest } from '@mlc/db/testing';
import { createLogger } from '@mlc/logger';
import { describe, expect } from 'vitest';
import { QUEUE_SCHEMA, startWorker } from '../src/index';

const quiet = () =>
  createLogger({ name: 'worker-test', destination: new Writable({ write: (_c, _e, done) => done() }) });

describe('worker', () => {
  dbTest('boots, migrates, installs the queue and reports health; stops cleanly', async ({ database }) => {
    const worker = await startWorker({
      databaseUrl: database.url,
      logger: quiet(),
      health: { host: '127.0.0.1', port: 0 },
    });
    try {
      const response = await fetch(worker.healthUrl);
      expect(response.status).toBe(200);
      const body = await response.json();
      expect(body).toMatchObject({ status: 'ok', database: { ok: true }, queue: { started: true } });

      const installed = await database.pool.query('select to_regclass($1) is not null as present', [
        `${QUEUE_SCHEMA}.job`,
      ]);
      expect(installed.rows[0]?.present).toBe(true);
      await worker.boss.createQueue('system.selftest');
      expect(await worker.boss.send('system.selftest', { hello: 'queue' })).toMatch(/^[0-9a-f-]{36}$/);

      const unknown = await fetch(worker.healthUrl.replace('/health', '/nope'));
      expect(unknown.status).toBe(404);
    } finally {
      await worker.stop();
    }
    await expect(fetch(worker.healthUrl)).rejects.toThrow();
  });

  dbTest('two workers on one database start together', async ({ database }) => {
    const options = { databaseUrl: database.url, logger: quiet(), health: { host: '127.0.0.1', port: 0 } };
    const [a, b] = await Promise.all([startWorker(options), startWorker(options)]);
    try {
      for (const worker of [a, b]) expect((await fetch(worker.healthUrl)).status).toBe(200);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });
});
