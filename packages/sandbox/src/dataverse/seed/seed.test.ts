import { describe, expect, it } from 'vitest';
import type { SandboxApp } from '../../core/contracts';
import { metadata } from '../metadata/registry';
import type { Store } from '../store/store';
import { isEntityRef } from '../store/types';
import { applicationUserId } from './app-users';
import { buildSeed, seedFacts } from './seed';

const apps: SandboxApp[] = [
  {
    clientId: 'AAAAAAAA-1111-4111-8111-111111111111',
    clientSecret: 's',
    displayName: 'main',
    dataverseApplicationUser: true,
    fnoEntraApplication: true,
  },
  {
    clientId: 'bbbbbbbb-2222-4222-8222-222222222222',
    clientSecret: 's',
    displayName: 'no user',
    dataverseApplicationUser: false,
    fnoEntraApplication: false,
  },
];
const now = () => new Date('2030-01-01T00:00:00Z');

function dump(store: Store): string {
  return JSON.stringify(store.allTables().map((t) => [t.model.def.logicalName, [...t.rows.values()]]));
}

describe('seed', () => {
  const store = buildSeed(metadata, now, { seed: 7, apps });

  it('is deterministic for a seed number and differs for another', () => {
    expect(dump(buildSeed(metadata, () => new Date(), { seed: 7, apps }))).toBe(dump(store));
    expect(dump(buildSeed(metadata, now, { seed: 8, apps }))).not.toBe(dump(store));
  });

  it('holds a regional distributor: hundreds of accounts and contacts, USD and EUR, units, price lists', () => {
    expect(store.count('account')).toBe(300);
    expect(store.count('contact')).toBe(400);
    expect(store.count('product')).toBeGreaterThan(150);
    const currencies = [...store.rows('transactioncurrency')].map((r) => r.values['isocurrencycode']);
    expect(currencies.sort()).toEqual(['EUR', 'USD']);
    expect([...store.rows('uom')].map((r) => r.values['name'])).toEqual([
      'Each',
      'Box of 10',
      'Case of 24',
      'Pallet',
    ]);
    expect(store.count('pricelevel')).toBe(2);
    expect(store.count('productpricelevel')).toBe(store.count('product') * 2);
    const countries = new Set([...store.rows('account')].map((r) => r.values['address1_country']));
    expect([...countries]).toEqual(expect.arrayContaining(['US', 'DE', 'FR', 'GB', 'NL', 'CA']));
    const withNumber = [...store.rows('account')].filter(
      (r) => typeof r.values['accountnumber'] === 'string',
    ).length;
    expect(withNumber).toBeGreaterThan(100);
    expect(withNumber).toBeLessThan(300);
  });

  it('has open, won and lost opportunities with products, quotes, and orders with lines incl. one write-in', () => {
    const states = new Set([...store.rows('opportunity')].map((r) => r.values['statecode']));
    expect([...states].sort()).toEqual([0, 1, 2]);
    expect(store.count('opportunityproduct')).toBeGreaterThan(store.count('opportunity'));
    expect(store.count('quote')).toBeGreaterThan(0);
    expect(store.count('quotedetail')).toBeGreaterThan(0);
    const orderStates = new Set([...store.rows('salesorder')].map((r) => r.values['statecode']));
    expect(orderStates.has(0) && orderStates.has(1)).toBe(true);
    const writeIns = [...store.rows('salesorderdetail')].filter(
      (r) => r.values['isproductoverridden'] === true,
    );
    expect(writeIns).toHaveLength(1);
    expect(writeIns[0]?.values['productid']).toBeUndefined();
    const order = [...store.rows('salesorder')][0];
    expect(String(order?.values['ordernumber'])).toMatch(/^ORD-\d{5}-[A-Z0-9]{6}$/);
    for (const line of store.rows('salesorderdetail')) {
      const parent = line.values['salesorderid'];
      expect(isEntityRef(parent) && store.get('salesorder', parent.id)).toBeTruthy();
    }
  });

  it('creates application users only for apps that are application users, with stable ids', () => {
    const appUsers = [...store.rows('systemuser')].filter((r) => r.values['applicationid'] !== undefined);
    expect(appUsers.map((r) => r.id)).toEqual([applicationUserId(apps[0]?.clientId ?? '')]);
    expect(appUsers[0]?.values['applicationid']).toBe('aaaaaaaa-1111-4111-8111-111111111111');
    expect(store.get('organization', seedFacts(7).organizationId)).toBeDefined();
  });

  it('starts the change logs empty above the seed versions', () => {
    expect(store.changeLogFloor).toBe(store.version);
    expect(store.allTables().every((t) => t.changes.length === 0)).toBe(true);
  });

  it('adds bulk products on request', () => {
    const big = buildSeed(metadata, now, {
      seed: 7,
      apps,
      extraProducts: 2500,
      size: { accounts: 10, contacts: 10, opportunities: 5, quotes: 2, standaloneOrders: 2 },
    });
    const bulk = [...big.rows('product')].filter((r) =>
      String(r.values['productnumber']).startsWith('BULK-'),
    );
    expect(bulk).toHaveLength(2500);
  });
});
