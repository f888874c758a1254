import { z } from 'zod';
import { ConnectorError } from '../core/errors';
import { bodyAsJson, parseWcfDate } from '../core/wire';
import { schemaMismatch } from '../http/errors';

/**
 * `parseBusinessEvent(body, fieldsSchema?)`: an F&O business event payload (HTTPS endpoint, or the
 * body of a Service Bus / Event Grid message) → the common envelope, typed, plus the event's own
 * fields (`/Date(ms)/` values turned into ISO 8601 strings, then checked with `fieldsSchema` when
 * one is given).
 *
 * - `EventId` becomes an upper-case GUID without braces (what F&O sends); deduplicate on it, and
 *   use `ControlNumber` (increasing, with gaps) to spot out-of-order delivery.
 * - `EventTime` comes from `EventTimeIso8601` when present, else from `/Date(ms)/`.
 * - Older envelopes without `BusinessEventLegalEntity` or `EventTimeIso8601` are accepted.
 * - A body without an `EventId` (empty or all zeros) is F&O's "Download schema" sample, or the
 *   message F&O sends when an endpoint is activated: it comes back as `{ kind: 'sample' }` so the
 *   receiver can acknowledge it and do nothing.
 */
export interface BusinessEventEnvelope {
  businessEventId: string;
  /** `dataAreaId` of the legal entity, lower case; `undefined` in older envelopes. */
  legalEntity: string | undefined;
  controlNumber: number;
  /** Upper-case GUID, no braces. */
  eventId: string;
  /** ISO 8601, UTC. */
  eventTime: string;
  /** Lower-case GUID without braces; `undefined` when absent or all zeros. */
  initiatingUserAadObjectId: string | undefined;
  majorVersion: number;
  minorVersion: number;
  contextRecordSubject: string;
  parentContextRecordSubjects: string[];
}

export interface BusinessEvent<F = Record<string, unknown>> extends BusinessEventEnvelope {
  kind: 'event';
  /** The event's own data members (every key that is not part of the envelope). */
  fields: F;
}

export interface BusinessEventSample {
  kind: 'sample';
  businessEventId: string;
  fields: Record<string, unknown>;
}

const envelopeKeys = new Set([
  'BusinessEventId',
  'BusinessEventLegalEntity',
  'ContextRecordSubject',
  'ControlNumber',
  'EventId',
  'EventTime',
  'EventTimeIso8601',
  'InitiatingUserAADObjectId',
  'MajorVersion',
  'MinorVersion',
  'ParentContextRecordSubjects',
]);

const GUID = /^\{?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\}?$/i;
const NIL_GUID = '00000000-0000-0000-0000-000000000000';

const optionalGuid = z
  .string()
  .nullish()
  .transform((value, ctx) => {
    if (!value) return undefined;
    const match = GUID.exec(value);
    if (!match?.[1]) {
      ctx.addIssue({ code: 'custom', message: 'expected a GUID' });
      return z.NEVER;
    }
    return match[1];
  });

const controlNumber = z
  .union([z.number(), z.string().regex(/^\d+$/).transform(Number)])
  .refine((value) => Number.isSafeInteger(value) && value >= 0, 'expected a non-negative integer');

const envelopeWire = z.looseObject({
  BusinessEventId: z.string(),
  BusinessEventLegalEntity: z.string().nullish(),
  ContextRecordSubject: z.string().nullish(),
  ControlNumber: controlNumber,
  EventId: optionalGuid,
  EventTime: z.string().nullish(),
  EventTimeIso8601: z.string().nullish(),
  InitiatingUserAADObjectId: optionalGuid,
  MajorVersion: z.number().int().nullish(),
  MinorVersion: z.number().int().nullish(),
  ParentContextRecordSubjects: z.array(z.string()).nullish(),
});

export function parseBusinessEvent(body: unknown): BusinessEvent | BusinessEventSample;
export function parseBusinessEvent<S extends z.ZodType>(
  body: unknown,
  fieldsSchema: S,
): BusinessEvent<z.output<S>> | BusinessEventSample;
export function parseBusinessEvent(
  body: unknown,
  fieldsSchema?: z.ZodType,
): BusinessEvent<unknown> | BusinessEventSample {
  const what = 'The F&O business event';
  const json = bodyAsJson(body, what);
  const parsed = envelopeWire.safeParse(json);
  if (!parsed.success) throw schemaMismatch(what, parsed.error);
  const wire = parsed.data;

  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(wire)) {
    if (!envelopeKeys.has(key)) fields[key] = convertDates(value);
  }

  if (!wire.EventId || wire.EventId === NIL_GUID) {
    return { kind: 'sample', businessEventId: wire.BusinessEventId, fields };
  }
  if (!wire.BusinessEventId) {
    throw new ConnectorError('schema_mismatch', `${what} ${wire.EventId} has no BusinessEventId.`);
  }

  const eventTime = eventTimeOf(wire.EventTimeIso8601, wire.EventTime);
  if (!eventTime) {
    throw new ConnectorError(
      'schema_mismatch',
      `${what} ${wire.EventId} has no readable EventTime or EventTimeIso8601.`,
    );
  }

  let typedFields: unknown = fields;
  if (fieldsSchema) {
    const checked = fieldsSchema.safeParse(fields);
    if (!checked.success) throw schemaMismatch(`The fields of ${wire.BusinessEventId}`, checked.error);
    typedFields = checked.data;
  }

  const userId = wire.InitiatingUserAADObjectId?.toLowerCase();
  return {
    kind: 'event',
    businessEventId: wire.BusinessEventId,
    legalEntity: wire.BusinessEventLegalEntity ? wire.BusinessEventLegalEntity.toLowerCase() : undefined,
    controlNumber: wire.ControlNumber,
    eventId: wire.EventId.toUpperCase(),
    eventTime,
    initiatingUserAadObjectId: userId && userId !== NIL_GUID ? userId : undefined,
    majorVersion: wire.MajorVersion ?? 0,
    minorVersion: wire.MinorVersion ?? 0,
    contextRecordSubject: wire.ContextRecordSubject ?? '',
    parentContextRecordSubjects: wire.ParentContextRecordSubjects ?? [],
    fields: typedFields,
  };
}

function eventTimeOf(iso: string | null | undefined, wcf: string | null | undefined): string | undefined {
  if (iso && /^\d{4}-\d{2}-\d{2}T/.test(iso)) {
    const ms = Date.parse(iso);
    if (!Number.isNaN(ms)) return new Date(ms).toISOString();
  }
  return wcf ? parseWcfDate(wcf) : undefined;
}

function convertDates(value: unknown): unknown {
  if (typeof value === 'string') return parseWcfDate(value) ?? value;
  if (Array.isArray(value)) return value.map(convertDates);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, convertDates(item)]));
  }
  return value;
}
