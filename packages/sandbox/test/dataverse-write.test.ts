import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './dataverse-harness';

type Row = Record<string, unknown>;
type Collection = { value: Row[] };

let h: Harness;
let clock = Date.parse('2026-03-02T09:00:00Z');
beforeAll(async () => {
  h = await startHarness({ now: () => new Date(clock), keyActivationDelayMs: 60_000 });
});
afterAll(async () => {
  await h.close();
});

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  h.api(path, { method: 'POST', body: JSON.stringify(body), headers });
const patch = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  h.api(path, { method: 'PATCH', body: JSON.stringify(body), headers });

async function errorOf(response: Response): Promise<{ status: number; code: unknown; message: unknown }> {
  const body = (await response.json()) as { error: { code: unknown; message: unknown } };
  return { status: response.status, code: body.error.code, message: body.error.message };
}

async function first(query: string): Promise<Row> {
  const row = (await h.json<Collection>(query)).value[0];
  if (!row) throw new Error(`no row for ${query}`);
  return row;
}

describe('create', () => {
  it('answers 204 with OData-EntityId, and 201 with the row for return=representation ($select honoured)', async () => {
    const created = await post('accounts', {
      name: 'Fresh Account',
      accountnumber: 'NEW-1',
      address1_country: 'US',
    });
    expect(created.status).toBe(204);
    expect(created.headers.get('odata-entityid')).toMatch(
      new RegExp(`^${h.root.replace(/[.?]/g, '\\$&')}accounts\\([0-9a-f-]{36}\\)$`),
    );
    expect(await created.text()).toBe('');

    const represented = await post(
      'accounts?$select=name,accountnumber',
      { name: 'Represented', accountnumber: 'NEW-2' },
      { Prefer: 'return=representation' },
    );
    expect(represented.status).toBe(201);
    expect(represented.headers.get('preference-applied')).toBe('return=representation');
    expect(represented.headers.get('odata-entityid')).toBeNull();
    const body = (await represented.json()) as Row;
    expect(body['@odata.context']).toBe(`${h.root}$metadata#accounts(name,accountnumber)/$entity`);
    expect(Object.keys(body)).toEqual([
      '@odata.context',
      '@odata.etag',
      'name',
      'accountnumber',
      'accountid',
    ]);
    expect(represented.headers.get('etag')).toBe(String(body['@odata.etag']));
  });

  it('accepts a client-chosen id and refuses it twice', async () => {
    const id = 'a1b2c3d4-0000-4000-8000-00000000abcd';
    expect((await post('contacts', { contactid: id, lastname: 'Chosen' })).status).toBe(204);
    const again = await post('contacts', { contactid: id, lastname: 'Chosen' });
    expect(await errorOf(again)).toEqual({
      status: 412,
      code: '0x80040237',
      message: 'Cannot insert duplicate key.',
    });
  });

  it('binds lookups with @odata.bind, incl. the polymorphic customerid_account / customerid_contact', async () => {
    const account = await first('accounts?$select=name&$filter=statecode eq 0&$top=1');
    const contact = await first('contacts?$select=fullname&$top=1');
    const priceList = await first("pricelevels?$select=name&$filter=name eq 'Standard Price List (USD)'");
    const forAccount = await post(
      'salesorders?$select=_customerid_value,_pricelevelid_value,ordernumber',
      {
        name: 'Bound to account',
        'customerid_account@odata.bind': `/accounts(${String(account['accountid'])})`,
        'pricelevelid@odata.bind': `pricelevels(${String(priceList['pricelevelid'])})`,
      },
      { Prefer: 'return=representation,odata.include-annotations="*"' },
    );
    expect(forAccount.status).toBe(201);
    const order = (await forAccount.json()) as Row;
    expect(order['_customerid_value']).toBe(account['accountid']);
    expect(order['_customerid_value@Microsoft.Dynamics.CRM.lookuplogicalname']).toBe('account');
    expect(order['_customerid_value@OData.Community.Display.V1.FormattedValue']).toBe(account['name']);
    expect(order['_pricelevelid_value']).toBe(priceList['pricelevelid']);
    expect(String(order['ordernumber'])).toMatch(/^ORD-\d{5}-[A-Z0-9]{6}$/);

    const forContact = await post(
      'opportunities?$select=_customerid_value',
      {
        name: 'Bound to contact',
        'customerid_contact@odata.bind': `${h.root}contacts(${String(contact['contactid'])})`,
      },
      { Prefer: 'return=representation,odata.include-annotations="Microsoft.Dynamics.CRM.*"' },
    );
    const opportunity = (await forContact.json()) as Row;
    expect(opportunity['_customerid_value']).toBe(contact['contactid']);
    expect(opportunity['_customerid_value@Microsoft.Dynamics.CRM.lookuplogicalname']).toBe('contact');
    expect(opportunity['_customerid_value@Microsoft.Dynamics.CRM.associatednavigationproperty']).toBe(
      'customerid_contact',
    );
  });

  it('refuses binds to missing rows, to the wrong table, and to properties that are not navigations', async () => {
    const missing = '00000000-1111-4222-8333-444444444444';
    expect(
      await errorOf(
        await post('contacts', {
          lastname: 'x',
          'parentcustomerid_account@odata.bind': `/accounts(${missing})`,
        }),
      ),
    ).toEqual({
      status: 404,
      code: '0x80040217',
      message: `account With Id = ${missing} Does Not Exist`,
    });
    const contact = await first('contacts?$select=fullname&$top=1');
    const wrong = await errorOf(
      await post('salesorders', {
        name: 'x',
        'customerid_account@odata.bind': `/contacts(${String(contact['contactid'])})`,
      }),
    );
    expect(wrong.status).toBe(400);
    expect(wrong.message).toContain(
      "navigation property expects entities of type 'Microsoft.Dynamics.CRM.account'",
    );
    const undeclared = await errorOf(
      await post('salesorders', { name: 'x', 'customerid@odata.bind': `/accounts(${missing})` }),
    );
    expect(undeclared.message).toMatch(
      /^An undeclared property 'customerid' which only has property annotations/,
    );
  });

  it('refuses writes of _x_value, unknown columns, wrong types, too-long text and missing SystemRequired columns', async () => {
    expect(
      await errorOf(
        await post('contacts', {
          lastname: 'x',
          _parentcustomerid_value: '00000000-1111-4222-8333-444444444444',
        }),
      ),
    ).toEqual({
      status: 400,
      code: '0x80060888',
      message:
        'CRM do not support direct update of Entity Reference properties, Use Navigation properties instead.',
    });
    expect(await errorOf(await post('accounts', { name: 'x', colour: 'red' }))).toEqual({
      status: 400,
      code: '0x80060888',
      message: "Invalid property 'colour' was found in entity 'Microsoft.Dynamics.CRM.account'.",
    });
    expect(await errorOf(await post('accounts', { name: 'x', numberofemployees: 'many' }))).toEqual({
      status: 400,
      code: '0x80060888',
      message: "Cannot convert the literal 'many' to the expected type 'Edm.Int32'.",
    });
    expect(await errorOf(await post('accounts', { name: 'x', accountnumber: 'A'.repeat(21) }))).toEqual({
      status: 400,
      code: '0x80044331',
      message:
        "A validation error occurred. The length of the 'accountnumber' attribute of the 'account' entity exceeded the maximum allowed length of '20'.",
    });
    const badOption = await errorOf(await post('accounts', { name: 'x', industrycode: 99 }));
    expect(badOption).toMatchObject({ status: 400, code: '0x80044331' });
    const required = await errorOf(await post('products', { name: 'No number', quantitydecimal: 0 }));
    expect(required).toMatchObject({ status: 400, code: '0x80044331' });
    expect(String(required.message)).toContain("'productnumber'");
    // ApplicationRequired is not enforced by the API.
    expect((await post('salesorders', {})).status).toBe(204);
  });

  it('deep-inserts an order with its customer bind and lines, computing amounts and totals', async () => {
    const account = await first('accounts?$select=name&$filter=statecode eq 0&$top=1');
    const products = (
      await h.json<Collection>(
        "products?$select=name,price&$filter=statecode eq 0 and startswith(productnumber,'IE-')&$top=2",
      )
    ).value;
    const each = await first("uoms?$select=name&$filter=name eq 'Each'");
    const usd = await first("pricelevels?$select=name&$filter=name eq 'Standard Price List (USD)'");
    const response = await post(
      'salesorders?$select=name,totalamount,totallineitemamount&$expand=order_details($select=quantity,priceperunit,extendedamount,productnumber,isproductoverridden,productdescription)',
      {
        name: 'Deep order',
        'customerid_account@odata.bind': `/accounts(${String(account['accountid'])})`,
        'pricelevelid@odata.bind': `/pricelevels(${String(usd['pricelevelid'])})`,
        order_details: [
          {
            quantity: 2,
            'productid@odata.bind': `/products(${String(products[0]?.['productid'])})`,
            'uomid@odata.bind': `/uoms(${String(each['uomid'])})`,
          },
          {
            quantity: 3,
            'productid@odata.bind': `/products(${String(products[1]?.['productid'])})`,
            priceperunit: 10,
            ispriceoverridden: true,
          },
          {
            quantity: 1,
            productdescription: 'Custom bracket (write-in)',
            priceperunit: 99.5,
            isproductoverridden: true,
          },
        ],
      },
      { Prefer: 'return=representation' },
    );
    expect(response.status).toBe(201);
    const order = (await response.json()) as Row;
    const lines = order['order_details'] as Row[];
    expect(lines).toHaveLength(3);
    const byQuantity = new Map(lines.map((l) => [l['quantity'], l]));
    expect(byQuantity.get(2)?.['priceperunit']).toBe(products[0]?.['price']);
    expect(byQuantity.get(2)?.['productnumber']).toMatch(/^IE-/);
    expect(byQuantity.get(3)?.['extendedamount']).toBe(30);
    expect(byQuantity.get(1)).toMatchObject({
      isproductoverridden: true,
      productdescription: 'Custom bracket (write-in)',
      extendedamount: 99.5,
    });
    const expected = Math.round((Number(products[0]?.['price']) * 2 + 30 + 99.5) * 100) / 100;
    expect(order['totalamount']).toBe(expected);
    expect(order['totallineitemamount']).toBe(expected);
  });

  it('deep-inserts a new single-valued related row (customerid_account) with the order', async () => {
    const response = await post(
      'salesorders?$select=name&$expand=customerid_account($select=name)',
      {
        name: 'With new customer',
        customerid_account: { name: 'Created inline', address1_country: 'NL' },
      },
      { Prefer: 'return=representation' },
    );
    expect(((await response.json()) as Row)['customerid_account']).toMatchObject({ name: 'Created inline' });
  });

  it('rolls everything back when a nested row fails', async () => {
    const before = await (await h.api("salesorders/$count?$filter=name eq 'Rolled back'")).text();
    const response = await post('salesorders', {
      name: 'Rolled back',
      order_details: [{ quantity: 1 }, { quantity: 'x' }],
    });
    expect(response.status).toBe(400);
    expect(await (await h.api("salesorders/$count?$filter=name eq 'Rolled back'")).text()).toBe(before);
  });
});

