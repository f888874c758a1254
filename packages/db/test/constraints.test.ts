import { describe, expect } from 'vitest';
import { type Database, schema, sql } from '../src/index';
import { dbTest } from '../src/testing/index';

const UNIQUE = '23505';
const FOREIGN_KEY = '23503';
const CHECK = '23514';

/** The Postgres error code (SQLSTATE) a statement failed with, or `undefined` if it succeeded. */
async function sqlState(run: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await run();
    return undefined;
  } catch (error) {
    const cause = (error as { cause?: { code?: string }; code?: string }).cause ?? error;
    return (cause as { code?: string }).code;
  }
}

const uuid = () => crypto.randomUUID();

async function seed(db: Database) {
  const [workspace] = await db
    .insert(schema.workspaces)
    .values({ name: 'Contoso', slug: 'contoso' })
    .returning();
  if (!workspace) throw new Error('no workspace');
  const [connection] = await db
    .insert(schema.connections)
    .values({
      workspaceId: workspace.id,
      name: 'prod',
      entraTenantId: uuid(),
      salesUrl: 'https://contoso.crm.dynamics.com',
      salesClientId: uuid(),
      fnoUrl: 'https://contoso.operations.dynamics.com',
      fnoClientId: uuid(),
      settings: { legalEntities: { default: 'usmf', rules: [] } } as never,
    })
    .returning();
  if (!connection) throw new Error('no connection');
  return { workspaceId: workspace.id, connectionId: connection.id };
}

const order = (connectionId: string, naturalKey = 'ORD-01001-X2Y3Z4') => ({
  connectionId,
  direction: 'sales_to_fno' as const,
  entity: 'salesorder',
  naturalKey,
  sourceId: uuid(),
});

describe('tenancy', () => {
  dbTest(
    'workspace slugs and user emails are unique (emails case-insensitively)',
    async ({ database: { db } }) => {
      await seed(db);
      expect(
        await sqlState(() => db.insert(schema.workspaces).values({ name: 'Other', slug: 'contoso' })),
      ).toBe(UNIQUE);
      await db.insert(schema.users).values({ email: 'Admin@Contoso.com' });
      expect(await sqlState(() => db.insert(schema.users).values({ email: 'admin@contoso.com' }))).toBe(
        UNIQUE,
      );
      expect(await sqlState(() => db.insert(schema.users).values({ email: 'not-an-email' }))).toBe(CHECK);
    },
  );

  dbTest(
    'membership needs a real workspace and user, once per pair, with a known role',
    async ({ database }) => {
      const { db } = database;
      const { workspaceId } = await seed(db);
      const [user] = await db.insert(schema.users).values({ email: 'rep@contoso.com' }).returning();
      const userId = user?.id ?? '';
      await db.insert(schema.workspaceMembers).values({ workspaceId, userId, role: 'owner' });
      expect(await sqlState(() => db.insert(schema.workspaceMembers).values({ workspaceId, userId }))).toBe(
        UNIQUE,
      );
      expect(
        await sqlState(() => db.insert(schema.workspaceMembers).values({ workspaceId: uuid(), userId })),
      ).toBe(FOREIGN_KEY);
      expect(
        await sqlState(() =>
          database.pool.query(
            `insert into workspace_members (workspace_id, user_id, role) values ($1, $2, 'admin')`,
            [workspaceId, userId],
          ),
        ),
      ).toBe('22P02');
    },
  );
});

