import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { migrateDatabase, migrationsFolder } from '../migrate';

/** Name of the template database for the current migrations: a new set of migrations, a new template. */
export function templateName(): string {
  const folder = migrationsFolder();
  const hash = createHash('sha256');
  for (const file of readdirSync(folder)
    .filter((name) => name.endsWith('.sql'))
    .sort()) {
    hash.update(file).update(readFileSync(path.join(folder, file)));
  }
  return `mlc_tmpl_${hash.digest('hex').slice(0, 16)}`;
}

export function withDatabase(url: string, database: string): string {
  const next = new URL(url);
  next.pathname = `/${database}`;
  return next.toString();
}

async function withClient<T>(url: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, application_name: 'ml-connector-tests' });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

const TEMPLATE_LOCK_KEY = 0x6d6c6374706cn;

/**
 * Migrates a template database once (per migration set); concurrent test runs wait on an
 * advisory lock instead of racing. Returns the template's name.
 */
export async function prepareTemplate(adminUrl: string): Promise<string> {
  const name = templateName();
  await withClient(adminUrl, async (client) => {
    await client.query('select pg_advisory_lock($1)', [TEMPLATE_LOCK_KEY.toString()]);
    try {
      const found = await client.query<{ datistemplate: boolean }>(
        'select datistemplate from pg_database where datname = $1',
        [name],
      );
      if (found.rows[0]?.datistemplate) return;
      if (found.rowCount) await client.query(`drop database ${client.escapeIdentifier(name)}`);
      await client.query(`create database ${client.escapeIdentifier(name)}`);
      await migrateDatabase(withDatabase(adminUrl, name));
      // Marked as a template only once complete, so a crash half-way leaves nothing usable behind.
      await client.query(`alter database ${client.escapeIdentifier(name)} with is_template true`);
    } finally {
      await client.query('select pg_advisory_unlock($1)', [TEMPLATE_LOCK_KEY.toString()]);
    }
  });
  return name;
}

export interface ScratchDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** A fresh database, cloned from `template` (migrated) or empty when `template` is omitted. */
export async function createScratchDatabase(adminUrl: string, template?: string): Promise<ScratchDatabase> {
  const name = `mlc_test_${randomBytes(6).toString('hex')}`;
  await withClient(adminUrl, async (client) => {
    const from = template ? ` template ${client.escapeIdentifier(template)}` : '';
    await client.query(`create database ${client.escapeIdentifier(name)}${from}`);
  });
  return {
    name,
    url: withDatabase(adminUrl, name),
    drop: () =>
      withClient(adminUrl, (client) => client.query(`drop database if exists ${name} with (force)`)).then(),
  };
}