describe('update, upsert, concurrency, delete', () => {
  it('updates with PATCH: 204 + OData-EntityId, 200 with representation, new etag', async () => {
    const contact = await first('contacts?$select=firstname,lastname&$top=1');
    const id = String(contact['contactid']);
    const updated = await patch(`contacts(${id})`, { firstname: 'Renamed' }, { 'If-Match': '*' });
    expect(updated.status).toBe(204);
    expect(updated.headers.get('odata-entityid')).toBe(`${h.root}contacts(${id})`);
    const represented = await patch(
      `contacts(${id})?$select=firstname,fullname`,
      { firstname: 'Again' },
      { Prefer: 'return=representation' },
    );
    expect(represented.status).toBe(200);
    const body = (await represented.json()) as Row;
    expect(body).toMatchObject({ firstname: 'Again', fullname: `Again ${String(contact['lastname'])}` });
    expect(body['@odata.etag']).not.toBe(contact['@odata.etag']);
  });

  it('upserts by primary key: creates when missing (201/204), If-Match: * forbids the create, If-None-Match: * the update', async () => {
    const id = 'b2c3d4e5-0000-4000-8000-00000000beef';
    const missing = await patch(`accounts(${id})`, { name: 'Never' }, { 'If-Match': '*' });
    expect(await errorOf(missing)).toEqual({
      status: 404,
      code: '0x80040217',
      message: `account With Id = ${id} Does Not Exist`,
    });
    const created = await patch(
      `accounts(${id})?$select=name`,
      { name: 'Upserted' },
      { Prefer: 'return=representation' },
    );
    expect(created.status).toBe(201);
    const updated = await patch(
      `accounts(${id})?$select=name`,
      { name: 'Upserted twice' },
      { Prefer: 'return=representation' },
    );
    expect(updated.status).toBe(200);
    const plain = await patch(`accounts(${id})`, { name: 'Upserted thrice' });
    expect([plain.status, plain.headers.get('odata-entityid')]).toEqual([204, `${h.root}accounts(${id})`]);
    expect(await errorOf(await patch(`accounts(${id})`, { name: 'x' }, { 'If-None-Match': '*' }))).toEqual({
      status: 412,
      code: '0x80040237',
      message: 'A record with matching key values already exists.',
    });
  });

  it('enforces optimistic concurrency with If-Match on PATCH and DELETE', async () => {
    const account = await first('accounts?$select=name&$top=1');
    const id = String(account['accountid']);
    const etag = String(account['@odata.etag']);
    expect((await patch(`accounts(${id})`, { telephone1: '1' }, { 'If-Match': etag })).status).toBe(204);
    const stale = await patch(`accounts(${id})`, { telephone1: '2' }, { 'If-Match': etag });
    expect(await errorOf(stale)).toEqual({
      status: 412,
      code: '0x80060882',
      message: "The version of the existing record doesn't match the RowVersion property provided.",
    });
    expect((await h.api(`accounts(${id})`, { method: 'DELETE', headers: { 'If-Match': etag } })).status).toBe(
      412,
    );
  });

  it('deletes: 204, then 404 in the platform wording; order lines go with their order', async () => {
    const created = await post(
      'salesorders?$select=name&$expand=order_details($select=quantity)',
      {
        name: 'To delete',
        order_details: [
          { quantity: 1, productdescription: 'a' },
          { quantity: 2, productdescription: 'b' },
        ],
      },
      { Prefer: 'return=representation' },
    );
    const order = (await created.json()) as Row;
    const lines = order['order_details'] as Row[];
    expect(lines.length).toBeGreaterThan(0);
    const id = String(order['salesorderid']);
    expect((await h.api(`salesorders(${id})`, { method: 'DELETE' })).status).toBe(204);
    expect(await errorOf(await h.api(`salesorders(${id})`, { method: 'DELETE' }))).toEqual({
      status: 404,
      code: '0x80040217',
      message: `salesorder With Id = ${id} Does Not Exist`,
    });
    for (const line of lines)
      expect((await h.api(`salesorderdetails(${String(line['salesorderdetailid'])})`)).status).toBe(404);
  });

  it('refuses to delete a product used on order lines (Restrict)', async () => {
    const line = await first(
      'salesorderdetails?$select=_productid_value&$filter=_productid_value ne null&$top=1',
    );
    const response = await h.api(`products(${String(line['_productid_value'])})`, { method: 'DELETE' });
    expect((await errorOf(response)).status).toBe(400);
  });

  it('sets and clears one column with PUT and DELETE on the property', async () => {
    const account = await first('accounts?$select=name&$top=1');
    const id = String(account['accountid']);
    expect(
      (
        await h.api(`accounts(${id})/telephone1`, {
          method: 'PUT',
          body: JSON.stringify({ value: '555-0100' }),
        })
      ).status,
    ).toBe(204);
    expect(await h.json(`accounts(${id})/telephone1`)).toMatchObject({ value: '555-0100' });
    expect((await h.api(`accounts(${id})/telephone1`, { method: 'DELETE' })).status).toBe(204);
    expect((await h.api(`accounts(${id})/telephone1`)).status).toBe(204);
  });
});

