import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED_FACTS } from '../src/fno';
import { type Entity, type FnoHarness, infolog, startFno } from './fno-harness';

let fno: FnoHarness;

beforeAll(async () => {
  fno = await startFno();
});

afterAll(async () => {
  await fno.close();
});

const WRITE_EXCEPTION = 'Microsoft.Dynamics.Platform.Integration.Services.OData.AxODataWriteException';

async function created(response: Response): Promise<Entity> {
  const text = await response.text();
  if (response.status !== 201) throw new Error(`${response.status} ${text}`);
  return JSON.parse(text) as Entity;
}

async function newOrder(body: Entity = {}): Promise<Entity> {
  return created(
    await fno.post('SalesOrderHeadersV2', { OrderingCustomerAccountNumber: 'US-00001', ...body }),
  );
}

describe('creates and number sequences', () => {
  it('assigns CustomerAccount and PartyNumber when omitted and returns 201 with the entity', async () => {
    const response = await fno.post('CustomersV3', {
      '@odata.type': '#Microsoft.Dynamics.DataEntities.CustomerV3',
      OrganizationName: 'Fresh Prospect Inc.',
      CustomerGroupId: '10',
      SalesCurrencyCode: 'USD',
      AddressCity: 'Chicago',
    });
    const customer = await created(response);
    expect(customer['CustomerAccount']).toBe('US-00061');
    expect(customer['dataAreaId']).toBe('usmf');
    expect(customer['PartyNumber']).toMatch(/^\d{9}$/);
    expect(customer['NameAlias']).toBe('FRESH PROSPECT INC.');
    expect(customer['@odata.context']).toBe(`${fno.origin}/data/$metadata#CustomersV3/$entity`);
    expect(response.headers.get('location')).toBe(
      `${fno.origin}/data/CustomersV3(dataAreaId='usmf',CustomerAccount='US-00061')`,
    );
    expect(response.headers.get('etag')).toBe(customer['@odata.etag']);
    const next = await created(
      await fno.post('CustomersV3', {
        OrganizationName: 'Next',
        CustomerGroupId: '10',
        SalesCurrencyCode: 'USD',
      }),
    );
    expect(next['CustomerAccount']).toBe('US-00062');
    const minimal = await fno.post(
      'CustomersV3',
      { OrganizationName: 'Minimal', CustomerGroupId: '10', SalesCurrencyCode: 'USD' },
      { Prefer: 'return=minimal' },
    );
    expect(minimal.status).toBe(204);
    expect(minimal.headers.get('odata-entityid')).toBe(
      `${fno.origin}/data/CustomersV3(dataAreaId='usmf',CustomerAccount='US-00063')`,
    );
  });

  it('accepts a manual number where the sequence allows it (usmf) and refuses it where not (demf)', async () => {
    const manual = await created(
      await fno.post('CustomersV3', {
        CustomerAccount: 'ACC-20001',
        OrganizationName: 'Manual Corp.',
        CustomerGroupId: '20',
        SalesCurrencyCode: 'USD',
      }),
    );
    expect(manual['CustomerAccount']).toBe('ACC-20001');

    const refused = await fno.post('SalesOrderHeadersV2', {
      dataAreaId: 'demf',
      SalesOrderNumber: 'SO-1',
      OrderingCustomerAccountNumber: 'DE-00001',
    });
    expect(refused.status).toBe(500);
    expect(await infolog(refused)).toBe(
      "Write failed for table row of type 'SalesOrderHeaderV2Entity'. Infolog: Error: Number sequence DEMF_SalesId does not allow the Sales order 'SO-1' to be set manually.",
    );
    const assigned = await newOrder({ dataAreaId: 'DEMF', OrderingCustomerAccountNumber: 'DE-00001' });
    expect(assigned['dataAreaId']).toBe('demf');
    expect(assigned['SalesOrderNumber']).toBe('000061');
    expect(assigned['CurrencyCode']).toBe('EUR');
  });

  it('defaults a header from its customer and a minimal line from the released product', async () => {
    const customer = await fno.json<Entity>("CustomersV3(dataAreaId='usmf',CustomerAccount='US-00001')");
    const header = await newOrder();
    expect(header['SalesOrderNumber']).toMatch(/^\d{6}$/);
    expect(header['CurrencyCode']).toBe(customer['SalesCurrencyCode']);
    expect(header['InvoiceCustomerAccountNumber']).toBe('US-00001');
    expect(header['SalesOrderName']).toBe(customer['OrganizationName']);
    expect(header['SalesOrderStatus']).toBe('Backorder');
    expect(header['RequestedShippingDate']).toMatch(/T12:00:00Z$/);
    expect(header['OrderCreationDateTime']).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);

    const product = await fno.json<Entity>(
      `ReleasedProductsV2(dataAreaId='usmf',ItemNumber='${SEED_FACTS.commonItem}')`,
    );
    const line = await created(
      await fno.post('SalesOrderLines', {
        ItemNumber: SEED_FACTS.commonItem,
        SalesOrderNumber: header['SalesOrderNumber'],
      }),
    );
    expect(line['InventoryLotId']).toMatch(/^\d{6}$/);
    expect(line['SalesUnitSymbol']).toBe(product['SalesUnitSymbol']);
    expect(line['SalesPrice']).toBe(product['SalesPrice']);
    expect(line['OrderedSalesQuantity']).toBe(1);
    expect(line['LineAmount']).toBe(product['SalesPrice']);
    expect(line['LineNumber']).toBe(1);
    expect(line['CurrencyCode']).toBe('USD');
    const second = await created(
      await fno.post('SalesOrderLines', {
        ItemNumber: SEED_FACTS.commonItem,
        SalesOrderNumber: header['SalesOrderNumber'],
        OrderedSalesQuantity: 3,
        SalesPrice: 10.5,
      }),
    );
    expect(second['LineNumber']).toBe(2);
    expect(second['LineAmount']).toBe(31.5);
    expect(Number(second['InventoryLotId'])).toBe(Number(line['InventoryLotId']) + 1);

    const totals = await fno.json<Entity>(
      `SalesOrderHeadersV2(dataAreaId='usmf',SalesOrderNumber='${header['SalesOrderNumber']}')?$select=OrderTotalAmount`,
    );
    expect(totals['OrderTotalAmount']).toBe(Math.round((Number(product['SalesPrice']) + 31.5) * 100) / 100);
  });

  it('prices a line from a trade agreement when one applies', async () => {
    const agreement = (
      await fno.json("SalesPriceAgreements?$filter=CustomerAccountNumber ne '' and FromQuantity eq 0&$top=1")
    ).value[0] as Entity;
    const header = await newOrder({ OrderingCustomerAccountNumber: agreement['CustomerAccountNumber'] });
    const line = await created(
      await fno.post('SalesOrderLines', {
        ItemNumber: agreement['ItemNumber'],
        SalesOrderNumber: header['SalesOrderNumber'],
      }),
    );
    expect(line['SalesPrice']).toBe(agreement['Price']);
  });
});

