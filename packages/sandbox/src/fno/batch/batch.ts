import { randomUUID } from 'node:crypto';
import { odataError } from '../errors';
import { dispatch } from '../http/dispatch';
import { errorResponse } from '../http/responses';
import type { FnoRequest, FnoResponse, Session } from '../http/types';
import {
  boundaryOf,
  formatMultipart,
  formatResponsePart,
  type MimePart,
  MultipartError,
  parseHttpRequest,
  type ResponsePart,
  splitMultipart,
} from './multipart';

/** The service-protection doc's limit of operations in one batch (fno.md §5). */
const MAX_OPERATIONS = 5_000;

class ChangesetFailed extends Error {
  constructor(readonly part: ResponsePart) {
    super('changeset failed');
  }
}

/**
 * `POST /data/$batch` (fno.md §5): the outer response is 200 whatever the parts do. A changeset is
 * one transaction: when a part fails, everything before it is undone and the changeset answers with
 * that one failing part and its Content-ID. Parts outside changesets run independently, in order.
 * Content-ID references (`$1/…`) and a `Company` header per part are not supported (UNCONFIRMED in
 * F&O).
 */
export function handleBatch(session: Session, request: FnoRequest): FnoResponse {
  const boundary = boundaryOf(request.headers['content-type']);
  if (!boundary) {
    return errorResponse(
      odataError(
        400,
        "The batch request must have a 'Content-Type' header of 'multipart/mixed' with a boundary.",
      ),
    );
  }
  let parts: MimePart[];
  try {
    parts = splitMultipart(request.body.toString('utf8'), boundary);
    const operations = parts.reduce((count, part) => count + operationCount(part), 0);
    if (operations > MAX_OPERATIONS) {
      return errorResponse(
        odataError(400, `The batch contains ${operations} operations; the limit is ${MAX_OPERATIONS}.`),
      );
    }
  } catch (error) {
    if (error instanceof MultipartError)
      return errorResponse(odataError(400, `Invalid batch request: ${error.message}`));
    throw error;
  }

  const responses: string[] = [];
  for (const part of parts) {
    const changesetBoundary = boundaryOf(part.headers['content-type']);
    if (changesetBoundary) {
      const changesetParts = splitMultipart(part.body, changesetBoundary);
      const results = runChangeset(session, changesetParts);
      const innerBoundary = `changesetresponse_${randomUUID()}`;
      const inner = formatMultipart(innerBoundary, results.map(formatResponsePart));
      responses.push(
        `Content-Type: multipart/mixed; boundary=${innerBoundary}\r\n\r\n${inner.replace(/\r\n$/, '')}`,
      );
    } else {
      responses.push(formatResponsePart(runPart(session, part)));
    }
  }
  const batchBoundary = `batchresponse_${randomUUID()}`;
  return {
    status: 200,
    headers: { 'Content-Type': `multipart/mixed; boundary=${batchBoundary}`, 'OData-Version': '4.0' },
    body: formatMultipart(batchBoundary, responses),
  };
}

function operationCount(part: MimePart): number {
  const inner = boundaryOf(part.headers['content-type']);
  return inner ? splitMultipart(part.body, inner).length : 1;
}

function runChangeset(session: Session, parts: readonly MimePart[]): ResponsePart[] {
  try {
    return session.store.transact(session.now, () =>
      parts.map((part) => {
        const result = runPart(session, part);
        if (result.status >= 400) throw new ChangesetFailed(result);
        return result;
      }),
    );
  } catch (error) {
    if (error instanceof ChangesetFailed) return [error.part];
    throw error;
  }
}

function runPart(session: Session, part: MimePart): ResponsePart {
  const contentId = part.headers['content-id'];
  let response: FnoResponse;
  try {
    const message = parseHttpRequest(part.body);
    const inner: FnoRequest = {
      method: message.method,
      url: innerUrl(session, message.target),
      headers: message.headers,
      body: Buffer.from(message.body, 'utf8'),
    };
    response = dispatch(session, inner, () =>
      errorResponse(odataError(400, 'A $batch request cannot contain another $batch request.')),
    );
  } catch (error) {
    if (!(error instanceof MultipartError)) throw error;
    response = errorResponse(odataError(400, `Invalid batch part: ${error.message}`));
  }
  return { contentId, status: response.status, headers: response.headers, body: response.body };
}

/** Absolute URLs are taken as they are; relative ones are resolved against the service root. */
function innerUrl(session: Session, target: string): URL {
  if (/^https?:\/\//i.test(target)) return new URL(target);
  if (target.startsWith('/')) return new URL(target, session.origin);
  return new URL(`/data/${target}`, session.origin);
}
