import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './dataverse-harness';

let h: Harness;
type Row = Record<string, unknown>;
type Collection = {
  value: Row[];
  '@odata.context': string;
  '@odata.nextLink'?: string;
  '@odata.count'?: number;
} & Row;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

const sample = async (name: string): Promise<unknown> =>
  JSON.parse(await readFile(new URL(`./fixtures/dataverse-samples/${name}`, import.meta.url), 'utf8'));

async function errorOf(response: Response): Promise<{ status: number; code: unknown; message: unknown }> {
  const body = (await response.json()) as { error: { code: unknown; message: unknown } };
  return { status: response.status, code: body.error.code, message: body.error.message };
}

describe('reading rows', () => {
  it('returns every column without $select, lookups as _x_value, an etag on every row', async () => {
    const body = await h.json<Collection>('accounts?$top=3');
    expect(body['@odata.context']).toBe(`${h.root}$metadata#accounts`);
    expect(body.value).toHaveLength(3);
    for (const row of body.value) {
      expect(row['@odata.etag']).toMatch(/^W\/"\d+"$/);
      expect(Object.keys(row)[0]).toBe('@odata.etag');
      expect(row).toHaveProperty('accountid');
      expect(row).toHaveProperty('_primarycontactid_value');
      expect(row).toHaveProperty('_ownerid_value');
      expect(row).not.toHaveProperty('primarycontactid');
      expect(row).toHaveProperty('telephone1');
    }
  });

  it('honours $select, always adds the primary key, and names the columns in the context URL', async () => {
    const body = await h.json<Collection>('accounts?$select=name,accountnumber&$top=1');
    expect(body['@odata.context']).toBe(`${h.root}$metadata#accounts(name,accountnumber)`);
    expect(Object.keys(body.value[0] ?? {})).toEqual(['@odata.etag', 'name', 'accountnumber', 'accountid']);
  });

  it('adds _transactioncurrencyid_value when money columns are selected', async () => {
    const body = await h.json<Collection>('accounts?$select=name,revenue&$top=1');
    expect(Object.keys(body.value[0] ?? {})).toEqual([
      '@odata.etag',
      'name',
      'revenue',
      'accountid',
      '_transactioncurrencyid_value',
    ]);
  });

  it('reads one row by id, by accountid=, and 404s in the sample shape', async () => {
    const [first] = (await h.json<Collection>('accounts?$select=name&$top=1')).value;
    const id = String(first?.['accountid']);
    const byId = await h.api(`accounts(${id})?$select=name`);
    expect(byId.status).toBe(200);
    expect(byId.headers.get('etag')).toBe(String(first?.['@odata.etag']));
    const single = (await byId.json()) as Row;
    expect(single).toEqual({
      '@odata.context': `${h.root}$metadata#accounts(name)/$entity`,
      '@odata.etag': first?.['@odata.etag'],
      name: first?.['name'],
      accountid: id,
    });
    expect(await h.json(`accounts(accountid=${id.toUpperCase()})?$select=name`)).toEqual(single);

    const missing = '5b4ced1c-88e1-ee11-904c-6045bd05e9d4';
    const response = await h.api(`accounts(${missing})`);
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toBe('application/json; odata.metadata=minimal');
    expect(await response.json()).toEqual(await sample('404_not_found_plain__msdocs_insomnia.json'));
  });

  it('adds the error annotations of the sample when they are asked for', async () => {
    const missing = '5b4ced1c-88e1-ee11-904c-6045bd05e9d4';
    const response = await h.api(`accounts(${missing})`, {
      headers: { Prefer: 'odata.include-annotations="*"' },
    });
    const expected = (await sample('404_not_found_with_annotations__msdocs_insomnia.json')) as { error: Row };
    const actual = (await response.json()) as { error: Row };
    expect(Object.keys(actual.error)).toEqual(Object.keys(expected.error));
    for (const key of [
      'code',
      'message',
      '@Microsoft.PowerApps.CDS.ErrorDetails.ApiExceptionSourceKey',
      '@Microsoft.PowerApps.CDS.ErrorDetails.ApiExceptionMessageName',
      '@Microsoft.PowerApps.CDS.ErrorDetails.ApiExceptionHttpStatusCode',
      '@Microsoft.PowerApps.CDS.HelpLink',
      '@Microsoft.PowerApps.CDS.InnerError.Message',
    ]) {
      expect(actual.error[key], key).toBe(expected.error[key]);
    }
    const only = await h.api(`accounts(${missing})`, {
      headers: { Prefer: 'odata.include-annotations="Microsoft.PowerApps.CDS.ErrorDetails*"' },
    });
    const keys = Object.keys(((await only.json()) as { error: Row }).error);
    expect(
      keys
        .filter((k) => k.startsWith('@'))
        .every((k) => k.startsWith('@Microsoft.PowerApps.CDS.ErrorDetails.')),
    ).toBe(true);
  });

  it('answers 304 to If-None-Match with the current etag, but not with $expand or annotations', async () => {
    const [first] = (await h.json<Collection>('contacts?$select=fullname&$top=1')).value;
    const url = `contacts(${String(first?.['contactid'])})?$select=fullname`;
    const etag = String(first?.['@odata.etag']);
    const notModified = await h.api(url, { headers: { 'If-None-Match': etag } });
    expect(notModified.status).toBe(304);
    expect((await h.api(url, { headers: { 'If-None-Match': 'W/"1"' } })).status).toBe(200);
    expect((await h.api(url, { headers: { 'If-None-Match': 'null' } })).status).toBe(200);
    expect(
      (
        await h.api(`${url}&$expand=parentcustomerid_account($select=name)`, {
          headers: { 'If-None-Match': etag },
        })
      ).status,
    ).toBe(200);
    expect(
      (await h.api(url, { headers: { 'If-None-Match': etag, Prefer: 'odata.include-annotations="*"' } }))
        .status,
    ).toBe(200);
  });

  it('reads one column and a related collection by navigation', async () => {
    const [order] = (await h.json<Collection>('salesorders?$select=name&$top=1')).value;
    const id = String(order?.['salesorderid']);
    expect(await h.json(`salesorders(${id})/name`)).toEqual({
      '@odata.context': `${h.root}$metadata#salesorders(${id})/name`,
      value: order?.['name'],
    });
    const lines = await h.json<Collection>(`salesorders(${id})/order_details?$select=quantity`);
    expect(lines['@odata.context']).toBe(`${h.root}$metadata#salesorderdetails(quantity)`);
    expect(lines.value.length).toBeGreaterThan(0);
  });
});