describe('validation errors', () => {
  it('refuses an unknown customer group with the real Infolog', async () => {
    const response = await fno.post('CustomersV3', {
      OrganizationName: 'X',
      CustomerGroupId: 'Local',
      SalesCurrencyCode: 'USD',
    });
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({
      error: {
        code: '',
        message: 'An error has occurred.',
        innererror: {
          message:
            "Write failed for table row of type 'CustCustomerV3Entity'. Infolog: Warning: The value 'Local' in field 'Customer group' is not found in the related table 'Customer groups'.; Warning: validateField failed on field 'CustCustomerV3Entity.CustomerGroupId'.",
          type: WRITE_EXCEPTION,
          stacktrace: expect.stringContaining('UpdateProcessor.CreateEntity_Save'),
        },
      },
    });
  });

  it('refuses an unknown currency and a customer without the required fields', async () => {
    const currency = await fno.post('CustomersV3', {
      OrganizationName: 'X',
      CustomerGroupId: '10',
      SalesCurrencyCode: 'XYZ',
    });
    expect(await infolog(currency)).toBe(
      "Write failed for table row of type 'CustCustomerV3Entity'. Infolog: Warning: The value 'XYZ' in field 'Currency' is not found in the related table 'Currency'.; Warning: validateField failed on field 'CustCustomerV3Entity.SalesCurrencyCode'.",
    );
    const missing = await fno.post('CustomersV3', { OrganizationName: 'X' });
    expect(await infolog(missing)).toBe(
      "Write failed for table row of type 'CustCustomerV3Entity'. Infolog: Warning: Field 'Customer group' must be filled in.; Warning: Field 'Currency' must be filled in.; Warning: validateWrite failed on data source 'CustTable (CustTable)'.",
    );
  });

  it('refuses an order for an unknown ordering customer', async () => {
    const response = await fno.post('SalesOrderHeadersV2', { OrderingCustomerAccountNumber: 'DE-00001' });
    expect(response.status).toBe(500);
    expect(await infolog(response)).toBe(
      "Write failed for table row of type 'SalesOrderHeaderV2Entity'. Infolog: Warning: The value 'DE-00001' in field 'Customer account' is not found in the related table 'Customers'.; Warning: validateField failed on field 'SalesOrderHeaderV2Entity.OrderingCustomerAccountNumber'.",
    );
  });

  it("refuses a line whose item is not released in the order's legal entity", async () => {
    const header = await newOrder();
    const product = await fno.api(`ProductsV2('${SEED_FACTS.demfOnlyItem}')`);
    expect(product.status).toBe(200);
    const response = await fno.post('SalesOrderLines', {
      ItemNumber: SEED_FACTS.demfOnlyItem,
      SalesOrderNumber: header['SalesOrderNumber'],
    });
    expect(response.status).toBe(500);
    expect(await infolog(response)).toBe(
      `Write failed for table row of type 'SalesOrderLineV2Entity'. Infolog: Warning: The value '${SEED_FACTS.demfOnlyItem}' in field 'Item number' is not found in the related table 'Items'.; Warning: validateField failed on field 'SalesOrderLineV2Entity.ItemNumber'.`,
    );
    const demfHeader = await newOrder({ dataAreaId: 'demf', OrderingCustomerAccountNumber: 'DE-00002' });
    const inDemf = await fno.post('SalesOrderLines', {
      dataAreaId: 'demf',
      ItemNumber: SEED_FACTS.demfOnlyItem,
      SalesOrderNumber: demfHeader['SalesOrderNumber'],
    });
    expect(inDemf.status).toBe(201);
  });

  it('refuses a unit that is not valid for the item', async () => {
    const header = await newOrder();
    const item = (await fno.json("ReleasedProductsV2?$filter=SalesUnitSymbol eq 'ea'&$top=1"))
      .value[0] as Entity;
    const unknownUnit = await fno.post('SalesOrderLines', {
      ItemNumber: item['ItemNumber'],
      SalesOrderNumber: header['SalesOrderNumber'],
      SalesUnitSymbol: 'crate',
    });
    expect(await infolog(unknownUnit)).toContain(
      "Warning: The value 'crate' in field 'Unit' is not found in the related table 'Units'.",
    );
    const noConversion = await fno.post('SalesOrderLines', {
      ItemNumber: item['ItemNumber'],
      SalesOrderNumber: header['SalesOrderNumber'],
      SalesUnitSymbol: 'kg',
    });
    expect(noConversion.status).toBe(500);
    expect(await infolog(noConversion)).toBe(
      `Write failed for table row of type 'SalesOrderLineV2Entity'. Infolog: Warning: Unit conversion from kg to ea does not exist for item ${item['ItemNumber']}.; Warning: validateWrite failed on data source 'SalesLine (SalesLine)'.`,
    );
    const convertible = await fno.post('SalesOrderLines', {
      ItemNumber: item['ItemNumber'],
      SalesOrderNumber: header['SalesOrderNumber'],
      SalesUnitSymbol: 'dz',
    });
    expect(convertible.status).toBe(201);
  });

  it('refuses duplicate keys with the real message', async () => {
    const group = { CustomerGroupId: 'Batch2', Description: 'Batch 2 Test group T1' };
    expect((await fno.post('CustomerGroups', group)).status).toBe(201);
    const duplicate = await fno.post('CustomerGroups', group);
    expect(duplicate.status).toBe(500);
    expect(await infolog(duplicate)).toBe(
      "Write failed for table row of type 'CustCustomerGroupEntity'. Infolog: Info: Cannot create a record in Customer groups (CustGroup). Customer group: Batch2, Batch 2 Test group T1.\nThe record already exists..",
    );
    const customer = await fno.post('CustomersV3', {
      CustomerAccount: 'US-00001',
      OrganizationName: 'Dup',
      CustomerGroupId: '10',
      SalesCurrencyCode: 'USD',
    });
    expect(await infolog(customer)).toContain(
      'Cannot create a record in Customers (CustTable). Customer account: US-00001, Dup',
    );
  });

  it('refuses unknown properties and wrong types before business logic (400)', async () => {
    const unknown = await fno.post('CustomerGroups', { CustomerGroupId: 'T9', Name: 'x' });
    expect(unknown.status).toBe(400);
    const body = (await unknown.json()) as { error: { innererror: { message: string } } };
    expect(body.error.innererror.message).toBe(
      "The property 'Name' does not exist on type 'Microsoft.Dynamics.DataEntities.CustomerGroup'. Make sure to only use property names that are defined by the type or mark the type as open type.",
    );
    const wrongType = await fno.post('CustomersV3', { CreditLimit: 'lots' });
    expect(wrongType.status).toBe(400);
    const badEnum = await fno.post('CustomersV3', { OnHoldStatus: 'Maybe' });
    expect(badEnum.status).toBe(400);
  });
});

