import { FnoError } from '../errors';

/**
 * The seam for F&O service protection (fno.md §6). A gate sees every authenticated request before
 * it runs and may answer 429 instead; the priority-based resource limits (Low/Medium/High per
 * Entra application, Retry-After growing under continued pressure) are a gate to plug in here.
 */
export interface RequestGate {
  admit(request: GateRequest): ThrottleDecision | undefined;
  /** Called once the answer to an admitted request has been sent (concurrency limits). */
  release?(request: GateRequest): void;
}

export interface GateRequest {
  /** Client id of the calling app (the throttling key, with its object id). */
  appId: string;
  objectId: string;
  method: string;
  entitySet: string | undefined;
  /** Epoch ms of arrival. */
  at: number;
}

export interface ThrottleDecision {
  retryAfterSeconds: number;
  /** One of the documented 429 messages; defaults to the resource-utilisation one. */
  message?: string;
}

/** The message of the resource-based limits, on by default in every environment since 10.0.19. */
export const RESOURCE_LIMIT_MESSAGE =
  'This request could not be processed at this time due to system experiencing high resource utilization.';

/** 429 with `Retry-After` in seconds; the JSON body around the documented message is UNCONFIRMED. */
export function tooManyRequests(decision: ThrottleDecision): FnoError {
  const message = decision.message ?? RESOURCE_LIMIT_MESSAGE;
  return new FnoError(429, { error: { code: '', message } }, message, {
    'Retry-After': String(Math.max(0, Math.ceil(decision.retryAfterSeconds))),
  });
}
