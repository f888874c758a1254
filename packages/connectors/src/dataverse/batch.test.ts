import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isConnectorError } from '../core/errors';
import { type BatchOperation, buildBatch, checkBatchParts, parseBatchResponse } from './batch';

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

describe('checkBatchParts: a 2xx answer accounts for every request', () => {
  const patch = (id: number): BatchOperation => ({
    method: 'PATCH',
    url: `/api/data/v9.2/productpricelevels(${id})`,
    body: { amount: id },
  });
  const ok = (contentId: string | undefined) => ({ contentId, status: 204, headers: {}, body: '' });
  const refused = (contentId: string) => ({
    contentId,
    status: 404,
    headers: {},
    body: '{"error":{"code":"0x80040217","message":"product With Id = 1 Does Not Exist"}}',
  });
  const thrown = (fn: () => void) => {
    try {
      fn();
    } catch (error) {
      return error;
    }
    return undefined;
  };

  it('refuses a 200 without any part (an empty multipart answer), naming both counts', () => {
    const parts = parseBatchResponse('multipart/mixed; boundary=batchresponse_1', '--batchresponse_1--\r\n');
    expect(parts).toEqual([]);
    const error = thrown(() => checkBatchParts([[patch(1), patch(2)]], 200, parts));
    expect(isConnectorError(error) && error.code).toBe('schema_mismatch');
    expect(error).toMatchObject({
      message: expect.stringMatching(/has 0 parts for 2 requests \(expected 2\)/),
      upstream: { status: 200 },
      retryable: false,
    });
  });

  it('refuses a 200 with fewer parts than requests, and with more', () => {
    expect(() => checkBatchParts([[patch(1), patch(2), patch(3)]], 200, [ok('1'), ok('2')])).toThrow(
      /has 2 parts for 3 requests \(expected 3\)/,
    );
    expect(() => checkBatchParts([patch(1)], 200, [ok(undefined), ok(undefined)])).toThrow(
      /has 2 parts for 1 request \(expected 1\)/,
    );
  });

  it('accepts one part per request, in and outside changesets', () => {
    expect(() =>
      checkBatchParts([[patch(1), patch(2)], patch(3)], 200, [ok('1'), ok('2'), ok(undefined)]),
    ).not.toThrow();
  });

  it('accepts a failed changeset answered by its one failing part (continue-on-error), not less', () => {
    const items = [[patch(1), patch(2)], patch(3)];
    expect(() => checkBatchParts(items, 200, [refused('2'), ok(undefined)])).not.toThrow();
    expect(() => checkBatchParts(items, 200, [refused('2')])).toThrow(
      /has 1 part for 3 requests \(expected 2 to 3\)/,
    );
  });

  it('leaves a refused batch (400: only the failure) to the caller', () => {
    expect(() => checkBatchParts([[patch(1), patch(2)]], 400, [refused('2')])).not.toThrow();
    expect(() => checkBatchParts([[patch(1), patch(2)]], 400, [])).not.toThrow();
  });
});
