import { z } from 'zod';

const rate = z.number().min(0).max(1);

/**
 * Business events parameters (System administration > Setup > Business events > Business events
 * parameters, fno.md §7): retry count 3, 1,000 ms between retries, HTTPS timeout 10 s, 10 endpoints
 * per event and legal entity. Tests shorten the waits.
 */
export const parametersSchema = z.strictObject({
  retryCount: z.number().int().min(0).max(10),
  retryWaitMs: z.number().int().min(0).max(60_000),
  timeoutMs: z.number().int().min(1).max(120_000),
  endpointsPerEvent: z.number().int().min(1).max(100),
});
export type BusinessEventsParameters = z.output<typeof parametersSchema>;

export const DEFAULT_PARAMETERS: Readonly<BusinessEventsParameters> = Object.freeze({
  retryCount: 3,
  retryWaitMs: 1_000,
  timeoutMs: 10_000,
  endpointsPerEvent: 10,
});

/**
 * `PUT /_sandbox/business-events/faults`: the real service is at-least-once, so receivers must
 * cope with duplicates and reordering. `duplicateRate`: share of events delivered a second time
 * (same EventId and ControlNumber, queued behind later events); `reorderRate`: share of events held
 * back until the next event for the same endpoint has gone first (or `reorderWindowMs` passed).
 */
export const eventFaultsSchema = z.strictObject({
  duplicateRate: rate.default(0),
  reorderRate: rate.default(0),
  reorderWindowMs: z.number().int().min(0).max(60_000).default(500),
});
export type EventFaults = z.output<typeof eventFaultsSchema>;
export const NO_EVENT_FAULTS: Readonly<EventFaults> = Object.freeze(eventFaultsSchema.parse({}));

/** A header name as HTTP allows it (RFC 9110 token). */
const headerName = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'not a valid header name');

export const activationInputSchema = z.strictObject({
  businessEventId: z.string().min(1),
  /** `dataAreaId`; blank = every legal entity. */
  legalEntity: z.string().max(8).default(''),
});
export type ActivationInput = z.output<typeof activationInputSchema>;

/**
 * `POST /_sandbox/business-events/endpoints`: an HTTPS endpoint (F&O keeps the URL in Key Vault;
 * here it is given directly), an optional header the receiver checks (a shared secret), and the
 * events to activate for it right away.
 */
export const endpointInputSchema = z
  .strictObject({
    name: z.string().min(1).max(60).optional(),
    url: z.string().min(1).max(2048),
    authHeaderName: headerName.optional(),
    authHeaderValue: z.string().max(4096).optional(),
    activations: z.array(activationInputSchema).max(50).default([]),
  })
  .refine((input) => (input.authHeaderName === undefined) === (input.authHeaderValue === undefined), {
    message: 'authHeaderName and authHeaderValue go together',
    path: ['authHeaderValue'],
  });
export type EndpointInput = z.output<typeof endpointInputSchema>;

/** What is kept per endpoint, activation and failed event (`<stateDir>/fno/business-events.json`). */
const endpointRecord = z.object({
  id: z.number().int().positive(),
  name: z.string(),
  url: z.string(),
  authHeaderName: z.string(),
  authHeaderValue: z.string(),
  createdAt: z.string(),
});
const activationRecord = z.object({
  id: z.number().int().positive(),
  endpointId: z.number().int().positive(),
  businessEventId: z.string(),
  legalEntity: z.string(),
  activatedAt: z.string(),
});
const errorRecord = z.object({
  id: z.number().int().positive(),
  endpointId: z.number().int().positive(),
  endpointName: z.string(),
  businessEventId: z.string(),
  legalEntity: z.string(),
  eventId: z.string(),
  controlNumber: z.number().int(),
  payload: z.string(),
  attempts: z.number().int(),
  firstFailedAt: z.string(),
  lastAttemptAt: z.string(),
  lastError: z.string(),
  lastStatus: z.number().int().nullable(),
});
export const businessEventsStateSchema = z.object({
  version: z.literal(1),
  nextId: z.number().int().positive(),
  nextControlNumber: z.number().int().positive(),
  endpoints: z.array(endpointRecord),
  activations: z.array(activationRecord),
  errors: z.array(errorRecord),
});
export type EndpointRecord = z.output<typeof endpointRecord>;
export type ActivationRecord = z.output<typeof activationRecord>;
export type ErrorRecord = z.output<typeof errorRecord>;
export type BusinessEventsState = z.output<typeof businessEventsStateSchema>;
