import { randomUUID } from 'node:crypto';
import { errors } from '../errors';
import type { RequestScope } from '../http/scope';
import { type ContentEntity, type InnerRequest, type InnerResult, runInnerRequest } from './inner';
import { type MimePart, serializeHttpResponse, serializeMultipart } from './multipart';
import { type BatchChangeset, type BatchOperation, contentIdReference, readBatch } from './request';

/** Outcome of one top-level item: its part in the response, and whether it failed. */
interface ItemResult {
  part: MimePart;
  failed: boolean;
}

/** Thrown inside a changeset's transaction to undo it; carries the failing operation's part. */
class ChangesetFailed extends Error {
  override readonly name = 'ChangesetFailed';
  constructor(readonly part: MimePart) {
    super('changeset failed');
  }
}

/**
 * `POST /$batch`. The whole body is read and checked first (structure, limits: a malformed batch
 * runs nothing); then the items run in order:
 * - a request outside a changeset runs on its own (its own transaction), through the same router
 *   and handlers as a direct call, under the batch's authentication;
 * - a changeset is one `store.transaction`: its operations run in order, `$n` in a URL or an
 *   `@odata.bind` is the row written by the operation with `Content-ID: n` earlier in the same
 *   changeset; the first failing operation undoes the changeset, whose response then holds only
 *   that operation's response (with its Content-ID).
 * Without `Prefer: odata.continue-on-error` the first failure ends the batch: 400 with only that
 * failure (nothing before it is reported, though independent requests before it stay done). With
 * it every item runs and the batch answers 200.
 * The response is `multipart/mixed; boundary=batchresponse_<guid>`, changesets nested as
 * `changesetresponse_<guid>`, every part an embedded HTTP response, CRLF throughout.
 */
export function handleBatch(scope: RequestScope): void {
  const items = readBatch(scope.header('content-type'), scope.body, scope.serviceRoot);
  const parts: MimePart[] = [];
  for (const item of items) {
    const result = item.kind === 'changeset' ? runChangeset(scope, item) : runOperation(scope, item);
    if (result.failed && !scope.prefer.continueOnError) {
      scope.ctx.logger.debug('dataverse batch stopped at its first failure');
      sendBatch(scope, 400, [result.part]);
      return;
    }
    parts.push(result.part);
  }
  sendBatch(scope, 200, parts);
}

function runOperation(scope: RequestScope, operation: BatchOperation): ItemResult {
  const { response } = execute(scope, operation, undefined);
  return { part: operationPart(operation, serializeHttpResponse(response)), failed: response.status >= 400 };
}

function runChangeset(scope: RequestScope, changeset: BatchChangeset): ItemResult {
  const contentIds = new Map<string, ContentEntity>();
  const parts: MimePart[] = [];
  let failed = false;
  try {
    scope.state.store.transaction(() => {
      for (const operation of changeset.operations) {
        const { response, entity } = execute(scope, operation, contentIds);
        const part = operationPart(operation, serializeHttpResponse(response));
        if (response.status >= 400) throw new ChangesetFailed(part);
        parts.push(part);
        if (operation.contentId !== undefined && entity) contentIds.set(operation.contentId, entity);
      }
    });
  } catch (error) {
    if (!(error instanceof ChangesetFailed)) throw error;
    failed = true;
    parts.splice(0, parts.length, error.part);
  }
  const boundary = `changesetresponse_${randomUUID()}`;
  return {
    part: {
      headers: [['Content-Type', `multipart/mixed; boundary=${boundary}`]],
      body: serializeMultipart(boundary, parts, { epilogue: false }),
    },
    failed,
  };
}

/** Runs one operation; a `$n` target that names no earlier operation of the changeset fails it. */
function execute(
  scope: RequestScope,
  operation: BatchOperation,
  contentIds: ReadonlyMap<string, ContentEntity> | undefined,
): InnerResult {
  const request: InnerRequest = {
    method: operation.method,
    target: operation.target,
    headers: operation.headers,
    body: operation.body,
  };
  const reference = contentIdReference(operation.target);
  if (reference) {
    const entity = contentIds?.get(reference.contentId);
    if (entity) request.target = `${entity.url}${reference.rest}`;
    else {
      request.refusal = errors.badRequest(
        `Content-ID Reference: '$${reference.contentId}' does not exist in the batch context.`,
      );
    }
  }
  return runInnerRequest(scope, request, contentIds);
}

function operationPart(operation: BatchOperation, message: Buffer): MimePart {
  return {
    headers: [
      ['Content-Type', 'application/http'],
      ['Content-Transfer-Encoding', 'binary'],
      ...(operation.contentId !== undefined ? [['Content-ID', operation.contentId] as const] : []),
    ],
    body: message,
  };
}

function sendBatch(scope: RequestScope, status: number, parts: readonly MimePart[]): void {
  const boundary = `batchresponse_${randomUUID()}`;
  const payload = serializeMultipart(boundary, parts, { epilogue: true });
  scope.res.writeHead(status, {
    ...scope.headers(),
    'Content-Type': `multipart/mixed; boundary=${boundary}`,
    'Content-Length': String(payload.length),
  });
  scope.res.end(payload);
}
