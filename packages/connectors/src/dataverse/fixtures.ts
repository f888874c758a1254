/**
 * Example records for the conformance test (E8): what each source yields and each sink takes,
 * shaped like rows of the sandbox seed (Kestrel Industrial Supply). The checkpoint is a deltaLink
 * as Dataverse returns it (token `<version>!<MM/dd/yyyy HH:mm:ss>`, URL-encoded).
 */

const lookup = (table: string, id: string, name: string | null = null) => ({ id, table, name });
const USD = lookup('transactioncurrency', '7f3c1a52-5e0b-4b5e-9f0a-1c2d3e4f5a6b');
const state = { statecode: 0, statuscode: 1, modifiedon: '2025-06-01T08:00:00Z' };
const address = {
  address1_line1: '1200 Harbor Blvd',
  address1_city: 'Tacoma',
  address1_stateorprovince: 'WA',
  address1_postalcode: '98421',
  address1_country: 'US',
};

export const deltaCheckpointFixture = {
  deltaLink:
    'https://contoso.crm.dynamics.com/api/data/v9.2/accounts?$select=name&$deltatoken=919042%2108%2f22%2f2017%2008%3a10%3a44',
};

const deleted = (id: string) => ({ op: 'delete', id, reason: 'deleted' });

export const accountFixtures = [
  {
    op: 'upsert',
    id: '4a1e6f32-9b1c-4d6e-8f2a-0b1c2d3e4f50',
    etag: 'W/"1203"',
    row: {
      accountid: '4a1e6f32-9b1c-4d6e-8f2a-0b1c2d3e4f50',
      name: 'Cascade Pump & Valve',
      accountnumber: 'ACC-10001',
      telephone1: '+1 253 555 0100',
      emailaddress1: 'orders@cascadepump.example',
      websiteurl: null,
      ...address,
      paymenttermscode: 1,
      creditlimit: 50000,
      creditonhold: false,
      primarycontactid: lookup('contact', '5b2f7a43-0c2d-4e7f-9a3b-1c2d3e4f5a61'),
      parentaccountid: null,
      transactioncurrencyid: USD,
      ...state,
    },
  },
  deleted('6c3a8b54-1d3e-4f8a-8b4c-2d3e4f5a6b72'),
];

export const contactFixtures = [
  {
    op: 'upsert',
    id: '5b2f7a43-0c2d-4e7f-9a3b-1c2d3e4f5a61',
    etag: 'W/"1204"',
    row: {
      contactid: '5b2f7a43-0c2d-4e7f-9a3b-1c2d3e4f5a61',
      fullname: 'Renée Okafor',
      firstname: 'Renée',
      lastname: 'Okafor',
      jobtitle: 'Purchasing Manager',
      emailaddress1: 'renee.okafor@cascadepump.example',
      telephone1: null,
      mobilephone: null,
      ...address,
      parentcustomerid: lookup('account', '4a1e6f32-9b1c-4d6e-8f2a-0b1c2d3e4f50'),
      transactioncurrencyid: USD,
      ...state,
    },
  },
  deleted('7d4b9c65-2e4f-4a9b-9c5d-3e4f5a6b7c83'),
];

export const opportunityFixtures = [
  {
    op: 'upsert',
    id: '8e5cad76-3f5a-4bac-8d6e-4f5a6b7c8d94',
    etag: 'W/"1300"',
    row: {
      opportunityid: '8e5cad76-3f5a-4bac-8d6e-4f5a6b7c8d94',
      name: 'Pumps for the Tacoma plant',
      customerid: lookup('contact', '5b2f7a43-0c2d-4e7f-9a3b-1c2d3e4f5a61'),
      parentaccountid: lookup('account', '4a1e6f32-9b1c-4d6e-8f2a-0b1c2d3e4f50'),
      parentcontactid: null,
      pricelevelid: lookup('pricelevel', '9f6dbe87-4a6b-4cbd-9e7f-5a6b7c8d9ea5'),
      transactioncurrencyid: USD,
      estimatedvalue: 18450.5,
      actualvalue: 18450.5,
      estimatedclosedate: '2025-06-30',
      actualclosedate: '2025-06-12',
      ...state,
      statecode: 1,
      statuscode: 3,
    },
  },
  deleted('a07ecf98-5b7c-4dce-8f80-6b7c8d9eafb6'),
];