describe('updates and deletes', () => {
  it('PATCH and PUT answer 204 and change the row; a stale If-Match is 412', async () => {
    const key = "CustomersV3(dataAreaId='usmf',CustomerAccount='US-00002')";
    const before = await fno.json<Entity>(key);
    const patch = await fno.api(key, { method: 'PATCH', body: JSON.stringify({ CreditLimit: 12345.67 }) });
    expect(patch.status).toBe(204);
    const after = await fno.json<Entity>(key);
    expect(after['CreditLimit']).toBe(12345.67);
    expect(after['@odata.etag']).not.toBe(before['@odata.etag']);
    expect(patch.headers.get('etag')).toBe(after['@odata.etag']);

    const put = await fno.api(key, { method: 'PUT', body: JSON.stringify({ PaymentTerms: 'Net45' }) });
    expect(put.status).toBe(204);
    expect((await fno.json<Entity>(key))['CreditLimit']).toBe(12345.67);

    const stale = await fno.api(key, {
      method: 'PATCH',
      body: JSON.stringify({ CreditLimit: 1 }),
      headers: { 'If-Match': String(before['@odata.etag']) },
    });
    expect(stale.status).toBe(412);
    const badGroup = await fno.api(key, {
      method: 'PATCH',
      body: JSON.stringify({ CustomerGroupId: 'Nope' }),
    });
    expect(badGroup.status).toBe(500);
    expect(await infolog(badGroup)).toContain("The value 'Nope' in field 'Customer group'");
  });

  it('DELETE answers 204; an order takes its lines with it; a customer with orders stays', async () => {
    const header = await newOrder();
    const number = String(header['SalesOrderNumber']);
    await created(
      await fno.post('SalesOrderLines', { ItemNumber: SEED_FACTS.commonItem, SalesOrderNumber: number }),
    );
    const key = `SalesOrderHeadersV2(dataAreaId='usmf',SalesOrderNumber='${number}')`;
    expect((await fno.api(key, { method: 'DELETE' })).status).toBe(204);
    expect((await fno.api(key)).status).toBe(404);
    const orphans = await fno.json(`SalesOrderLines?$filter=SalesOrderNumber eq '${number}'`);
    expect(orphans.value).toEqual([]);

    const customer = await fno.api("CustomersV3(dataAreaId='usmf',CustomerAccount='US-00001')", {
      method: 'DELETE',
    });
    expect(customer.status).toBe(500);
    expect(await infolog(customer)).toContain("Transactions exist in table 'Sales orders'");
  });
});
