import { randomUUID } from 'node:crypto';
import { ConnectorError } from '../core/errors';
import { errorFromResponse } from '../http/errors';
import type { FnoApi } from './odata';

/**
 * OData `$batch` as F&O takes it (fno.md §5): `POST /data/$batch`, `multipart/mixed` with one
 * changeset (nested `multipart/mixed`), each part `application/http` + `Content-Transfer-Encoding:
 * binary` + `Content-ID: n`, then the inner request (absolute URL, `OData-Version: 4.0`, JSON).
 * A changeset is atomic. The outer answer is 200 even when the changeset failed: the failing part
 * comes back alone with its status, its Content-ID and F&O's error body.
 *
 * Content-ID references (`$1/...`) are not used: their support in F&O is UNCONFIRMED (fno.md §5),
 * so every part carries its full URL and complete body.
 */

export interface BatchOperation {
  method: 'POST' | 'PATCH' | 'DELETE';
  /** Relative to `/data/` (e.g. `SalesOrderLines`). */
  path: string;
  body?: unknown;
}

export interface BatchPartResult {
  contentId: string | undefined;
  status: number;
  headers: Record<string, string>;
  body: string;
}

export type ChangesetResult =
  | { ok: true; parts: BatchPartResult[] }
  | {
      ok: false;
      /** The operation that failed (from the echoed Content-ID), when F&O said which. */
      index: number | undefined;
      error: ConnectorError;
    };

const CRLF = '\r\n';

/** The body of a batch with one changeset holding `operations` in order (Content-ID 1…n). */
export function formatChangesetBatch(
  dataRoot: string,
  operations: readonly BatchOperation[],
  boundaries = { batch: `batch_${randomUUID()}`, changeset: `changeset_${randomUUID()}` },
): { body: string; contentType: string } {
  const parts = operations.map((operation, index) => {
    const lines = [
      'Content-Type: application/http',
      'Content-Transfer-Encoding: binary',
      `Content-ID: ${index + 1}`,
      '',
      `${operation.method} ${dataRoot}${operation.path} HTTP/1.1`,
      'OData-Version: 4.0',
      'OData-MaxVersion: 4.0',
      'Accept: application/json;odata.metadata=minimal',
    ];
    if (operation.body !== undefined) {
      lines.push('Content-Type: application/json;odata.metadata=minimal', '', JSON.stringify(operation.body));
    } else {
      lines.push('', '');
    }
    return `--${boundaries.changeset}${CRLF}${lines.join(CRLF)}${CRLF}`;
  });
  const changeset = `${parts.join('')}--${boundaries.changeset}--${CRLF}`;
  const body =
    `--${boundaries.batch}${CRLF}` +
    `Content-Type: multipart/mixed; boundary=${boundaries.changeset}${CRLF}${CRLF}` +
    changeset +
    `--${boundaries.batch}--${CRLF}`;
  return { body, contentType: `multipart/mixed; boundary=${boundaries.batch}` };
}

/** The `boundary` of a `multipart/mixed` content type. */
export function boundaryOf(contentType: string | undefined): string | undefined {
  if (!contentType || !/^\s*multipart\/mixed/i.test(contentType)) return undefined;
  const match = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return match?.[1] ?? match?.[2];
}

interface MimePart {
  headers: Record<string, string>;
  body: string;
}

function splitMultipart(body: string, boundary: string): MimePart[] {
  const sections = body.split(`--${boundary}`);
  const parts: MimePart[] = [];
  for (const section of sections.slice(1)) {
    if (section.startsWith('--')) break;
    const { headers, rest } = readHeaders(section.replace(/^\r?\n/, '').replace(/\r?\n$/, ''));
    parts.push({ headers, body: rest });
  }
  return parts;
}

