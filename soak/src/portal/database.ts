import { randomBytes } from 'node:crypto';
import { migrateDatabase } from '@mlc/db';
import pg from 'pg';

/** A fresh, migrated database on the server of `adminUrl` for one run; `drop()` removes it. */
export async function scratchDatabase(adminUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `mlc_soak_${randomBytes(6).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: adminUrl, application_name: 'ml-connector-soak' });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  await migrateDatabase(url.toString());
  return { url: url.toString(), drop: () => admin(`drop database if exists ${name} with (force)`) };
}
