import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildBatch, parseBatchResponse } from './batch';

/** `$batch` bodies: our request shape, and Microsoft's documented answers (LF and CRLF). */

function sample(name: string): { contentType: string; body: string } {
  const text = readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8');
  // The file is the whole HTTP answer: status line and headers, a blank line, then the body.
  const body = text.slice(text.search(/\r?\n\r?\n/)).replace(/^\s+/, '');
  const boundary = /^--(\S+)/.exec(body)?.[1] ?? '';
  return { contentType: `multipart/mixed; boundary=${boundary}`, body };
}

describe('parseBatchResponse', () => {
  it.each([
    ['LF', (s: string) => s],
    ['CRLF', (s: string) => s.replace(/\r?\n/g, '\r\n')],
  ])('reads a changeset answer and a GET answer (%s)', (_name, lineEndings) => {
    const { contentType, body } = sample('msdocs_batch_response_with_changeset.http');
    const parts = parseBatchResponse(contentType, lineEndings(body));
    expect(parts.map((p) => [p.contentId, p.status])).toEqual([
      ['1', 204],
      ['2', 204],
      ['3', 204],
      [undefined, 200],
    ]);
    expect(parts[0]?.headers['odata-entityid']).toBe(
      '[Organization Uri]/api/data/v9.2/tasks(e73ffc82-e292-ed11-aad1-000d3a9933c9)',
    );
    const list = JSON.parse(parts[3]?.body ?? '') as { value: unknown[] };
    expect(list.value).toHaveLength(3);
  });

  it('reads parts outside changesets', () => {
    const { contentType, body } = sample('msdocs_batch_response_no_changeset.http');
    const parts = parseBatchResponse(contentType, body);
    expect(parts.map((p) => p.status)).toEqual([204, 204, 204, 200]);
  });

  it('reads a failed changeset: the one part that failed, with its Content-ID and error body', () => {
    const body = [
      '--batchresponse_1',
      'Content-Type: multipart/mixed; boundary="changesetresponse_2"',
      '',
      '--changesetresponse_2',
      'Content-Type: application/http',
      'Content-Transfer-Encoding: binary',
      'Content-ID: 2',
      '',
      'HTTP/1.1 404 Not Found',
      'Content-Type: application/json; odata.metadata=minimal',
      'OData-Version: 4.0',
      '',
      '{"error":{"code":"0x80040217","message":"product With Id = 1 Does Not Exist"}}',
      '--changesetresponse_2--',
      '--batchresponse_1--',
      '',
    ].join('\r\n');
    expect(parseBatchResponse('multipart/mixed; boundary=batchresponse_1', body)).toEqual([
      {
        contentId: '2',
        status: 404,
        headers: { 'content-type': 'application/json; odata.metadata=minimal', 'odata-version': '4.0' },
        body: '{"error":{"code":"0x80040217","message":"product With Id = 1 Does Not Exist"}}',
      },
    ]);
  });

  it('refuses an answer that is not multipart', () => {
    expect(() => parseBatchResponse('application/json', '{}')).toThrow(/not multipart/);
  });
});

describe('buildBatch', () => {
  it('writes one changeset per group with Content-IDs, CRLF line endings and JSON bodies', () => {
    const { contentType, body } = buildBatch([
      [
        { method: 'PATCH', url: '/api/data/v9.2/productpricelevels(1)', body: { amount: 1 } },
        { method: 'DELETE', url: '/api/data/v9.2/productpricelevels(2)' },
      ],
    ]);
    const batch = /^multipart\/mixed; boundary=(batch_[0-9a-f-]{36})$/.exec(contentType)?.[1];
    expect(batch).toBeDefined();
    const lines = body.split('\r\n');
    expect(body.includes('\n') && !/[^\r]\n/.test(body)).toBe(true);
    expect(lines[0]).toBe(`--${batch}`);
    expect(lines[1]).toMatch(/^Content-Type: multipart\/mixed; boundary=changeset_[0-9a-f-]{36}$/);
    expect(lines).toEqual(
      expect.arrayContaining([
        'Content-ID: 1',
        'PATCH /api/data/v9.2/productpricelevels(1) HTTP/1.1',
        'Content-Type: application/json; type=entry',
        '{"amount":1}',
        'Content-ID: 2',
        'DELETE /api/data/v9.2/productpricelevels(2) HTTP/1.1',
        `--${batch}--`,
      ]),
    );
  });
});