describe('$filter', () => {
  it('filters with comparisons, and/or/not, functions, null, lookups, dates', async () => {
    const de = await h.json<Collection>("accounts?$select=address1_country&$filter=address1_country eq 'de'");
    expect(de.value.length).toBeGreaterThan(10);
    expect(de.value.every((r) => r['address1_country'] === 'DE')).toBe(true);

    const combined = await h.json<Collection>(
      "accounts?$select=name,accountnumber,revenue&$filter=(address1_country eq 'US' or address1_country eq 'CA') and accountnumber ne null and not contains(name,'Energy') and revenue ge 1000000",
    );
    for (const row of combined.value) {
      expect(row['accountnumber']).not.toBeNull();
      expect(String(row['name'])).not.toMatch(/energy/i);
      expect(Number(row['revenue'])).toBeGreaterThanOrEqual(1_000_000);
    }

    const [contact] = (
      await h.json<Collection>(
        'contacts?$select=_parentcustomerid_value&$filter=_parentcustomerid_value ne null&$top=1',
      )
    ).value;
    const accountId = String(contact?.['_parentcustomerid_value']);
    const children = await h.json<Collection>(
      `contacts?$select=fullname&$filter=_parentcustomerid_value eq ${accountId}`,
    );
    expect(children.value.length).toBeGreaterThan(0);

    const recent = await h.json<Collection>(
      'salesorders?$select=createdon&$filter=createdon ge 2025-05-01T00:00:00Z and createdon lt 2025-06-02',
    );
    expect(recent.value.length).toBeGreaterThan(0);

    const quoted = await h.json<Collection>("contacts?$select=lastname&$filter=lastname eq 'O''Brien'");
    expect(quoted.value.every((r) => r['lastname'] === "O'Brien")).toBe(true);

    const path = await h.json<Collection>(
      'salesorderdetails?$select=quantity&$filter=salesorderid/statecode eq 0 and productid/productnumber ne null&$top=5',
    );
    expect(path.value.length).toBe(5);
  });

  it('reports syntax, property and type errors with the platform wording', async () => {
    const cases: Array<[string, string]> = [
      [
        "name eq 'unterminated",
        "There is an unterminated literal at position 21 in 'name eq 'unterminated'.",
      ],
      ["nmae eq 'x'", "Could not find a property named 'nmae' on type 'Microsoft.Dynamics.CRM.account'."],
      [
        "revenue eq 'x'",
        "A binary operator with incompatible types was detected. Found operand types 'Edm.Decimal' and 'Edm.String' for operator kind 'Equal'.",
      ],
      ["name eq 'x' and", "Expression expected at position 15 in 'name eq 'x' and'."],
    ];
    for (const [filter, message] of cases) {
      const response = await h.api(`accounts?$filter=${encodeURIComponent(filter)}`);
      expect(await errorOf(response)).toEqual({ status: 400, code: '0x80060888', message });
    }
  });
});

