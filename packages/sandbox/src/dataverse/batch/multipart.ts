import { STATUS_CODES } from 'node:http';

/**
 * `multipart/mixed` as OData `$batch` uses it (RFC 2046 framing, OData 4.0 §11.7): a body of parts
 * separated by `--<boundary>` lines and closed by `--<boundary>--`; each part has MIME headers, a
 * blank line, then either a nested multipart (a changeset) or an `application/http` message.
 *
 * Reading is strict about structure (every part delimited, the close delimiter present, headers
 * `Name: value`, no header twice, a `METHOD URL HTTP/1.1` request line) and tolerant about line
 * ends (CRLF or bare LF, as ODataLib is: clients such as DynamicsWebApi send LF). Bodies are
 * bytes: the text is handled as latin1, which maps each byte to one character and back, so UTF-8
 * payloads pass through untouched. Writing always uses CRLF.
 */

/** Header names and values in the order they were given (names as written). */
export type HeaderList = ReadonlyArray<readonly [name: string, value: string]>;

export interface MimePart {
  headers: HeaderList;
  body: Buffer;
}

/** An embedded request of an `application/http` part. */
export interface HttpRequestMessage {
  method: string;
  /** As written: absolute, absolute path, relative, or a `$n` Content-ID reference. */
  target: string;
  headers: HeaderList;
  body: Buffer;
}

export interface HttpResponseMessage {
  status: number;
  headers: HeaderList;
  body: Buffer;
}

/** The payload does not follow the multipart or embedded-HTTP syntax (messages are ODataLib's). */
export class MultipartSyntaxError extends Error {
  override readonly name = 'MultipartSyntaxError';
}

export const CRLF = '\r\n';
const HTTP_VERSION = 'HTTP/1.1';

/** Case-insensitive header look-up. */
export function headerValue(headers: HeaderList, name: string): string | undefined {
  const wanted = name.toLowerCase();
  return headers.find(([key]) => key.toLowerCase() === wanted)?.[1];
}

export interface MediaType {
  /** Lower case, e.g. `multipart/mixed`. */
  type: string;
  /** Parameter names lower case; values unquoted. */
  parameters: ReadonlyMap<string, string>;
}

/** Parses a Content-Type value (`multipart/mixed; boundary="batch_1"`). */
export function parseMediaType(value: string): MediaType {
  const [head = '', ...rest] = splitOutsideQuotes(value, ';');
  const parameters = new Map<string, string>();
  for (const raw of rest) {
    const eq = raw.indexOf('=');
    if (eq < 0) continue;
    const name = raw.slice(0, eq).trim().toLowerCase();
    let text = raw.slice(eq + 1).trim();
    if (text.length >= 2 && text.startsWith('"') && text.endsWith('"')) {
      text = text.slice(1, -1).replace(/\\(.)/g, '$1');
    }
    if (name) parameters.set(name, text);
  }
  return { type: head.trim().toLowerCase(), parameters };
}

function splitOutsideQuotes(text: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (const char of text) {
    if (char === '"') quoted = !quoted;
    if (char === separator && !quoted) {
      parts.push(current);
      current = '';
      continue;
    }
    current += char;
  }
  parts.push(current);
  return parts;
}

/** Splits a multipart body into its parts (preamble and epilogue are ignored). */
export function parseMultipart(body: Buffer, boundary: string): MimePart[] {
  const text = body.toString('latin1');
  const delimiter = `--${boundary}`;
  let position = findDelimiter(text, delimiter, 0);
  if (position < 0) throw unexpectedEnd();
  const parts: MimePart[] = [];
  for (;;) {
    let cursor = position + delimiter.length;
    if (text.startsWith('--', cursor)) return parts;
    while (text.charAt(cursor) === ' ' || text.charAt(cursor) === '\t') cursor++;
    const lineBreak = lineBreakLength(text, cursor);
    if (lineBreak === 0) throw unexpectedEnd();
    const start = cursor + lineBreak;
    const next = findDelimiter(text, delimiter, start);
    if (next < 0) throw unexpectedEnd();
    let end = next;
    if (text.charAt(end - 1) === '\n') end--;
    if (text.charAt(end - 1) === '\r') end--;
    const content = text.slice(start, Math.max(start, end));
    const { headers, rest } = readHeaderBlock(content);
    parts.push({ headers, body: Buffer.from(rest, 'latin1') });
    position = next;
  }
}

/** The first `--boundary` at the start of a line, at or after `from`, followed by `--`, blanks or EOL. */
function findDelimiter(text: string, delimiter: string, from: number): number {
  let index = text.indexOf(delimiter, from);
  while (index >= 0) {
    const atLineStart = index === 0 || text.charAt(index - 1) === '\n';
    const after = text.charAt(index + delimiter.length);
    const ends =
      after === '' || after === '-' || after === ' ' || after === '\t' || after === '\r' || after === '\n';
    if (atLineStart && ends) return index;
    index = text.indexOf(delimiter, index + 1);
  }
  return -1;
}

