import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './dataverse-harness';

type Row = Record<string, unknown>;
type Collection = { value: Row[] };

let h: Harness;
const clock = Date.parse('2026-03-02T09:00:00Z');
beforeAll(async () => {
  h = await startHarness({ now: () => new Date(clock) });
});
afterAll(async () => {
  await h.close();
});

const post = (path: string, body: unknown) => h.api(path, { method: 'POST', body: JSON.stringify(body) });
const patch = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  h.api(path, { method: 'PATCH', body: JSON.stringify(body), headers });

async function errorOf(response: Response): Promise<{ status: number; code: unknown; message: unknown }> {
  const body = (await response.json()) as { error: { code: unknown; message: unknown } };
  return { status: response.status, code: body.error.code, message: body.error.message };
}

async function rows(query: string): Promise<Row[]> {
  return (await h.json<Collection>(query)).value;
}

async function first(query: string): Promise<Row> {
  const row = (await rows(query))[0];
  if (!row) throw new Error(`no row for ${query}`);
  return row;
}

/** Open opportunities with products, one per call (each test closes its own). */
let openIndex = 0;
async function openOpportunity(): Promise<Row> {
  const open = await rows(
    'opportunities?$select=name,estimatedvalue,_transactioncurrencyid_value&$filter=statecode eq 0 and estimatedvalue gt 0&$orderby=name',
  );
  const row = open[openIndex++];
  if (!row) throw new Error('out of open opportunities');
  return row;
}

