import type { FnoError } from '../errors';
import { ODATA_JSON_HEADERS } from '../wire';
import type { FnoResponse } from './types';

export function json(status: number, value: unknown, headers: Record<string, string> = {}): FnoResponse {
  return { status, headers: { ...ODATA_JSON_HEADERS, ...headers }, body: JSON.stringify(value) };
}

export function noContent(headers: Record<string, string> = {}): FnoResponse {
  return { status: 204, headers: { 'OData-Version': '4.0', ...headers }, body: '' };
}

export function text(status: number, body: string, contentType: string): FnoResponse {
  return { status, headers: { 'Content-Type': contentType, 'OData-Version': '4.0' }, body };
}

/** An `FnoError` as the real service sends it: OData JSON, Web API JSON, or an empty body (401). */
export function errorResponse(error: FnoError): FnoResponse {
  if (error.body === null) return { status: error.status, headers: { ...error.headers }, body: '' };
  const headers =
    'error' in error.body
      ? { ...ODATA_JSON_HEADERS, ...error.headers }
      : { 'Content-Type': 'application/json; charset=utf-8', ...error.headers };
  return { status: error.status, headers, body: JSON.stringify(error.body) };
}
