import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { createKeyring, type DbClient, parseKey } from '@mlc/db';
import { createLogger, type Logger } from '@mlc/logger';
import { createPortalServices, type PortalConfig, type PortalServices } from '../server/services';
import { inProcessSend } from './in-process';
import type { Send } from './transport';

/**
 * The portal's services on a database, as the process builds them (real better-auth, vault, sync
 * client), every log line captured, and `send` through the route handlers.
 */
export interface CapturedPortal {
  services: PortalServices;
  logger: Logger;
  /** Every JSON line the portal logged. */
  logs: string[];
  encryptionKey: string;
  send: Send;
  close(): Promise<void>;
}

export function startCapturedPortal(
  database: DbClient & { url: string },
  config: Partial<PortalConfig> & { signInPerMinute?: number; encryptionKey?: string } = {},
): CapturedPortal {
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(chunk.toString('utf8'));
      done();
    },
  });
  const logger = createLogger({ name: 'portal', level: 'debug', destination });
  const { signInPerMinute, encryptionKey: givenKey, ...rest } = config;
  const encryptionKey = givenKey ?? randomBytes(32).toString('base64');
  const services = createPortalServices({
    db: database,
    databaseUrl: database.url,
    keyring: createKeyring(parseKey(encryptionKey, 'test key')),
    authSecret: randomBytes(32).toString('base64url'),
    config: {
      publicUrl: 'http://localhost:3000',
      sandboxMode: false,
      sandboxStateDir: '/nonexistent-sandbox-dir',
      ...rest,
    },
    logger,
    ...(signInPerMinute === undefined ? {} : { signInPerMinute }),
  });
  return {
    services,
    logger,
    logs,
    encryptionKey,
    send: inProcessSend(services),
    close: () => services.close(),
  };
}
