import {
  type ConnectorContext,
  createDataverseHttpClient,
  createFnoHttpClient,
  type DataverseConfig,
  dataverseConfigSchema,
  type FnoConfig,
  fnoConfigSchema,
  type HttpClient,
  systemClock,
  whoAmI,
} from '@mlc/connectors';
import {
  type ConnectionSettings,
  type CursorsRepository,
  connectionSettingsSchema,
  createCursorsRepository,
  createKeyMapRepository,
  createSecretsRepository,
  type DbClient,
  eq,
  type KeyMapRepository,
  schema,
  type Vault,
} from '@mlc/db';
import type { Logger } from '@mlc/logger';
import { FlowError } from '../engine/errors';

/**
 * Everything a flow needs to talk to the two systems of one connection: its settings, the parsed
 * Dataverse and F&O configurations (secrets opened from the vault), one connector context per
 * system (one HTTP client each: one token and one throttle budget per host), and the key map.
 * Built once per connection per process and rebuilt when the connection row changes.
 */
export interface ConnectionRuntime {
  connectionId: string;
  workspaceId: string;
  status: 'draft' | 'active' | 'paused' | 'error';
  enabledAt: Date | null;
  settings: ConnectionSettings;
  sales: { config: DataverseConfig; ctx: ConnectorContext };
  fno: { config: FnoConfig; ctx: ConnectorContext };
  keyMap: KeyMapRepository;
  /** Durable per-connection positions and markers (read checkpoints, progress, create intents). */
  cursors: CursorsRepository;
  /**
   * The Dataverse systemuser id of our application user (WhoAmI), once known: a webhook whose
   * initiating user is ours is our own write coming back (an echo) and triggers nothing.
   */
  readonly salesUserId: string | undefined;
  close(): Promise<void>;
}

export interface RuntimeDeps {
  db: DbClient;
  vault: Vault;
  logger: Logger;
  /** Aborted when the worker stops. */
  signal: AbortSignal;
}

export async function loadConnectionRuntime(
  deps: RuntimeDeps,
  connectionId: string,
): Promise<ConnectionRuntime> {
  const [row] = await deps.db.db
    .select()
    .from(schema.connections)
    .where(eq(schema.connections.id, connectionId));
  if (!row) {
    throw new FlowError(
      'connection_not_found',
      `Connection ${connectionId} does not exist (it was deleted).`,
    );
  }
  const settings = connectionSettingsSchema.parse(row.settings);
  const secrets = createSecretsRepository(deps.db.db, deps.vault);
  const salesSecret = await secrets.reveal(connectionId, 'sales_client_secret');
  const fnoSecret = (await secrets.reveal(connectionId, 'fno_client_secret')) ?? salesSecret;
  if (!salesSecret || !fnoSecret) {
    throw new FlowError('invalid_config', `Connection "${row.name}" has no client secret stored.`, {
      remedy: 'Enter the client secret of the Entra app in the connection settings.',
    });
  }
  const sandbox = settings.sandbox ? { sandbox: settings.sandbox } : {};
  const salesConfig = parseOrExplain(dataverseConfigSchema, 'Dynamics 365 Sales', {
    url: row.salesUrl,
    authorityHost: row.authorityHost,
    tenantId: row.entraTenantId,
    clientId: row.salesClientId,
    clientSecret: salesSecret,
    // Enable waits for Dataverse to build the alternate keys' indexes: look every 2 s.
    alternateKeyPollMs: 2_000,
    ...(settings.orders.erpOrderNumberColumn
      ? { erpOrderNumberColumn: settings.orders.erpOrderNumberColumn }
      : {}),
    ...sandbox,
  });
  const fnoConfig = parseOrExplain(fnoConfigSchema, 'Finance & Operations', {
    url: row.fnoUrl,
    authorityHost: row.authorityHost,
    tenantId: row.entraTenantId,
    clientId: row.fnoClientId,
    clientSecret: fnoSecret,
    defaultLegalEntity: settings.legalEntities.default,
    legalEntitySettings: settings.legalEntities.settings,
    salesOrderNumberPrefix: settings.orders.salesOrderNumberPrefix,
    ...(settings.customers.referenceField
      ? { customerReferenceField: settings.customers.referenceField }
      : {}),
    ...sandbox,
  });
  const logger = deps.logger.child({ connectionId });
  const clients: HttpClient[] = [];
  const context = (http: HttpClient, system: string): ConnectorContext => {
    clients.push(http);
    return { http, logger: logger.child({ system }), signal: deps.signal, clock: systemClock };
  };
  const salesCtx = context(createDataverseHttpClient(salesConfig, { logger }), 'sales');
  const identity = ourSalesUser(salesCtx, salesConfig, logger);
  await identity.ready(5_000);
  return {
    connectionId,
    workspaceId: row.workspaceId,
    status: row.status,
    enabledAt: row.enabledAt,
    settings,
    sales: { config: salesConfig, ctx: salesCtx },
    get salesUserId() {
      return identity.get();
    },
    fno: { config: fnoConfig, ctx: context(createFnoHttpClient(fnoConfig, { logger }), 'fno') },
    keyMap: createKeyMapRepository(deps.db.db),
    cursors: createCursorsRepository(deps.db.db),
    async close() {
      await Promise.allSettled(clients.map((client) => client.close()));
    },
  };
}

/**
 * Our application user's id in Dataverse, asked once (WhoAmI) and asked again on a later read when
 * the first try failed (Dataverse unreachable at start): until it is known, echoes are caught by
 * content hashes only.
 */
function ourSalesUser(ctx: ConnectorContext, config: DataverseConfig, logger: Logger) {
  let known: string | undefined;
  let pending: Promise<void> | undefined;
  const ask = () => {
    pending ??= whoAmI(ctx, config).then(
      (me) => {
        known = me.userId;
      },
      (error: unknown) => {
        logger.warn(
          { err: error },
          'WhoAmI failed: echoes are detected by content hash only until it answers',
        );
        pending = undefined;
      },
    );
    return pending;
  };
  return {
    async ready(timeoutMs: number) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([ask(), new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
      clearTimeout(timer);
    },
    get(): string | undefined {
      if (known === undefined) void ask();
      return known;
    },
  };
}

function parseOrExplain<T>(
  schemaOf: {
    safeParse(
      value: unknown,
    ):
      | { success: true; data: T }
      | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } };
  },
  system: string,
  value: unknown,
): T {
  const parsed = schemaOf.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues
    .filter((issue) => !issue.path.includes('clientSecret'))
    .map((issue) => `${issue.path.map(String).join('.') || 'settings'}: ${issue.message}`)
    .join('; ');
  throw new FlowError(
    'invalid_config',
    `The ${system} settings of this connection are not valid: ${problems}.`,
    {
      remedy: 'Open the connection settings and correct the fields named in the message.',
    },
  );
}