describe('WinOpportunity / LoseOpportunity', () => {
  it('wins an opportunity: 204, Won/statuscode, actual revenue and close date, an opportunityclose', async () => {
    const opportunity = await openOpportunity();
    const id = String(opportunity['opportunityid']);
    const response = await post('WinOpportunity', {
      Status: 3,
      OpportunityClose: {
        subject: 'Won Opportunity',
        'opportunityid@odata.bind': `/opportunities(${id})`,
      },
    });
    expect(response.status).toBe(204);
    expect(await response.text()).toBe('');
    const won = await h.json<Row>(
      `opportunities(${id})?$select=statecode,statuscode,actualvalue,actualclosedate,estimatedvalue,closeprobability`,
    );
    expect(won).toMatchObject({
      statecode: 1,
      statuscode: 3,
      actualvalue: opportunity['estimatedvalue'],
      actualclosedate: '2026-03-02',
      closeprobability: 100,
    });
    const closes = await rows(
      `opportunitycloses?$select=subject,actualrevenue,actualend,statecode,statuscode,_transactioncurrencyid_value&$filter=_opportunityid_value eq ${id}`,
    );
    expect(closes).toHaveLength(1);
    expect(closes[0]).toMatchObject({
      subject: 'Won Opportunity',
      actualrevenue: opportunity['estimatedvalue'],
      actualend: '2026-03-02T09:00:00Z',
      statecode: 1,
      statuscode: 2,
      _transactioncurrencyid_value: opportunity['_transactioncurrencyid_value'],
    });
    expect(Object.keys(closes[0] ?? {})).toContain('activityid');
    // Through the opportunity's collection navigation too.
    const related = await rows(`opportunities(${id})/Opportunity_OpportunityClose?$select=subject`);
    expect(related).toHaveLength(1);
  });

  it('takes actualrevenue and actualend from the OpportunityClose, and Status -1 as the default Won status', async () => {
    const id = String((await openOpportunity())['opportunityid']);
    const response = await post('WinOpportunity', {
      Status: -1,
      OpportunityClose: {
        '@odata.type': 'Microsoft.Dynamics.CRM.opportunityclose',
        subject: 'Signed',
        actualrevenue: 12345.5,
        actualend: '2026-02-27T15:00:00Z',
        'opportunityid@odata.bind': `${h.root}opportunities(${id})`,
      },
    });
    expect(response.status).toBe(204);
    expect(
      await h.json<Row>(`opportunities(${id})?$select=statecode,statuscode,actualvalue,actualclosedate`),
    ).toMatchObject({ statecode: 1, statuscode: 3, actualvalue: 12345.5, actualclosedate: '2026-02-27' });
  });

  it('loses an opportunity with Status 4 or 5', async () => {
    const id = String((await openOpportunity())['opportunityid']);
    const response = await post('LoseOpportunity', {
      Status: 5,
      OpportunityClose: {
        subject: 'Lost to a competitor',
        'opportunityid@odata.bind': `/opportunities(${id})`,
      },
    });
    expect(response.status).toBe(204);
    expect(
      await h.json<Row>(`opportunities(${id})?$select=statecode,statuscode,closeprobability`),
    ).toMatchObject({
      statecode: 2,
      statuscode: 5,
      closeprobability: 0,
    });
  });

  it('refuses a closed opportunity, a status of another state, missing or wrong parameters', async () => {
    const won = await first('opportunities?$select=name&$filter=statecode eq 1&$top=1');
    const wonId = String(won['opportunityid']);
    const close = (id: string) => ({ subject: 'x', 'opportunityid@odata.bind': `/opportunities(${id})` });
    expect(
      await errorOf(await post('WinOpportunity', { Status: 3, OpportunityClose: close(wonId) })),
    ).toEqual({
      status: 400,
      code: '0x80040203',
      message: 'The opportunity is already closed.',
    });
    const lost = await first('opportunities?$select=name&$filter=statecode eq 2&$top=1');
    expect(
      (
        await errorOf(
          await post('LoseOpportunity', {
            Status: 4,
            OpportunityClose: close(String(lost['opportunityid'])),
          }),
        )
      ).message,
    ).toBe('The opportunity is already closed.');

    const open = await openOpportunity();
    const openId = String(open['opportunityid']);
    expect(
      await errorOf(await post('WinOpportunity', { Status: 4, OpportunityClose: close(openId) })),
    ).toEqual({
      status: 400,
      code: '0x80040203',
      message: `4 is not a valid status code for state code OpportunityState.Won on opportunity with Id ${openId}.`,
    });
    expect(
      (await errorOf(await post('LoseOpportunity', { Status: 3, OpportunityClose: close(openId) }))).message,
    ).toBe(
      `3 is not a valid status code for state code OpportunityState.Lost on opportunity with Id ${openId}.`,
    );
    const missing = '00000000-1111-4222-8333-444444444444';
    expect(
      await errorOf(await post('WinOpportunity', { Status: 3, OpportunityClose: close(missing) })),
    ).toEqual({
      status: 404,
      code: '0x80040217',
      message: `opportunity With Id = ${missing} Does Not Exist`,
    });
    expect(
      (await errorOf(await post('WinOpportunity', { Status: 3, OpportunityClose: { subject: 'no link' } })))
        .message,
    ).toBe("The parameter 'OpportunityClose.opportunityid' is required for the operation 'WinOpportunity'.");
    expect((await errorOf(await post('WinOpportunity', { OpportunityClose: close(openId) }))).message).toBe(
      "The parameter 'Status' is required for the operation 'WinOpportunity'.",
    );
    expect(
      (await errorOf(await post('WinOpportunity', { Status: 'won', OpportunityClose: close(openId) })))
        .message,
    ).toBe("Cannot convert the literal 'won' to the expected type 'Edm.Int32'.");
    expect(
      await errorOf(await post('WinOpportunity', { Status: 3, OpportunityClose: close(openId), Extra: 1 })),
    ).toEqual({
      status: 400,
      code: '0x80060888',
      message:
        "The parameter 'Extra' in the request payload is not a valid parameter for the operation 'WinOpportunity'.",
    });
    expect(
      (
        await errorOf(
          await post('WinOpportunity', {
            Status: 3,
            OpportunityClose: { subject: 'x', 'opportunityid@odata.bind': `/accounts(${missing})` },
          }),
        )
      ).message,
    ).toContain(
      "however, the navigation property expects entities of type 'Microsoft.Dynamics.CRM.opportunity'",
    );
    expect((await h.api('WinOpportunity')).status).toBe(405);
    // Nothing was written by the refused calls.
    expect(await h.json<Row>(`opportunities(${openId})?$select=statecode`)).toMatchObject({ statecode: 0 });
    expect(
      await rows(`opportunitycloses?$select=subject&$filter=_opportunityid_value eq ${openId}`),
    ).toHaveLength(0);
  });
});

