import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED_FACTS } from '../src/fno';
import { type Entity, type FnoHarness, type ODataCollection, startFno } from './fno-harness';

let fno: FnoHarness;

beforeAll(async () => {
  fno = await startFno();
});

afterAll(async () => {
  await fno.close();
});

/** Orders of the default company that are not invoiced. */
async function openOrders(): Promise<number> {
  const page = await fno.json(
    "SalesOrderHeadersV2?$filter=SalesOrderStatus ne Microsoft.Dynamics.DataEntities.SalesStatus'Invoiced'&$count=true&$top=0",
  );
  return page['@odata.count'] ?? 0;
}

const companies = (rows: readonly Entity[]) => [...new Set(rows.map((row) => row['dataAreaId']))].sort();

describe('company scoping', () => {
  it('reads only the default company (usmf) without cross-company', async () => {
    const page = await fno.json('CustomersV3?$select=CustomerAccount,dataAreaId');
    expect(page.value.length).toBeGreaterThan(0);
    expect(companies(page.value)).toEqual(['usmf']);
  });

  it('reads every company with cross-company=true', async () => {
    const page = await fno.json('CustomersV3?cross-company=true&$select=CustomerAccount,dataAreaId');
    expect(companies(page.value)).toEqual(['demf', 'usmf']);
  });

  it('narrows to one company with $filter=dataAreaId, which needs cross-company for a non-default one', async () => {
    const demf = await fno.json(
      "CustomersV3?$filter=dataAreaId eq 'demf'&cross-company=true&$select=dataAreaId",
    );
    expect(demf.value.length).toBeGreaterThan(0);
    expect(companies(demf.value)).toEqual(['demf']);

    const withoutCrossCompany = await fno.json("CustomersV3?$filter=dataAreaId eq 'demf'&$select=dataAreaId");
    expect(withoutCrossCompany.value).toEqual([]);

    const usmf = await fno.json("CustomersV3?$filter=dataAreaId eq 'usmf'&$count=true&$top=0");
    const all = await fno.json('CustomersV3?$count=true&$top=0');
    expect(usmf['@odata.count']).toBe(all['@odata.count']);
  });

  it('never scopes shared entities, which have no dataAreaId', async () => {
    const legalEntities = await fno.json('LegalEntities?$select=LegalEntityId');
    expect(legalEntities.value.map((row) => row['LegalEntityId'])).toEqual(['DEMF', 'USMF']);
    const product = await fno.json<Entity>(`ProductsV2('${SEED_FACTS.demfOnlyItem}')`);
    expect(product['ProductNumber']).toBe(SEED_FACTS.demfOnlyItem);
    expect(product).not.toHaveProperty('dataAreaId');
  });
});

describe('single-entity URLs', () => {
  it('needs every key field, dataAreaId included, in any order', async () => {
    const byKeys = await fno.json<Entity>("CustomersV3(dataAreaId='usmf',CustomerAccount='US-00001')");
    expect(byKeys['CustomerAccount']).toBe('US-00001');
    expect(byKeys['@odata.context']).toBe(`${fno.origin}/data/$metadata#CustomersV3/$entity`);
    const reordered = await fno.json<Entity>("CustomersV3(CustomerAccount='US-00001',dataAreaId='usmf')");
    expect(reordered['@odata.etag']).toBe(byKeys['@odata.etag']);

    const missing = await fno.api("CustomersV3(CustomerAccount='US-00001')");
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({
      Message: `No HTTP resource was found that matches the request URI '${fno.origin}/data/CustomersV3(CustomerAccount='US-00001')'.`,
      MessageDetail: 'No route data was found for this request.',
    });
    expect((await fno.api("CustomersV3('US-00001')")).status).toBe(404);
  });

  it('finds another company by key only with cross-company', async () => {
    const key = "CustomersV3(dataAreaId='demf',CustomerAccount='DE-00001')";
    expect((await fno.api(key)).status).toBe(404);
    const found = await fno.json<Entity>(`${key}?cross-company=true`);
    expect(found['dataAreaId']).toBe('demf');
  });

  it('answers an unknown key and an unknown entity set with their errors', async () => {
    const unknownKey = await fno.api("CustomersV3(dataAreaId='usmf',CustomerAccount='NOPE')");
    expect(unknownKey.status).toBe(404);
    expect(await unknownKey.json()).toEqual({
      error: { code: '', message: "Resource not found for the segment 'CustomersV3'." },
    });
    const unknownSet = await fno.api('Customers');
    expect(unknownSet.status).toBe(404);
    expect(await unknownSet.json()).toEqual({ error: { code: '', message: 'Entity set not found.' } });
  });

  it('serves a navigation and a single property of an entity', async () => {
    const header = (await fno.json('SalesOrderHeadersV2?$top=1')).value[0] as Entity;
    const key = `SalesOrderHeadersV2(dataAreaId='usmf',SalesOrderNumber='${header['SalesOrderNumber']}')`;
    const lines = await fno.json(`${key}/SalesOrderLines?$select=SalesOrderNumber`);
    expect(lines.value.length).toBeGreaterThan(0);
    expect(lines.value.every((line) => line['SalesOrderNumber'] === header['SalesOrderNumber'])).toBe(true);
    const currency = await fno.json<Entity>(`${key}/CurrencyCode`);
    expect(currency['value']).toBe('USD');
  });
});

