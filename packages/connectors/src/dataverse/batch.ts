import { randomUUID } from 'node:crypto';
import { ConnectorError } from '../core/errors';
import type { Priority } from '../http/budget';
import { errorFromResponse } from '../http/errors';
import type { DataverseApi } from './api';

/**
 * `$batch` bodies (shared/reference/dataverse.md §7): building a `multipart/mixed` request whose
 * changesets hold the operations, and reading the `batchresponse_…` / `changesetresponse_…`
 * answer into one response per part (with its `Content-ID`). CRLF is written; CRLF and bare LF are
 * both read.
 */

export interface BatchOperation {
  /** GET only outside changesets. */
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** Path from the origin (`/api/data/v9.2/productpricelevels(…)`) or an absolute URL. */
  url: string;
  headers?: Record<string, string>;
  /** Sent as JSON. */
  body?: unknown;
}

export interface BatchRequest {
  contentType: string;
  body: string;
}

const CRLF = '\r\n';

/**
 * A batch of `items`: an array is one changeset (atomic; its operations get `Content-ID`s numbered
 * from 1 across the batch), a single operation is a request of its own.
 */
export function buildBatch(items: readonly (BatchOperation | readonly BatchOperation[])[]): BatchRequest {
  const batch = `batch_${randomUUID()}`;
  const lines: string[] = [];
  let contentId = 0;
  const operationLines = (operation: BatchOperation, id: number | undefined) => {
    lines.push('Content-Type: application/http', 'Content-Transfer-Encoding: binary');
    if (id !== undefined) lines.push(`Content-ID: ${id}`);
    lines.push('', `${operation.method} ${operation.url} HTTP/1.1`);
    for (const [name, value] of Object.entries(operation.headers ?? {})) lines.push(`${name}: ${value}`);
    if (operation.body !== undefined) {
      lines.push('Content-Type: application/json; type=entry', '', JSON.stringify(operation.body));
    } else {
      lines.push('');
    }
  };
  for (const item of items) {
    if (!Array.isArray(item)) {
      lines.push(`--${batch}`);
      operationLines(item as BatchOperation, undefined);
      continue;
    }
    const changeset = `changeset_${randomUUID()}`;
    lines.push(`--${batch}`, `Content-Type: multipart/mixed; boundary=${changeset}`, '');
    for (const operation of item as readonly BatchOperation[]) {
      lines.push(`--${changeset}`);
      operationLines(operation, ++contentId);
    }
    lines.push(`--${changeset}--`);
  }
  lines.push(`--${batch}--`, '');
  return { contentType: `multipart/mixed; boundary=${batch}`, body: lines.join(CRLF) };
}

export interface SendBatchOptions {
  priority: Priority;
  /** Only when every operation is (GETs, PATCH upserts): a lost answer may then be resent. */
  idempotent: boolean;
  /** `Prefer: odata.continue-on-error`: every request runs; without it the first failure ends the batch. */
  continueOnError?: boolean;
}

/**
 * `POST $batch`: the parts of the answer (200, or 400 naming the failed part). An answer that is
 * not multipart (the batch itself was refused) is thrown as the error it carries; a 2xx answer
 * without a part for every request is a `schema_mismatch` (`checkBatchParts`).
 */
export async function sendBatch(
  api: DataverseApi,
  items: readonly (BatchOperation | readonly BatchOperation[])[],
  options: SendBatchOptions,
): Promise<{ status: number; parts: BatchPartResponse[] }> {
  const batch = buildBatch(items);
  const response = await api.send<unknown>('POST', '$batch', {
    body: batch.body,
    headers: { 'Content-Type': batch.contentType },
    ...(options.continueOnError ? { prefer: ['odata.continue-on-error'] } : {}),
    idempotent: options.idempotent,
    priority: options.priority,
    acceptStatuses: [400],
  });
  const contentType = response.headers['content-type'] ?? '';
  const bodyText = typeof response.body === 'string' ? response.body : JSON.stringify(response.body ?? '');
  if (!/multipart\/mixed/i.test(contentType)) {
    if (response.status < 300) {
      throw new ConnectorError('schema_mismatch', `The $batch answer is not multipart (${contentType}).`);
    }
    throw errorFromResponse({
      status: response.status,
      headers: response.headers,
      bodyText,
      method: 'POST',
      shownUrl: api.url('$batch'),
    });
  }
  const parts = parseBatchResponse(contentType, bodyText);
  checkBatchParts(items, response.status, parts);
  return { status: response.status, parts };
}

