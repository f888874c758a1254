import path from 'node:path';
import type { Logger } from '@mlc/logger';
import { type RunningDatabase, startEmbeddedPostgres } from './embedded';
import { localDataDir } from './project';

export interface EnsureDatabaseOptions {
  /** `DATABASE_URL`; when set it is used as it is. */
  databaseUrl?: string | undefined;
  /** Where the embedded cluster lives when no URL is given; defaults to `<project>/.data/postgres`. */
  embeddedDir?: string;
  logger?: Logger;
}

/** `DATABASE_URL` when given, else the embedded PostgreSQL (started, or reused if already running). */
export async function ensureDatabase(options: EnsureDatabaseOptions): Promise<RunningDatabase> {
  if (options.databaseUrl) {
    return { url: options.databaseUrl, reused: true, stop: async () => undefined };
  }
  return startEmbeddedPostgres({
    dir: options.embeddedDir ?? path.join(localDataDir(), 'postgres'),
    ...(options.logger ? { logger: options.logger } : {}),
  });
}
