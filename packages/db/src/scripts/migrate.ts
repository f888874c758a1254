// `npm run migrate -w @mlc/db`: apply the committed migrations to DATABASE_URL (or the embedded server).
import { createLogger } from '@mlc/logger';
import { ensureDatabase } from '../database';
import { migrateDatabase } from '../migrate';

const logger = createLogger({ name: 'migrate' });
const database = await ensureDatabase({ databaseUrl: process.env['DATABASE_URL'], logger });
try {
  await migrateDatabase(database.url, logger);
} finally {
  await database.stop();
}
