import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { createKeyring, type DbClient, parseKey } from '@mlc/db';
import { createLogger, type Logger } from '@mlc/logger';
import { appRouter } from '../src/server/api/root';
import { createTRPCContext } from '../src/server/api/trpc';
import { createPortalServices, type PortalConfig, type PortalServices } from '../src/server/services';

/**
 * The portal's services on a test database, as the process builds them (real better-auth, real
 * vault, real sync client), with every log line captured so tests can search them for secrets.
 */
export interface TestPortal {
  services: PortalServices;
  logger: Logger;
  /** Every JSON line the services logged. */
  logs: string[];
  encryptionKey: string;
  close(): Promise<void>;
}

export function startTestPortal(
  database: DbClient & { url: string },
  config: Partial<PortalConfig> & { signInPerMinute?: number } = {},
): TestPortal {
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(chunk.toString('utf8'));
      done();
    },
  });
  const logger = createLogger({ name: 'portal-test', level: 'debug', destination });
  const encryptionKey = randomBytes(32).toString('base64');
  const { signInPerMinute, ...rest } = config;
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
  return { services, logger, logs, encryptionKey, close: () => services.close() };
}

let counter = 0;

export interface SignedIn {
  userId: string;
  email: string;
  password: string;
  /** The `Cookie` header of the session. */
  cookie: string;
}

/** Signs up through better-auth's server API (as `/api/auth/sign-up/email` does) and keeps the session cookie. */
export async function signUp(
  portal: TestPortal,
  values: { organisationName?: string; name?: string; email?: string; password?: string } = {},
): Promise<SignedIn> {
  counter += 1;
  const email = values.email ?? `person${counter}-${randomBytes(3).toString('hex')}@example.com`;
  const password = values.password ?? `correct horse ${randomBytes(6).toString('hex')}`;
  const body = {
    email,
    password,
    name: values.name ?? `Person ${counter}`,
    organisationName: values.organisationName ?? `Organisation ${counter}`,
  };
  const result = await portal.services.auth.api.signUpEmail({
    body: body as { email: string; password: string; name: string },
    returnHeaders: true,
  });
  return { userId: result.response.user.id, email, password, cookie: cookieOf(result.headers) };
}

export function cookieOf(headers: Headers): string {
  return headers
    .getSetCookie()
    .map((line) => line.split(';')[0] ?? '')
    .filter(Boolean)
    .join('; ');
}

/** A tRPC caller for a session (or anonymous), through the real context and procedures. */
export function callerFor(portal: TestPortal, session?: { cookie: string }) {
  const headers = new Headers(session ? { cookie: session.cookie } : {});
  return appRouter.createCaller(
    createTRPCContext({
      headers,
      getDb: async () => portal.services.db,
      logger: portal.logger,
      getServices: async () => portal.services,
    }),
  );
}

/** A production-like connection (Microsoft hosts; never called). */
export const contoso = {
  name: 'Contoso',
  entraTenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
  salesUrl: 'https://contoso.crm.dynamics.com',
  salesClientId: '11111111-2222-3333-4444-555555555555',
  salesClientSecret: 'sales-S3cret-value-for-contoso-0001',
  fnoUrl: 'https://contoso.operations.dynamics.com',
  fnoClientId: '66666666-7777-8888-9999-000000000000',
  fnoClientSecret: 'fno-S3cret-value-for-contoso-0002',
  defaultLegalEntity: 'usmf',
};
