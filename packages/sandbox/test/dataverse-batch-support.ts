import { randomUUID } from 'node:crypto';

/**
 * Test helpers for `$batch`: a request builder (what clients send) and a strict reader of batch
 * responses written independently of the simulator's own multipart code, so the tests do not
 * check the serializer with itself.
 */

export interface BatchOp {
  method: string;
  url: string;
  body?: unknown;
  headers?: Record<string, string>;
  contentId?: string;
}

/** A top-level request, or a changeset (an array of requests). */
export type BatchItem = BatchOp | BatchOp[];

export interface BuiltBatch {
  contentType: string;
  body: string;
}

/** Builds a `$batch` body as the documentation shows it (`eol` `\n` as DynamicsWebApi sends it). */
export function buildBatch(items: readonly BatchItem[], eol = '\r\n'): BuiltBatch {
  const boundary = `batch_${randomUUID()}`;
  const lines: string[] = [];
  const operation = (op: BatchOp) => {
    lines.push('Content-Type: application/http', 'Content-Transfer-Encoding: binary');
    if (op.contentId !== undefined) lines.push(`Content-ID: ${op.contentId}`);
    lines.push('', `${op.method} ${op.url} HTTP/1.1`);
    if (op.body !== undefined) lines.push('Content-Type: application/json; type=entry');
    for (const [name, value] of Object.entries(op.headers ?? {})) lines.push(`${name}: ${value}`);
    lines.push('', op.body === undefined ? '' : JSON.stringify(op.body));
  };
  for (const item of items) {
    lines.push(`--${boundary}`);
    if (Array.isArray(item)) {
      const changeset = `changeset_${randomUUID()}`;
      lines.push(`Content-Type: multipart/mixed; boundary="${changeset}"`, '');
      for (const op of item) {
        lines.push(`--${changeset}`);
        operation(op);
      }
      lines.push(`--${changeset}--`);
    } else {
      operation(item);
    }
  }
  lines.push(`--${boundary}--`, '');
  return { contentType: `multipart/mixed; boundary="${boundary}"`, body: lines.join(eol) };
}

/** One part of a batch response: an embedded HTTP response, or a changeset of them. */
export interface ResponsePart {
  /** The MIME headers of the part, in order. */
  mime: Array<[string, string]>;
  statusLine: string;
  status: number;
  /** The embedded response's headers, in order. */
  headers: Array<[string, string]>;
  body: string;
  /** For a changeset: its boundary and parts. */
  changeset?: { boundary: string; parts: ResponsePart[] };
}

export function header(headers: ReadonlyArray<[string, string]>, name: string): string | undefined {
  return headers.find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1];
}

/** Splits `Name: value` lines (CRLF). */
function readHeaders(block: string): Array<[string, string]> {
  if (block === '') return [];
  return block.split('\r\n').map((line) => {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new Error(`not a header line: ${JSON.stringify(line)}`);
    return [line.slice(0, colon), line.slice(colon + 1).trim()];
  });
}

/**
 * Reads a multipart body delimited by `boundary`, CRLF only: `--b CRLF part CRLF --b … --b--`.
 * The preamble must be empty; the epilogue is ignored.
 */
export function readMultipart(body: string, boundary: string): ResponsePart[] {
  const segments = body.split(`--${boundary}`);
  if (segments[0] !== '') throw new Error(`unexpected preamble ${JSON.stringify(segments[0])}`);
  const last = segments[segments.length - 1] ?? '';
  if (!last.startsWith('--')) throw new Error('no close delimiter');
  return segments.slice(1, -1).map((segment) => {
    if (!segment.startsWith('\r\n') || !segment.endsWith('\r\n')) {
      throw new Error(`part not framed by CRLF: ${JSON.stringify(segment.slice(0, 80))}`);
    }
    return readPart(segment.slice(2, -2));
  });
}

function readPart(text: string): ResponsePart {
  const split = text.indexOf('\r\n\r\n');
  if (split < 0) throw new Error('part without a blank line after its headers');
  const mime = readHeaders(text.slice(0, split));
  const rest = text.slice(split + 4);
  const contentType = header(mime, 'Content-Type') ?? '';
  const nested = /^multipart\/mixed;\s*boundary=(\S+)$/.exec(contentType);
  if (nested?.[1]) {
    return {
      mime,
      statusLine: '',
      status: 0,
      headers: [],
      body: '',
      changeset: { boundary: nested[1], parts: readMultipart(`${rest}\r\n`, nested[1]) },
    };
  }
  return { mime, ...readHttpResponse(rest) };
}

/** `HTTP/1.1 204 No Content`, headers, blank line, body. */
export function readHttpResponse(text: string): {
  statusLine: string;
  status: number;
  headers: Array<[string, string]>;
  body: string;
} {
  const split = text.indexOf('\r\n\r\n');
  if (split < 0) throw new Error('embedded response without a blank line after its headers');
  const [statusLine = '', ...headerLines] = text.slice(0, split).split('\r\n');
  const status = /^HTTP\/1\.1 (\d{3}) .+$/.exec(statusLine)?.[1];
  if (!status) throw new Error(`not a status line: ${statusLine}`);
  return {
    statusLine,
    status: Number(status),
    headers: readHeaders(headerLines.join('\r\n')),
    body: text.slice(split + 4),
  };
}

export interface BatchResponse {
  status: number;
  contentType: string;
  boundary: string;
  text: string;
  parts: ResponsePart[];
}

/** Reads a batch response (a fetch Response); checks its Content-Type. */
export async function readBatchResponse(response: Response): Promise<BatchResponse> {
  const text = await response.text();
  const contentType = response.headers.get('content-type') ?? '';
  const boundary = /^multipart\/mixed; boundary=(batchresponse_[0-9a-f-]{36})$/.exec(contentType)?.[1];
  if (!boundary) throw new Error(`not a batch response (${response.status} ${contentType}): ${text}`);
  return { status: response.status, contentType, boundary, text, parts: readMultipart(text, boundary) };
}
