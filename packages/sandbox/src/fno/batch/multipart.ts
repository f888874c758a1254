/**
 * `multipart/mixed` as OData `$batch` uses it: parts separated by `--boundary`, each with MIME
 * headers, a blank line, then either a nested changeset (another multipart) or an `application/http`
 * message (request line, headers, blank line, body). CRLF on the wire; bare LF is tolerated.
 */

export interface MimePart {
  headers: Record<string, string>;
  body: string;
}

export interface HttpMessage {
  method: string;
  target: string;
  headers: Record<string, string>;
  body: string;
}

export class MultipartError extends Error {
  override readonly name = 'MultipartError';
}

/** The `boundary` parameter of a multipart Content-Type, or undefined. */
export function boundaryOf(contentType: string | undefined): string | undefined {
  if (!contentType || !/^multipart\/mixed/i.test(contentType.trim())) return undefined;
  const match = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return match?.[1] ?? match?.[2];
}

export function splitMultipart(body: string, boundary: string): MimePart[] {
  const delimiter = `--${boundary}`;
  const sections = body.split(delimiter);
  if (sections.length < 2) throw new MultipartError(`no part delimited by ${delimiter}`);
  const parts: MimePart[] = [];
  for (const section of sections.slice(1)) {
    if (section.startsWith('--')) break;
    const text = section.replace(/^\r?\n/, '').replace(/\r?\n$/, '');
    const { headers, rest } = readHeaders(text);
    parts.push({ headers, body: rest });
  }
  return parts;
}

/** An `application/http` part's embedded request. */
export function parseHttpRequest(text: string): HttpMessage {
  const newline = text.indexOf('\n');
  const requestLine = (newline < 0 ? text : text.slice(0, newline)).trim();
  const match = /^([A-Z]+)\s+(\S+)(?:\s+HTTP\/\d\.\d)?$/.exec(requestLine);
  if (!match?.[1] || !match[2]) throw new MultipartError(`not an HTTP request line: ${requestLine}`);
  const { headers, rest } = readHeaders(newline < 0 ? '' : text.slice(newline + 1));
  return { method: match[1], target: match[2], headers, body: rest.replace(/\r?\n$/, '') };
}

function readHeaders(text: string): { headers: Record<string, string>; rest: string } {
  const headers: Record<string, string> = {};
  const lines = text.split('\n');
  let index = 0;
  for (; index < lines.length; index++) {
    const line = (lines[index] as string).replace(/\r$/, '');
    if (line === '') {
      index += 1;
      break;
    }
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { headers, rest: lines.slice(index).join('\n') };
}

const REASONS: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  204: 'No Content',
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  405: 'Method Not Allowed',
  412: 'Precondition Failed',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
};

export interface ResponsePart {
  contentId: string | undefined;
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** One `application/http` response part. */
export function formatResponsePart(part: ResponsePart): string {
  const lines = ['Content-Type: application/http', 'Content-Transfer-Encoding: binary'];
  if (part.contentId !== undefined) lines.push(`Content-ID: ${part.contentId}`);
  lines.push('', `HTTP/1.1 ${part.status} ${REASONS[part.status] ?? ''}`.trimEnd());
  for (const [name, value] of Object.entries(part.headers)) lines.push(`${name}: ${value}`);
  lines.push('', part.body);
  return lines.join('\r\n');
}

/** Wraps already formatted parts in a multipart body with `boundary`. */
export function formatMultipart(boundary: string, parts: readonly string[]): string {
  return `${parts.map((part) => `--${boundary}\r\n${part}\r\n`).join('')}--${boundary}--\r\n`;
}
