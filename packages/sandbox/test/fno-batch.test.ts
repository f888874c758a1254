import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED_FACTS } from '../src/fno';
import { type FnoHarness, startFno } from './fno-harness';

let fno: FnoHarness;

beforeAll(async () => {
  fno = await startFno();
});

afterAll(async () => {
  await fno.close();
});

interface Operation {
  method: string;
  url: string;
  body?: unknown;
  contentId?: number;
}

/** A `$batch` body as the .NET client writes it: CRLF, nested changeset boundaries, Content-IDs. */
function batchBody(boundary: string, groups: readonly (Operation | Operation[])[]): string {
  const part = (op: Operation): string =>
    [
      'Content-Type: application/http',
      'Content-Transfer-Encoding: binary',
      ...(op.contentId === undefined ? [] : [`Content-ID: ${op.contentId}`]),
      '',
      `${op.method} ${fno.origin}/data/${op.url} HTTP/1.1`,
      'OData-Version: 4.0',
      'Content-Type: application/json;odata.metadata=minimal',
      'Accept: application/json;odata.metadata=minimal',
      '',
      op.body === undefined ? '' : JSON.stringify(op.body),
    ].join('\r\n');
  const sections = groups.map((group, index) => {
    if (!Array.isArray(group)) return part(group);
    const changeset = `changeset_${index}_${boundary}`;
    return [
      `Content-Type: multipart/mixed; boundary=${changeset}`,
      '',
      ...group.map((op) => `--${changeset}\r\n${part(op)}`),
      `--${changeset}--`,
    ].join('\r\n');
  });
  return `${sections.map((section) => `--${boundary}\r\n${section}\r\n`).join('')}--${boundary}--\r\n`;
}

async function sendBatch(
  groups: readonly (Operation | Operation[])[],
): Promise<{ status: number; contentType: string; text: string }> {
  const boundary = `batch_${Math.random().toString(16).slice(2)}`;
  const response = await fno.api('$batch', {
    method: 'POST',
    headers: { 'Content-Type': `multipart/mixed; boundary=${boundary}` },
    body: batchBody(boundary, groups),
  });
  return {
    status: response.status,
    contentType: response.headers.get('content-type') ?? '',
    text: await response.text(),
  };
}

const header = (number: string): Operation => ({
  method: 'POST',
  url: 'SalesOrderHeadersV2',
  contentId: 1,
  body: { dataAreaId: 'usmf', SalesOrderNumber: number, OrderingCustomerAccountNumber: 'US-00004' },
});
const line = (number: string, item: string, contentId: number): Operation => ({
  method: 'POST',
  url: 'SalesOrderLines',
  contentId,
  body: { dataAreaId: 'usmf', SalesOrderNumber: number, ItemNumber: item, OrderedSalesQuantity: 2 },
});

describe('$batch', () => {
  it('commits a header + lines changeset as a whole', async () => {
    const result = await sendBatch([
      [
        header('BATCH-1'),
        line('BATCH-1', SEED_FACTS.commonItem, 2),
        line('BATCH-1', SEED_FACTS.usmfOnlyItem, 3),
      ],
    ]);
    expect(result.status).toBe(200);
    expect(result.contentType).toMatch(/^multipart\/mixed; boundary=batchresponse_/);
    expect(result.text).toMatch(/Content-Type: multipart\/mixed; boundary=changesetresponse_/);
    expect(result.text.match(/HTTP\/1\.1 201 Created/g)).toHaveLength(3);
    for (const id of [1, 2, 3]) expect(result.text).toContain(`Content-ID: ${id}\r\n`);
    const lines = await fno.json("SalesOrderLines?$filter=SalesOrderNumber eq 'BATCH-1'");
    expect(lines.value).toHaveLength(2);
  });

  it('rolls the whole changeset back when a line fails, reporting the failing Content-ID', async () => {
    const result = await sendBatch([
      [
        header('BATCH-2'),
        line('BATCH-2', SEED_FACTS.commonItem, 2),
        line('BATCH-2', SEED_FACTS.demfOnlyItem, 3),
      ],
    ]);
    expect(result.status).toBe(200);
    expect(result.text).not.toContain('201 Created');
    expect(result.text.match(/Content-ID: (\d+)/g)).toEqual(['Content-ID: 3']);
    expect(result.text).toContain('HTTP/1.1 500 Internal Server Error');
    expect(result.text).toContain('AxODataWriteException');
    expect(result.text).toContain(
      `The value '${SEED_FACTS.demfOnlyItem}' in field 'Item number' is not found`,
    );
    expect((await fno.api("SalesOrderHeadersV2(dataAreaId='usmf',SalesOrderNumber='BATCH-2')")).status).toBe(
      404,
    );
    const lines = await fno.json("SalesOrderLines?$filter=SalesOrderNumber eq 'BATCH-2'");
    expect(lines.value).toEqual([]);
  });

  it('runs operations outside changesets independently', async () => {
    const result = await sendBatch([
      header('BATCH-3'),
      line('BATCH-3', SEED_FACTS.demfOnlyItem, 2),
      {
        method: 'GET',
        url: "SalesOrderHeadersV2(dataAreaId='usmf',SalesOrderNumber='BATCH-3')?$select=SalesOrderNumber",
      },
    ]);
    expect(result.status).toBe(200);
    const statuses = [...result.text.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((match) => match[1]);
    expect(statuses).toEqual(['201', '500', '200']);
    expect(result.text).toContain('"SalesOrderNumber":"BATCH-3"');
  });

  it('answers 400 to a batch without a multipart boundary', async () => {
    const response = await fno.api('$batch', { method: 'POST', body: '{}' });
    expect(response.status).toBe(400);
  });
});
