import { randomUUID } from 'node:crypto';
import {
  IncomingMessage,
  type OutgoingHttpHeader,
  type OutgoingHttpHeaders,
  ServerResponse,
} from 'node:http';
import { Socket } from 'node:net';
import type { RequestContext } from '../../core/contracts';
import { DataverseError, ErrorCode, errors } from '../errors';
import { parsePrefer } from '../http/prefer';
import { sendError } from '../http/respond';
import { routeRequest } from '../http/router';
import { RequestScope } from '../http/scope';
import { parseApiPath } from '../http/url';
import { findRecord, resolveRecordKey } from '../records';
import { AnnotationFilter } from '../serialize/annotations';
import type { EntityRef } from '../store/types';
import type { WriteContext } from '../write/context';
import { isJsonRecord, type JsonValue } from '../write/payload';
import type { HeaderList, HttpResponseMessage } from './multipart';

/** What a `$n` Content-ID reference stands for: the URL of the row an operation wrote. */
export interface ContentEntity {
  /** `https://host/api/data/v9.2/contacts(<id>)` (the operation's OData-EntityId). */
  url: string;
  ref: EntityRef;
}

/** One embedded request, with `$n` already replaced in its target. */
export interface InnerRequest {
  method: string;
  /** Absolute URL, absolute path or a path relative to the service root. */
  target: string;
  headers: HeaderList;
  body: Buffer;
  /** Answer with this error instead of running the request (an unresolvable `$n` target). */
  refusal?: DataverseError;
}

export interface InnerResult {
  response: HttpResponseMessage;
  /** The row the request created or addressed, when its response names one (OData-EntityId). */
  entity: ContentEntity | undefined;
}

/**
 * A response object that keeps what a handler writes instead of sending it: the inner requests of
 * a batch run through the same router and handlers as direct calls, and their answers are embedded
 * in the batch response.
 */
class CapturedResponse extends ServerResponse {
  status = 0;
  captured: Array<[string, string]> = [];
  payload: Buffer = Buffer.alloc(0);

  override writeHead(
    statusCode: number,
    reasonOrHeaders?: string | OutgoingHttpHeaders | OutgoingHttpHeader[],
    maybeHeaders?: OutgoingHttpHeaders | OutgoingHttpHeader[],
  ): this {
    this.status = statusCode;
    const headers = typeof reasonOrHeaders === 'string' ? maybeHeaders : reasonOrHeaders;
    // Headers set earlier with setHeader come first (names case-insensitive), as Node sends them.
    const byName = new Map<string, [string, string]>();
    const explicit = headers && !Array.isArray(headers) ? Object.entries(headers) : [];
    for (const [name, value] of [...Object.entries(this.getHeaders()), ...explicit]) {
      if (value === undefined) continue;
      byName.set(name.toLowerCase(), [name, Array.isArray(value) ? value.join(', ') : String(value)]);
    }
    this.captured = [...byName.values()];
    return this;
  }

  override end(chunk?: unknown, _encoding?: unknown, _callback?: unknown): this {
    if (Buffer.isBuffer(chunk)) this.payload = chunk;
    else if (typeof chunk === 'string') this.payload = Buffer.from(chunk, 'utf8');
    return this;
  }
}

/** The inner request's scope: the outer caller and data, and `$n` resolution for binds. */
class InnerScope extends RequestScope {
  resolveContentId: ((reference: string) => EntityRef | undefined) | undefined;

  override writeContext(): WriteContext {
    const context = super.writeContext();
    return this.resolveContentId ? { ...context, resolveContentId: this.resolveContentId } : context;
  }
}

/**
 * Runs one embedded request as the service runs a direct one, under the outer request's
 * authentication (the batch is authenticated once, and counted once by service protection): URL
 * and Prefer parsed the same way, `routeRequest`, errors rendered by `sendError`. `contentIds`
 * resolves `$n` in `@odata.bind` values (inside a changeset).
 */
