import { errors } from '../errors';
import { parseApiPath } from '../http/url';
import {
  type HeaderList,
  headerValue,
  type MimePart,
  MultipartSyntaxError,
  parseHttpRequest,
  parseMediaType,
  parseMultipart,
} from './multipart';

/** The most requests a batch may hold, changeset operations included. */
export const MAX_BATCH_REQUESTS = 1000;

const CHANGESET_METHODS = ['POST', 'PUT', 'DELETE', 'PATCH'];

/** `$…` names that are resources, not Content-ID references (`POST $batch`, `GET $metadata`). */
const RESERVED_SEGMENTS = new Set(['batch', 'metadata', 'entity', 'crossjoin', 'all', 'root']);

/** `$1/lastname` → `{ contentId: '1', rest: '/lastname' }`; undefined for any other target. */
export function contentIdReference(target: string): { contentId: string; rest: string } | undefined {
  const match = /^\$([^/?()]+)(.*)$/.exec(target);
  if (!match?.[1] || RESERVED_SEGMENTS.has(match[1])) return undefined;
  return { contentId: match[1], rest: match[2] ?? '' };
}

/** One embedded request, outside or inside a changeset. */
export interface BatchOperation {
  kind: 'operation';
  /** The part's `Content-ID`, echoed in its response and referenced as `$<id>` in its changeset. */
  contentId: string | undefined;
  method: string;
  target: string;
  headers: HeaderList;
  body: Buffer;
}

/** A changeset: its operations run in one transaction. */
export interface BatchChangeset {
  kind: 'changeset';
  operations: BatchOperation[];
}

export type BatchItem = BatchOperation | BatchChangeset;

/**
 * Reads a `$batch` request body into its operations and changesets, checking everything that can
 * be checked before any request runs: the multipart structure, part headers, request lines, no GET
 * (or other read) in a changeset, no nested changeset or batch, unique Content-IDs per changeset,
 * at most 1,000 requests. Any failure is a 400 for the whole batch (nothing runs), worded as
 * ODataLib words it where it has a message for it.
 */
export function readBatch(contentType: string | undefined, body: Buffer, serviceRoot: string): BatchItem[] {
  try {
    const parts = parseMultipart(body, batchBoundary(contentType));
    const items = parts.map((part) => readTopLevelPart(part, serviceRoot));
    checkSize(items);
    return items;
  } catch (error) {
    if (error instanceof MultipartSyntaxError) throw errors.badRequest(error.message);
    throw error;
  }
}

function batchBoundary(contentType: string | undefined): string {
  const value = contentType ?? '';
  const media = parseMediaType(value);
  if (media.type !== 'multipart/mixed') {
    throw errors.badRequest(
      `A supported MIME type could not be found that matches the content type of the response. None of the supported type(s) 'multipart/mixed' matches the content type '${value}'.`,
    );
  }
  const boundary = media.parameters.get('boundary');
  if (!boundary) throw boundaryMissing(value);
  return boundary;
}

function boundaryMissing(contentType: string) {
  return errors.badRequest(
    `The content type '${contentType}' specifies a batch payload; however, the payload either does not include a batch boundary or includes more than one boundary. In OData, batch payload content types must specify exactly one batch boundary in the 'boundary' parameter of the content type.`,
  );
}

function readTopLevelPart(part: MimePart, serviceRoot: string): BatchItem {
  const contentType = requireContentType(part);
  const media = parseMediaType(contentType);
  if (media.type === 'multipart/mixed') {
    const boundary = media.parameters.get('boundary');
    if (!boundary) throw boundaryMissing(contentType);
    const operations = parseMultipart(part.body, boundary).map((inner) => {
      const innerType = requireContentType(inner);
      if (parseMediaType(innerType).type === 'multipart/mixed') {
        throw errors.badRequest('Nested change sets in a batch payload are not supported.');
      }
      const operation = readOperation(inner, innerType, serviceRoot);
      if (!CHANGESET_METHODS.includes(operation.method)) {
        throw errors.badRequest(
          `An invalid HTTP method '${operation.method}' was detected for a request in a change set. Requests in change sets only support the HTTP methods 'POST', 'PUT', 'DELETE', and 'PATCH'.`,
        );
      }
      return operation;
    });
    const seen = new Set<string>();
    for (const { contentId } of operations) {
      if (contentId === undefined) continue;
      if (seen.has(contentId)) {
        throw errors.badRequest(
          `The content ID '${contentId}' was found more than once in the same change set or same batch request. Content IDs have to be unique across all operations of a change set for OData V4.0 and have to be unique across all operations in the whole batch request for OData V4.01.`,
        );
      }
      seen.add(contentId);
    }
    return { kind: 'changeset', operations };
  }
  return readOperation(part, contentType, serviceRoot);
}

function requireContentType(part: MimePart): string {
  const contentType = headerValue(part.headers, 'Content-Type');
  if (contentType === undefined) {
    throw errors.badRequest(
      "The 'Content-Type' header is missing. The 'Content-Type' header must be specified for each MIME part of a batch message.",
    );
  }
  return contentType;
}

function readOperation(part: MimePart, contentType: string, serviceRoot: string): BatchOperation {
  if (parseMediaType(contentType).type !== 'application/http') {
    throw errors.badRequest(
      `The 'Content-Type' header value '${contentType}' is invalid. When this is the start of the change set, the value must be 'multipart/mixed'; otherwise it must be 'application/http'.`,
    );
  }
  if (headerValue(part.headers, 'Content-Transfer-Encoding')?.toLowerCase() !== 'binary') {
    throw errors.badRequest(
      "A missing or invalid 'Content-Transfer-Encoding' header was found. The 'Content-Transfer-Encoding' header must be specified for each batch operation, and its value must be 'binary'.",
    );
  }
  const request = parseHttpRequest(part.body);
  const method = request.method.toUpperCase();
  if (!contentIdReference(request.target)) {
    let pathname: string;
    try {
      pathname = new URL(request.target, serviceRoot).pathname;
    } catch {
      throw errors.badRequest(`The request URI '${request.target}' is not valid.`);
    }
    const path = parseApiPath(pathname);
    if (path?.segments[0]?.name === '$batch') {
      throw errors.badRequest('A batch request cannot contain other batch requests.');
    }
  }
  return {
    kind: 'operation',
    contentId: headerValue(part.headers, 'Content-ID'),
    method,
    target: request.target,
    headers: request.headers,
    body: request.body,
  };
}

function checkSize(items: readonly BatchItem[]): void {
  let total = 0;
  for (const item of items) {
    if (item.kind === 'changeset' && item.operations.length > MAX_BATCH_REQUESTS) {
      throw errors.badRequest(
        `The current change set contains too many operations. A maximum number of '${MAX_BATCH_REQUESTS}' operations are allowed in a change set.`,
      );
    }
    total += item.kind === 'changeset' ? item.operations.length : 1;
  }
  if (total > MAX_BATCH_REQUESTS) {
    throw errors.badRequest(
      `The current batch message contains too many parts. Only batch messages with a maximum number of '${MAX_BATCH_REQUESTS}' query operations, including changeset operations, are allowed.`,
    );
  }
}
