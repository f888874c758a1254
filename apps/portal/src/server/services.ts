import { createVault, type DbClient, type Keyring, loadKeyring, localDataDir, type Vault } from '@mlc/db';
import type { Logger } from '@mlc/logger';
import { defaultStateDir } from '@mlc/sandbox';
import { createSyncClient, type SyncClient } from '@mlc/worker';
import { env, isDeployed } from '../env';
import { createAuth, loadAuthSecret, type PortalAuth } from './auth';
import { getDb } from './db';
import { logger as processLogger } from './logger';

/** What the API and the intake routes need, built once per process (or once per test). */
export interface PortalServices {
  db: DbClient;
  vault: Vault;
  auth: PortalAuth;
  config: PortalConfig;
  logger: Logger;
  /** The process's one sync client (queue, control, figures, ping), created on first use. */
  syncClient(): Promise<SyncClient>;
  close(): Promise<void>;
}

export interface PortalConfig {
  /** `PUBLIC_URL` without a trailing slash. */
  publicUrl: string;
  /** Offer the sandbox (read `sandbox.json`) and accept its URLs for sandbox connections. */
  sandboxMode: boolean;
  /** Folder of `sandbox.json`. */
  sandboxStateDir: string;
}

export interface CreatePortalServicesOptions {
  db: DbClient;
  databaseUrl: string;
  keyring: Keyring;
  authSecret: string;
  config: PortalConfig;
  logger: Logger;
  signInPerMinute?: number;
}

export function createPortalServices(options: CreatePortalServicesOptions): PortalServices {
  const vault = createVault(options.keyring);
  let sync: Promise<SyncClient> | undefined;
  return {
    db: options.db,
    vault,
    config: options.config,
    logger: options.logger,
    auth: createAuth({
      db: options.db.db,
      secret: options.authSecret,
      publicUrl: options.config.publicUrl,
      logger: options.logger,
      ...(options.signInPerMinute === undefined ? {} : { signInPerMinute: options.signInPerMinute }),
    }),
    syncClient() {
      sync ??= createSyncClient({
        databaseUrl: options.databaseUrl,
        db: options.db,
        vault,
        logger: options.logger.child({ component: 'sync-client' }),
      }).catch((error: unknown) => {
        sync = undefined;
        throw error;
      });
      return sync;
    },
    async close() {
      const pending = sync;
      sync = undefined;
      const client = await pending?.catch(() => undefined);
      await client?.close();
    },
  };
}

const store = globalThis as typeof globalThis & {
  __mlcPortalServices?: Promise<PortalServices> | undefined;
  __mlcPortalShutdownHooked?: boolean;
};

/**
 * The process-wide services, on `globalThis` like the database (one per process, shared by
 * Next's bundles and hot reloads), over the same database as `getDb()`. Closed on SIGTERM/SIGINT.
 */
export function getServices(): Promise<PortalServices> {
  store.__mlcPortalServices ??= buildServices().catch((error: unknown) => {
    store.__mlcPortalServices = undefined;
    throw error;
  });
  if (!store.__mlcPortalShutdownHooked) {
    store.__mlcPortalShutdownHooked = true;
    for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void closeServices());
  }
  return store.__mlcPortalServices;
}

/** Closes the sync client if one was created (the next `getServices()` builds new services). */
export async function closeServices(): Promise<void> {
  const pending = store.__mlcPortalServices;
  store.__mlcPortalServices = undefined;
  const services = await pending?.catch(() => undefined);
  await services?.close();
}

async function buildServices(): Promise<PortalServices> {
  const db = await getDb();
  const deployed = isDeployed(env);
  const devDir = localDataDir();
  return createPortalServices({
    db,
    databaseUrl: db.url,
    keyring: loadKeyring({
      encryptionKey: env.MLC_ENCRYPTION_KEY,
      previousKeys: env.MLC_ENCRYPTION_KEYS_PREVIOUS,
      devKeyDir: devDir,
      production: deployed,
      logger: processLogger,
    }),
    authSecret: loadAuthSecret({
      secret: env.BETTER_AUTH_SECRET,
      devDir,
      deployed,
      logger: processLogger,
    }),
    config: {
      publicUrl: env.PUBLIC_URL,
      sandboxMode: env.SANDBOX_MODE ?? !deployed,
      sandboxStateDir: env.SANDBOX_STATE_DIR ?? defaultStateDir(),
    },
    logger: processLogger,
  });
}