describe('$orderby, $top, $count, $skip', () => {
  it('orders by several columns in both directions', async () => {
    const body = await h.json<Collection>(
      'accounts?$select=address1_country,name&$orderby=address1_country desc,name asc&$top=300',
    );
    const rows = body.value.map(
      (r) => [String(r['address1_country']), String(r['name']).toLowerCase()] as const,
    );
    for (let i = 1; i < rows.length; i++) {
      const [pc, pn] = rows[i - 1] ?? ['', ''];
      const [c, n] = rows[i] ?? ['', ''];
      expect(pc > c || (pc === c && pn <= n)).toBe(true);
    }
    expect(body['@odata.nextLink']).toBeUndefined();
  });

  it('counts with $count=true and /$count (text/plain)', async () => {
    const body = await h.json<Collection>(
      "accounts?$select=name&$filter=address1_country eq 'DE'&$count=true&$top=2",
    );
    expect(body['@odata.count']).toBeGreaterThan(2);
    expect(body.value).toHaveLength(2);
    const response = await h.api("accounts/$count?$filter=address1_country eq 'DE'");
    expect(response.headers.get('content-type')).toBe('text/plain');
    expect(await response.text()).toBe(String(body['@odata.count']));
    const annotated = await h.json<Row>('accounts?$select=name&$top=1&$count=true', {
      headers: { Prefer: 'odata.include-annotations="*"' },
    });
    expect(annotated['@Microsoft.Dynamics.CRM.totalrecordcount']).toBe(annotated['@odata.count']);
    expect(annotated['@Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded']).toBe(false);
  });

  it('refuses $skip and unknown query options like the platform', async () => {
    expect(await errorOf(await h.api('accounts?$skip=10'))).toEqual({
      status: 400,
      code: '0x80060888',
      message: 'The query parameter $skip is not supported',
    });
    expect((await h.api('accounts?$top=abc')).status).toBe(400);
  });
});

