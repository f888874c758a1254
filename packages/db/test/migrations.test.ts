import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { migrateDatabase } from '../src/migrate';
import { createEmptyDatabase, type ScratchDatabase } from '../src/testing/index';

const cli = fileURLToPath(new URL('../src/scripts/migrate.ts', import.meta.url));

async function appliedMigrations(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>(
      'select count(*) as n from drizzle.__drizzle_migrations',
    );
    return Number(rows[0]?.n);
  } finally {
    await client.end();
  }
}

function runMigrateProcess(url: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', cli], {
      env: { ...process.env, DATABASE_URL: url, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('migrations', () => {
  let scratch: ScratchDatabase | undefined;
  afterEach(async () => {
    await scratch?.drop();
    scratch = undefined;
  });

  it('apply to an empty database, and a second run is a no-op', async () => {
    scratch = await createEmptyDatabase();
    const first = await migrateDatabase(scratch.url);
    expect(first.applied).toBeGreaterThan(0);
    expect(first.applied).toBe(first.total);

    const second = await migrateDatabase(scratch.url);
    expect(second).toMatchObject({ applied: 0, total: first.total });
    expect(await appliedMigrations(scratch.url)).toBe(first.total);
  });

  it('two processes starting at once do not race: both succeed, each migration is applied once', async () => {
    scratch = await createEmptyDatabase();
    const [a, b] = await Promise.all([runMigrateProcess(scratch.url), runMigrateProcess(scratch.url)]);
    expect(a.code, a.output).toBe(0);
    expect(b.code, b.output).toBe(0);
    const messages = `${a.output}\n${b.output}`;
    expect(messages).toContain('database migrated');
    expect(messages).toContain('database schema is current');
    const total = (await migrateDatabase(scratch.url)).total;
    expect(await appliedMigrations(scratch.url)).toBe(total);
  });
});
