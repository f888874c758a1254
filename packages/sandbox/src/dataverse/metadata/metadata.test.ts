import { describe, expect, it } from 'vitest';
import { metadata, TABLES } from './registry';
import { isLookup, lookupPropertyName } from './types';

describe('metadata', () => {
  it('defines every table the issue lists, with unique entity set names', () => {
    expect(TABLES.map((t) => t.entitySetName).sort()).toEqual(
      [
        'accounts',
        'asyncoperations',
        'businessunits',
        'contacts',
        'opportunities',
        'opportunitycloses',
        'opportunityproducts',
        'ordercloses',
        'quotecloses',
        'organizations',
        'pricelevels',
        'productpricelevels',
        'products',
        'quotedetails',
        'quotes',
        'salesorderdetails',
        'salesorders',
        'sdkmessagefilters',
        'sdkmessageprocessingsteps',
        'sdkmessageprocessingstepimages',
        'sdkmessages',
        'serviceendpoints',
        'systemusers',
        'transactioncurrencies',
        'uomschedules',
        'uoms',
      ].sort(),
    );
  });

  it.each(TABLES.map((t) => [t.logicalName, t] as const))(
    '%s: primary key, primary name, unique columns',
    (_, table) => {
      const names = table.attributes.map((a) => a.logicalName);
      expect(new Set(names).size).toBe(names.length);
      const pk = table.attributes[0];
      const activity = table.logicalName.endsWith('close');
      expect(table.primaryIdAttribute).toBe(activity ? 'activityid' : `${table.logicalName}id`);
      expect(pk).toMatchObject({
        logicalName: table.primaryIdAttribute,
        type: 'Uniqueidentifier',
        primaryKey: true,
      });
      expect(names).toContain(table.primaryNameAttribute);
      expect(names).toEqual(expect.arrayContaining(['createdon', 'modifiedon', 'versionnumber']));
      const model = metadata.entity(table.logicalName);
      for (const nav of model.navigations.keys()) expect(model.properties.has(nav)).toBe(false);
    },
  );

  it('points every lookup at a defined table', () => {
    for (const table of TABLES) {
      for (const attribute of table.attributes.filter(isLookup)) {
        for (const target of attribute.targets)
          expect(
            metadata.findEntity(target.entity),
            `${table.logicalName}.${attribute.logicalName}`,
          ).toBeDefined();
      }
    }
  });

  it('uses the real navigation names of the sales tables', () => {
    const order = metadata.entity('salesorder');
    expect(order.navigations.get('order_details')).toMatchObject({
      kind: 'collection',
      cascadeDelete: 'Cascade',
    });
    expect(order.navigations.get('customerid_account')).toMatchObject({ kind: 'single' });
    expect(order.navigations.get('customerid_contact')).toMatchObject({ kind: 'single' });
    expect(metadata.entity('salesorderdetail').navigations.get('salesorderid')).toMatchObject({
      kind: 'single',
    });
    expect(metadata.entity('salesorderdetail').navigations.get('productid')).toMatchObject({
      kind: 'single',
    });
    expect(metadata.entity('product').navigations.get('product_price_levels')).toMatchObject({
      kind: 'collection',
    });
    expect(metadata.entity('product').navigations.get('product_order_details')).toMatchObject({
      kind: 'collection',
      cascadeDelete: 'Restrict',
    });
    expect(metadata.entity('contact').navigations.get('parentcustomerid_account')).toMatchObject({
      kind: 'single',
    });
    expect(metadata.entity('account').navigations.get('contact_customer_accounts')).toMatchObject({
      kind: 'collection',
    });
    expect(
      metadata.entity('sdkmessageprocessingstep').navigations.get('eventhandler_serviceendpoint'),
    ).toMatchObject({ kind: 'single' });
    expect(order.properties.has(lookupPropertyName('customerid'))).toBe(true);
  });

  it('flags required, read-only and not-modifiable columns as the platform does', () => {
    const order = metadata.entity('salesorder').attributes;
    expect(order.get('ordernumber')).toMatchObject({
      requiredLevel: 'SystemRequired',
      validForCreate: true,
      validForUpdate: false,
      maxLength: 100,
    });
    expect(order.get('name')).toMatchObject({ requiredLevel: 'ApplicationRequired', maxLength: 300 });
    expect(order.get('customerid')).toMatchObject({ type: 'Customer', requiredLevel: 'ApplicationRequired' });
    const line = metadata.entity('salesorderdetail').attributes;
    expect(line.get('productnumber')).toMatchObject({ validForCreate: false, validForUpdate: false });
    expect(line.get('salesorderid')).toMatchObject({ requiredLevel: 'SystemRequired' });
    expect(line.get('quantity')).toMatchObject({
      type: 'Decimal',
      precision: 5,
      requiredLevel: 'ApplicationRequired',
    });
    expect(metadata.entity('quote').attributes.get('quotenumber')).toMatchObject({
      requiredLevel: 'SystemRequired',
      validForUpdate: false,
    });
    expect(metadata.entity('product').attributes.get('productnumber')).toMatchObject({
      requiredLevel: 'SystemRequired',
    });
    expect(metadata.entity('account').attributes.get('accountnumber')).toMatchObject({
      type: 'String',
      maxLength: 20,
    });
    expect(metadata.entity('transactioncurrency').attributes.get('isocurrencycode')).toMatchObject({
      requiredLevel: 'SystemRequired',
      maxLength: 5,
    });
    expect(metadata.entity('serviceendpoint').attributes.get('authvalue')).toMatchObject({
      validForRead: false,
    });
    expect(metadata.entity('serviceendpoint').properties.has('authvalue')).toBe(false);
  });

  it('gives statuses that belong to a state, and each state a default status of its own', () => {
    for (const table of TABLES) {
      const state = table.attributes.find((a) => a.logicalName === 'statecode');
      const status = table.attributes.find((a) => a.logicalName === 'statuscode');
      if (!state || !status) continue;
      if (state.type !== 'State' || status.type !== 'Status') throw new Error(table.logicalName);
      for (const option of state.options) {
        expect(status.options.find((s) => s.value === option.defaultStatus)?.state, table.logicalName).toBe(
          option.value,
        );
      }
    }
  });

  it('enables change tracking on the synchronised tables only', () => {
    const tracked = TABLES.filter((t) => t.changeTrackingEnabled).map((t) => t.logicalName);
    expect(tracked).toEqual(
      expect.arrayContaining([
        'account',
        'contact',
        'salesorder',
        'salesorderdetail',
        'product',
        'productpricelevel',
      ]),
    );
    expect(tracked).not.toContain('sdkmessageprocessingstep');
  });
});
