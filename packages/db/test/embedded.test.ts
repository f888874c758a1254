import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { expect, it } from 'vitest';
import { startEmbeddedPostgres } from '../src/embedded';

async function query(url: string, text: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
}

it('starts a real PostgreSQL from npm, keeps its data across restarts and is reused while running', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'mlc-embedded-'));
  const port = 55_000 + Math.floor(Math.random() * 4_000);

  const first = await startEmbeddedPostgres({ dir, port });
  expect(first.reused).toBe(false);
  expect(first.url).toContain(`127.0.0.1:${port}/mlc`);
  await query(first.url, 'create table kept (v int); insert into kept values (42)');

  const again = await startEmbeddedPostgres({ dir, port });
  expect(again.reused).toBe(true);
  await again.stop(); // not ours to stop: the first server keeps running
  expect(await query(first.url, 'select v from kept')).toEqual([{ v: 42 }]);

  await first.stop();
  await expect(query(first.url, 'select 1')).rejects.toThrow();

  const restarted = await startEmbeddedPostgres({ dir, port });
  try {
    expect(restarted.reused).toBe(false);
    expect(await query(restarted.url, 'select v from kept')).toEqual([{ v: 42 }]);
  } finally {
    await restarted.stop();
  }
}, 120_000);
