import { describe, expect, it } from 'vitest';
import { formatChangesetBatch, parseBatchResponse } from './batch';

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
