import { randomUUID } from 'node:crypto';
import { type AddressInfo, createServer } from 'node:net';
import { createRecordsRepository, eq, schema } from '@mlc/db';
import { dbTest } from '@mlc/db/testing';
import { TRPCError } from '@trpc/server';
import { describe, expect } from 'vitest';
import { callerFor, contoso, signUp, startTestPortal, type TestPortal } from './harness';

/** Everything a workspace procedure could change, to prove a refused call changed nothing. */
async function snapshot(portal: TestPortal) {
  const db = portal.services.db.db;
  const [connections, secrets, records, events, jobs] = await Promise.all([
    db.select().from(schema.connections),
    db.select().from(schema.connectionSecrets),
    db.select().from(schema.syncRecords),
    db.select().from(schema.recordEvents),
    portal.services.db.pool
      .query(`select count(*)::int as n from pgboss.job`)
      .then((r) => r.rows[0] as unknown)
      .catch(() => null),
  ]);
  return { connections, secrets, records, events, jobs };
}

async function expectNotFound(call: Promise<unknown>) {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TRPCError);
  expect((error as TRPCError).code).toBe('NOT_FOUND');
}

describe('workspace isolation', () => {
  dbTest(
    'every procedure that takes an id answers NOT_FOUND for another workspace’s ids, and changes nothing',
    async ({ database }) => {
      const portal = startTestPortal(database);
      try {
        const alice = await signUp(portal, { organisationName: 'Alice Ltd' });
        const bob = await signUp(portal, { organisationName: 'Bob GmbH' });
        const asAlice = callerFor(portal, alice);
        const asBob = callerFor(portal, bob);
        const { id } = await asAlice.connections.create(contoso);
        const records = createRecordsRepository(portal.services.db.db);
        const record = await records.upsertPending({
          connectionId: id,
          direction: 'sales_to_fno',
          entity: 'salesorder',
          naturalKey: 'ORD-1',
          sourceId: randomUUID(),
        });
        const recordId = record.id;
        // Make the sync client (and its queue schema) exist before the snapshot.
        await portal.services.syncClient();
        const before = await snapshot(portal);

        const byId = { id };
        const calls: [string, () => Promise<unknown>][] = [
          ['connections.get', () => asBob.connections.get(byId)],
          ['connections.updateSettings', () => asBob.connections.updateSettings({ id, settings: {} })],
          [
            'connections.setSecret',
            () => asBob.connections.setSecret({ id, name: 'sales_client_secret', value: 'stolen' }),
          ],
          ['connections.ping', () => asBob.connections.ping(byId)],
          ['connections.pingProgress', () => asBob.connections.pingProgress(byId)],
          ['connections.enable', () => asBob.connections.enable(byId)],
          ['connections.pause', () => asBob.connections.pause(byId)],
          ['connections.resume', () => asBob.connections.resume(byId)],
          ['connections.figures', () => asBob.connections.figures(byId)],
          ['connections.progress', () => asBob.connections.progress(byId)],
          ['records.list', () => asBob.records.list({ connectionId: id })],
          ['records.get', () => asBob.records.get({ id: recordId })],
          ['records.replay', () => asBob.records.replay({ id: recordId })],
          ['records.replayFailed', () => asBob.records.replayFailed({ connectionId: id })],
        ];
        for (const [name, call] of calls) {
          await expect.soft(expectNotFound(call()), name).resolves.toBeUndefined();
        }
        // Unknown ids and ids that are not uuids are NOT_FOUND too (never a database error).
        await expectNotFound(asAlice.connections.get({ id: randomUUID() }));
        await expectNotFound(asAlice.connections.get({ id: 'nope' }));
        await expectNotFound(asAlice.records.get({ id: "1' or '1'='1" }));
        expect(await snapshot(portal)).toEqual(before);

        // Bob sees none of it; Alice sees her connection and record.
        expect(await asBob.connections.list()).toEqual([]);
        expect((await asAlice.connections.list()).map((c) => c.id)).toEqual([id]);
        expect((await asAlice.records.list({ connectionId: id })).items.map((r) => r.id)).toEqual([recordId]);
        expect((await asAlice.records.get({ id: recordId })).record.id).toBe(recordId);
      } finally {
        await portal.close();
      }
    },
    60_000,
  );

  dbTest('workspace procedures need a session', async ({ database }) => {
    const portal = startTestPortal(database);
    try {
      const anonymous = callerFor(portal);
      await expect(anonymous.me()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
      await expect(anonymous.connections.list()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
      const forged = callerFor(portal, { cookie: 'mlc.session_token=forged.value' });
      await expect(forged.connections.list()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    } finally {
      await portal.close();
    }
  });
});

describe('the ping stays inside Microsoft’s clouds', () => {
  dbTest(
    'hosts outside the allowed clouds are refused with a clear message, and no request leaves',
    async ({ database }) => {
      const portal = startTestPortal(database);
      // A listener standing for any host a connection should never reach; it counts connections.
      let connections = 0;
      const listener = createServer((socket) => {
        connections += 1;
        socket.destroy();
      });
      await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
      const port = (listener.address() as AddressInfo).port;
      try {
        const owner = await signUp(portal);
        const asOwner = callerFor(portal, owner);
        const outside = [
          `https://127.0.0.1:${port}`,
          `https://localhost:${port}`,
          'https://contoso.crm.dynamics.com.evil.example',
          'https://metadata.internal',
        ];
        for (const salesUrl of outside) {
          const refused = await asOwner.connections.create({ ...contoso, salesUrl }).then(
            () => undefined,
            (e: unknown) => e as TRPCError,
          );
          expect(refused?.code, salesUrl).toBe('BAD_REQUEST');
          expect(refused?.message, salesUrl).toMatch(
            /^Refused .+: .+\. Use the environment URL exactly as Microsoft shows it/,
          );
        }
        const authority = await asOwner.connections
          .create({ ...contoso, authorityHost: `https://127.0.0.1:${port}` })
          .then(
            () => undefined,
            (e: unknown) => e as TRPCError,
          );
        expect(authority?.message).toMatch(
          /^Refused https:\/\/127\.0\.0\.1:\d+: IP addresses are not accepted/,
        );

        // A row changed behind the API's back (or written before a guard change): the ping
        // checks every host again and refuses before connecting.
        const { id } = await asOwner.connections.create(contoso);
        await portal.services.db.db
          .update(schema.connections)
          .set({
            authorityHost: `https://127.0.0.1:${port}`,
            salesUrl: `https://127.0.0.1:${port}`,
            fnoUrl: `https://localhost:${port}`,
          })
          .where(eq(schema.connections.id, id));
        const ping = await asOwner.connections.ping({ id });
        expect(ping.ok).toBe(false);
        const failed = ping.checks.filter((check) => !check.ok);
        expect(failed.length).toBeGreaterThan(0);
        for (const check of failed) expect(check.detail.length, check.name).toBeGreaterThan(20);
        const tokens = ping.checks.filter((check) => check.system === 'entra');
        expect(tokens.map((check) => check.detail)).toEqual([
          expect.stringMatching(/^Refused https:\/\/127\.0\.0\.1:\d+: IP addresses are not accepted/),
          expect.stringMatching(/^Refused https:\/\/127\.0\.0\.1:\d+: IP addresses are not accepted/),
        ]);
        expect(connections).toBe(0);
      } finally {
        listener.close();
        await portal.close();
      }
    },
    60_000,
  );
});
