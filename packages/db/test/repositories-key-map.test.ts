import { describe, expect } from 'vitest';
import { createKeyMapRepository, type KeyLink } from '../src/index';
import { dbTest } from '../src/testing/index';
import { seedConnection, uuid, withWorkers } from './seed';

const customer = (connectionId: string, crmId: string, fnoKey: string, dataAreaId = 'usmf'): KeyLink => ({
  connectionId,
  kind: 'customer',
  crmEntity: 'account',
  crmId,
  dataAreaId,
  fnoKey,
});

describe('key map repository', () => {
  dbTest('link is idempotent and lookups work both ways', async ({ database: { db } }) => {
    const connectionId = await seedConnection(db);
    const keys = createKeyMapRepository(db);
    const crmId = uuid();
    expect(await keys.link(customer(connectionId, crmId, 'US-001'))).toMatchObject({ status: 'linked' });
    expect(await keys.link(customer(connectionId, crmId, 'US-001'))).toEqual({
      status: 'unchanged',
      link: customer(connectionId, crmId, 'US-001'),
    });
    // dataAreaId is stored lower-case, as F&O returns it.
    expect(await keys.link(customer(connectionId, crmId, 'US-001', 'USMF'))).toMatchObject({
      status: 'unchanged',
    });
    expect(await keys.fnoKeyOf({ connectionId, kind: 'customer', crmId, dataAreaId: 'usmf' })).toBe('US-001');
    expect(
      await keys.crmIdOf({ connectionId, kind: 'customer', dataAreaId: 'USMF', fnoKey: 'US-001' }),
    ).toEqual({
      crmEntity: 'account',
      crmId,
    });
    // One account may be a customer in several legal entities; kinds are separate namespaces.
    expect(await keys.link(customer(connectionId, crmId, 'DE-001', 'demf'))).toMatchObject({
      status: 'linked',
    });
    expect(await keys.fnoKeyOf({ connectionId, kind: 'customer', crmId, dataAreaId: 'demf' })).toBe('DE-001');
    expect(await keys.fnoKeyOf({ connectionId, kind: 'product', crmId, dataAreaId: 'usmf' })).toBeUndefined();
    expect(
      await keys.crmIdOf({ connectionId, kind: 'customer', dataAreaId: 'usmf', fnoKey: 'nope' }),
    ).toBeUndefined();
  });

  dbTest(
    'a conflicting pair is reported with both links and nothing is overwritten',
    async ({ database: { db } }) => {
      const connectionId = await seedConnection(db);
      const keys = createKeyMapRepository(db);
      const alice = uuid();
      const bob = uuid();
      await keys.link(customer(connectionId, alice, 'US-001'));
      await keys.link(customer(connectionId, bob, 'US-002'));

      // The CRM id is already linked to another F&O key.
      const crmTaken = await keys.link(customer(connectionId, alice, 'US-999'));
      expect(crmTaken).toMatchObject({
        status: 'conflict',
        requested: customer(connectionId, alice, 'US-999'),
        existing: [customer(connectionId, alice, 'US-001')],
      });
      if (crmTaken.status === 'conflict') {
        expect(crmTaken.message).toContain('US-999');
        expect(crmTaken.message).toContain('US-001');
      }
      // The F&O key is already linked to another CRM id.
      const fnoTaken = await keys.link(customer(connectionId, uuid(), 'US-002'));
      expect(fnoTaken).toMatchObject({
        status: 'conflict',
        existing: [customer(connectionId, bob, 'US-002')],
      });
      // Both sides taken by two different links.
      const both = await keys.link(customer(connectionId, alice, 'US-002'));
      expect(both.status).toBe('conflict');
      if (both.status === 'conflict') {
        expect(both.existing.map((link) => link.fnoKey).sort()).toEqual(['US-001', 'US-002']);
      }
      expect(await keys.fnoKeyOf({ connectionId, kind: 'customer', crmId: alice, dataAreaId: 'usmf' })).toBe(
        'US-001',
      );
      expect(
        await keys.crmIdOf({ connectionId, kind: 'customer', dataAreaId: 'usmf', fnoKey: 'US-002' }),
      ).toMatchObject({
        crmId: bob,
      });
    },
  );

  dbTest(
    'racing links of one CRM id to different F&O keys: one wins, the others conflict',
    async ({ database }) => {
      const connectionId = await seedConnection(database.db);
      const crmId = uuid();
      const results = await withWorkers(database.url, 3, (dbs) =>
        Promise.all(
          Array.from({ length: 9 }, (_, i) =>
            createKeyMapRepository(dbs[i % dbs.length] ?? database.db).link(
              customer(connectionId, crmId, `US-${i % 3}`),
            ),
          ),
        ),
      );
      expect(results.filter((result) => result.status === 'linked')).toHaveLength(1);
      const first = results.find((result) => result.status === 'linked');
      const winner = first?.status === 'linked' ? first.link.fnoKey : undefined;
      expect(winner).toMatch(/^US-[0-2]$/);
      for (const result of results) {
        if (result.status === 'conflict')
          expect(result.existing.map((link) => link.fnoKey)).toEqual([winner]);
        else expect(result.link.fnoKey).toBe(winner);
      }
      expect(results.filter((result) => result.status === 'conflict')).toHaveLength(6);
    },
  );
});