describe('quotes to orders', () => {
  it('converts an Active quote: the order copies header and lines, links quote and opportunity, the quote is Won', async () => {
    const quote = await first(
      'quotes?$select=name,quotenumber,totalamount,_opportunityid_value,_customerid_value&$filter=statecode eq 1 and _opportunityid_value ne null&$expand=quote_details($select=quantity,priceperunit,_productid_value)&$top=1',
    );
    const quoteId = String(quote['quoteid']);
    const response = await post('ConvertQuoteToSalesOrder', {
      QuoteId: quoteId,
      ColumnSet: {
        AllColumns: false,
        Columns: ['salesorderid', 'name', 'totalamount', 'quoteid', 'opportunityid'],
      },
    });
    expect(response.status).toBe(200);
    const order = (await response.json()) as Row;
    expect(order['@odata.context']).toBe(`${h.root}$metadata#salesorders/$entity`);
    expect(Object.keys(order)).toEqual([
      '@odata.context',
      '@odata.etag',
      'salesorderid',
      'name',
      'totalamount',
      '_quoteid_value',
      '_opportunityid_value',
      '_transactioncurrencyid_value',
    ]);
    expect(order).toMatchObject({
      name: quote['name'],
      totalamount: quote['totalamount'],
      _quoteid_value: quoteId,
      _opportunityid_value: quote['_opportunityid_value'],
    });
    const orderId = String(order['salesorderid']);
    const stored = await h.json<Row>(
      `salesorders(${orderId})?$select=ordercreationmethod,ispricelocked,statecode,_customerid_value&$expand=order_details($select=quantity,priceperunit,_productid_value)`,
    );
    expect(stored).toMatchObject({
      ordercreationmethod: 776160001,
      ispricelocked: true,
      statecode: 0,
      _customerid_value: quote['_customerid_value'],
    });
    const lines = (stored['order_details'] as Row[]).map((l) => [
      l['_productid_value'],
      l['quantity'],
      l['priceperunit'],
    ]);
    const quoteLines = (quote['quote_details'] as Row[]).map((l) => [
      l['_productid_value'],
      l['quantity'],
      l['priceperunit'],
    ]);
    expect(lines.sort()).toEqual(quoteLines.sort());
    expect(await h.json<Row>(`quotes(${quoteId})?$select=statecode,statuscode`)).toMatchObject({
      statecode: 2,
      statuscode: 4,
    });
    expect(
      await rows(`quotecloses?$select=subject,quotenumber&$filter=_quoteid_value eq ${quoteId}`),
    ).toEqual([expect.objectContaining({ subject: 'Quote Won', quotenumber: quote['quotenumber'] })]);
  });

  it('answers all columns with AllColumns, only the key without a ColumnSet; refuses a draft quote and unknown columns', async () => {
    const won = await first('quotes?$select=name&$filter=statecode eq 2&$top=1');
    const all = (await (
      await post('ConvertQuoteToSalesOrder', { QuoteId: won['quoteid'], ColumnSet: { AllColumns: true } })
    ).json()) as Row;
    expect(all).toMatchObject({
      ordernumber: expect.stringMatching(/^ORD-/),
      _quoteid_value: won['quoteid'],
    });
    const bare = (await (await post('ConvertQuoteToSalesOrder', { QuoteId: won['quoteid'] })).json()) as Row;
    expect(Object.keys(bare)).toEqual(['@odata.context', '@odata.etag', 'salesorderid']);

    const draft = await first('quotes?$select=name&$filter=statecode eq 0&$top=1');
    const refused = await errorOf(await post('ConvertQuoteToSalesOrder', { QuoteId: draft['quoteid'] }));
    expect(refused).toMatchObject({ status: 400, code: '0x80040203' });
    expect(String(refused.message)).toContain('Draft');
    expect(
      (
        await errorOf(
          await post('ConvertQuoteToSalesOrder', {
            QuoteId: won['quoteid'],
            ColumnSet: { Columns: ['nosuchcolumn'] },
          }),
        )
      ).message,
    ).toBe(
      "'salesorder' entity doesn't contain attribute with Name = 'nosuchcolumn' and NameMapping = 'Logical'.",
    );
    expect((await errorOf(await post('ConvertQuoteToSalesOrder', { QuoteId: 'abc' }))).message).toBe(
      "Cannot convert the literal 'abc' to the expected type 'Edm.Guid'.",
    );
  });

  it('wins and closes quotes with WinQuote and CloseQuote', async () => {
    const active = await rows('quotes?$select=name&$filter=statecode eq 1');
    const [a, b] = active;
    if (!a || !b) throw new Error('need two active quotes');
    const win = await post('WinQuote', {
      Status: -1,
      QuoteClose: { subject: 'Accepted', 'quoteid@odata.bind': `/quotes(${String(a['quoteid'])})` },
    });
    expect(win.status).toBe(204);
    expect(await h.json<Row>(`quotes(${String(a['quoteid'])})?$select=statecode,statuscode`)).toMatchObject({
      statecode: 2,
      statuscode: 4,
    });
    const close = await post('CloseQuote', {
      Status: 7,
      QuoteClose: { subject: 'Revised', 'quoteid@odata.bind': `/quotes(${String(b['quoteid'])})` },
    });
    expect(close.status).toBe(204);
    expect(await h.json<Row>(`quotes(${String(b['quoteid'])})?$select=statecode,statuscode`)).toMatchObject({
      statecode: 3,
      statuscode: 7,
    });
    const draft = await first('quotes?$select=name&$filter=statecode eq 0&$top=1');
    expect(
      (
        await errorOf(
          await post('WinQuote', {
            Status: 4,
            QuoteClose: { subject: 'x', 'quoteid@odata.bind': `/quotes(${String(draft['quoteid'])})` },
          }),
        )
      ).message,
    ).toBe(
      `The quote with Id ${String(draft['quoteid'])} must be active (statecode 1) before it can be won.`,
    );
  });
});

