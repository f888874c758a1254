import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type DataverseDeltaRecord,
  dataverseConnector,
  readOpportunityWithProducts,
  readOrderWithLines,
  readStream,
  type SourcePage,
} from '../src/index';
import { collect, type DataverseSandbox, startDataverseSandbox, webApi } from './dataverse-sandbox';

/**
 * The Dataverse sources and detail reads against the sandbox over HTTPS with msal-node tokens:
 * a change-tracking read from scratch, a resume after a restart (new HTTP client, checkpoint
 * stored as JSON) that sees a create, an update and a delete, the fallback to a full read when
 * the delta token is no longer accepted, and order/opportunity detail reads in one request.
 */

let sb: DataverseSandbox;

beforeAll(async () => {
  sb = await startDataverseSandbox();
});

afterAll(async () => {
  await sb?.close();
});

type Page = SourcePage<unknown, unknown>;
type Row = Record<string, unknown>;

const records = (pages: Page[]) => pages.flatMap((page) => page.records as DataverseDeltaRecord<Row>[]);

describe('dataverse change-tracking source', () => {
  let stored: unknown;

  it('reads a table from scratch page by page, with the delta link only on the last page', async () => {
    const { ctx } = sb.context();
    const pages = await collect(
      readStream(dataverseConnector, 'accounts', ctx, sb.config(undefined, { pageSize: 100 }), undefined),
    );
    const admin = webApi(ctx.http, sb.dataverseUrl);
    const count = Number(await admin.get('accounts/$count'));
    expect(pages.length).toBe(Math.ceil(count / 100));
    expect(records(pages)).toHaveLength(count);
    expect(new Set(records(pages).map((r) => r.id)).size).toBe(count);
    expect(pages.slice(0, -1).every((page) => page.checkpoint === null)).toBe(true);
    const last = pages.at(-1);
    expect(last?.checkpoint).toEqual({
      deltaLink: expect.stringContaining(`${sb.dataverseUrl}/api/data/v9.2/accounts?`),
    });
    expect(pages.every((page) => page.meta?.read === 'full' && !page.meta.restart)).toBe(true);
    const first = records(pages)[0];
    expect(first).toMatchObject({ op: 'upsert', etag: expect.stringMatching(/^W\/"\d+"$/) });
    expect(first?.op === 'upsert' && first.row['accountid']).toBe(first?.id);
    // Lookups carry their table (and the polymorphic ones say which one).
    const withCurrency = records(pages).find((r) => r.op === 'upsert' && r.row['transactioncurrencyid']);
    expect(withCurrency?.op === 'upsert' && withCurrency.row['transactioncurrencyid']).toMatchObject({
      table: 'transactioncurrency',
    });
    stored = JSON.parse(JSON.stringify(last?.checkpoint));
  });

  it('resumes after a restart from the stored delta link and sees a create, an update and a delete', async () => {
    const setup = sb.context();
    const admin = webApi(setup.ctx.http, sb.dataverseUrl);
    const [changed, doomed] = await admin.rows<{ accountid: string }>('accounts?$select=accountid&$top=2');
    if (!changed || !doomed) throw new Error('the seed has no accounts');
    const created = await admin.create('accounts', {
      name: 'Delta Test Works',
      accountnumber: 'ACC-DELTA-1',
    });
    await admin.update(`accounts(${changed.accountid})`, { telephone1: '+1 206 555 0199' });
    await admin.remove(`accounts(${doomed.accountid})`);
    await setup.http.close();

    // A new process: a new client, the checkpoint as the worker stored it.
    const { ctx } = sb.context();
    const pages = await collect(readStream(dataverseConnector, 'accounts', ctx, sb.config(), stored));
    expect(pages.every((page) => page.meta?.read === 'incremental')).toBe(true);
    const seen = records(pages);
    expect(seen).toHaveLength(3);
    expect(seen).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          op: 'upsert',
          id: created,
          row: expect.objectContaining({ name: 'Delta Test Works', accountnumber: 'ACC-DELTA-1' }),
        }),
        expect.objectContaining({
          op: 'upsert',
          id: changed.accountid,
          row: expect.objectContaining({ telephone1: '+1 206 555 0199' }),
        }),
        { op: 'delete', id: doomed.accountid, reason: 'deleted' },
      ]),
    );
    // Deletions come after the upserts.
    expect(seen.at(-1)?.op).toBe('delete');
    const next = pages.at(-1)?.checkpoint as { deltaLink: string };
    expect(next.deltaLink).not.toBe((stored as { deltaLink: string }).deltaLink);

    // Nothing changed since: an empty page with a new checkpoint.
    const quiet = await collect(readStream(dataverseConnector, 'accounts', ctx, sb.config(), next));
    expect(quiet).toHaveLength(1);
    expect(quiet[0]?.records).toEqual([]);
    stored = quiet[0]?.checkpoint;
  });

  it('falls back to a full read when the delta token has expired, and says so in the page meta', async () => {
    const { ctx } = sb.context();
    const admin = webApi(ctx.http, sb.dataverseUrl);
    await admin.create('accounts', { name: 'Written before the reset' });
    const resumed = await collect(readStream(dataverseConnector, 'accounts', ctx, sb.config(), stored));
    const { deltaLink } = (resumed.at(-1)?.checkpoint ?? { deltaLink: '' }) as { deltaLink: string };
    // The sandbox's reset rebuilds the seed: the organisation's change log no longer reaches back
    // to the token (as after `expirechangetrackingindays`), and Dataverse asks for a full sync.
    await sb.control.reset('dataverse');
    const pages = await collect(
      readStream(dataverseConnector, 'accounts', ctx, sb.config(undefined, { pageSize: 200 }), { deltaLink }),
    );
    const count = Number(await admin.get('accounts/$count'));
    expect(records(pages)).toHaveLength(count);
    expect(records(pages).every((r) => r.op === 'upsert')).toBe(true);
    for (const page of pages) {
      expect(page.meta).toEqual({
        read: 'full',
        restart: expect.objectContaining({
          code: 'delta_token_expired',
          reason: expect.stringContaining('every row is read again'),
          upstream: expect.objectContaining({
            status: 400,
            code: '0x80044352',
            message: 'Version stamp associated with the client has expired. Please perform a full sync.',
          }),
        }),
      });
    }
    // Intermediate pages do not point back at the dead token.
    expect(pages.slice(0, -1).every((page) => page.checkpoint === null)).toBe(true);
    const fresh = pages.at(-1)?.checkpoint;
    const after = await collect(readStream(dataverseConnector, 'accounts', ctx, sb.config(), fresh));
    expect(after.map((page) => page.meta)).toEqual([{ read: 'incremental' }]);
  });

  it('reads every table the integration tracks', async () => {
    const { ctx } = sb.context();
    for (const stream of ['contacts', 'opportunities', 'salesOrders', 'products']) {
      const pages = await collect(readStream(dataverseConnector, stream, ctx, sb.config(), undefined));
      expect(records(pages).length, stream).toBeGreaterThan(0);
      expect(pages.at(-1)?.checkpoint, stream).toEqual({ deltaLink: expect.any(String) });
    }
  });
});

