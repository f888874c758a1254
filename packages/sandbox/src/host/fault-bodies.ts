import type { RequestContext } from '../core/contracts';
import { entraFaultBodies } from '../entra/fault-bodies';
import type { ServiceName } from './faults';

/** Headers and body of an injected fault; the host sets the status (and `Retry-After` on 429). */
export interface FaultResponse {
  headers: Record<string, string>;
  body: string;
}

/** How a service's real API answers throttling and server errors, for the fault injector. */
export interface FaultBodies {
  tooManyRequests(retryAfterSeconds: number, ctx: RequestContext): FaultResponse;
  serverError(status: number, ctx: RequestContext): FaultResponse;
}

const ODATA_JSON = {
  'Content-Type': 'application/json; odata.metadata=minimal',
  'OData-Version': '4.0',
} as const;

/**
 * Dataverse: the service-protection body for the request-count limit (code 0x80072322, the
 * documented message with the default numbers); 5xx as the generic unexpected error 0x80040216
 * (UNCONFIRMED which body Dataverse sends with a 5xx).
 */
export const dataverseFaultBodies: FaultBodies = {
  tooManyRequests: () => ({
    headers: { ...ODATA_JSON },
    body: JSON.stringify({
      error: {
        code: '0x80072322',
        message: 'Number of requests exceeded the limit of 6000 over time window of 300 seconds.',
      },
    }),
  }),
  serverError: () => ({
    headers: { ...ODATA_JSON },
    body: JSON.stringify({ error: { code: '0x80040216', message: 'An unexpected error occurred.' } }),
  }),
};

/** Any other service (F&O until its simulator brings its own): an OData-style error envelope. */
export const genericFaultBodies: FaultBodies = {
  tooManyRequests: (retryAfterSeconds) => ({
    headers: { ...ODATA_JSON },
    body: JSON.stringify({
      error: {
        code: 'TooManyRequests',
        message: `Too many requests. Retry after ${retryAfterSeconds} seconds.`,
      },
    }),
  }),
  serverError: (status) => ({
    headers: { ...ODATA_JSON },
    body: JSON.stringify({
      error: { code: String(status), message: 'The service is temporarily unavailable.' },
    }),
  }),
};

export function defaultFaultBodies(service: ServiceName): FaultBodies {
  switch (service) {
    case 'entra':
      return entraFaultBodies;
    case 'dataverse':
      return dataverseFaultBodies;
    case 'fno':
      return genericFaultBodies;
  }
}