describe('orders from opportunities, and order states', () => {
  it('generates an order from a won opportunity, linkable by opportunityid', async () => {
    const opportunity = await openOpportunity();
    const id = String(opportunity['opportunityid']);
    expect(
      (
        await post('WinOpportunity', {
          Status: 3,
          OpportunityClose: { subject: 'Won', 'opportunityid@odata.bind': `/opportunities(${id})` },
        })
      ).status,
    ).toBe(204);
    const products = await rows(
      `opportunityproducts?$select=quantity,priceperunit,_productid_value&$filter=_opportunityid_value eq ${id}`,
    );
    const response = await post('GenerateSalesOrderFromOpportunity', {
      OpportunityId: id,
      ColumnSet: { Columns: ['name', 'opportunityid', 'customerid', 'ordercreationmethod'] },
    });
    expect(response.status).toBe(200);
    const order = (await response.json()) as Row;
    expect(order).toMatchObject({
      name: opportunity['name'],
      _opportunityid_value: id,
      ordercreationmethod: 776160000,
    });
    const linked = await rows(
      `salesorders?$select=name&$filter=_opportunityid_value eq ${id}&$expand=order_details($select=quantity,priceperunit,_productid_value)`,
    );
    expect(linked.map((o) => o['salesorderid'])).toEqual([order['salesorderid']]);
    const lines = ((linked[0]?.['order_details'] ?? []) as Row[]).map((l) => [
      l['_productid_value'],
      l['quantity'],
      l['priceperunit'],
    ]);
    expect(lines.sort()).toEqual(
      products.map((l) => [l['_productid_value'], l['quantity'], l['priceperunit']]).sort(),
    );

    const lost = await first('opportunities?$select=name&$filter=statecode eq 2&$top=1');
    expect(
      (
        await errorOf(
          await post('GenerateSalesOrderFromOpportunity', { OpportunityId: lost['opportunityid'] }),
        )
      ).status,
    ).toBe(400);
  });

  it('moves orders through their states with PATCH: Submitted, Fulfilled, back to Active; pairs are checked', async () => {
    const order = await first('salesorders?$select=name&$filter=statecode eq 0&$top=1');
    const id = String(order['salesorderid']);
    const state = async () => h.json<Row>(`salesorders(${id})?$select=statecode,statuscode`);
    expect((await patch(`salesorders(${id})`, { statecode: 1 })).status).toBe(204);
    expect(await state()).toMatchObject({ statecode: 1, statuscode: 3 });
    expect((await patch(`salesorders(${id})`, { name: 'edited while submitted' })).status).toBe(400);
    expect((await patch(`salesorders(${id})`, { statuscode: 100002 })).status).toBe(204);
    expect(await state()).toMatchObject({ statecode: 3, statuscode: 100002 });
    expect((await patch(`salesorders(${id})`, { statecode: 3, statuscode: 4 })).status).toBe(400);
    expect((await patch(`salesorders(${id})`, { statecode: 0, statuscode: 2 })).status).toBe(204);
    expect(await state()).toMatchObject({ statecode: 0, statuscode: 2 });
  });

  it('fulfils and cancels orders with FulfillSalesOrder and CancelSalesOrder', async () => {
    const [a, b] = await rows(
      'salesorders?$select=name,ordernumber,datefulfilled&$filter=statecode eq 0&$orderby=ordernumber desc&$top=2',
    );
    if (!a || !b) throw new Error('need two active orders');
    const fulfil = await post('FulfillSalesOrder', {
      Status: 100001,
      OrderClose: {
        subject: 'Delivered',
        'salesorderid@odata.bind': `/salesorders(${String(a['salesorderid'])})`,
      },
    });
    expect(fulfil.status).toBe(204);
    expect(
      await h.json<Row>(
        `salesorders(${String(a['salesorderid'])})?$select=statecode,statuscode,datefulfilled`,
      ),
    ).toMatchObject({ statecode: 3, statuscode: 100001, datefulfilled: a['datefulfilled'] ?? '2026-03-02' });
    expect(
      await rows(
        `ordercloses?$select=subject,ordernumber&$filter=_salesorderid_value eq ${String(a['salesorderid'])}`,
      ),
    ).toEqual([expect.objectContaining({ subject: 'Delivered', ordernumber: a['ordernumber'] })]);
    const cancel = await post('CancelSalesOrder', {
      Status: -1,
      OrderClose: {
        subject: 'Customer cancelled',
        'salesorderid@odata.bind': `/salesorders(${String(b['salesorderid'])})`,
      },
    });
    expect(cancel.status).toBe(204);
    expect(
      await h.json<Row>(`salesorders(${String(b['salesorderid'])})?$select=statecode,statuscode`),
    ).toMatchObject({
      statecode: 2,
      statuscode: 4,
    });
    const again = await errorOf(
      await post('CancelSalesOrder', {
        Status: 4,
        OrderClose: { subject: 'x', 'salesorderid@odata.bind': `/salesorders(${String(b['salesorderid'])})` },
      }),
    );
    expect(again).toEqual({ status: 400, code: '0x80040203', message: 'The salesorder is already closed.' });
  });
});
