/**
 * The environment the soak scenarios read (the only file of `soak/src` that touches `process.env`):
 * the PostgreSQL server the scratch databases go on (`DATABASE_URL`, else the embedded server of
 * `@mlc/db`, so one command works on a clean clone), the worker processes' log level
 * (`SOAK_LOG_LEVEL`, default `warn`) and whether to print progress (`SOAK_QUIET=1` silences it).
 */
import type { BenchEnv } from '@mlc/bench';
import { ensureDatabase } from '@mlc/db';

/** What a scenario needs to start its harness on `databaseUrl` (a server it may create databases on). */
export function soakEnv(databaseUrl: string): BenchEnv {
  return {
    databaseUrl,
    logLevel: process.env['SOAK_LOG_LEVEL'] ?? 'warn',
    childEnv: { ...process.env },
    workerNodeArgs: [],
  };
}

/** Runs `work` with a server: `DATABASE_URL`, or the embedded PostgreSQL started for the run. */
export async function withSoakDatabase<T>(work: (env: BenchEnv) => Promise<T>): Promise<T> {
  const database = await ensureDatabase({ databaseUrl: process.env['DATABASE_URL'] });
  try {
    return await work(soakEnv(database.url));
  } finally {
    await database.stop();
  }
}

/** A progress line on stderr (figures go to stdout at the end). */
export function progress(message: string): void {
  if (process.env['SOAK_QUIET'] === '1') return;
  process.stderr.write(`[soak ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}