describe('$expand', () => {
  it('expands single-valued navigations, incl. the polymorphic customer', async () => {
    const body = await h.json<Collection>(
      'salesorders?$select=name&$expand=customerid_account($select=name,accountnumber),pricelevelid($select=name)&$top=3',
    );
    expect(body['@odata.context']).toBe(
      `${h.root}$metadata#salesorders(name,customerid_account(name,accountnumber),pricelevelid(name))`,
    );
    for (const row of body.value) {
      const customer = row['customerid_account'] as Row;
      expect(Object.keys(customer)).toEqual(['@odata.etag', 'name', 'accountnumber', 'accountid']);
      expect(String((row['pricelevelid'] as Row)['name'])).toMatch(/^Standard Price List/);
    }
    const contactOrders = await h.json<Collection>(
      'opportunities?$select=name&$expand=customerid_contact($select=fullname)&$filter=_parentcontactid_value ne null&$top=1',
    );
    expect(contactOrders.value[0]?.['customerid_contact']).toMatchObject({ fullname: expect.any(String) });
  });

  it('expands order_details with inner $select/$filter/$orderby/$top and a per-row nextLink', async () => {
    const body = await h.json<Collection>(
      'salesorders?$select=name&$expand=order_details($select=quantity,priceperunit,_productid_value;$filter=quantity gt 0;$orderby=quantity desc;$top=2)&$top=5',
    );
    expect(body['@odata.context']).toBe(
      `${h.root}$metadata#salesorders(name,order_details(quantity,priceperunit,_productid_value))`,
    );
    for (const order of body.value) {
      const lines = order['order_details'] as Row[];
      expect(lines.length).toBeLessThanOrEqual(2);
      if (lines.length === 2)
        expect(Number(lines[0]?.['quantity'])).toBeGreaterThanOrEqual(Number(lines[1]?.['quantity']));
      expect(order['order_details@odata.nextLink']).toBe(
        `${h.root}salesorders(${String(order['salesorderid'])})/order_details?$select=quantity,priceperunit,_productid_value&$filter=quantity%20gt%200`,
      );
    }
    const nested = await h.json<Collection>(
      'salesorders?$select=name&$expand=order_details($select=quantity;$expand=productid($select=name))&$top=1',
    );
    const line = ((nested.value[0]?.['order_details'] ?? []) as Row[])[0];
    expect(line).toHaveProperty('productid');
  });

  it('refuses $top/$orderby on many-to-one and nested expands, and unknown navigations', async () => {
    const message =
      'Only $select and $filter clause can be provided while doing $expand on many-to-one relationship or nested one-to-many relationship.';
    expect(await errorOf(await h.api('salesorders?$expand=pricelevelid($top=1)'))).toEqual({
      status: 400,
      code: '0x80060888',
      message,
    });
    expect(await errorOf(await h.api('salesorders?$expand=order_details($top=1;$expand=productid)'))).toEqual(
      { status: 400, code: '0x80060888', message },
    );
    expect(await errorOf(await h.api('salesorders?$expand=salesorder_details'))).toEqual({
      status: 400,
      code: '0x80060888',
      message:
        "Could not find a property named 'salesorder_details' on type 'Microsoft.Dynamics.CRM.salesorder'.",
    });
  });
});

describe('annotations', () => {
  it('adds FormattedValue, lookuplogicalname and associatednavigationproperty for "*"', async () => {
    const body = await h.json<Collection>(
      'salesorders?$select=name,totalamount,statecode,_customerid_value,requestdeliveryby,ispricelocked&$top=1',
      { headers: { Prefer: 'odata.include-annotations="*"' } },
    );
    const row = body.value[0] ?? {};
    expect(row['totalamount@OData.Community.Display.V1.FormattedValue']).toMatch(/^[$€][\d,]+\.\d{2}$/);
    expect(row['statecode@OData.Community.Display.V1.FormattedValue']).toMatch(
      /^(Active|Submitted|Canceled|Fulfilled|Invoiced)$/,
    );
    expect(row['_customerid_value@Microsoft.Dynamics.CRM.lookuplogicalname']).toBe('account');
    expect(row['_customerid_value@Microsoft.Dynamics.CRM.associatednavigationproperty']).toBe(
      'customerid_account',
    );
    expect(typeof row['_customerid_value@OData.Community.Display.V1.FormattedValue']).toBe('string');
    expect(row['requestdeliveryby@OData.Community.Display.V1.FormattedValue']).toMatch(
      /^\d{1,2}\/\d{1,2}\/\d{4}$/,
    );
    expect(row['ispricelocked@OData.Community.Display.V1.FormattedValue']).toMatch(/^(Yes|No)$/);
    const keys = Object.keys(row);
    expect(keys.indexOf('_customerid_value@OData.Community.Display.V1.FormattedValue')).toBeLessThan(
      keys.indexOf('_customerid_value'),
    );
  });

  it('honours lists and wildcards and echoes Preference-Applied', async () => {
    const prefer = 'odata.include-annotations="Microsoft.Dynamics.CRM.lookuplogicalname"';
    const response = await h.api(
      'contacts?$select=fullname,_parentcustomerid_value,statecode&$filter=_parentcustomerid_value ne null&$top=1',
      {
        headers: { Prefer: prefer },
      },
    );
    expect(response.headers.get('preference-applied')).toBe(prefer);
    const row = ((await response.json()) as Collection).value[0] ?? {};
    expect(Object.keys(row).filter((k) => k.includes('@'))).toEqual([
      '@odata.etag',
      '_parentcustomerid_value@Microsoft.Dynamics.CRM.lookuplogicalname',
    ]);
    const wildcard = await h.json<Collection>('contacts?$select=statecode&$top=1', {
      headers: { Prefer: 'odata.include-annotations="OData.Community.Display.V1.*"' },
    });
    expect(wildcard.value[0]?.['statecode@OData.Community.Display.V1.FormattedValue']).toMatch(
      /Active|Inactive/,
    );
    const none = await h.json<Collection>('contacts?$select=statecode&$top=1');
    expect(Object.keys(none.value[0] ?? {}).filter((k) => k.includes('@'))).toEqual(['@odata.etag']);
  });
});