function lineBreakLength(text: string, at: number): number {
  if (text.startsWith(CRLF, at)) return 2;
  return text.charAt(at) === '\n' ? 1 : 0;
}

/** Reads `Name: value` lines up to the first empty line; what follows is the body. */
function readHeaderBlock(text: string): { headers: Array<[string, string]>; rest: string } {
  const headers: Array<[string, string]> = [];
  const seen = new Set<string>();
  let cursor = 0;
  while (cursor < text.length) {
    const newline = text.indexOf('\n', cursor);
    const lineEnd = newline < 0 ? text.length : newline;
    const line = text.slice(cursor, lineEnd).replace(/\r$/, '');
    cursor = newline < 0 ? text.length : newline + 1;
    if (line === '') return { headers, rest: text.slice(cursor) };
    const match = /^([^:\s]+)[ \t]*:[ \t]*(.*?)[ \t]*$/.exec(line);
    if (!match?.[1]) {
      throw new MultipartSyntaxError(
        `The message header '${utf8(line)}' is invalid. The header value must be of the format '<header name>: <header value>'.`,
      );
    }
    const name = utf8(match[1]);
    if (seen.has(name.toLowerCase())) {
      throw new MultipartSyntaxError(
        `The header '${name}' was specified multiple times. Each header must appear only once in a batch part.`,
      );
    }
    seen.add(name.toLowerCase());
    headers.push([name, utf8(match[2] ?? '')]);
  }
  return { headers, rest: '' };
}

/** The request inside an `application/http` part: request line, headers, blank line, body. */
export function parseHttpRequest(message: Buffer): HttpRequestMessage {
  const text = message.toString('latin1');
  const newline = text.indexOf('\n');
  const requestLine = (newline < 0 ? text : text.slice(0, newline)).replace(/\r$/, '');
  const match = /^(\S+) (\S+) (\S+)$/.exec(requestLine);
  if (!match?.[1] || !match[2] || !match[3]) {
    throw new MultipartSyntaxError(
      `The request line '${utf8(requestLine)}' is invalid. The request line at the start of each operation must be of the format 'HttpMethod RequestUrl HttpVersion'.`,
    );
  }
  if (match[3] !== HTTP_VERSION) {
    throw new MultipartSyntaxError(
      `The HTTP version '${match[3]}' used in a batch operation request or response is not valid. The value must be '${HTTP_VERSION}'.`,
    );
  }
  const { headers, rest } = readHeaderBlock(newline < 0 ? '' : text.slice(newline + 1));
  return { method: match[1], target: utf8(match[2]), headers, body: Buffer.from(rest, 'latin1') };
}

/** `HTTP/1.1 <status> <reason>`, the headers, a blank line and the body. */
export function serializeHttpResponse(response: HttpResponseMessage): Buffer {
  const reason = STATUS_CODES[response.status] ?? 'Unknown';
  const head = [`${HTTP_VERSION} ${response.status} ${reason}`, ...headerLines(response.headers)].join(CRLF);
  return Buffer.concat([Buffer.from(`${head}${CRLF}${CRLF}`, 'utf8'), response.body]);
}

/**
 * Writes parts as a multipart body: `--b CRLF headers CRLF CRLF body`, parts joined by the CRLF
 * that belongs to the next delimiter, then `CRLF --b--`. A nested multipart (a changeset) ends right
 * after its close delimiter; the outer body ends with a CRLF (`epilogue`), as the service's do.
 */
export function serializeMultipart(
  boundary: string,
  parts: readonly MimePart[],
  options: { epilogue: boolean },
): Buffer {
  const chunks: Buffer[] = [];
  parts.forEach((part, index) => {
    const lines = [`--${boundary}`, ...headerLines(part.headers)].join(CRLF);
    chunks.push(Buffer.from(`${index === 0 ? '' : CRLF}${lines}${CRLF}${CRLF}`, 'utf8'), part.body);
  });
  chunks.push(Buffer.from(`${parts.length === 0 ? '' : CRLF}--${boundary}--${options.epilogue ? CRLF : ''}`));
  return Buffer.concat(chunks);
}

function headerLines(headers: HeaderList): string[] {
  return headers.map(([name, value]) => `${name}: ${value}`);
}

function unexpectedEnd(): MultipartSyntaxError {
  return new MultipartSyntaxError('Encountered an unexpected end of input while reading the batch payload.');
}

/** latin1 text (one char per byte) back to the UTF-8 it encodes. */
function utf8(latin1: string): string {
  return Buffer.from(latin1, 'latin1').toString('utf8');
}
