import type { FaultBodies } from '../host/fault-bodies';
import { RESOURCE_LIMIT_MESSAGE } from './throttling/gate';
import { ODATA_JSON_HEADERS } from './wire';

/**
 * How injected faults look on the F&O port: 429 with the resource-utilisation message and 5xx with
 * F&O's generic error, both in the OData error envelope (the bodies are UNCONFIRMED; fno.md only
 * documents the 429 message and the Retry-After header).
 */
export const fnoFaultBodies: FaultBodies = {
  tooManyRequests: () => ({
    headers: { ...ODATA_JSON_HEADERS },
    body: JSON.stringify({ error: { code: '', message: RESOURCE_LIMIT_MESSAGE } }),
  }),
  serverError: () => ({
    headers: { ...ODATA_JSON_HEADERS },
    body: JSON.stringify({ error: { code: '', message: 'An error has occurred.' } }),
  }),
};