describe('error responses', () => {
  it('carry the headers of the 400 sample (Content-Type, OData-Version, REQ_ID = x-ms-service-request-id)', async () => {
    const raw = await readFile(
      new URL(
        './fixtures/dataverse-samples/400_plugin_error_with_annotations__msdocs_application_insights_ilogger.http',
        import.meta.url,
      ),
      'utf8',
    );
    const [head = ''] = raw.split(/\r?\n\r?\n/);
    const [statusLine, ...headerLines] = head.split(/\r?\n/);
    const sampleHeaders = new Map(
      headerLines.map((line) => [
        line.slice(0, line.indexOf(':')).toLowerCase(),
        line.slice(line.indexOf(':') + 1).trim(),
      ]),
    );
    const response = await h.api("accounts?$filter=name eq 'unterminated");
    expect(`HTTP/1.1 ${response.status} Bad Request`).toBe(statusLine);
    for (const name of ['content-type', 'odata-version', 'x-ms-service-request-id', 'req_id']) {
      expect(response.headers.has(name), name).toBe(true);
    }
    expect(response.headers.get('content-type')).toBe(sampleHeaders.get('content-type'));
    expect(response.headers.get('odata-version')).toBe(sampleHeaders.get('odata-version'));
    expect(response.headers.get('req_id')).toBe(response.headers.get('x-ms-service-request-id'));
    const body = (await response.json()) as { error: Row };
    expect(Object.keys(body)).toEqual(['error']);
    expect(Object.keys(body.error)).toEqual(['code', 'message']);
  });
});

describe('resources and methods', () => {
  it('404s an unknown entity set with the platform message', async () => {
    expect(await errorOf(await h.api('accountz'))).toEqual({
      status: 404,
      code: '0x8006088a',
      message: "Resource not found for the segment 'accountz'.",
    });
  });

  it('405s a wrong method with Allow', async () => {
    const response = await h.api('accounts', { method: 'PUT', body: '{}' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, POST');
    expect((await errorOf(response)).message).toBe(
      "The requested resource does not support http method 'PUT'.",
    );
  });

  it('only resolves an alternate key once it is defined and Active', async () => {
    const response = await h.api("accounts(accountnumber='ACC-10001')");
    expect(await errorOf(response)).toEqual({
      status: 400,
      code: '0x80060888',
      message:
        "The key in the request URI is not valid for resource 'Microsoft.Dynamics.CRM.account'. Ensure that the names and number of key properties match the declared or alternate key properties for the resource 'Microsoft.Dynamics.CRM.account'.",
    });
  });

  it('lists entity definitions with $select and $filter', async () => {
    const body = await h.json<Collection>(
      'EntityDefinitions?$select=LogicalName,EntitySetName&$filter=ChangeTrackingEnabled eq true',
    );
    expect(body.value.map((r) => r['LogicalName'])).toEqual(
      expect.arrayContaining(['account', 'salesorder', 'salesorderdetail']),
    );
    expect(body.value.map((r) => r['LogicalName'])).not.toContain('sdkmessage');
    const single = await h.json<Row>(
      "EntityDefinitions(LogicalName='salesorder')?$select=EntitySetName,PrimaryIdAttribute",
    );
    expect(single).toMatchObject({ EntitySetName: 'salesorders', PrimaryIdAttribute: 'salesorderid' });
  });
});
