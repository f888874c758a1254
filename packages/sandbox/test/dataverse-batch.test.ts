import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceProtection } from '../src/dataverse/extensions/service-protection';
import type { ChangeEvent } from '../src/dataverse/store/types';
import {
  type BatchItem,
  type BatchOp,
  type BatchResponse,
  buildBatch,
  header,
  type ResponsePart,
  readBatchResponse,
  readHttpResponse,
  readMultipart,
} from './dataverse-batch-support';
import { type Harness, startHarness } from './dataverse-harness';

type Row = Record<string, unknown>;

let h: Harness;
let admissions = 0;
const countingProtection: ServiceProtection = {
  admit: () => {
    admissions++;
    return { release: () => undefined };
  },
};

beforeAll(async () => {
  h = await startHarness({ serviceProtection: countingProtection });
});
afterAll(async () => {
  await h.close();
});

async function batch(
  items: readonly BatchItem[],
  options: { prefer?: string; eol?: string } = {},
): Promise<Response> {
  const built = buildBatch(items, options.eol);
  return h.api('$batch', {
    method: 'POST',
    body: built.body,
    headers: {
      'Content-Type': built.contentType,
      ...(options.prefer ? { Prefer: options.prefer } : {}),
    },
  });
}

async function errorOf(response: Response): Promise<{ status: number; code: unknown; message: unknown }> {
  const body = (await response.json()) as { error: { code: unknown; message: unknown } };
  return { status: response.status, code: body.error.code, message: body.error.message };
}

const json = (part: ResponsePart | undefined): Row => JSON.parse(part?.body ?? 'null') as Row;

async function newAccount(name: string): Promise<string> {
  const response = await h.api('accounts', { method: 'POST', body: JSON.stringify({ name }) });
  const id = /\(([0-9a-f-]{36})\)$/.exec(response.headers.get('odata-entityid') ?? '')?.[1];
  if (!id) throw new Error(`account not created: ${response.status}`);
  return id;
}

async function count(query: string): Promise<number> {
  return (await h.json<{ value: Row[] }>(query)).value.length;
}

async function firstRow(query: string): Promise<Row> {
  const row = (await h.json<{ value: Row[] }>(query)).value[0];
  if (!row) throw new Error(`no row for ${query}`);
  return row;
}

/** The documentation's sample response, its LF line ends turned into the CRLF the service sends. */
async function sample(name: string): Promise<BatchResponse> {
  const raw = await readFile(new URL(`./fixtures/dataverse-samples/${name}`, import.meta.url), 'utf8');
  const text = raw.replace(/\r?\n/g, '\r\n');
  const split = text.indexOf('\r\n\r\n');
  const outer = readHttpResponse(`${text.slice(0, split)}\r\n\r\n`);
  const body = text.slice(split + 4);
  const boundary = /^--(batchresponse_[0-9a-f-]{36})\r\n/.exec(body)?.[1] ?? '';
  return {
    status: outer.status,
    contentType: '',
    boundary,
    text: body,
    parts: readMultipart(body, boundary),
  };
}

/** Structure of a part list: MIME headers, status lines, header names, JSON shape. */
function expectSameStructure(ours: readonly ResponsePart[], theirs: readonly ResponsePart[]): void {
  expect(ours).toHaveLength(theirs.length);
  theirs.forEach((expected, index) => {
    const actual = ours[index];
    if (!actual) throw new Error(`part ${index} missing`);
    expect(actual.mime.map(([name]) => name)).toEqual(expected.mime.map(([name]) => name));
    expect(header(actual.mime, 'Content-ID')).toBe(header(expected.mime, 'Content-ID'));
    if (expected.changeset) {
      expect(actual.changeset?.boundary).toMatch(/^changesetresponse_[0-9a-f-]{36}$/);
      expect(expected.changeset.boundary).toMatch(/^changesetresponse_[0-9a-f-]{36}$/);
      expectSameStructure(actual.changeset?.parts ?? [], expected.changeset.parts);
      return;
    }
    expect(actual.statusLine).toBe(expected.statusLine);
    const names = actual.headers.map(([name]) => name.toLowerCase());
    for (const [name] of expected.headers) expect(names).toContain(name.toLowerCase());
    if (header(expected.headers, 'Location')) {
      expect(header(actual.headers, 'Location')).toBe(header(actual.headers, 'OData-EntityId'));
      expect(header(actual.headers, 'OData-EntityId')).toMatch(
        /\/api\/data\/v9\.2\/contacts\([0-9a-f-]{36}\)$/,
      );
    }
    if (expected.body === '') {
      expect(actual.body).toBe('');
      return;
    }
    expect(header(actual.headers, 'Content-Type')).toMatch(/^application\/json; odata\.metadata=minimal/);
    const mine = json(actual);
    const doc = json(expected);
    expect(Object.keys(mine)).toEqual(Object.keys(doc));
    const mineRows = mine['value'] as Row[];
    const docRows = doc['value'] as Row[];
    expect(mineRows).toHaveLength(docRows.length);
    mineRows.forEach((row, i) => {
      expect(Object.keys(row)).toHaveLength(Object.keys(docRows[i] ?? {}).length);
      expect(Object.keys(row)[0]).toBe('@odata.etag');
    });
  });
}

