import { describe, expect, it } from 'vitest';
import {
  boundaryOf,
  formatMultipart,
  formatResponsePart,
  parseHttpRequest,
  splitMultipart,
} from './multipart';

describe('multipart', () => {
  it('reads the boundary of a multipart/mixed content type', () => {
    expect(boundaryOf('multipart/mixed; boundary=batch_1')).toBe('batch_1');
    expect(boundaryOf('multipart/mixed;boundary="changeset_x"')).toBe('changeset_x');
    expect(boundaryOf('application/json')).toBeUndefined();
  });

  it('splits parts and parses the embedded requests', () => {
    const body =
      '--b\r\nContent-Type: application/http\r\nContent-ID: 7\r\n\r\nPOST https://x/data/CustomerGroups HTTP/1.1\r\nContent-Type: application/json\r\n\r\n{"CustomerGroupId":"T1"}\r\n--b--\r\n';
    const [part] = splitMultipart(body, 'b');
    expect(part?.headers['content-id']).toBe('7');
    const request = parseHttpRequest(part?.body ?? '');
    expect(request).toEqual({
      method: 'POST',
      target: 'https://x/data/CustomerGroups',
      headers: { 'content-type': 'application/json' },
      body: '{"CustomerGroupId":"T1"}',
    });
  });

  it('formats response parts with their Content-ID and status line', () => {
    const part = formatResponsePart({
      contentId: '3',
      status: 201,
      headers: { 'OData-Version': '4.0' },
      body: '{}',
    });
    expect(part).toBe(
      'Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\nContent-ID: 3\r\n\r\nHTTP/1.1 201 Created\r\nOData-Version: 4.0\r\n\r\n{}',
    );
    expect(formatMultipart('r', ['a', 'b'])).toBe('--r\r\na\r\n--r\r\nb\r\n--r--\r\n');
  });
});