describe('sales state rules', () => {
  it('only lets Active orders be edited (lines too), but accepts a state change', async () => {
    const submitted = await first(
      'salesorders?$select=name&$filter=statecode eq 1&$expand=order_details($select=quantity)&$top=1',
    );
    const id = String(submitted['salesorderid']);
    const edit = await errorOf(await patch(`salesorders(${id})`, { name: 'edited' }));
    expect(edit).toMatchObject({ status: 400, code: '0x80040203' });
    const line = (submitted['order_details'] as Row[])[0];
    expect(
      (await patch(`salesorderdetails(${String(line?.['salesorderdetailid'])})`, { quantity: 9 })).status,
    ).toBe(400);
    expect(
      (
        await post('salesorderdetails', {
          quantity: 1,
          productdescription: 'x',
          'salesorderid@odata.bind': `/salesorders(${id})`,
        })
      ).status,
    ).toBe(400);
    const reactivated = await patch(
      `salesorders(${id})?$select=statecode,statuscode`,
      { statecode: 0 },
      { Prefer: 'return=representation' },
    );
    expect(await reactivated.json()).toMatchObject({ statecode: 0, statuscode: 1 });
    expect((await patch(`salesorders(${id})`, { name: 'edited' })).status).toBe(204);
  });

  it('refuses a status that does not belong to the state', async () => {
    const order = await first('salesorders?$select=name&$filter=statecode eq 0&$top=1');
    const response = await errorOf(
      await patch(`salesorders(${String(order['salesorderid'])})`, { statecode: 1, statuscode: 1 }),
    );
    expect(response).toMatchObject({ status: 400, code: '0x80040203' });
    expect(String(response.message)).toMatch(
      /^1 is not a valid status code for state code SalesOrderState.Submitted on salesorder with Id /,
    );
  });

  it('keeps won/lost opportunities read-only and refuses winning through PATCH', async () => {
    const won = await first('opportunities?$select=name&$filter=statecode eq 1&$top=1');
    expect((await patch(`opportunities(${String(won['opportunityid'])})`, { name: 'x' })).status).toBe(400);
    const open = await first('opportunities?$select=name&$filter=statecode eq 0&$top=1');
    const win = await errorOf(
      await patch(`opportunities(${String(open['opportunityid'])})`, { statecode: 1, statuscode: 3 }),
    );
    expect(win).toMatchObject({ status: 400 });
    expect(String(win.message)).toContain('WinOpportunity');
  });

  it('numbers orders and refuses a changed ordernumber', async () => {
    const created = await post(
      'salesorders?$select=ordernumber',
      { name: 'Numbered' },
      { Prefer: 'return=representation' },
    );
    const order = (await created.json()) as Row;
    const id = String(order['salesorderid']);
    expect(
      (await patch(`salesorders(${id})`, { ordernumber: order['ordernumber'], name: 'same number' })).status,
    ).toBe(204);
    expect(
      await errorOf(await patch(`salesorders(${id})`, { ordernumber: 'ORD-99999-XXXXXX' })),
    ).toMatchObject({ status: 400, code: '0x80040203' });
    const quote = await post(
      'quotes?$select=quotenumber',
      { name: 'Numbered quote' },
      { Prefer: 'return=representation' },
    );
    expect(String(((await quote.json()) as Row)['quotenumber'])).toMatch(/^QUO-\d{5}-[A-Z0-9]{6}$/);
  });
});

