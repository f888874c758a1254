import { describe, expect, it } from 'vitest';
import {
  headerValue,
  MultipartSyntaxError,
  parseHttpRequest,
  parseMediaType,
  parseMultipart,
  serializeHttpResponse,
  serializeMultipart,
} from './multipart';

const crlf = (lines: string[]) => Buffer.from(lines.join('\r\n'), 'utf8');
const lf = (lines: string[]) => Buffer.from(lines.join('\n'), 'utf8');

describe('parseMediaType', () => {
  it('reads the type and quoted or bare parameters', () => {
    const quoted = parseMediaType('multipart/mixed; boundary="batch_1; x"');
    expect(quoted.type).toBe('multipart/mixed');
    expect(quoted.parameters.get('boundary')).toBe('batch_1; x');
    expect(parseMediaType('Multipart/Mixed;boundary=b').parameters.get('boundary')).toBe('b');
    expect(parseMediaType('application/json; type=entry').type).toBe('application/json');
  });
});

describe('parseMultipart', () => {
  it('splits parts with CRLF, ignoring preamble, transport padding and epilogue', () => {
    const body = crlf([
      'preamble',
      '--b  ',
      'Content-Type: application/http',
      '',
      'one',
      '--b',
      'Content-Type: text/plain',
      'X-A:  spaced  ',
      '',
      'two',
      'lines',
      '--b--',
      'epilogue',
    ]);
    const parts = parseMultipart(body, 'b');
    expect(parts.map((p) => p.body.toString())).toEqual(['one', 'two\r\nlines']);
    expect(parts[1]?.headers).toEqual([
      ['Content-Type', 'text/plain'],
      ['X-A', 'spaced'],
    ]);
    expect(headerValue(parts[0]?.headers ?? [], 'content-type')).toBe('application/http');
  });

  it('accepts bare LF line ends, as ODataLib does', () => {
    const parts = parseMultipart(lf(['--b', 'A: 1', '', 'body', '--b--']), 'b');
    expect(parts).toHaveLength(1);
    expect(parts[0]?.body.toString()).toBe('body');
  });

  it('keeps UTF-8 bytes and a boundary-like text that is not at a line start', () => {
    const parts = parseMultipart(crlf(['--b', '', '{"name":"Müller --b"}', '--bb is not it', '--b--']), 'b');
    expect(parts[0]?.body.toString('utf8')).toBe('{"name":"Müller --b"}\r\n--bb is not it');
  });

  it('refuses a missing close delimiter, bad headers and repeated headers', () => {
    expect(() => parseMultipart(crlf(['--b', '', 'x']), 'b')).toThrow(
      'Encountered an unexpected end of input while reading the batch payload.',
    );
    expect(() => parseMultipart(crlf(['no delimiter at all']), 'b')).toThrow(MultipartSyntaxError);
    expect(() => parseMultipart(crlf(['--b', 'not a header', '', 'x', '--b--']), 'b')).toThrow(
      "The message header 'not a header' is invalid. The header value must be of the format '<header name>: <header value>'.",
    );
    expect(() => parseMultipart(crlf(['--b', 'A: 1', 'a: 2', '', 'x', '--b--']), 'b')).toThrow(
      "The header 'a' was specified multiple times. Each header must appear only once in a batch part.",
    );
  });
});

describe('parseHttpRequest', () => {
  it('reads the request line, headers and body', () => {
    const request = parseHttpRequest(
      crlf([
        'POST /api/data/v9.2/accounts HTTP/1.1',
        'Content-Type: application/json; type=entry',
        '',
        '{"a":1}',
      ]),
    );
    expect(request).toMatchObject({ method: 'POST', target: '/api/data/v9.2/accounts' });
    expect(request.headers).toEqual([['Content-Type', 'application/json; type=entry']]);
    expect(request.body.toString()).toBe('{"a":1}');
  });

  it('reads a GET without headers or body, and a $n target', () => {
    expect(parseHttpRequest(lf(['GET accounts?$top=1 HTTP/1.1', '', ''])).body.length).toBe(0);
    expect(parseHttpRequest(crlf(['PATCH $1 HTTP/1.1', '', '{}'])).target).toBe('$1');
  });

  it('refuses malformed request lines and other HTTP versions', () => {
    expect(() => parseHttpRequest(crlf(['GET /x', '']))).toThrow(
      "The request line 'GET /x' is invalid. The request line at the start of each operation must be of the format 'HttpMethod RequestUrl HttpVersion'.",
    );
    expect(() => parseHttpRequest(crlf(['GET /x HTTP/1.0', '']))).toThrow(
      "The HTTP version 'HTTP/1.0' used in a batch operation request or response is not valid. The value must be 'HTTP/1.1'.",
    );
  });
});

describe('serialize', () => {
  it('writes embedded responses and nested multiparts with CRLF only, as the service does', () => {
    const created = serializeHttpResponse({
      status: 204,
      headers: [
        ['OData-Version', '4.0'],
        ['OData-EntityId', 'https://org/api/data/v9.2/tasks(1)'],
      ],
      body: Buffer.alloc(0),
    });
    expect(created.toString()).toBe(
      'HTTP/1.1 204 No Content\r\nOData-Version: 4.0\r\nOData-EntityId: https://org/api/data/v9.2/tasks(1)\r\n\r\n',
    );
    const changeset = serializeMultipart(
      'cs',
      [
        {
          headers: [
            ['Content-Type', 'application/http'],
            ['Content-ID', '1'],
          ],
          body: created,
        },
      ],
      { epilogue: false },
    );
    const read = serializeHttpResponse({
      status: 200,
      headers: [['Content-Type', 'application/json']],
      body: Buffer.from('{}'),
    });
    const batch = serializeMultipart(
      'bt',
      [
        { headers: [['Content-Type', 'multipart/mixed; boundary=cs']], body: changeset },
        { headers: [['Content-Type', 'application/http']], body: read },
      ],
      { epilogue: true },
    ).toString();
    expect(batch).toBe(
      [
        '--bt',
        'Content-Type: multipart/mixed; boundary=cs',
        '',
        '--cs',
        'Content-Type: application/http',
        'Content-ID: 1',
        '',
        'HTTP/1.1 204 No Content',
        'OData-Version: 4.0',
        'OData-EntityId: https://org/api/data/v9.2/tasks(1)',
        '',
        '',
        '--cs--',
        '--bt',
        'Content-Type: application/http',
        '',
        'HTTP/1.1 200 OK',
        'Content-Type: application/json',
        '',
        '{}',
        '--bt--',
        '',
      ].join('\r\n'),
    );
    expect(batch.replace(/\r\n/g, '')).not.toContain('\n');
  });

  it('round-trips: what it writes, it reads back part by part', () => {
    const written = serializeMultipart(
      'x',
      [
        { headers: [['A', '1']], body: Buffer.from('first\r\n') },
        { headers: [['B', '2']], body: Buffer.from('') },
      ],
      { epilogue: true },
    );
    const parts = parseMultipart(written, 'x');
    expect(parts.map((p) => [p.headers, p.body.toString()])).toEqual([
      [[['A', '1']], 'first\r\n'],
      [[['B', '2']], ''],
    ]);
    expect(serializeMultipart('e', [], { epilogue: true }).toString()).toBe('--e--\r\n');
  });
});
