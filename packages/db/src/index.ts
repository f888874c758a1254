export { and, asc, desc, eq, inArray, isNull, ne, or, sql } from 'drizzle-orm';
export {
  type CreateDbClientOptions,
  createDbClient,
  type Database,
  type DatabaseHealth,
  type DbClient,
  describeError,
  pingDatabase,
} from './client';
export { type EnsureDatabaseOptions, ensureDatabase } from './database';
export { type EmbeddedPostgresOptions, type RunningDatabase, startEmbeddedPostgres } from './embedded';
export { withAdvisoryLock } from './lock';

/**
 * Every update or delete of a `connections` row sends its id on this `NOTIFY` channel (a trigger,
 * migration `0007_connection_change_notify`), delivered when its transaction commits.
 */
export const CONNECTION_CHANGES_CHANNEL = 'mlc_connections';
export { MIGRATION_LOCK_KEY, type MigrateResult, migrateDatabase, migrationsFolder } from './migrate';
export { findProjectRoot, localDataDir } from './project';
export { type CompareStateRepository, createCompareStateRepository } from './repositories/compare-state';
export {
  type CursorsRepository,
  createCursorsRepository,
  InvalidCursorError,
  type SystemName,
} from './repositories/cursors';
export {
  createInboxRepository,
  type InboxEvent,
  type InboxRepository,
  type InboxSource,
  type ReceiveInput,
} from './repositories/inbox';
export {
  createKeyMapRepository,
  type KeyKind,
  type KeyLink,
  type KeyMapRepository,
  type LinkResult,
} from './repositories/key-map';
export {
  type AppendEventInput,
  type BulkOutcome,
  createRecordsRepository,
  type EventOutcome,
  type NaturalKey,
  type RecordDetails,
  type RecordEvent,
  type RecordFailure,
  type RecordStage,
  type RecordsRepository,
  type SyncDirection,
  type SyncRecord,
} from './repositories/records';
export {
  createSecretsRepository,
  type SecretName,
  type SecretStatus,
  type SecretsRepository,
} from './repositories/secrets';
export {
  createStagedRowsRepository,
  type StagedRows,
  type StagedRowsRepository,
} from './repositories/staged-rows';
export * as schema from './schema/index';
export {
  type ConnectionSettings,
  type ConnectionSettingsInput,
  connectionSettingsSchema,
  dataAreaIdSchema,
  type LegalEntitySettings,
  legalEntityRuleSchema,
  legalEntitySettingsSchema,
} from './settings';
export * from './vault/index';