describe('connections', () => {
  dbTest(
    'one name, one Sales org and one F&O environment per connection in a workspace',
    async ({ database }) => {
      const { db } = database;
      const { workspaceId, connectionId } = await seed(db);
      const base = {
        workspaceId,
        entraTenantId: uuid(),
        salesClientId: 'x',
        fnoClientId: 'y',
        settings: {} as never,
      };
      const other = {
        ...base,
        name: 'test',
        salesUrl: 'https://test.crm.dynamics.com',
        fnoUrl: 'https://test.operations.dynamics.com',
      };
      expect(await sqlState(() => db.insert(schema.connections).values({ ...other, name: 'prod' }))).toBe(
        UNIQUE,
      );
      expect(
        await sqlState(() =>
          db.insert(schema.connections).values({ ...other, salesUrl: 'https://CONTOSO.crm.dynamics.com' }),
        ),
      ).toBe(UNIQUE);
      expect(
        await sqlState(() =>
          db
            .insert(schema.connections)
            .values({ ...other, fnoUrl: 'https://contoso.operations.dynamics.com' }),
        ),
      ).toBe(UNIQUE);
      expect(
        await sqlState(() =>
          db.insert(schema.connections).values({ ...other, salesUrl: 'http://test.crm.dynamics.com' }),
        ),
      ).toBe(CHECK);
      expect(
        await sqlState(() => db.insert(schema.connections).values({ ...other, workspaceId: uuid() })),
      ).toBe(FOREIGN_KEY);
      expect(
        await sqlState(() =>
          db.update(schema.connections).set({ status: 'error' }).where(sql`id = ${connectionId}`),
        ),
      ).toBe(CHECK);
      await db.insert(schema.connections).values(other);
    },
  );

  dbTest(
    'secrets belong to an existing connection, one per name, stored as envelopes',
    async ({ database }) => {
      const { db } = database;
      const { connectionId } = await seed(db);
      const secret = {
        connectionId,
        name: 'sales_client_secret' as const,
        keyId: 'k1',
        ciphertext: 'mlc1.k1.a.b',
      };
      await db.insert(schema.connectionSecrets).values(secret);
      expect(await sqlState(() => db.insert(schema.connectionSecrets).values(secret))).toBe(UNIQUE);
      expect(
        await sqlState(() => db.insert(schema.connectionSecrets).values({ ...secret, connectionId: uuid() })),
      ).toBe(FOREIGN_KEY);
      expect(
        await sqlState(() =>
          db
            .insert(schema.connectionSecrets)
            .values({ ...secret, name: 'fno_client_secret', ciphertext: 'plaintext!' }),
        ),
      ).toBe(CHECK);
    },
  );
});

describe('inbox', () => {
  dbTest(
    'a redelivered webhook or business event is refused by the database',
    async ({ database: { db } }) => {
      const { connectionId } = await seed(db);
      const webhook = { connectionId, source: 'dataverse_webhook' as const, dedupKey: uuid(), body: '{}' };
      await db.insert(schema.inboxEvents).values(webhook);
      expect(await sqlState(() => db.insert(schema.inboxEvents).values(webhook))).toBe(UNIQUE);

      const event = {
        connectionId,
        source: 'fno_business_event' as const,
        dedupKey: 'usmf:5637144576',
        body: '{}',
      };
      await db.insert(schema.inboxEvents).values(event);
      expect(await sqlState(() => db.insert(schema.inboxEvents).values(event))).toBe(UNIQUE);
      // The same ControlNumber in another legal entity is another event.
      await db.insert(schema.inboxEvents).values({ ...event, dedupKey: 'demf:5637144576' });

      expect(await sqlState(() => db.insert(schema.inboxEvents).values({ ...webhook, dedupKey: '  ' }))).toBe(
        CHECK,
      );
      expect(
        await sqlState(() => db.insert(schema.inboxEvents).values({ ...webhook, connectionId: uuid() })),
      ).toBe(FOREIGN_KEY);
      expect(
        await sqlState(() =>
          db.insert(schema.inboxEvents).values({ ...webhook, dedupKey: uuid(), status: 'failed' }),
        ),
      ).toBe(CHECK);
    },
  );
});