/**
 * A successful (2xx) `$batch` answer must account for every request: one part per operation, or,
 * for a changeset that failed (`odata.continue-on-error`), the one part of its failing operation.
 * An answer with fewer (or more) parts would otherwise read as "every operation done" for the
 * operations it leaves out. Refused batches (400) hold only the failure and are left to the caller.
 */
export function checkBatchParts(
  items: readonly (BatchOperation | readonly BatchOperation[])[],
  status: number,
  parts: readonly BatchPartResponse[],
): void {
  if (status >= 300) return;
  const operations = items.reduce((sum, item) => sum + (Array.isArray(item) ? item.length : 1), 0);
  const failed = parts.some((part) => part.status >= 400);
  // Without a failed part every operation has its part; a failed changeset answers with one part.
  const least = failed ? items.length : operations;
  if (parts.length >= least && parts.length <= operations) return;
  const expected = least === operations ? `${operations}` : `${least} to ${operations}`;
  throw new ConnectorError(
    'schema_mismatch',
    `The $batch answer (HTTP ${status}) has ${parts.length} ${parts.length === 1 ? 'part' : 'parts'} for ${operations} ${operations === 1 ? 'request' : 'requests'} (expected ${expected}): the requests without a part cannot be counted as done.`,
    {
      upstream: { status },
      remedy:
        'Nothing is marked written: the records fail and can be replayed. If it happens again, report the $batch answer to the service (or fix the simulator that sent it).',
    },
  );
}

/** The `ConnectorError` of a failed part. */
export function partError(part: BatchPartResponse, method: string, shownUrl: string): ConnectorError {
  return errorFromResponse({
    status: part.status,
    headers: part.headers,
    bodyText: part.body,
    method,
    shownUrl,
  });
}

export interface BatchPartResponse {
  /** The `Content-ID` of the request part, when it had one. */
  contentId: string | undefined;
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** The embedded responses of a `$batch` answer, in order (changeset parts flattened). */
export function parseBatchResponse(contentType: string | undefined, text: string): BatchPartResponse[] {
  const boundary = boundaryOf(contentType);
  if (!boundary) {
    throw new ConnectorError(
      'schema_mismatch',
      `The $batch answer is not multipart (Content-Type: ${contentType}).`,
    );
  }
  return parseMultipart(boundary, text.split(/\r?\n/), undefined);
}

function boundaryOf(contentType: string | undefined): string | undefined {
  const match = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '');
  return match?.[1] ?? match?.[2];
}

function parseMultipart(
  boundary: string,
  lines: readonly string[],
  inheritedId: string | undefined,
): BatchPartResponse[] {
  const parts: string[][] = [];
  let current: string[] | undefined;
  for (const line of lines) {
    const trimmed = line.trimEnd();
    if (trimmed === `--${boundary}--`) {
      if (current) parts.push(current);
      current = undefined;
      break;
    }
    if (trimmed === `--${boundary}`) {
      if (current) parts.push(current);
      current = [];
      continue;
    }
    current?.push(line);
  }
  if (current) parts.push(current);

  const responses: BatchPartResponse[] = [];
  for (const part of parts) {
    const { headers, rest } = readHeaders(part);
    const contentId = headers['content-id'] ?? inheritedId;
    const nested = boundaryOf(headers['content-type']);
    if (nested && /multipart\/mixed/i.test(headers['content-type'] ?? '')) {
      responses.push(...parseMultipart(nested, rest, contentId));
      continue;
    }
    responses.push(readEmbeddedResponse(rest, contentId));
  }
  return responses;
}

function readHeaders(lines: readonly string[]): { headers: Record<string, string>; rest: string[] } {
  const headers: Record<string, string> = {};
  let index = 0;
  while (index < lines.length && (lines[index] ?? '').trim() === '') index++;
  for (; index < lines.length; index++) {
    const line = lines[index] ?? '';
    if (line.trim() === '') {
      index++;
      break;
    }
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { headers, rest: lines.slice(index) };
}

function readEmbeddedResponse(lines: readonly string[], contentId: string | undefined): BatchPartResponse {
  let index = 0;
  while (index < lines.length && (lines[index] ?? '').trim() === '') index++;
  const statusLine = lines[index] ?? '';
  const match = /^HTTP\/\d(?:\.\d)?\s+(\d{3})/.exec(statusLine);
  if (!match) {
    throw new ConnectorError('schema_mismatch', `A $batch part has no HTTP status line: "${statusLine}".`);
  }
  const { headers, rest } = readHeaders(lines.slice(index + 1));
  return {
    contentId,
    status: Number(match[1]),
    headers,
    body: rest.join('\n').trim(),
  };
}
