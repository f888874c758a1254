import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  index,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import type { ConnectionSettings } from '../settings';
import { workspaces } from './tenancy';

/** One check of a connection test, as stored for the portal (never a secret). */
export interface ConnectionPingCheck {
  system: 'entra' | 'sales' | 'fno';
  name: string;
  ok: boolean;
  detail: string;
  remedy?: string;
}

export const connectionStatus = pgEnum('connection_status', ['draft', 'active', 'paused', 'error']);

export const secretName = pgEnum('secret_name', [
  'sales_client_secret',
  'fno_client_secret',
  'webhook_secret',
  'business_events_secret',
]);

/** One Sales (Dataverse) environment paired with one F&O environment, inside a workspace. */
export const connections = pgTable(
  'connections',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    status: connectionStatus('status').notNull().default('draft'),
    statusReason: text('status_reason'),
    /** Entra ID authority host, e.g. https://login.microsoftonline.com (the sandbox has its own). */
    authorityHost: text('authority_host').notNull().default('https://login.microsoftonline.com'),
    entraTenantId: text('entra_tenant_id').notNull(),
    salesUrl: text('sales_url').notNull(),
    salesClientId: text('sales_client_id').notNull(),
    fnoUrl: text('fno_url').notNull(),
    fnoClientId: text('fno_client_id').notNull(),
    /** When sync was enabled: changes older than this are history, not triggers. */
    enabledAt: timestamp('enabled_at', { withTimezone: true }),
    settings: jsonb('settings').$type<ConnectionSettings>().notNull(),
    /** The last "test connection" from the portal: when, whether every check passed, the checks. */
    lastPingAt: timestamp('last_ping_at', { withTimezone: true }),
    lastPingOk: boolean('last_ping_ok'),
    lastPingChecks: jsonb('last_ping_checks').$type<ConnectionPingCheck[]>(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('connections_workspace_name_key').on(t.workspaceId, t.name),
    // One Sales org and one F&O environment are synced by at most one connection of a workspace.
    uniqueIndex('connections_workspace_sales_url_key').on(t.workspaceId, sql`lower(${t.salesUrl})`),
    uniqueIndex('connections_workspace_fno_url_key').on(t.workspaceId, sql`lower(${t.fnoUrl})`),
    check('connections_sales_url_https', sql`${t.salesUrl} ~ '^https://[^/?#\\s]+/?$'`),
    check('connections_fno_url_https', sql`${t.fnoUrl} ~ '^https://[^/?#\\s]+/?$'`),
    check('connections_authority_https', sql`${t.authorityHost} ~ '^https://[^/?#\\s]+/?$'`),
    check('connections_name_not_blank', sql`length(btrim(${t.name})) > 0`),
    check('connections_settings_object', sql`jsonb_typeof(${t.settings}) = 'object'`),
    check('connections_ping_complete', sql`(${t.lastPingAt} IS NULL) = (${t.lastPingOk} IS NULL)`),
    check('connections_error_has_reason', sql`${t.status} <> 'error' OR ${t.statusReason} IS NOT NULL`),
  ],
);

/**
 * Encrypted credentials of a connection, one row per secret. `ciphertext` is a vault envelope
 * (see vault/envelope.ts); the plaintext never touches the database.
 */
export const connectionSecrets = pgTable(
  'connection_secrets',
  {
    connectionId: uuid('connection_id')
      .notNull()
      .references(() => connections.id, { onDelete: 'cascade' }),
    name: secretName('name').notNull(),
    keyId: text('key_id').notNull(),
    ciphertext: text('ciphertext').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.connectionId, t.name] }),
    index('connection_secrets_key_id_idx').on(t.keyId),
    check('connection_secrets_envelope_format', sql`${t.ciphertext} LIKE 'mlc1.%'`),
  ],
);
