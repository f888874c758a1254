import { describe, expect, it } from 'vitest';
import type { ConnectorContext } from '../core/context';
import { ConnectorError } from '../core/errors';
import { DataverseApi, idFromEntityUrl, keyPredicate, recordPath } from './api';
import { dataverseConfigSchema } from './config';
import { isExpiredDeltaToken } from './delta';
import { nameBasedGuid } from './refs';
import { salesOrderTable } from './tables';

/** The small pure parts of the Dataverse connector: keys, rows → records, config, ids. */

describe('key predicates', () => {
  it('writes GUIDs, strings (quotes doubled), numbers and lookups', () => {
    expect(keyPredicate('0A1B2C3D-0000-4000-8000-000000000001')).toBe('0a1b2c3d-0000-4000-8000-000000000001');
    expect(keyPredicate({ accountnumber: "O'Brien-1" })).toBe("accountnumber='O''Brien-1'");
    expect(keyPredicate({ _pricelevelid_value: 'AB000000-0000-4000-8000-000000000001', quantity: 2 })).toBe(
      '_pricelevelid_value=ab000000-0000-4000-8000-000000000001,quantity=2',
    );
    expect(recordPath('accounts', { accountnumber: 'Düsseldorf 1' })).toBe(
      "accounts(accountnumber='D%C3%BCsseldorf%201')",
    );
  });

  it('refuses values Dataverse cannot take in a key, and lookups that are not GUIDs', () => {
    for (const value of ['A/1', 'A&B', 'x:y', '50%', 'a+b']) {
      expect(() => keyPredicate({ productnumber: value })).toThrow(ConnectorError);
    }
    expect(() => keyPredicate({ _productid_value: 'IE-10001' })).toThrow(/must be a GUID/);
    expect(() => keyPredicate('not-a-guid')).toThrow(/not a GUID/);
  });

  it('reads the id of an OData-EntityId', () => {
    expect(idFromEntityUrl('https://x/api/data/v9.2/accounts(7D4B9C65-2E4F-4A9B-9C5D-3E4F5A6B7C83)')).toBe(
      '7d4b9c65-2e4f-4a9b-9c5d-3e4f5a6b7c83',
    );
    expect(idFromEntityUrl("https://x/api/data/v9.2/accounts(accountnumber='A')")).toBeUndefined();
  });
});

describe('rows → records', () => {
  const base = {
    '@odata.etag': 'W/"1"',
    salesorderid: 'b18fd0a9-6c8d-4edf-9091-7c8d9eafb0c7',
    name: 'Order',
    ordernumber: 'ORD-1',
    _customerid_value: '5b2f7a43-0c2d-4e7f-9a3b-1c2d3e4f5a61',
    '_customerid_value@Microsoft.Dynamics.CRM.lookuplogicalname': 'contact',
    '_customerid_value@OData.Community.Display.V1.FormattedValue': 'Renée Okafor',
    _pricelevelid_value: null,
    totalamount: 10.5,
    statecode: 0,
  };

  it('turns lookups into { id, table, name } and fills unselected columns with null', () => {
    const row = salesOrderTable.convert(base, 'order');
    expect(row.customerid).toEqual({ id: base._customerid_value, table: 'contact', name: 'Renée Okafor' });
    expect(row.pricelevelid).toBeNull();
    expect(row.totalamount).toBe(10.5);
    expect(row.shipto_city).toBeNull();
  });

  it('needs the table annotation of a polymorphic lookup, not of a single-table one', () => {
    const { ['_customerid_value@Microsoft.Dynamics.CRM.lookuplogicalname']: _, ...bare } = base;
    expect(() => salesOrderTable.convert(bare, 'order')).toThrow(/customerid/);
    const withPriceList = { ...base, _pricelevelid_value: '9f6dbe87-4a6b-4cbd-9e7f-5a6b7c8d9ea5' };
    expect(salesOrderTable.convert(withPriceList, 'order').pricelevelid?.table).toBe('pricelevel');
  });

  it('names the column that does not fit', () => {
    expect(() => salesOrderTable.convert({ ...base, totalamount: '10' }, 'The order')).toThrow(
      expect.objectContaining({ code: 'schema_mismatch', message: expect.stringContaining('totalamount') }),
    );
  });

  it('selects lookups as _x_value', () => {
    expect(salesOrderTable.select.split(',')).toEqual(
      expect.arrayContaining(['salesorderid', '_customerid_value', 'totalamount']),
    );
  });
});

describe('config, ids, expired tokens', () => {
  it('keeps the origin of the environment URL and fills the defaults', () => {
    const config = dataverseConfigSchema.parse({
      url: 'https://contoso.crm4.dynamics.com/api/data/v9.2/',
      tenantId: 'contoso.onmicrosoft.com',
      clientId: '51f81489-12ee-4a9e-aaae-a2591f45987d',
      clientSecret: 's',
    });
    expect(config).toMatchObject({
      url: 'https://contoso.crm4.dynamics.com',
      authorityHost: 'https://login.microsoftonline.com',
      pageSize: 1000,
      upsertChunkSize: 100,
    });
    expect(
      dataverseConfigSchema.safeParse({ ...config, url: 'http://contoso.crm.dynamics.com' }).success,
    ).toBe(false);
  });

  it('gives the same name-based GUID for the same natural key', () => {
    const a = nameBasedGuid('uom|group|box');
    expect(a).toBe(nameBasedGuid('uom|group|box'));
    expect(a).not.toBe(nameBasedGuid('uom|group|case'));
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('recognises Dataverse’s answer to an expired delta token', () => {
    const expired = new ConnectorError('validation_failed', 'x', {
      upstream: {
        status: 400,
        code: '0x80044352',
        message: 'Version stamp associated with the client has expired. Please perform a full sync.',
      },
    });
    expect(isExpiredDeltaToken(expired)).toBe(true);
    expect(
      isExpiredDeltaToken(new ConnectorError('validation_failed', 'x', { upstream: { status: 410 } })),
    ).toBe(true);
    expect(
      isExpiredDeltaToken(new ConnectorError('validation_failed', 'x', { upstream: { status: 400 } })),
    ).toBe(false);
  });
});

describe('links from the service', () => {
  const config = dataverseConfigSchema.parse({
    url: 'https://contoso.crm.dynamics.com',
    tenantId: 'contoso.onmicrosoft.com',
    clientId: '51f81489-12ee-4a9e-aaae-a2591f45987d',
    clientSecret: 's',
  });
  // `rebase` and `url` use only the configuration.
  const api = new DataverseApi({} as ConnectorContext, config);

  it('puts a stored or returned link back on the configured origin, path and query kept', () => {
    expect(
      api.rebase(
        'https://contoso.api.crm.dynamics.com/api/data/v9.2/accounts?$select=name&$deltatoken=9%2101%2f02',
      ),
    ).toBe('https://contoso.crm.dynamics.com/api/data/v9.2/accounts?$select=name&$deltatoken=9%2101%2f02');
    expect(() => api.rebase('https://evil.example/steal?x=1')).toThrow(/outside the Web API/);
  });

  it('encodes the blanks of OData expressions', () => {
    expect(api.url("accounts?$filter=name eq 'a b'")).toBe(
      "https://contoso.crm.dynamics.com/api/data/v9.2/accounts?$filter=name%20eq%20'a%20b'",
    );
  });
});
