import { FnoError, methodNotAllowed, noRoute } from '../errors';
import { resolvePath, type Target } from './path';
import {
  metadataDocument,
  readCollection,
  readCount,
  readEntity,
  readNavigation,
  readProperty,
  serviceDocument,
} from './read';
import { errorResponse } from './responses';
import type { FnoRequest, FnoResponse, Session } from './types';
import { patchEntity, postEntity, removeEntity } from './write';

/** Handles `$batch` bodies; provided by the batch module so parts can come back through `dispatch`. */
export type BatchHandler = (session: Session, request: FnoRequest) => FnoResponse;

const DATA_PREFIX = '/data';

/**
 * Routes one authenticated OData request (also one `$batch` part) to its handler and turns
 * `FnoError`s into the real service's error responses. Everything here is synchronous, so a
 * request's writes can never interleave with another's.
 */
export function dispatch(session: Session, request: FnoRequest, batch: BatchHandler): FnoResponse {
  try {
    const pathname = request.url.pathname;
    if (pathname !== DATA_PREFIX && !pathname.startsWith(`${DATA_PREFIX}/`)) throw noRoute(request.url.href);
    const target = resolvePath(decodePath(pathname.slice(DATA_PREFIX.length)), request.url.href);
    return route(session, request, target, batch);
  } catch (error) {
    if (!(error instanceof FnoError)) throw error;
    session.logger.info(
      { method: request.method, path: request.url.pathname, status: error.status, reason: error.message },
      'fno request failed',
    );
    return errorResponse(error);
  }
}

function route(session: Session, request: FnoRequest, target: Target, batch: BatchHandler): FnoResponse {
  const method = request.method.toUpperCase();
  const refuse = (): never => {
    throw methodNotAllowed(method, request.url.href);
  };
  switch (target.kind) {
    case 'service-document':
      return method === 'GET' ? serviceDocument(session) : refuse();
    case 'metadata':
      return method === 'GET' ? metadataDocument(session) : refuse();
    case 'batch':
      return method === 'POST' ? batch(session, request) : refuse();
    case 'count':
      return method === 'GET' ? readCount(session, target.def, request) : refuse();
    case 'collection':
      if (method === 'GET') return readCollection(session, target.def, request);
      if (method === 'POST') return postEntity(session, target.def, request);
      return refuse();
    case 'entity':
      if (method === 'GET') return readEntity(session, target.def, target.keys, request);
      if (method === 'PATCH' || method === 'PUT' || method === 'MERGE') {
        return patchEntity(session, target.def, target.keys, request);
      }
      if (method === 'DELETE') return removeEntity(session, target.def, target.keys, request);
      return refuse();
    case 'navigation':
      return method === 'GET'
        ? readNavigation(session, target.def, target.keys, target.nav, request)
        : refuse();
    case 'property':
      return method === 'GET'
        ? readProperty(session, target.def, target.keys, target.property, request)
        : refuse();
  }
}

function decodePath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}
