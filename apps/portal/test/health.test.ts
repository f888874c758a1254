import { createDbClient, type DbClient } from '@mlc/db';
import { dbTest } from '@mlc/db/testing';
import { createLogger } from '@mlc/logger';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { appRouter } from '../src/server/api/root';
import { createTRPCContext } from '../src/server/api/trpc';
import { getHealth, type HealthReport } from '../src/server/health';

const logger = createLogger({ name: 'portal-test', level: 'silent' });

/** Nothing listens on port 1: connections are refused at once. */
const UNREACHABLE_URL = 'postgres://portal:not-a-real-password@127.0.0.1:1/mlc';

function caller(getDb: () => Promise<DbClient>) {
  return appRouter.createCaller(createTRPCContext({ headers: new Headers(), getDb, logger }));
}

/**
 * The route module as Next loads it: a fresh module graph that parses the environment once. The
 * database singleton lives on globalThis, so it is closed after every test.
 */
async function loadHealthRoute(databaseUrl: string) {
  vi.stubEnv('DATABASE_URL', databaseUrl);
  vi.stubEnv('LOG_LEVEL', 'silent');
  vi.resetModules();
  const [route, db] = await Promise.all([import('../src/app/api/health/route'), import('../src/server/db')]);
  return { GET: route.GET, closeDb: db.closeDb };
}

let closeRouteDb: (() => Promise<void>) | undefined;
afterEach(async () => {
  await closeRouteDb?.();
  closeRouteDb = undefined;
  vi.unstubAllEnvs();
});

describe('getHealth', () => {
  dbTest('is ok against a reachable database', async ({ database }) => {
    const report = await getHealth(database.pool);
    expect(report).toMatchObject({ status: 'ok', database: { ok: true } });
    expect(report.database.ok && report.database.latencyMs).toBeGreaterThanOrEqual(0);
  });

  dbTest('is degraded once the database has been dropped', async ({ database }) => {
    await database.drop();
    const report = await getHealth(database.pool);
    expect(report.status).toBe('degraded');
    expect(report.database.ok).toBe(false);
  });

  it('is degraded against a server that refuses connections', async () => {
    const client = createDbClient(UNREACHABLE_URL, { max: 1 });
    try {
      const report = await getHealth(client.pool);
      expect(report).toMatchObject({ status: 'degraded', database: { ok: false } });
      expect(JSON.stringify(report)).toContain('ECONNREFUSED');
    } finally {
      await client.close();
    }
  });
});

describe('GET /api/health', () => {
  dbTest('answers 200 once the database is migrated and reachable', async ({ database }) => {
    const { GET, closeDb } = await loadHealthRoute(database.url);
    closeRouteDb = closeDb;

    const response = await GET();

    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = (await response.json()) as HealthReport;
    expect(body).toMatchObject({ status: 'ok', database: { ok: true }, version: expect.any(String) });
  });

  it('answers 503 with the reason, and no credentials, when the database is unreachable', async () => {
    const { GET, closeDb } = await loadHealthRoute(UNREACHABLE_URL);
    closeRouteDb = closeDb;

    const response = await GET();

    expect(response.status).toBe(503);
    const text = await response.text();
    expect(text).not.toContain('not-a-real-password');
    const body = JSON.parse(text) as HealthReport;
    expect(body).toMatchObject({ status: 'degraded', database: { ok: false } });
    expect(body.database.ok === false && body.database.error).toMatch(/ECONNREFUSED/);
  });
});

describe('tRPC system.health', () => {
  dbTest('reports the database as reachable', async ({ database }) => {
    const report = await caller(async () => database).system.health();
    expect(report).toMatchObject({ status: 'ok', database: { ok: true } });
  });

  it('reports, rather than throws, when the database cannot be reached', async () => {
    const client = createDbClient(UNREACHABLE_URL, { max: 1 });
    try {
      const report = await caller(async () => client).system.health();
      expect(report).toMatchObject({ status: 'degraded', database: { ok: false } });
    } finally {
      await client.close();
    }
  });
});
