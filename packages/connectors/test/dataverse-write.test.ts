import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataverseConnector, ensureAlternateKeys, type RecordOutcome, writeStream } from '../src/index';
import { type DataverseSandbox, startDataverseSandbox, webApi } from './dataverse-sandbox';

/**
 * The Dataverse sinks against the sandbox: UpsertMultiple by alternate key in chunks with one bad
 * record isolated by bisection, contacts by the id the worker chose, units and price-list items by
 * natural key (the latter through `$batch` changesets), and the ERP order number written back.
 */

let sb: DataverseSandbox;

beforeAll(async () => {
  sb = await startDataverseSandbox({ keyActivationDelayMs: 300 });
  const { ctx, config } = sb.context(undefined, { alternateKeyPollMs: 100 });
  await ensureAlternateKeys(ctx, config);
});

afterAll(async () => {
  await sb?.close();
});

const oks = (outcomes: RecordOutcome[]) => outcomes.map((o) => o.ok);
const postsTo = async (entitySet: string) =>
  (await sb.control.counters('dataverse')).requests
    .filter((r) => r.entitySet === entitySet && r.method === 'POST')
    .reduce((sum, r) => sum + r.count, 0);

describe('dataverse sinks', () => {
  const numbers = Array.from({ length: 7 }, (_, i) => `MLC-T-${String(i + 1).padStart(4, '0')}`);
  const products = numbers.map((productnumber, i) => ({
    productnumber,
    name: `Test product ${i + 1}`,
    price: 100 + i,
    quantitydecimal: 0,
    defaultuomscheduleid: { key: { name: 'Default Unit' } },
    defaultuomid: { key: { name: 'Each' } },
    // Record 2 is refused by Dataverse: 99 is not a product type.
    ...(i === 2 ? { producttypecode: 99 } : { producttypecode: 1 }),
  }));

  it('upserts products by product number with UpsertMultiple; one bad record fails alone', async () => {
    const { ctx } = sb.context();
    const config = sb.config(undefined, { upsertChunkSize: 4 });
    await sb.control.resetCounters('dataverse');
    const outcomes = await writeStream(dataverseConnector, 'products', ctx, config, products);
    expect(oks(outcomes)).toEqual([true, true, false, true, true, true, true]);
    expect(outcomes[0]).toEqual({ ok: true, key: 'MLC-T-0001' });
    const failed = outcomes[2];
    expect(failed?.ok === false && failed.error).toMatchObject({
      code: 'validation_failed',
      upstream: { status: 400, message: expect.stringContaining('producttypecode') },
    });
    // Chunk 1 (4 records): whole, halves, quarters of the bad half = 5 calls; chunk 2: 1 call.
    expect(await postsTo('products')).toBe(6);

    const admin = webApi(ctx.http, sb.dataverseUrl);
    const row = await admin.get<{ name: string; price: number; _defaultuomid_value: string }>(
      "products(productnumber='MLC-T-0004')?$select=name,price,_defaultuomid_value",
    );
    expect(row).toMatchObject({
      name: 'Test product 4',
      price: 103,
      _defaultuomid_value: expect.any(String),
    });
  });

  it('leaves the products it writes Active (the API creates them in Draft), not touching retired ones', async () => {
    const { ctx, config } = sb.context();
    const admin = webApi(ctx.http, sb.dataverseUrl);
    const state = async (productnumber: string) =>
      admin.get<{ statecode: number; statuscode: number }>(
        `products(productnumber='${productnumber}')?$select=statecode,statuscode`,
      );
    // Written by the first test: published after the upsert.
    expect(await state('MLC-T-0001')).toMatchObject({ statecode: 0, statuscode: 1 });
    expect(await state('MLC-T-0007')).toMatchObject({ statecode: 0, statuscode: 1 });
    // A product created through the Web API alone stays Draft (as in Dataverse)…
    await admin.create('products', {
      productnumber: 'MLC-D-0001',
      name: 'Draft product',
      quantitydecimal: 0,
    });
    expect(await state('MLC-D-0001')).toMatchObject({ statecode: 2, statuscode: 0 });
    // …and one retired in Sales stays retired when written again.
    await admin.update("products(productnumber='MLC-T-0005')", { statecode: 1, statuscode: 2 });

    const outcomes = await writeStream(dataverseConnector, 'products', ctx, config, [
      { productnumber: 'MLC-D-0001', name: 'Draft product, now from F&O', quantitydecimal: 0 },
      { productnumber: 'MLC-T-0005', name: 'Test product 5', quantitydecimal: 0 },
      { productnumber: 'MLC-N-0001', name: 'New product', quantitydecimal: 0 },
    ]);
    expect(outcomes).toEqual([
      { ok: true, key: 'MLC-D-0001' },
      { ok: true, key: 'MLC-T-0005' },
      { ok: true, key: 'MLC-N-0001' },
    ]);
    expect(await state('MLC-D-0001')).toMatchObject({ statecode: 0, statuscode: 1 });
    expect(await state('MLC-N-0001')).toMatchObject({ statecode: 0, statuscode: 1 });
    expect(await state('MLC-T-0005')).toMatchObject({ statecode: 1, statuscode: 2 });

    // Quotable: a new product can go on an open opportunity.
    const [opportunity] = await admin.rows<{ opportunityid: string }>(
      'opportunities?$select=opportunityid&$filter=statecode eq 0&$top=1',
    );
    if (!opportunity) throw new Error('no open opportunity');
    const product = await admin.get<{ productid: string; _defaultuomid_value: string | null }>(
      "products(productnumber='MLC-T-0001')?$select=productid,_defaultuomid_value",
    );
    await admin.create('opportunityproducts', {
      'opportunityid@odata.bind': `/opportunities(${opportunity.opportunityid})`,
      'productid@odata.bind': `/products(${product.productid})`,
      quantity: 2,
    });
  });

  it('writes the same records again without making duplicates (upsert by key)', async () => {
    const { ctx } = sb.context();
    const fixed = products.map((p) => ({ ...p, producttypecode: 1, price: (p.price ?? 0) + 1 }));
    const outcomes = await writeStream(dataverseConnector, 'products', ctx, sb.config(), fixed);
    expect(oks(outcomes).every(Boolean)).toBe(true);
    const rows = await webApi(ctx.http, sb.dataverseUrl).rows<{ productnumber: string; price: number }>(
      "products?$select=productnumber,price&$filter=startswith(productnumber,'MLC-T-')",
    );
    expect(rows).toHaveLength(7);
    expect(rows.find((r) => r.productnumber === 'MLC-T-0001')?.price).toBe(101);
  });

  it('refuses records that do not fit the sink schema without sending them', async () => {
    const { ctx } = sb.context();
    const outcomes = await writeStream(dataverseConnector, 'products', ctx, sb.config(), [
      { productnumber: '', name: 'no number' },
      { productnumber: 'MLC-T-BAD/1', name: 'slash in the key' },
    ]);
    expect(outcomes.map((o) => (o.ok ? 'ok' : o.error.code))).toEqual([
      'validation_failed',
      'validation_failed',
    ]);
  });

  it('upserts accounts by account number (update and create) and contacts by id', async () => {
    const { ctx } = sb.context();
    const admin = webApi(ctx.http, sb.dataverseUrl);
    const [existing] = await admin.rows<{ accountnumber: string; accountid: string }>(
      'accounts?$select=accountnumber,accountid&$filter=accountnumber ne null&$top=1',
    );
    if (!existing) throw new Error('no account with a number');
    const accounts = await writeStream(dataverseConnector, 'accounts', ctx, sb.config(), [
      { accountnumber: existing.accountnumber, name: 'Renamed by the ERP', address1_city: 'Düsseldorf' },
      {
        accountnumber: 'US-09999',
        name: 'New from the ERP',
        transactioncurrencyid: { key: { isocurrencycode: 'USD' } },
      },
    ]);
    expect(accounts).toEqual([
      { ok: true, key: existing.accountnumber },
      { ok: true, key: 'US-09999' },
    ]);
    const renamed = await admin.get<{ name: string; accountid: string; address1_city: string }>(
      `accounts(accountnumber='${existing.accountnumber}')?$select=name,accountid,address1_city`,
    );
    expect(renamed).toMatchObject({
      name: 'Renamed by the ERP',
      accountid: existing.accountid,
      address1_city: 'Düsseldorf',
    });

    const contactid = randomUUID();
    const contacts = await writeStream(dataverseConnector, 'contacts', ctx, sb.config(), [
      {
        contactid,
        firstname: 'Jonas',
        lastname: 'Brenner',
        parentcustomerid: { table: 'account', ref: { key: { accountnumber: 'US-09999' } } },
      },
      {
        contactid: randomUUID(),
        lastname: 'Nobody',
        parentcustomerid: { table: 'account', ref: { key: { accountnumber: 'NO-SUCH' } } },
      },
    ]);
    expect(contacts[0]).toEqual({ ok: true, key: contactid });
    expect(contacts[1]?.ok === false && contacts[1].error.code).toBe('not_found');
    const contact = await admin.get<Record<string, unknown>>(
      `contacts(${contactid})?$select=fullname,_parentcustomerid_value`,
      'odata.include-annotations="*"',
    );
    expect(contact).toMatchObject({
      fullname: 'Jonas Brenner',
      '_parentcustomerid_value@Microsoft.Dynamics.CRM.lookuplogicalname': 'account',
      '_parentcustomerid_value@OData.Community.Display.V1.FormattedValue': 'New from the ERP',
    });
  });

  it('upserts units by unit group and name, twice without a duplicate', async () => {
    const { ctx } = sb.context();
    const unit = {
      name: 'Box of 6',
      uomscheduleid: { key: { name: 'Default Unit' } },
      baseuom: { key: { name: 'Each' } },
      quantity: 6,
    };
    const first = await writeStream(dataverseConnector, 'units', ctx, sb.config(), [unit]);
    const second = await writeStream(dataverseConnector, 'units', ctx, sb.config(), [
      { ...unit, quantity: 6 },
    ]);
    expect(first[0]?.ok).toBe(true);
    expect(second).toEqual(first);
    const rows = await webApi(ctx.http, sb.dataverseUrl).rows<{ uomid: string; quantity: number }>(
      "uoms?$select=uomid,quantity&$filter=name eq 'Box of 6'",
    );
    expect(rows).toEqual([expect.objectContaining({ uomid: first[0]?.ok && first[0].key, quantity: 6 })]);
  });

  it('upserts price-list items through $batch changesets; a failing part fails alone', async () => {
    const { ctx } = sb.context();
    const item = (productnumber: string, amount: number) => ({
      pricelevelid: { key: { name: 'Standard Price List (USD)' } },
      productid: { key: { productnumber } },
      uomid: { key: { name: 'Each' } },
      amount,
    });
    const missingProduct = { ...item('MLC-T-0001', 1), productid: { id: randomUUID() } };
    await sb.control.resetCounters('dataverse');
    const outcomes = await writeStream(dataverseConnector, 'priceListItems', ctx, sb.config(), [
      item('MLC-T-0001', 111),
      missingProduct,
      item('MLC-T-0002', 222),
    ]);
    expect(oks(outcomes)).toEqual([true, false, true]);
    expect(outcomes[1]?.ok === false && outcomes[1].error.code).toBe('not_found');
    // The failing part is named by its Content-ID: one resend of the others, no bisection.
    expect(await postsTo('$batch')).toBe(2);

    const again = await writeStream(dataverseConnector, 'priceListItems', ctx, sb.config(), [
      item('MLC-T-0001', 115),
    ]);
    expect(again).toEqual([outcomes[0]]);
    const admin = webApi(ctx.http, sb.dataverseUrl);
    const rows = await admin.rows<{ amount: number }>(
      `productpricelevels?$select=amount&$filter=productid/productnumber eq 'MLC-T-0001'`,
    );
    expect(rows).toEqual([expect.objectContaining({ amount: 115 })]);
  });

  it('writes the ERP order number back onto the order (update only)', async () => {
    const { ctx } = sb.context();
    const config = sb.config(undefined, { erpOrderNumberColumn: 'description' });
    const admin = webApi(ctx.http, sb.dataverseUrl);
    const [order] = await admin.rows<{ salesorderid: string }>(
      'salesorders?$select=salesorderid&$filter=statecode eq 0&$top=1',
    );
    if (!order) throw new Error('no active order');
    const missing = randomUUID();
    const outcomes = await writeStream(dataverseConnector, 'orderErpNumbers', ctx, config, [
      { salesorderid: order.salesorderid, erpOrderNumber: '000061' },
      { salesorderid: missing, erpOrderNumber: '000062' },
    ]);
    expect(outcomes[0]).toEqual({ ok: true, key: order.salesorderid });
    expect(outcomes[1]?.ok === false && outcomes[1].error.code).toBe('not_found');
    const row = await admin.get<{ description: string }>(
      `salesorders(${order.salesorderid})?$select=description`,
    );
    expect(row.description).toBe('000061');
    // Never created by the write-back.
    await expect(admin.get(`salesorders(${missing})`)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('writes the F&O customer account into an empty account number (update only)', async () => {
    const { ctx, config } = sb.context();
    const admin = webApi(ctx.http, sb.dataverseUrl);
    const accountid = await admin.create('accounts', { name: 'Account without a number' });
    const taken = await admin.create('accounts', { name: 'Holds the number', accountnumber: 'MLC-AN-0002' });
    const other = await admin.create('accounts', { name: 'Another account without a number' });
    const missing = randomUUID();
    await sb.control.resetCounters('dataverse');
    const outcomes = await writeStream(dataverseConnector, 'accountNumbers', ctx, config, [
      { accountid, accountnumber: 'MLC-AN-0001' },
      { accountid: missing, accountnumber: 'MLC-AN-0003' },
      // The accountnumber alternate key is Active: a number another account holds is refused.
      { accountid: other.toUpperCase(), accountnumber: 'MLC-AN-0002' },
    ]);
    expect(outcomes[0]).toEqual({ ok: true, key: accountid.toLowerCase() });
    expect(outcomes[1]?.ok === false && outcomes[1].error.code).toBe('not_found');
    expect(outcomes[2]?.ok === false && outcomes[2].error).toMatchObject({
      code: 'conflict',
      remedy: expect.stringContaining('merge them'),
    });
    const patches = (await sb.control.counters('dataverse')).requests
      .filter((r) => r.entitySet === 'accounts' && r.method === 'PATCH')
      .reduce((sum, r) => sum + r.count, 0);
    expect(patches).toBe(3);
    expect(
      (await admin.get<{ accountnumber: string }>(`accounts(${accountid})?$select=accountnumber`))
        .accountnumber,
    ).toBe('MLC-AN-0001');
    expect(
      (await admin.get<{ accountnumber: string }>(`accounts(${taken})?$select=accountnumber`)).accountnumber,
    ).toBe('MLC-AN-0002');
    expect(
      (await admin.get<{ accountnumber: string | null }>(`accounts(${other})?$select=accountnumber`))
        .accountnumber,
    ).toBeNull();
    await expect(admin.get(`accounts(${missing})`)).rejects.toMatchObject({ code: 'not_found' });
    // Records outside the schema are refused before anything is sent.
    const refused = await writeStream(dataverseConnector, 'accountNumbers', ctx, config, [
      { accountid, accountnumber: 'X'.repeat(21) },
      { accountid: 'not-a-guid', accountnumber: 'US-1' },
    ]);
    expect(refused.map((o) => (o.ok ? 'ok' : o.error.code))).toEqual([
      'validation_failed',
      'validation_failed',
    ]);
  });
});
