import { createDbClient, createSecretsRepository, type DbClient } from '@mlc/db';
import { type CapturedPortal, type Send, startCapturedPortal } from '@mlc/portal/testing';
import { scratchDatabase } from './database';

/**
 * The portal-side soak bed: a scratch database (migrated) on the given
 * server, and the portal's real services on it (better-auth, vault, sync client) with their logs
 * captured, reached through the same handlers the route files call. Driving the handlers rather
 * than `next start` needs no build, so `npm run soak` works from a clean clone; the built app over
 * HTTP is covered by the portal's browser tests.
 */
export interface PortalBed {
  db: DbClient & { url: string };
  portal: CapturedPortal;
  /** Every answer the scenario received, for the secret scan. */
  answers: { where: string; text: string }[];
  /** `send`, recording each answer's body under `where`. */
  send: Send;
  close(): Promise<void>;
}

export async function startPortalBed(
  serverUrl: string,
  config: Parameters<typeof startCapturedPortal>[1] = {},
): Promise<PortalBed> {
  const scratch = await scratchDatabase(serverUrl);
  const db = { ...createDbClient(scratch.url, { applicationName: 'ml-connector-soak' }), url: scratch.url };
  const portal = startCapturedPortal(db, config);
  const answers: PortalBed['answers'] = [];
  const send: Send = async (path, init) => {
    const response = await portal.send(path, init);
    answers.push({
      where: `${init?.method ?? 'GET'} ${path.split('?')[0]}`,
      text: await response.clone().text(),
    });
    return response;
  };
  return {
    db,
    portal,
    answers,
    send,
    async close() {
      await portal.close();
      await db.close();
      await scratch.drop();
    },
  };
}

export interface Session {
  cookie: string;
  email: string;
}

/** Signs up over `/api/auth/sign-up/email` as a browser does, keeping the session cookie. */
export async function signUpOver(send: Send, origin: string, organisationName: string): Promise<Session> {
  const email = `${organisationName.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-${Date.now().toString(36)}@example.com`;
  const response = await send('/api/auth/sign-up/email', {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin },
    body: JSON.stringify({
      email,
      password: 'correct horse battery staple',
      name: organisationName,
      organisationName,
    }),
  });
  if (response.status !== 200)
    throw new Error(`sign-up answered ${response.status}: ${await response.text()}`);
  const cookie = response.headers
    .getSetCookie()
    .map((line) => line.split(';')[0] ?? '')
    .filter(Boolean)
    .join('; ');
  return { cookie, email };
}

/** A tRPC call over the route (GET for queries, POST + Origin for mutations); the parsed answer. */
export async function trpc<T = unknown>(
  send: Send,
  origin: string,
  session: Session,
  kind: 'query' | 'mutation',
  path: string,
  input?: unknown,
): Promise<{ status: number; data?: T; error?: { message: string; code: string } }> {
  const response =
    kind === 'query'
      ? await send(
          `/api/trpc/${path}${input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`}`,
          { headers: { cookie: session.cookie } },
        )
      : await send(`/api/trpc/${path}`, {
          method: 'POST',
          headers: { cookie: session.cookie, origin, 'content-type': 'application/json' },
          ...(input === undefined ? {} : { body: JSON.stringify(input) }),
        });
  const body = (await response.json()) as {
    result?: { data: T };
    error?: { message: string; data?: { code: string } };
  };
  return body.error
    ? { status: response.status, error: { message: body.error.message, code: body.error.data?.code ?? '' } }
    : { status: response.status, ...(body.result ? { data: body.result.data } : {}) };
}

/** The intake secrets `enable` would store, set directly (bad-input needs no Entra round trip). */
export async function storeIntakeSecrets(
  bed: PortalBed,
  connectionId: string,
  webhook: string,
  events: string,
) {
  const secrets = createSecretsRepository(bed.db.db, bed.portal.services.vault);
  await secrets.put(connectionId, 'webhook_secret', webhook);
  await secrets.put(connectionId, 'business_events_secret', events);
}