describe('dataverse change-tracking source: a checkpoint of another table', () => {
  it('reads the table from scratch and says why', async () => {
    const { ctx } = sb.context();
    const accounts = await collect(readStream(dataverseConnector, 'accounts', ctx, sb.config(), undefined));
    const pages = await collect(
      readStream(dataverseConnector, 'contacts', ctx, sb.config(), accounts.at(-1)?.checkpoint),
    );
    expect(pages[0]?.meta).toMatchObject({ read: 'full', restart: { code: 'checkpoint_not_for_table' } });
    expect(pages.at(-1)?.checkpoint).toEqual({
      deltaLink: expect.stringContaining('/api/data/v9.2/contacts?'),
    });
  });
});

describe('dataverse detail reads', () => {
  it('reads an order whose customer is a contact with its lines and customer in one request', async () => {
    const { ctx, config } = sb.context();
    const admin = webApi(ctx.http, sb.dataverseUrl);
    const [contact] = await admin.rows<{ contactid: string; fullname: string }>(
      'contacts?$select=contactid,fullname&$filter=statecode eq 0&$top=1',
    );
    const [priceList] = await admin.rows<{ pricelevelid: string }>(
      "pricelevels?$select=pricelevelid&$filter=name eq 'Standard Price List (USD)'",
    );
    const products = await admin.rows<{
      productid: string;
      productnumber: string;
      _defaultuomid_value: string;
    }>('products?$select=productid,productnumber,_defaultuomid_value&$filter=statecode eq 0&$top=2');
    if (!contact || !priceList || products.length < 2) throw new Error('seed rows missing');
    const orderId = await admin.create('salesorders', {
      name: 'Order for a person',
      'customerid_contact@odata.bind': `/contacts(${contact.contactid})`,
      'pricelevelid@odata.bind': `/pricelevels(${priceList.pricelevelid})`,
      order_details: products.map((product, index) => ({
        'productid@odata.bind': `/products(${product.productid})`,
        'uomid@odata.bind': `/uoms(${product._defaultuomid_value})`,
        quantity: index + 2,
        lineitemnumber: 2 - index,
      })),
    });

    await sb.control.resetCounters('dataverse');
    const detail = await readOrderWithLines(ctx, config, orderId);
    const counters = await sb.control.counters('dataverse');
    expect(counters.total).toBe(1);

    expect(detail.order).toMatchObject({
      salesorderid: orderId,
      name: 'Order for a person',
      ordernumber: expect.any(String),
      customerid: { id: contact.contactid, table: 'contact', name: contact.fullname },
      pricelevelid: { id: priceList.pricelevelid, table: 'pricelevel', name: 'Standard Price List (USD)' },
    });
    expect(detail.customer).toMatchObject({
      table: 'contact',
      id: contact.contactid,
      row: { contactid: contact.contactid, fullname: contact.fullname },
    });
    expect(detail.currencyCode).toBe('USD');
    expect(detail.etag).toMatch(/^W\/"\d+"$/);
    // Sorted by line item number; units named.
    expect(detail.lines.map((line) => line.lineitemnumber)).toEqual([1, 2]);
    expect(detail.lines.map((line) => line.productid?.id)).toEqual([
      products[1]?.productid,
      products[0]?.productid,
    ]);
    expect(detail.lines.map((line) => line.productnumber)).toEqual([
      products[1]?.productnumber,
      products[0]?.productnumber,
    ]);
    expect(
      detail.lines.every((line) => line.uomid?.table === 'uom' && typeof line.uomid.name === 'string'),
    ).toBe(true);
    expect(detail.lines[0]?.quantity).toBe(3);
  });

  it('reads an order whose customer is an account', async () => {
    const { ctx, config } = sb.context();
    const [order] = await webApi(ctx.http, sb.dataverseUrl).rows<{ salesorderid: string }>(
      'salesorders?$select=salesorderid&$filter=_customerid_value ne null and customerid_account/name ne null&$top=1',
    );
    if (!order) throw new Error('no order with an account');
    const detail = await readOrderWithLines(ctx, config, order.salesorderid);
    expect(detail.customer?.table).toBe('account');
    expect(detail.customer?.id).toBe(detail.order.customerid?.id);
    expect(detail.lines.length).toBeGreaterThan(0);
  });

  it('reads an opportunity with its products and customer', async () => {
    const { ctx, config } = sb.context();
    const admin = webApi(ctx.http, sb.dataverseUrl);
    const [line] = await admin.rows<{ _opportunityid_value: string }>(
      'opportunityproducts?$select=_opportunityid_value&$top=1',
    );
    if (!line) throw new Error('no opportunity products');
    const all = await admin.rows(
      `opportunityproducts?$select=opportunityproductid&$filter=_opportunityid_value eq ${line._opportunityid_value}`,
    );
    await sb.control.resetCounters('dataverse');
    const detail = await readOpportunityWithProducts(ctx, config, line._opportunityid_value);
    expect(detail.opportunity.opportunityid).toBe(line._opportunityid_value);
    expect(detail.products).toHaveLength(all.length);
    expect(detail.customer?.id).toBe(detail.opportunity.customerid?.id);
    // Each product carries its product's number, read in the same single request.
    const requests = (await sb.control.counters('dataverse')).requests;
    expect(requests.reduce((sum, r) => sum + r.count, 0)).toBe(1);
    for (const product of detail.products) {
      if (!product.productid) {
        expect(product.productnumber).toBeNull();
        continue;
      }
      const expected = await admin.get<{ productnumber: string }>(
        `products(${product.productid.id})?$select=productnumber`,
      );
      expect(product.productnumber).toBe(expected.productnumber);
    }
    expect(detail.products.some((product) => typeof product.productnumber === 'string')).toBe(true);
  });

  it('gives a write-in opportunity product a null product number', async () => {
    const { ctx, config } = sb.context();
    const admin = webApi(ctx.http, sb.dataverseUrl);
    const [opportunity] = await admin.rows<{ opportunityid: string }>(
      'opportunities?$select=opportunityid&$filter=statecode eq 0&$top=1',
    );
    if (!opportunity) throw new Error('no open opportunity');
    await admin.create('opportunityproducts', {
      'opportunityid@odata.bind': `/opportunities(${opportunity.opportunityid})`,
      isproductoverridden: true,
      productdescription: 'Installation on site',
      quantity: 1,
      priceperunit: 250,
    });
    const detail = await readOpportunityWithProducts(ctx, config, opportunity.opportunityid);
    const writeIn = detail.products.find((p) => p.productdescription === 'Installation on site');
    expect(writeIn).toMatchObject({ productid: null, productnumber: null, isproductoverridden: true });
  });

  it('reports a missing order as not_found', async () => {
    const { ctx, config } = sb.context();
    await expect(
      readOrderWithLines(ctx, config, '00000000-0000-0000-0000-000000000001'),
    ).rejects.toMatchObject({
      code: 'not_found',
    });
  });
});
