import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type Database, eq, schema } from '@mlc/db';
import type { Logger } from '@mlc/logger';
import { betterAuth } from 'better-auth';
import { drizzleAdapter } from 'better-auth/adapters/drizzle';
import { APIError, createAuthMiddleware } from 'better-auth/api';
import { z } from 'zod';
import { findNul, nulMessage } from './unstorable';

/**
 * Sign-in for the portal: better-auth, email + password, on our PostgreSQL through its Drizzle
 * adapter. Its user model IS our `users` table, so `users` / `workspace_members` stay the tenancy
 * source of truth; sessions, password hashes, verification tokens and rate-limit counters live in
 * the `auth_*` tables (packages/db `schema/auth.ts`).
 *
 * - Cookies: httpOnly, SameSite=Lax, Secure when the portal is served over https (`PUBLIC_URL`),
 *   prefixed `mlc`. better-auth also refuses cookie-authenticated POSTs whose Origin is not ours.
 * - Sign-in and sign-up are rate-limited per client IP (`x-forwarded-for`) with better-auth's
 *   limiter stored in the database (`auth_rate_limits`): it holds across restarts and instances.
 * - Sign-up takes `organisationName` next to name, email and password and creates the workspace
 *   with the user as `owner`. better-auth commits the user (its own transaction) before its
 *   after-create hook runs, so the workspace and the membership are written in one transaction of
 *   ours in that hook, and a failure there is compensated: the user is deleted (its session and
 *   account go with it, by cascade) and the sign-up answers an error.
 */
export interface CreateAuthOptions {
  db: Database;
  secret: string;
  /** `PUBLIC_URL`: the base URL of cookies and of better-auth's origin check. */
  publicUrl: string;
  logger: Logger;
  /** Sign-in / sign-up attempts per IP per minute; default 10. */
  signInPerMinute?: number;
}

export const organisationNameSchema = z
  .string({ error: 'organisationName is required' })
  .trim()
  .min(1, 'organisationName is required')
  .max(100, 'organisationName is at most 100 characters');

export function createAuth(options: CreateAuthOptions) {
  const secure = new URL(options.publicUrl).protocol === 'https:';
  const perMinute = options.signInPerMinute ?? 10;
  const log = options.logger.child({ component: 'auth' });
  return betterAuth({
    appName: 'ml-connector',
    baseURL: options.publicUrl,
    basePath: '/api/auth',
    secret: options.secret,
    telemetry: { enabled: false },
    database: drizzleAdapter(options.db, {
      provider: 'pg',
      transaction: true,
      schema: {
        users: schema.users,
        auth_sessions: schema.authSessions,
        auth_accounts: schema.authAccounts,
        auth_verifications: schema.authVerifications,
        auth_rate_limits: schema.authRateLimits,
      },
    }),
    user: { modelName: 'users' },
    session: { modelName: 'auth_sessions' },
    account: { modelName: 'auth_accounts' },
    verification: { modelName: 'auth_verifications' },
    emailAndPassword: { enabled: true, minPasswordLength: 10, maxPasswordLength: 200, autoSignIn: true },
    rateLimit: {
      enabled: true,
      storage: 'database',
      modelName: 'auth_rate_limits',
      window: 60,
      max: 100,
      customRules: {
        '/sign-in/email': { window: 60, max: perMinute },
        '/sign-up/email': { window: 60, max: perMinute },
      },
    },
    advanced: {
      cookiePrefix: 'mlc',
      useSecureCookies: secure,
      defaultCookieAttributes: { httpOnly: true, sameSite: 'lax', secure },
      database: { generateId: 'uuid' },
      ipAddress: { ipAddressHeaders: ['x-forwarded-for'] },
    },
    logger: {
      level: 'warn',
      log: (level, message) => {
        // better-auth's messages may name an email address; never a password or a token.
        if (level === 'error') log.error({ detail: message }, 'auth error');
        else if (level === 'warn') log.warn({ detail: message }, 'auth warning');
      },
    },
    hooks: {
      before: createAuthMiddleware(async (ctx) => {
        const nul = findNul(ctx.body, 'body');
        if (nul) throw new APIError('BAD_REQUEST', { message: nulMessage(nul), code: 'NUL_CHARACTER' });
        if (ctx.path !== '/sign-up/email') return;
        const parsed = organisationNameSchema.safeParse(
          (ctx.body as { organisationName?: unknown })?.organisationName,
        );
        if (!parsed.success) {
          throw new APIError('BAD_REQUEST', {
            message: parsed.error.issues[0]?.message ?? 'organisationName is required',
            code: 'ORGANISATION_NAME_REQUIRED',
          });
        }
      }),
    },
    databaseHooks: {
      user: {
        create: {
          after: async (user, ctx) => {
            const given = organisationNameSchema.safeParse(
              (ctx?.body as { organisationName?: unknown } | undefined)?.organisationName,
            );
            const name = given.success ? given.data : `${user.name || user.email}'s workspace`;
            try {
              await createWorkspaceForOwner(options.db, user.id, name);
            } catch (error) {
              log.error(
                { err: error, userId: user.id },
                'sign-up: creating the workspace failed; user removed',
              );
              await options.db.delete(schema.users).where(eq(schema.users.id, user.id));
              throw new APIError('INTERNAL_SERVER_ERROR', {
                message: 'The workspace could not be created; nothing was kept. Please try again.',
              });
            }
          },
        },
      },
    },
  });
}

export type PortalAuth = ReturnType<typeof createAuth>;

/** The workspace of a new user, with the user as its owner: one transaction. */
export async function createWorkspaceForOwner(
  db: Database,
  userId: string,
  name: string,
): Promise<{ id: string; name: string; slug: string }> {
  return db.transaction(async (tx) => {
    const [workspace] = await tx
      .insert(schema.workspaces)
      .values({ name, slug: slugOf(name) })
      .returning({ id: schema.workspaces.id, name: schema.workspaces.name, slug: schema.workspaces.slug });
    if (!workspace) throw new Error('the workspace was not created');
    await tx.insert(schema.workspaceMembers).values({ workspaceId: workspace.id, userId, role: 'owner' });
    return workspace;
  });
}

/** `Kestrel Foods GmbH` → `kestrel-foods-gmbh-3f9a1c2b` (unique by its random suffix). */
export function slugOf(name: string): string {
  const base = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/g, '');
  return `${base || 'workspace'}-${randomUUID().slice(0, 8)}`;
}

/**
 * `BETTER_AUTH_SECRET`, or in a local run a secret generated once into `<dir>/auth.secret`
 * (mode 0600), as the vault does with its development key. Never a constant in the code.
 */
export function loadAuthSecret(options: {
  secret: string | undefined;
  devDir: string;
  deployed: boolean;
  logger?: Logger;
}): string {
  if (options.secret) return options.secret;
  if (options.deployed) throw new Error('BETTER_AUTH_SECRET is required in production');
  const file = path.join(options.devDir, 'auth.secret');
  if (!existsSync(file)) {
    mkdirSync(options.devDir, { recursive: true });
    try {
      writeFileSync(file, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
      options.logger?.warn({ file }, 'BETTER_AUTH_SECRET is not set: generated a development secret');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  return readFileSync(file, 'utf8').trim();
}