describe('$filter', () => {
  it('filters on enums with the qualified literal', async () => {
    const page = await fno.json(
      "CustomersV3?$filter=CreditLimitIsMandatory eq Microsoft.Dynamics.DataEntities.NoYes'Yes'&$select=CreditLimitIsMandatory",
    );
    expect(page.value.length).toBeGreaterThan(0);
    expect(page.value.every((row) => row['CreditLimitIsMandatory'] === 'Yes')).toBe(true);
    const not = await fno.json(
      "CustomersV3?$filter=CreditLimitIsMandatory ne Microsoft.Dynamics.DataEntities.NoYes'Yes'&$count=true&$top=0",
    );
    const all = await fno.json('CustomersV3?$count=true&$top=0');
    expect((not['@odata.count'] ?? 0) + page.value.length).toBe(all['@odata.count']);
  });

  it('matches wildcards in eq literals, case-insensitively', async () => {
    const page = await fno.json("ReleasedProductsV2?$filter=SearchName eq '*pump*'&$select=SearchName");
    expect(page.value.length).toBeGreaterThan(0);
    expect(page.value.every((row) => String(row['SearchName']).includes('PUMP'))).toBe(true);
    const prefix = await fno.json("CustomersV3?$filter=CustomerAccount eq 'ACC-*'&$select=CustomerAccount");
    expect(prefix.value.length).toBe(30);
  });

  it('combines and/or/not, comparisons and dates', async () => {
    const page = await fno.json(
      "SalesOrderLines?$filter=(OrderedSalesQuantity ge 10 and OrderedSalesQuantity lt 20) or not (SalesUnitSymbol ne 'm')&$select=OrderedSalesQuantity,SalesUnitSymbol",
    );
    expect(page.value.length).toBeGreaterThan(0);
    for (const row of page.value) {
      const quantity = Number(row['OrderedSalesQuantity']);
      expect((quantity >= 10 && quantity < 20) || row['SalesUnitSymbol'] === 'm').toBe(true);
    }
    const recent = await fno.json(
      'SalesOrderHeadersV2?$filter=OrderCreationDateTime ge 2025-05-01T00:00:00Z&$select=OrderCreationDateTime',
    );
    expect(recent.value.every((row) => String(row['OrderCreationDateTime']) >= '2025-05-01')).toBe(true);
  });

  it('refuses in and has the way F&O does', async () => {
    for (const filter of [
      "CustomerAccount in ('US-00001','US-00002')",
      "OnHoldStatus has Microsoft.Dynamics.DataEntities.CustVendorBlocked'All'",
    ]) {
      const response = await fno.api(`CustomersV3?$filter=${encodeURIComponent(filter)}`);
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({
        error: {
          code: '',
          message: 'The query specified in the URI is not valid. The method or operation is not implemented.',
          innererror: {
            message: 'The method or operation is not implemented.',
            type: 'System.NotImplementedException',
            stacktrace: '',
          },
        },
      });
    }
  });

  it('reports unknown properties, incompatible types and ordering on enums', async () => {
    const cases: [string, string][] = [
      [
        "Name eq 'x'",
        "Could not find a property named 'Name' on type 'Microsoft.Dynamics.DataEntities.CustomerV3'.",
      ],
      [
        "CreditLimit eq 'x'",
        "A binary operator with incompatible types was detected. Found operand types 'Edm.Decimal' and 'Edm.String' for operator kind 'Equal'.",
      ],
      [
        "OnHoldStatus gt Microsoft.Dynamics.DataEntities.CustVendorBlocked'No'",
        "A binary operator with incompatible types was detected. Found operand types 'Microsoft.Dynamics.DataEntities.CustVendorBlocked' and 'Microsoft.Dynamics.DataEntities.CustVendorBlocked' for operator kind 'GreaterThan'.",
      ],
      ['CustomerAccount eq', "Syntax error at position 18 in 'CustomerAccount eq'."],
    ];
    for (const [filter, detail] of cases) {
      const response = await fno.api(`CustomersV3?$filter=${encodeURIComponent(filter)}`);
      expect(response.status).toBe(400);
      const body = (await response.json()) as { error: { message: string } };
      expect(body.error.message).toBe(`The query specified in the URI is not valid. ${detail}`);
    }
  });
});