function expectCrlfOnly(text: string): void {
  expect(text.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
}

/** The documentation's requests (three creates regarding one account, then its related rows). */
function documentationRequests(accountId: string, changeset: boolean): BatchItem[] {
  const creates: BatchOp[] = [1, 2, 3].map((n) => ({
    method: 'POST',
    url: '/api/data/v9.2/contacts',
    body: {
      lastname: `Contact ${n} in batch`,
      'parentcustomerid_account@odata.bind': `accounts(${accountId})`,
    },
    ...(changeset ? { contentId: String(n) } : {}),
  }));
  const read: BatchOp = {
    method: 'GET',
    url: `/api/data/v9.2/accounts(${accountId})/contact_customer_accounts?$select=lastname`,
  };
  return changeset ? [creates, read] : [...creates, read];
}

describe('$batch wire format', () => {
  it('answers independent POSTs and a GET as in the documentation (msdocs_batch_response_no_changeset)', async () => {
    const accountId = await newAccount('Batch sample account 1');
    const response = await batch(documentationRequests(accountId, false));
    expect(response.status).toBe(200);
    expect(response.headers.get('odata-version')).toBe('4.0');
    const ours = await readBatchResponse(response);
    expectCrlfOnly(ours.text);
    expect(ours.text.endsWith(`\r\n--${ours.boundary}--\r\n`)).toBe(true);
    const theirs = await sample('msdocs_batch_response_no_changeset.http');
    expect(theirs.status).toBe(200);
    expectSameStructure(ours.parts, theirs.parts);
    const read = json(ours.parts[3]);
    expect(read['@odata.context']).toBe(`${h.root}$metadata#contacts(lastname)`);
    expect((read['value'] as Row[]).map((row) => row['lastname']).sort()).toEqual([
      'Contact 1 in batch',
      'Contact 2 in batch',
      'Contact 3 in batch',
    ]);
  });

  it('answers a changeset with Content-IDs and a GET as in the documentation (msdocs_batch_response_with_changeset)', async () => {
    const accountId = await newAccount('Batch sample account 2');
    const ours = await readBatchResponse(await batch(documentationRequests(accountId, true)));
    expect(ours.status).toBe(200);
    expectCrlfOnly(ours.text);
    const theirs = await sample('msdocs_batch_response_with_changeset.http');
    expectSameStructure(ours.parts, theirs.parts);
    // The changeset's close delimiter is followed directly by the next batch delimiter.
    const changesetBoundary = ours.parts[0]?.changeset?.boundary ?? '';
    expect(ours.text).toContain(`\r\n--${changesetBoundary}--\r\n--${ours.boundary}\r\n`);
    expect((json(ours.parts[1])['value'] as Row[]).length).toBe(3);
  });

  it('accepts LF line ends, absolute, relative and service-root-relative inner URLs', async () => {
    const account = await firstRow('accounts?$select=name&$top=1');
    const id = String(account['accountid']);
    const ours = await readBatchResponse(
      await batch(
        [
          { method: 'GET', url: `${h.root}accounts(${id})?$select=name` },
          { method: 'GET', url: `/api/data/v9.2/accounts(${id})?$select=name` },
          { method: 'GET', url: `accounts(${id})?$select=name` },
        ],
        { eol: '\n' },
      ),
    );
    expectCrlfOnly(ours.text);
    expect(ours.parts.map((part) => json(part)['name'])).toEqual([
      account['name'],
      account['name'],
      account['name'],
    ]);
  });

  it('embeds exactly what a direct call answers (status, headers, body) and counts once for service protection', async () => {
    const query = 'accounts?$select=name,accountnumber&$top=2&$orderby=name';
    const direct = await h.api(query, { headers: { Prefer: 'odata.include-annotations="*"' } });
    const directBody = await direct.text();
    const before = admissions;
    const ours = await readBatchResponse(
      await batch(
        [
          { method: 'GET', url: query, headers: { Prefer: 'odata.include-annotations="*"' } },
          { method: 'GET', url: 'accounts(00000000-0000-4000-8000-000000000001)' },
        ],
        { prefer: 'odata.continue-on-error' },
      ),
    );
    expect(admissions - before).toBe(1);
    const [read, missing] = ours.parts;
    expect(read?.status).toBe(direct.status);
    expect(read?.body).toBe(directBody);
    for (const name of ['Content-Type', 'OData-Version', 'Preference-Applied']) {
      expect(header(read?.headers ?? [], name)).toBe(direct.headers.get(name));
    }
    expect(header(read?.headers ?? [], 'REQ_ID')).toMatch(/^[0-9a-f-]{36}$/);
    const directMissing = await h.api('accounts(00000000-0000-4000-8000-000000000001)');
    expect(missing?.statusLine).toBe('HTTP/1.1 404 Not Found');
    expect(json(missing)).toEqual(await directMissing.json());
  });
});

describe('$batch changesets', () => {
  it('creates an order and its lines binding $1, updates $1 by URL, all in one transaction', async () => {
    const account = await firstRow('accounts?$select=name&$filter=statecode eq 0&$top=1');
    const priceList = await firstRow("pricelevels?$select=name&$filter=name eq 'Standard Price List (USD)'");
    const product = await firstRow('products?$select=productnumber&$filter=statecode eq 0&$top=1');
    const ours = await readBatchResponse(
      await batch([
        [
          {
            method: 'POST',
            url: 'salesorders',
            contentId: '1',
            body: {
              name: 'Batch order',
              'customerid_account@odata.bind': `/accounts(${String(account['accountid'])})`,
              'pricelevelid@odata.bind': `/pricelevels(${String(priceList['pricelevelid'])})`,
            },
          },
          {
            method: 'POST',
            url: 'salesorderdetails',
            contentId: '2',
            body: {
              quantity: 2,
              'salesorderid@odata.bind': '$1',
              'productid@odata.bind': `/products(${String(product['productid'])})`,
            },
          },
          {
            method: 'POST',
            url: `${h.root}salesorderdetails`,
            contentId: '3',
            headers: { Prefer: 'return=representation' },
            body: {
              quantity: 1,
              productdescription: 'Write-in line',
              priceperunit: 10,
              'salesorderid@odata.bind': '$1',
            },
          },
          { method: 'PATCH', url: '$1', contentId: '4', body: { description: 'patched through $1' } },
          { method: 'PUT', url: '$1/name', body: { value: 'Batch order (renamed)' } },
        ],
      ]),
    );
    expect(ours.status).toBe(200);
    const parts = ours.parts[0]?.changeset?.parts ?? [];
    expect(parts.map((part) => part.status)).toEqual([204, 204, 201, 204, 204]);
    expect(parts.map((part) => header(part.mime, 'Content-ID'))).toEqual(['1', '2', '3', '4', undefined]);
    const orderUrl = header(parts[0]?.headers ?? [], 'OData-EntityId') ?? '';
    expect(header(parts[3]?.headers ?? [], 'OData-EntityId')).toBe(orderUrl);
    expect(header(parts[3]?.headers ?? [], 'Location')).toBe(orderUrl);
    const orderId = /\(([0-9a-f-]{36})\)$/.exec(orderUrl)?.[1] ?? '';
    const order = await h.json(
      `salesorders(${orderId})?$select=name,description,totalamount&$expand=order_details($select=quantity)`,
    );
    expect(order).toMatchObject({ name: 'Batch order (renamed)', description: 'patched through $1' });
    expect((order['order_details'] as Row[]).map((line) => line['quantity']).sort()).toEqual([1, 2]);
    expect(json(parts[2])['_salesorderid_value']).toBe(orderId);
  });

  it('refuses a forward Content-ID reference and rolls the changeset back (400, only that failure)', async () => {
    const before = await count("contacts?$select=lastname&$filter=lastname eq 'Forward ref'");
    const response = await batch([
      [
        {
          method: 'POST',
          url: 'contacts',
          contentId: '2',
          body: { lastname: 'Forward ref', 'parentcustomerid_account@odata.bind': '$1' },
        },
        { method: 'POST', url: 'accounts', contentId: '1', body: { name: 'Forward ref account' } },
      ],
    ]);
    expect(response.status).toBe(400);
    const ours = await readBatchResponse(response);
    const failure = ours.parts[0]?.changeset?.parts ?? [];
    expect(failure).toHaveLength(1);
    expect(header(failure[0]?.mime ?? [], 'Content-ID')).toBe('2');
    expect(failure[0]?.statusLine).toBe('HTTP/1.1 400 Bad Request');
    expect(json(failure[0])).toEqual({
      error: {
        code: '0x80060888',
        message: "Content-ID Reference: '$1' does not exist in the batch context.",
      },
    });
    expect(await count("contacts?$select=lastname&$filter=lastname eq 'Forward ref'")).toBe(before);
    const urlReference = await readBatchResponse(await batch([[{ method: 'PATCH', url: '$7', body: {} }]]));
    expect(json(urlReference.parts[0]?.changeset?.parts[0])).toMatchObject({
      error: { message: "Content-ID Reference: '$7' does not exist in the batch context." },
    });
  });

  it('without continue-on-error: stops at the first failure, 400 with only that failure, the changeset undone', async () => {
    const tag = `Stop-${Date.now()}`;
    const store = await h.service.currentStore();
    const events: ChangeEvent[] = [];
    const detach = store.onChange((event) => events.push(event));
    const response = await batch([
      { method: 'POST', url: 'accounts', body: { name: `${tag} independent` } },
      [
        { method: 'POST', url: 'accounts', contentId: '1', body: { name: `${tag} in changeset` } },
        {
          method: 'POST',
          url: 'accounts',
          contentId: '2',
          body: { name: `${tag} bad`, numberofemployees: -5 },
        },
        { method: 'POST', url: 'accounts', contentId: '3', body: { name: `${tag} never run` } },
      ],
      { method: 'POST', url: 'accounts', body: { name: `${tag} after` } },
    ]);
    detach();
    expect(response.status).toBe(400);
    const ours = await readBatchResponse(response);
    expectCrlfOnly(ours.text);
    expect(ours.parts).toHaveLength(1);
    const failed = ours.parts[0]?.changeset?.parts ?? [];
    expect(failed).toHaveLength(1);
    expect(header(failed[0]?.mime ?? [], 'Content-ID')).toBe('2');
    expect(failed[0]?.statusLine).toBe('HTTP/1.1 400 Bad Request');
    expect(header(failed[0]?.headers ?? [], 'Content-Type')).toBe('application/json; odata.metadata=minimal');
    expect(json(failed[0])).toMatchObject({ error: { code: '0x80044331' } });
    const names = (
      await h.json<{ value: Row[] }>(`accounts?$select=name&$filter=startswith(name,'${tag}')`)
    ).value
      .map((row) => row['name'])
      .sort();
    // The independent request before the changeset stays done; nothing after the failure ran.
    expect(names).toEqual([`${tag} independent`]);
    expect(events.filter((event) => event.entity === 'account').map((event) => event.operation)).toEqual([
      'create',
    ]);
  });

  it('with continue-on-error: 200, the failing changeset undone as a whole, the other items done', async () => {
    const tag = `Continue-${Date.now()}`;
    const response = await batch(
      [
        [
          { method: 'POST', url: 'accounts', contentId: '1', body: { name: `${tag} rolled back` } },
          { method: 'PATCH', url: '$1', contentId: '2', body: { numberofemployees: -1 } },
        ],
        { method: 'POST', url: 'accounts', body: { name: `${tag} independent` } },
        { method: 'GET', url: 'accounts(00000000-0000-4000-8000-0000000000aa)' },
        [
          { method: 'POST', url: 'accounts', contentId: 'a', body: { name: `${tag} committed` } },
          {
            method: 'POST',
            url: 'contacts',
            contentId: 'b',
            body: { lastname: tag, 'parentcustomerid_account@odata.bind': '$a' },
          },
        ],
      ],
      { prefer: 'odata.continue-on-error' },
    );
    expect(response.status).toBe(200);
    const ours = await readBatchResponse(response);
    expect(ours.parts).toHaveLength(4);
    const rolledBack = ours.parts[0]?.changeset?.parts ?? [];
    expect(rolledBack.map((part) => [header(part.mime, 'Content-ID'), part.status])).toEqual([['2', 400]]);
    expect(ours.parts[1]?.status).toBe(204);
    expect(ours.parts[2]?.statusLine).toBe('HTTP/1.1 404 Not Found');
    expect(ours.parts[3]?.changeset?.parts.map((part) => part.status)).toEqual([204, 204]);
    const names = (
      await h.json<{ value: Row[] }>(`accounts?$select=name&$filter=startswith(name,'${tag}')`)
    ).value
      .map((row) => row['name'])
      .sort();
    expect(names).toEqual([`${tag} committed`, `${tag} independent`]);
    const contact = await firstRow(`contacts?$select=_parentcustomerid_value&$filter=lastname eq '${tag}'`);
    const committed = await firstRow(`accounts?$select=name&$filter=name eq '${tag} committed'`);
    expect(contact['_parentcustomerid_value']).toBe(committed['accountid']);
  });
});

describe('$batch limits and malformed requests', () => {
  const single = (n: number): BatchOp[] =>
    Array.from({ length: n }, () => ({ method: 'GET', url: 'WhoAmI' }));

  it('accepts 1,000 requests and refuses 1,001 (nothing runs)', async () => {
    const ok = await readBatchResponse(await batch(single(1000)));
    expect(ok.parts).toHaveLength(1000);
    const tag = `Limit-${Date.now()}`;
    const tooMany = await batch([
      { method: 'POST', url: 'accounts', body: { name: tag } },
      [
        ...single(0),
        ...Array.from({ length: 500 }, () => ({ method: 'POST', url: 'accounts', body: { name: tag } })),
      ],
      ...single(500),
    ]);
    expect(await errorOf(tooMany)).toEqual({
      status: 400,
      code: '0x80060888',
      message:
        "The current batch message contains too many parts. Only batch messages with a maximum number of '1000' query operations, including changeset operations, are allowed.",
    });
    expect(await count(`accounts?$select=name&$filter=name eq '${tag}'`)).toBe(0);
    const bigChangeset = await batch([
      Array.from({ length: 1001 }, () => ({ method: 'POST', url: 'accounts', body: { name: tag } })),
    ]);
    expect((await errorOf(bigChangeset)).message).toBe(
      "The current change set contains too many operations. A maximum number of '1000' operations are allowed in a change set.",
    );
  });

  it('refuses GET in a changeset, nested batches, nested changesets and malformed payloads before running anything', async () => {
    const getInChangeset = await batch([[{ method: 'GET', url: 'WhoAmI' }]]);
    expect(await errorOf(getInChangeset)).toEqual({
      status: 400,
      code: '0x80060888',
      message:
        "An invalid HTTP method 'GET' was detected for a request in a change set. Requests in change sets only support the HTTP methods 'POST', 'PUT', 'DELETE', and 'PATCH'.",
    });
    const nested = await batch([{ method: 'POST', url: '$batch', body: {} }]);
    expect((await errorOf(nested)).message).toBe('A batch request cannot contain other batch requests.');

    const send = (contentType: string, body: string) =>
      h.api('$batch', { method: 'POST', body, headers: { 'Content-Type': contentType } });
    const nestedChangeset = [
      '--b',
      'Content-Type: multipart/mixed; boundary=c1',
      '',
      '--c1',
      'Content-Type: multipart/mixed; boundary=c2',
      '',
      '--c2--',
      '--c1--',
      '--b--',
    ].join('\r\n');
    expect((await errorOf(await send('multipart/mixed; boundary=b', nestedChangeset))).message).toBe(
      'Nested change sets in a batch payload are not supported.',
    );
    expect((await errorOf(await send('application/json', '{}'))).message).toBe(
      "A supported MIME type could not be found that matches the content type of the response. None of the supported type(s) 'multipart/mixed' matches the content type 'application/json'.",
    );
    expect((await errorOf(await send('multipart/mixed', '--b--'))).message).toMatch(
      /^The content type 'multipart\/mixed' specifies a batch payload; however, the payload either does not include a batch boundary/,
    );
    const unterminated = [
      '--b',
      'Content-Type: application/http',
      'Content-Transfer-Encoding: binary',
      '',
      'GET WhoAmI HTTP/1.1',
      '',
      '',
    ].join('\r\n');
    expect((await errorOf(await send('multipart/mixed; boundary=b', unterminated))).message).toBe(
      'Encountered an unexpected end of input while reading the batch payload.',
    );
    const noEncoding = [
      '--b',
      'Content-Type: application/http',
      '',
      'GET WhoAmI HTTP/1.1',
      '',
      '',
      '--b--',
    ].join('\r\n');
    expect((await errorOf(await send('multipart/mixed; boundary=b', noEncoding))).message).toBe(
      "A missing or invalid 'Content-Transfer-Encoding' header was found. The 'Content-Transfer-Encoding' header must be specified for each batch operation, and its value must be 'binary'.",
    );
    expect((await h.api('$batch')).status).toBe(405);
  });
});