describe('records and their audit trail', () => {
  dbTest(
    'a duplicate natural key is refused; the other direction is another record',
    async ({ database: { db } }) => {
      const { connectionId } = await seed(db);
      await db.insert(schema.syncRecords).values(order(connectionId));
      expect(await sqlState(() => db.insert(schema.syncRecords).values(order(connectionId)))).toBe(UNIQUE);
      await db.insert(schema.syncRecords).values({ ...order(connectionId), direction: 'fno_to_sales' });
      expect(
        await sqlState(() =>
          db.insert(schema.syncRecords).values({ ...order(connectionId, 'x'), connectionId: uuid() }),
        ),
      ).toBe(FOREIGN_KEY);
    },
  );

  dbTest('a failed record keeps its reason; a synced one names its target', async ({ database: { db } }) => {
    const { connectionId } = await seed(db);
    expect(
      await sqlState(() =>
        db.insert(schema.syncRecords).values({ ...order(connectionId), status: 'failed' }),
      ),
    ).toBe(CHECK);
    expect(
      await sqlState(() =>
        db.insert(schema.syncRecords).values({ ...order(connectionId), status: 'synced' }),
      ),
    ).toBe(CHECK);
    expect(
      await sqlState(() =>
        db
          .insert(schema.syncRecords)
          .values({ ...order(connectionId), targetDataAreaId: 'USMF-long', targetKey: 'SO-1' }),
      ),
    ).toBe(CHECK);
    await db.insert(schema.syncRecords).values({
      ...order(connectionId),
      status: 'failed',
      lastError: { code: 'validation_failed', message: 'Customer group is missing' },
    });
  });

  dbTest(
    'record events are append-only, ordered per record, and go with their record',
    async ({ database }) => {
      const { db, pool } = database;
      const { connectionId } = await seed(db);
      const [record] = await db.insert(schema.syncRecords).values(order(connectionId)).returning();
      const recordId = record?.id ?? '';
      const event = {
        recordId,
        seq: 1,
        stage: 'validate' as const,
        step: 'order.validate',
        outcome: 'ok' as const,
        correlationId: uuid(),
        startedAt: new Date(),
        durationMs: 3,
      };
      await db.insert(schema.recordEvents).values(event);
      expect(await sqlState(() => db.insert(schema.recordEvents).values(event))).toBe(UNIQUE);
      expect(
        await sqlState(() => db.insert(schema.recordEvents).values({ ...event, seq: 2, recordId: uuid() })),
      ).toBe(FOREIGN_KEY);
      expect(
        await sqlState(() => db.insert(schema.recordEvents).values({ ...event, seq: 3, outcome: 'failed' })),
      ).toBe(CHECK);
      expect(await sqlState(() => pool.query(`update record_events set step = 'rewritten'`))).toBe('42501');
      expect(await sqlState(() => pool.query('delete from record_events'))).toBe('42501');
      expect(await sqlState(() => pool.query('truncate record_events'))).toBe('42501');

      await pool.query('delete from sync_records where id = $1', [recordId]);
      const left = await pool.query('select count(*)::int as n from record_events');
      expect(left.rows[0]?.n).toBe(0);
    },
  );

  dbTest('the key map is unique both ways within a legal entity', async ({ database: { db } }) => {
    const { connectionId } = await seed(db);
    const accountId = uuid();
    const customer = {
      connectionId,
      kind: 'customer' as const,
      crmEntity: 'account',
      crmId: accountId,
      dataAreaId: 'usmf',
      fnoKey: 'US-001',
    };
    await db.insert(schema.keyMap).values(customer);
    // The same account cannot map to two customers in one legal entity...
    expect(await sqlState(() => db.insert(schema.keyMap).values({ ...customer, fnoKey: 'US-002' }))).toBe(
      UNIQUE,
    );
    // ...nor two accounts to one customer...
    expect(await sqlState(() => db.insert(schema.keyMap).values({ ...customer, crmId: uuid() }))).toBe(
      UNIQUE,
    );
    // ...but one account may be a customer in several legal entities.
    await db.insert(schema.keyMap).values({ ...customer, dataAreaId: 'demf', fnoKey: 'DE-001' });
    expect(
      await sqlState(() => db.insert(schema.keyMap).values({ ...customer, dataAreaId: 'USMF', fnoKey: 'x' })),
    ).toBe(CHECK);
    expect(await sqlState(() => db.insert(schema.keyMap).values({ ...customer, connectionId: uuid() }))).toBe(
      FOREIGN_KEY,
    );
  });

  dbTest('cursors are one per connection, system and stream', async ({ database: { db } }) => {
    const { connectionId } = await seed(db);
    const cursor = {
      connectionId,
      system: 'sales' as const,
      stream: 'salesorders',
      cursor: { deltaLink: 'x' },
    };
    await db.insert(schema.syncCursors).values(cursor);
    expect(await sqlState(() => db.insert(schema.syncCursors).values(cursor))).toBe(UNIQUE);
    await db.insert(schema.syncCursors).values({ ...cursor, system: 'fno' });
    expect(
      await sqlState(() => db.insert(schema.syncCursors).values({ ...cursor, connectionId: uuid() })),
    ).toBe(FOREIGN_KEY);
  });

  dbTest('deleting a workspace removes everything it owns', async ({ database }) => {
    const { db, pool } = database;
    const { workspaceId, connectionId } = await seed(db);
    const [record] = await db.insert(schema.syncRecords).values(order(connectionId)).returning();
    await db.insert(schema.recordEvents).values({
      recordId: record?.id ?? '',
      seq: 1,
      stage: 'trigger',
      step: 'webhook.received',
      outcome: 'ok',
      correlationId: uuid(),
      startedAt: new Date(),
      durationMs: 0,
    });
    await pool.query('delete from workspaces where id = $1', [workspaceId]);
    const counts = await pool.query(
      `select (select count(*) from connections)::int + (select count(*) from sync_records)::int
        + (select count(*) from record_events)::int as n`,
    );
    expect(counts.rows[0]?.n).toBe(0);
  });
});