export function runInnerRequest(
  outer: RequestScope,
  request: InnerRequest,
  contentIds: ReadonlyMap<string, ContentEntity> | undefined,
): InnerResult {
  const req = new IncomingMessage(new Socket());
  req.method = request.method;
  req.httpVersion = '1.1';
  req.httpVersionMajor = 1;
  req.httpVersionMinor = 1;
  for (const [name, value] of request.headers) req.headers[name.toLowerCase()] = value;
  const res = new CapturedResponse(req);
  const ctx: RequestContext = { ...outer.ctx, requestId: randomUUID() };
  let annotations = AnnotationFilter.none;
  try {
    const prefer = parsePrefer(req.headers);
    annotations = prefer.annotations;
    if (request.refusal) throw request.refusal;
    const url = innerUrl(outer, request.target);
    req.url = `${url.pathname}${url.search}`;
    const path = parseApiPath(url.pathname);
    if (!path) throw errors.resourceNotFound(url.pathname.replace(/^\//, ''));
    const serviceRoot = `${url.origin}/api/data/${path.version}/`;
    const scope = new InnerScope(
      req,
      res,
      request.body,
      ctx,
      url,
      serviceRoot,
      prefer,
      outer.caller,
      outer.state,
      outer.now,
    );
    if (contentIds) scope.resolveContentId = (reference) => contentIds.get(reference.slice(1))?.ref;
    routeRequest(scope, path);
  } catch (error) {
    if (error instanceof DataverseError) {
      sendError(res, error, annotations, ctx.requestId);
    } else {
      ctx.logger.error({ err: error }, 'dataverse batch operation failed');
      sendError(
        res,
        new DataverseError(500, ErrorCode.none, 'An unexpected error occurred.', {
          messageName: 'UnExpected',
        }),
        annotations,
        ctx.requestId,
      );
    }
  }
  return { response: embedded(res), entity: writtenEntity(outer, res) };
}

/** The inner request's URL on the batch's origin (links echo the scheme, host and port it came in on). */
function innerUrl(outer: RequestScope, target: string): URL {
  let resolved: URL;
  try {
    resolved = new URL(target, outer.serviceRoot);
  } catch {
    throw errors.badRequest(`The request URI '${target}' is not valid.`);
  }
  return new URL(`${resolved.pathname}${resolved.search}`, outer.url.origin);
}

/**
 * The response as it is embedded in a batch: the handler's headers without `Content-Length` (parts
 * are delimited by boundaries), and `Location` next to `OData-EntityId`, as the service's batch
 * responses carry both.
 */
function embedded(res: CapturedResponse): HttpResponseMessage {
  const headers: Array<[string, string]> = [];
  for (const [name, value] of res.captured) {
    const lower = name.toLowerCase();
    if (lower === 'content-length') continue;
    if (lower === 'odata-entityid') headers.push(['Location', value]);
    headers.push([name, value]);
  }
  return { status: res.status, headers, body: res.payload };
}

/** The row a successful write names in its OData-EntityId (or its return=representation body). */
function writtenEntity(outer: RequestScope, res: CapturedResponse): ContentEntity | undefined {
  if (res.status < 200 || res.status >= 300) return undefined;
  const entityId = res.captured.find(([name]) => name.toLowerCase() === 'odata-entityid')?.[1];
  if (entityId !== undefined) return entityAt(outer, entityId);
  if (res.payload.length === 0) return undefined;
  let body: JsonValue;
  try {
    body = JSON.parse(res.payload.toString('utf8')) as JsonValue;
  } catch {
    return undefined;
  }
  if (!isJsonRecord(body)) return undefined;
  const context = body['@odata.context'];
  const match =
    typeof context === 'string'
      ? /^(.*\/)\$metadata#([A-Za-z0-9_]+)(?:\(.*\))?\/\$entity$/.exec(context)
      : null;
  const model = match?.[2] ? outer.metadata.findEntitySet(match[2]) : undefined;
  if (!match?.[1] || !model) return undefined;
  const id = body[model.def.primaryIdAttribute];
  return typeof id === 'string' ? entityAt(outer, `${match[1]}${model.def.entitySetName}(${id})`) : undefined;
}

function entityAt(outer: RequestScope, url: string): ContentEntity | undefined {
  let pathname: string;
  try {
    pathname = new URL(url).pathname;
  } catch {
    return undefined;
  }
  const path = parseApiPath(pathname);
  const [segment, extra] = path?.segments ?? [];
  if (!segment || extra || segment.args === undefined) return undefined;
  const model = outer.metadata.findEntitySet(segment.name);
  if (!model) return undefined;
  const { store, keys } = outer.state;
  try {
    const row = findRecord(store, keys, model, resolveRecordKey(model, segment.args, keys));
    return row ? { url, ref: { id: row.id, logicalName: model.def.logicalName } } : undefined;
  } catch (error) {
    if (error instanceof DataverseError) return undefined;
    throw error;
  }
}
