import type { FaultBodies } from '../host/fault-bodies';
import { type AadError, aad, aadErrorBody, NO_STORE_HEADERS } from './errors';

/**
 * Injected faults on the Entra port, shaped as Entra answers them:
 * - 429: plain text `Too Many Requests` with `Retry-After`, which is what Entra is reported to send
 *   when it throttles client-credential calls (MSAL.NET issue 2855; UNCONFIRMED for today).
 * - 5xx: `temporarily_unavailable` / AADSTS90033 "A transient error has occurred" (seen in the wild
 *   with 503; the same body is used for 500/502/504, UNCONFIRMED).
 */
export const entraFaultBodies: FaultBodies = {
  tooManyRequests: () => ({
    headers: { 'Content-Type': 'text/plain; charset=utf-8', ...NO_STORE_HEADERS },
    body: 'Too Many Requests',
  }),
  serverError: (status, ctx) => {
    const error: AadError = aad.transient(status);
    return {
      headers: { 'Content-Type': 'application/json; charset=utf-8', ...NO_STORE_HEADERS },
      body: JSON.stringify(aadErrorBody(error, { origin: ctx.origin })),
    };
  },
};