describe('query options', () => {
  it('$select returns only the selected properties and says so in the context', async () => {
    const page = await fno.json('CustomersV3?$select=CustomerAccount,OrganizationName&$top=2');
    expect(page['@odata.context']).toBe(
      `${fno.origin}/data/$metadata#CustomersV3(CustomerAccount,OrganizationName)`,
    );
    for (const row of page.value)
      expect(Object.keys(row).sort()).toEqual(['@odata.etag', 'CustomerAccount', 'OrganizationName']);
  });

  it('$orderby sorts, desc and multi-key, ties by key', async () => {
    const page = await fno.json(
      'ReleasedProductsV2?$orderby=SalesPrice desc,ItemNumber&$select=ItemNumber,SalesPrice&$top=50',
    );
    const prices = page.value.map((row) => Number(row['SalesPrice']));
    expect(prices).toEqual([...prices].sort((a, b) => b - a));
  });

  it('$top, $skip and $count page through a result', async () => {
    const all = await fno.json('SalesOrderHeadersV2?$select=SalesOrderNumber&$count=true');
    const page = await fno.json('SalesOrderHeadersV2?$select=SalesOrderNumber&$count=true&$skip=5&$top=10');
    expect(page['@odata.count']).toBe(all['@odata.count']);
    expect(page.value).toEqual(all.value.slice(5, 15));
    expect(page['@odata.nextLink']).toBeUndefined();
    const count = await fno.api(
      "SalesOrderHeadersV2/$count?$filter=SalesOrderStatus eq Microsoft.Dynamics.DataEntities.SalesStatus'Invoiced'",
    );
    expect(count.headers.get('content-type')).toMatch(/^text\/plain/);
    const invoiced = Number(await count.text());
    expect(invoiced).toBeGreaterThan(0);
    expect(invoiced).toBe(all.value.length - (await openOrders()));
  });

  it('$expand one level, with $select inside, and refuses a second level', async () => {
    const page = await fno.json<ODataCollection>(
      'SalesOrderHeadersV2?$select=SalesOrderNumber&$expand=SalesOrderLines($select=InventoryLotId,ItemNumber)&$top=5',
    );
    expect(page['@odata.context']).toBe(
      `${fno.origin}/data/$metadata#SalesOrderHeadersV2(SalesOrderNumber,SalesOrderLines,SalesOrderLines(InventoryLotId,ItemNumber))`,
    );
    for (const header of page.value) {
      const lines = header['SalesOrderLines'] as Entity[];
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines)
        expect(Object.keys(line).sort()).toEqual(['@odata.etag', 'InventoryLotId', 'ItemNumber']);
    }
    const line = await fno.json<Entity>(
      `SalesOrderLines(dataAreaId='usmf',InventoryLotId='000001')?$expand=SalesOrderHeaderV2($select=SalesOrderNumber)`,
    );
    expect((line['SalesOrderHeaderV2'] as Entity)['SalesOrderNumber']).toBe(line['SalesOrderNumber']);
    const deep = await fno.api('SalesOrderHeadersV2?$expand=SalesOrderLines($expand=SalesOrderHeaderV2)');
    expect(deep.status).toBe(400);
  });

  it('serves $metadata as CSDL with the entity sets and enum types', async () => {
    const response = await fno.api('$metadata', { headers: { Accept: 'application/xml' } });
    expect(response.headers.get('content-type')).toMatch(/^application\/xml/);
    const csdl = await response.text();
    expect(csdl).toContain('<Schema Namespace="Microsoft.Dynamics.DataEntities"');
    expect(csdl).toContain(
      '<EntitySet Name="CustomersV3" EntityType="Microsoft.Dynamics.DataEntities.CustomerV3"/>',
    );
    expect(csdl).toContain('<EnumType Name="NoYes">');
    expect(csdl).toContain('<PropertyRef Name="InventoryLotId"/>');
  });

  it('answers with the OData headers and sets the request context for the host counters', async () => {
    const response = await fno.api('CustomerGroups');
    expect(response.headers.get('content-type')).toBe(
      'application/json; odata.metadata=minimal; charset=utf-8',
    );
    expect(response.headers.get('odata-version')).toBe('4.0');
    expect(fno.lastContext()?.entitySet).toBe('CustomerGroups');
    expect(fno.lastContext()?.clientId).toBeDefined();
  });
});