function readHeaders(text: string): { headers: Record<string, string>; rest: string } {
  const headers: Record<string, string> = {};
  const lines = text.split('\n');
  let index = 0;
  for (; index < lines.length; index++) {
    const line = (lines[index] ?? '').replace(/\r$/, '');
    if (line === '') {
      index += 1;
      break;
    }
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { headers, rest: lines.slice(index).join('\n') };
}

/** Every `application/http` response part of a batch answer, changesets flattened, in order. */
export function parseBatchResponse(body: string, contentType: string | undefined): BatchPartResult[] {
  const boundary = boundaryOf(contentType);
  if (!boundary) {
    throw new ConnectorError(
      'schema_mismatch',
      `The $batch answer is not multipart/mixed (${contentType ?? 'no type'}).`,
    );
  }
  const results: BatchPartResult[] = [];
  for (const part of splitMultipart(body, boundary)) {
    const inner = boundaryOf(part.headers['content-type']);
    if (inner) {
      for (const item of splitMultipart(part.body, inner)) results.push(parseHttpPart(item));
    } else {
      results.push(parseHttpPart(part));
    }
  }
  return results;
}

function parseHttpPart(part: MimePart): BatchPartResult {
  const text = part.body.replace(/^(?:\r?\n)+/, '');
  const newline = text.indexOf('\n');
  const statusLine = (newline < 0 ? text : text.slice(0, newline)).trim();
  const match = /^HTTP\/\d(?:\.\d)?\s+(\d{3})\b/.exec(statusLine);
  if (!match?.[1])
    throw new ConnectorError(
      'schema_mismatch',
      `A $batch part has no status line: "${statusLine.slice(0, 80)}".`,
    );
  const { headers, rest } = readHeaders(newline < 0 ? '' : text.slice(newline + 1));
  return {
    contentId: part.headers['content-id'],
    status: Number(match[1]),
    headers,
    body: rest.replace(/\r?\n$/, '').trim(),
  };
}

/**
 * Sends `operations` as one changeset and reads the answer: all parts 2xx, or the failing part as
 * a `ConnectorError` (F&O's Infolog in `upstream.infolog`, status 500 with AxODataWriteException →
 * `validation_failed`). Errors of the batch request itself (429 handled by the HTTP core, network
 * errors → `outcome_unknown`) are thrown.
 */
export async function sendChangeset(
  api: FnoApi,
  operations: readonly BatchOperation[],
): Promise<ChangesetResult> {
  const { body, contentType } = formatChangesetBatch(api.dataRoot, operations);
  const response = await api.request<string>('$batch', {
    method: 'POST',
    body,
    headers: { 'content-type': contentType, accept: 'multipart/mixed' },
    priority: 'live',
  });
  const text = typeof response.body === 'string' ? response.body : '';
  return readChangeset(api.dataRoot, operations, parseBatchResponse(text, response.headers['content-type']));
}

/**
 * The outcome of a one-changeset batch from the parts of its answer: every operation answered 2xx,
 * in order (exactly one part each), or the failing part as a `ConnectorError`. An answer with no
 * failed part and not exactly one part per operation is a `schema_mismatch` naming both counts:
 * operations without a part must not read as done.
 */
export function readChangeset(
  dataRoot: string,
  operations: readonly BatchOperation[],
  parts: BatchPartResult[],
): ChangesetResult {
  const failed = parts.find((part) => part.status >= 300);
  if (!failed && parts.length === operations.length) return { ok: true, parts };
  if (!failed) {
    throw new ConnectorError(
      'schema_mismatch',
      `The $batch answer has ${parts.length} ${parts.length === 1 ? 'part' : 'parts'} for ${operations.length} ${operations.length === 1 ? 'operation' : 'operations'} (expected ${operations.length}, none failed): the changeset cannot be counted as done.`,
      {
        remedy:
          'Nothing is marked written: the record fails and can be replayed (the order is looked up by its customer reference first). If it happens again, report the $batch answer to F&O support (or fix the simulator that sent it).',
      },
    );
  }
  const index =
    failed.contentId !== undefined && /^\d+$/.test(failed.contentId)
      ? Number(failed.contentId) - 1
      : undefined;
  const operation = index === undefined ? undefined : operations[index];
  const error = errorFromResponse({
    status: failed.status,
    headers: failed.headers,
    bodyText: failed.body,
    method: operation?.method ?? 'POST',
    shownUrl: `${dataRoot}${operation?.path ?? '$batch'} (in $batch)`,
  });
  return { ok: false, index, error };
}