export const salesOrderFixtures = [
  {
    op: 'upsert',
    id: 'b18fd0a9-6c8d-4edf-9091-7c8d9eafb0c7',
    etag: 'W/"1402"',
    row: {
      salesorderid: 'b18fd0a9-6c8d-4edf-9091-7c8d9eafb0c7',
      name: 'Pumps for the Tacoma plant',
      ordernumber: 'ORD-01001-K7Q2M9',
      customerid: lookup('account', '4a1e6f32-9b1c-4d6e-8f2a-0b1c2d3e4f50'),
      pricelevelid: lookup('pricelevel', '9f6dbe87-4a6b-4cbd-9e7f-5a6b7c8d9ea5'),
      opportunityid: lookup('opportunity', '8e5cad76-3f5a-4bac-8d6e-4f5a6b7c8d94'),
      quoteid: null,
      transactioncurrencyid: USD,
      requestdeliveryby: '2025-07-01',
      paymenttermscode: 1,
      shipto_line1: '1200 Harbor Blvd',
      shipto_city: 'Tacoma',
      shipto_postalcode: '98421',
      shipto_country: 'US',
      billto_line1: null,
      billto_city: null,
      billto_country: null,
      totallineitemamount: 18450.5,
      discountamount: null,
      freightamount: null,
      totaltax: 0,
      totalamount: 18450.5,
      ...state,
    },
  },
  deleted('c290e1ba-7d9e-4ef0-8a12-8d9eafb0c1d8'),
];

export const productFixtures = [
  {
    op: 'upsert',
    id: 'd3a1f2cb-8eaf-4f01-9b23-9eafb0c1d2e9',
    etag: 'W/"901"',
    row: {
      productid: 'd3a1f2cb-8eaf-4f01-9b23-9eafb0c1d2e9',
      productnumber: 'IE-10001',
      name: 'Centrifugal pump CP-40',
      description: null,
      defaultuomscheduleid: lookup('uomschedule', 'e4b203dc-9fb0-4012-8c34-afb0c1d2e3fa'),
      defaultuomid: lookup('uom', 'f5c314ed-a0c1-4123-9d45-b0c1d2e3f40b'),
      pricelevelid: null,
      transactioncurrencyid: USD,
      price: 1250,
      standardcost: 800,
      currentcost: 820,
      quantitydecimal: 0,
      producttypecode: 1,
      productstructure: 1,
      ...state,
    },
  },
  deleted('06d425fe-b1d2-4234-8e56-c1d2e3f4051c'),
];

export const productSinkFixtures = [
  {
    productnumber: 'IE-20001',
    name: 'Gear motor GM-7',
    price: 480,
    quantitydecimal: 0,
    defaultuomscheduleid: { key: { name: 'Default Unit' } },
    defaultuomid: { key: { name: 'Each' } },
  },
];

export const accountSinkFixtures = [
  {
    accountnumber: 'US-00042',
    name: 'Northwind Traders',
    address1_city: 'Seattle',
    address1_country: 'US',
    transactioncurrencyid: { key: { isocurrencycode: 'USD' } },
  },
];

export const contactSinkFixtures = [
  {
    contactid: '17e536af-c2e3-4345-9f67-d2e3f405162d',
    firstname: 'Jonas',
    lastname: 'Brenner',
    emailaddress1: 'jonas.brenner@example.de',
    parentcustomerid: { table: 'account', ref: { key: { accountnumber: 'ACC-10004' } } },
  },
];

export const unitSinkFixtures = [
  {
    name: 'Box of 6',
    uomscheduleid: { key: { name: 'Default Unit' } },
    baseuom: { key: { name: 'Each' } },
    quantity: 6,
  },
];

export const priceListItemSinkFixtures = [
  {
    pricelevelid: { key: { name: 'Standard Price List (USD)' } },
    productid: { key: { productnumber: 'IE-20001' } },
    uomid: { key: { name: 'Each' } },
    amount: 480,
  },
];

export const orderErpNumberFixtures = [
  { salesorderid: 'b18fd0a9-6c8d-4edf-9091-7c8d9eafb0c7', erpOrderNumber: '000061' },
];

export const accountNumberFixtures = [
  { accountid: '6a1f3c52-8e0b-4d7a-9b3e-2f4c5d6e7f80', accountnumber: 'US-00061' },
];
