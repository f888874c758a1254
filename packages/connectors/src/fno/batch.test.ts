import { describe, expect, it } from 'vitest';
import { type BatchOperation, formatChangesetBatch, parseBatchResponse, readChangeset } from './batch';

describe('F&O $batch', () => {
  it('writes one changeset with Content-IDs, absolute URLs and JSON bodies (CRLF)', () => {
    const { body, contentType } = formatChangesetBatch(
      'https://contoso.operations.dynamics.com/data/',
      [
        { method: 'POST', path: 'SalesOrderHeadersV2', body: { dataAreaId: 'usmf', SalesOrderNumber: 'X1' } },
        {
          method: 'POST',
          path: 'SalesOrderLines',
          body: { dataAreaId: 'usmf', SalesOrderNumber: 'X1', ItemNumber: 'A' },
        },
      ],
      { batch: 'batch_b', changeset: 'changeset_c' },
    );
    expect(contentType).toBe('multipart/mixed; boundary=batch_b');
    expect(body).toBe(
      [
        '--batch_b',
        'Content-Type: multipart/mixed; boundary=changeset_c',
        '',
        '--changeset_c',
        'Content-Type: application/http',
        'Content-Transfer-Encoding: binary',
        'Content-ID: 1',
        '',
        'POST https://contoso.operations.dynamics.com/data/SalesOrderHeadersV2 HTTP/1.1',
        'OData-Version: 4.0',
        'OData-MaxVersion: 4.0',
        'Accept: application/json;odata.metadata=minimal',
        'Content-Type: application/json;odata.metadata=minimal',
        '',
        '{"dataAreaId":"usmf","SalesOrderNumber":"X1"}',
        '--changeset_c',
        'Content-Type: application/http',
        'Content-Transfer-Encoding: binary',
        'Content-ID: 2',
        '',
        'POST https://contoso.operations.dynamics.com/data/SalesOrderLines HTTP/1.1',
        'OData-Version: 4.0',
        'OData-MaxVersion: 4.0',
        'Accept: application/json;odata.metadata=minimal',
        'Content-Type: application/json;odata.metadata=minimal',
        '',
        '{"dataAreaId":"usmf","SalesOrderNumber":"X1","ItemNumber":"A"}',
        '--changeset_c--',
        '--batch_b--',
        '',
      ].join('\r\n'),
    );
  });

  it('reads a failed changeset: the single failing part with its Content-ID, status and F&O error body', () => {
    // Shape of the real 2020 capture (fno.md §5): outer 200, changesetresponse with one part.
    const error = {
      error: {
        code: '',
        message: 'An error has occurred.',
        innererror: {
          message:
            "Write failed for table row of type 'SalesOrderLineV3Entity'. Infolog: Warning: Inventory dimension Site is mandatory and must consequently be specified.; Error: Update has been canceled..",
          type: 'Microsoft.Dynamics.Platform.Integration.Services.OData.AxODataWriteException',
          stacktrace: '   at …',
        },
      },
    };
    const text = [
      '--batchresponse_1',
      'Content-Type: multipart/mixed; boundary=changesetresponse_2',
      '',
      '--changesetresponse_2',
      'Content-Type: application/http',
      'Content-Transfer-Encoding: binary',
      'Content-ID: 2',
      '',
      'HTTP/1.1 500 Internal Server Error',
      'Content-Type: application/json; odata.metadata=minimal; charset=utf-8',
      'OData-Version: 4.0',
      '',
      JSON.stringify(error),
      '--changesetresponse_2--',
      '--batchresponse_1--',
      '',
    ].join('\r\n');
    const parts = parseBatchResponse(text, 'multipart/mixed; boundary=batchresponse_1');
    expect(parts).toHaveLength(1);
    expect(parts[0]).toMatchObject({ contentId: '2', status: 500 });
    expect(JSON.parse(parts[0]?.body ?? '')).toEqual(error);
  });

  it('reads successful parts in order and refuses a body that is not multipart', () => {
    const text = [
      '--b',
      'Content-Type: multipart/mixed; boundary=c',
      '',
      '--c',
      'Content-Type: application/http',
      'Content-ID: 1',
      '',
      'HTTP/1.1 201 Created',
      'Content-Type: application/json',
      '',
      '{"SalesOrderNumber":"X1"}',
      '--c',
      'Content-Type: application/http',
      'Content-ID: 2',
      '',
      'HTTP/1.1 201 Created',
      '',
      '{"InventoryLotId":"000221"}',
      '--c--',
      '--b--',
    ].join('\n');
    expect(
      parseBatchResponse(text, 'multipart/mixed; boundary="b"').map((p) => [p.contentId, p.status, p.body]),
    ).toEqual([
      ['1', 201, '{"SalesOrderNumber":"X1"}'],
      ['2', 201, '{"InventoryLotId":"000221"}'],
    ]);
    expect(() => parseBatchResponse('{}', 'application/json')).toThrow(/not multipart/);
  });
});

describe('readChangeset', () => {
  const root = 'https://contoso.operations.dynamics.com/data/';
  const line = (item: string): BatchOperation => ({
    method: 'POST',
    path: 'SalesOrderLines',
    body: { dataAreaId: 'usmf', SalesOrderNumber: 'X1', ItemNumber: item },
  });
  const created = (contentId: string) => ({
    contentId,
    status: 201,
    headers: {},
    body: `{"InventoryLotId":"00022${contentId}"}`,
  });

  it('refuses a 200 without any part (an empty multipart answer), naming both counts', () => {
    const parts = parseBatchResponse('--batchresponse_1--\r\n', 'multipart/mixed; boundary=batchresponse_1');
    expect(parts).toEqual([]);
    expect(() => readChangeset(root, [line('A'), line('B')], parts)).toThrow(
      expect.objectContaining({
        code: 'schema_mismatch',
        message: expect.stringMatching(/has 0 parts for 2 operations \(expected 2, none failed\)/),
      }),
    );
  });

  it('refuses fewer and more parts than operations when none failed', () => {
    expect(() => readChangeset(root, [line('A'), line('B')], [created('1')])).toThrow(
      /has 1 part for 2 operations/,
    );
    expect(() => readChangeset(root, [line('A')], [created('1'), created('2')])).toThrow(
      /has 2 parts for 1 operation/,
    );
  });

  it('returns every part in order when each operation has its 2xx part', () => {
    const parts = [created('1'), created('2')];
    expect(readChangeset(root, [line('A'), line('B')], parts)).toEqual({ ok: true, parts });
  });

  it('names the failed operation by its Content-ID, with the error F&O sent', () => {
    const result = readChangeset(
      root,
      [line('A'), line('B')],
      [
        {
          contentId: '2',
          status: 500,
          headers: {},
          body: JSON.stringify({
            error: {
              code: '',
              message: 'An error has occurred.',
              innererror: {
                message:
                  "Write failed for table row of type 'SalesOrderLineV2Entity'. Infolog: Warning: The value 'B' in field 'Item number' is not found in the related table 'Items'.",
                type: 'Microsoft.Dynamics.Platform.Integration.Services.OData.AxODataWriteException',
              },
            },
          }),
        },
      ],
    );
    expect(result).toMatchObject({
      ok: false,
      index: 1,
      error: {
        code: 'validation_failed',
        upstream: { status: 500, infolog: [expect.objectContaining({ level: 'Warning' })] },
      },
    });
  });
});
