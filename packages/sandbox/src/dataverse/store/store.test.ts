import { describe, expect, it } from 'vitest';
import { metadata } from '../metadata/registry';
import { Store } from './store';
import type { ChangeEvent } from './types';

const actor = {
  userId: '00000000-0000-4000-8000-000000000001',
  businessUnitId: '00000000-0000-4000-8000-000000000002',
  organizationId: '00000000-0000-4000-8000-000000000003',
};

describe('Store', () => {
  it('gives every write a new, increasing global version and logs it per table', () => {
    const store = Store.empty(metadata, () => new Date('2025-03-01T10:00:00.456Z'), 1);
    const a = store.insert('account', { name: 'A' }, { actor });
    const c = store.insert('contact', { lastname: 'C' }, { actor });
    const a2 = store.update('account', a.id, { name: 'A2', telephone1: null }, actor);
    store.delete('contact', c.id, actor);
    expect([a.version, c.version, a2.version]).toEqual([1, 2, 3]);
    expect(store.table('account').changes).toEqual([
      { version: 1, id: a.id, operation: 'create' },
      { version: 3, id: a.id, operation: 'update' },
    ]);
    expect(store.table('contact').changes.map((e) => e.operation)).toEqual(['create', 'delete']);
    expect(store.table('contact').changes[1]?.version).toBe(4);
  });

  it('fills the system columns and state defaults', () => {
    const store = Store.empty(metadata, () => new Date('2025-03-01T10:00:00.456Z'), 1);
    const order = store.insert('salesorder', { name: 'O' }, { actor });
    expect(order.values).toMatchObject({
      createdon: '2025-03-01T10:00:00Z',
      modifiedon: '2025-03-01T10:00:00Z',
      statecode: 0,
      statuscode: 1,
      versionnumber: order.version,
      ownerid: { id: actor.userId, logicalName: 'systemuser' },
      owningbusinessunit: { id: actor.businessUnitId, logicalName: 'businessunit' },
    });
    expect(String(order.values['ordernumber'])).toMatch(/^ORD-01001-[A-Z0-9]{6}$/);
    expect(String(store.insert('salesorder', { name: 'P' }, { actor }).values['ordernumber'])).toMatch(
      /^ORD-01002-/,
    );
    expect(String(store.insert('quote', { name: 'Q' }, { actor }).values['quotenumber'])).toMatch(
      /^QUO-01001-/,
    );
    expect(store.insert('product', { name: 'X' }, { actor }).values['organizationid']).toEqual({
      id: actor.organizationId,
      logicalName: 'organization',
    });
  });

  it('rolls a failed transaction back: rows, change log and events', () => {
    const store = Store.empty(metadata, () => new Date(), 1);
    const kept = store.insert('account', { name: 'kept' }, { actor });
    const events: ChangeEvent[] = [];
    store.onChange((e) => events.push(e));
    expect(() =>
      store.transaction(() => {
        store.update('account', kept.id, { name: 'changed' }, actor);
        store.insert('account', { name: 'new' }, { actor });
        store.delete('account', kept.id, actor);
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(store.count('account')).toBe(1);
    expect(store.get('account', kept.id)?.values['name']).toBe('kept');
    expect(store.table('account').changes).toHaveLength(1);
    expect(events).toEqual([]);
    store.transaction(() => store.update('account', kept.id, { name: 'committed' }, actor));
    expect(events.map((e) => [e.operation, e.changedColumns])).toEqual([['update', ['name']]]);
  });
});