describe('alternate keys', () => {
  it('are defined asynchronously (Pending, then Active) and then address, upsert and bind rows', async () => {
    const keyPath = "EntityDefinitions(LogicalName='account')/Keys";
    const defined = await post(keyPath, {
      SchemaName: 'mlc_accountnumber',
      DisplayName: { LocalizedLabels: [{ Label: 'Account number key', LanguageCode: 1033 }] },
      KeyAttributes: ['accountnumber'],
    });
    expect(defined.status).toBe(204);
    expect(defined.headers.get('odata-entityid')).toMatch(
      /EntityDefinitions\([0-9a-f-]+\)\/Keys\([0-9a-f-]+\)$/,
    );
    const pending = await h.json<Collection>(keyPath);
    expect(pending.value[0]).toMatchObject({
      LogicalName: 'mlc_accountnumber',
      KeyAttributes: ['accountnumber'],
      EntityKeyIndexStatus: 'Pending',
    });
    expect((await h.api("accounts(accountnumber='ACC-10001')")).status).toBe(400);

    clock += 61_000;
    expect((await h.json<Collection>(keyPath)).value[0]?.['EntityKeyIndexStatus']).toBe('Active');
    const byKey = await first('accounts?$select=accountnumber&$filter=accountnumber ne null&$top=1');
    const number = String(byKey['accountnumber']);
    expect(await h.json(`accounts(accountnumber='${number}')?$select=accountnumber`)).toMatchObject({
      accountid: byKey['accountid'],
    });
    expect(await errorOf(await h.api("accounts(accountnumber='NOPE-1')"))).toEqual({
      status: 404,
      code: '0x80040217',
      message: 'A record with the specified key values does not exist in account entity',
    });

    const created = await patch(
      "accounts(accountnumber='KEY-1')?$select=name,accountnumber",
      { name: 'Created by key' },
      { Prefer: 'return=representation' },
    );
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ name: 'Created by key', accountnumber: 'KEY-1' });
    const plain = await patch("accounts(accountnumber='KEY-1')", {
      name: 'Updated by key',
      accountnumber: 'IGNORED',
    });
    expect([plain.status, plain.headers.get('odata-entityid')]).toEqual([
      204,
      `${h.root}accounts(accountnumber='KEY-1')`,
    ]);
    expect(await h.json("accounts(accountnumber='KEY-1')?$select=name")).toMatchObject({
      name: 'Updated by key',
    });

    const duplicate = await errorOf(await post('accounts', { name: 'dup', accountnumber: 'key-1' }));
    expect(duplicate).toMatchObject({ status: 412, code: '0x80060892' });

    const bound = await post(
      'contacts?$select=_parentcustomerid_value',
      { lastname: 'Bound by key', 'parentcustomerid_account@odata.bind': "/accounts(accountnumber='KEY-1')" },
      { Prefer: 'return=representation' },
    );
    expect(((await bound.json()) as Row)['_parentcustomerid_value']).toBeDefined();
  });
});
