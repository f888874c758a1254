/**
 * The common payload of every F&O business event (`BusinessEventsContract`, fno.md §7), written the
 * way the real samples show it: keys in alphabetical order, `EventTime` as a WCF date `/Date(ms)/`
 * truncated to the second, `EventTimeIso8601` with seven fractional digits, `EventId` an upper-case
 * GUID without braces, `InitiatingUserAADObjectId` an upper-case GUID in braces.
 */

export const NIL_GUID = '00000000-0000-0000-0000-000000000000';

/** The "Download schema" default of dates: 1900-01-01T00:00:00Z. */
export const EMPTY_WCF_DATE = '/Date(-2208988800000)/';
export const EMPTY_ISO_DATE = '1900-01-01T00:00:00Z';

/** The envelope keys, as in the captured sample (`shared/samples/fno-business-events/`). */
export const ENVELOPE_KEYS = [
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
] as const;

export type PayloadValue = string | number | readonly string[] | null;
export type Payload = Record<string, PayloadValue>;

export interface Envelope {
  businessEventId: string;
  /** `dataAreaId` of the company the event happened in (lower case); '' for the test message of "all". */
  legalEntity: string;
  controlNumber: number;
  /** Upper-case GUID; `NIL_GUID` for test messages. */
  eventId: string;
  at: Date;
  /** Entra object id of the user whose action raised the event. */
  initiatingUser: string;
  majorVersion: number;
  minorVersion: number;
}

/** `/Date(ms)/`: WCF's JSON date. */
export function wcfDate(ms: number): string {
  return `/Date(${ms})/`;
}

/** An X++ `TransDate` in a payload: the UTC day at midnight as a WCF date. */
export function wcfDay(date: Date): string {
  return wcfDate(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
}

/** `2023-10-16T15:42:46.3440000Z`: .NET's round-trip format, seven fractional digits. */
export function iso8601Ticks(date: Date): string {
  return `${date.toISOString().slice(0, 23)}0000Z`;
}

/** `{C600136F-6814-41D9-8642-40CA0EC4EDD4}`. */
export function bracedGuid(guid: string): string {
  return `{${guid.replace(/^\{|\}$/g, '').toUpperCase()}}`;
}

/** The envelope and the event's own data members in one object, keys in ordinal order. */
export function buildPayload(envelope: Envelope, fields: Readonly<Payload>): Payload {
  const wholeSeconds = Math.floor(envelope.at.getTime() / 1000) * 1000;
  const all: Payload = {
    ...fields,
    BusinessEventId: envelope.businessEventId,
    BusinessEventLegalEntity: envelope.legalEntity,
    ContextRecordSubject: '',
    ControlNumber: envelope.controlNumber,
    EventId: envelope.eventId,
    EventTime: wcfDate(wholeSeconds),
    EventTimeIso8601: iso8601Ticks(envelope.at),
    InitiatingUserAADObjectId: bracedGuid(envelope.initiatingUser),
    MajorVersion: envelope.majorVersion,
    MinorVersion: envelope.minorVersion,
    ParentContextRecordSubjects: [],
  };
  return sortKeys(all);
}

/** A payload with its keys in ordinal order (the order of every real sample). */
export function sortKeys(payload: Readonly<Payload>): Payload {
  const sorted: Payload = {};
  for (const key of Object.keys(payload).sort()) sorted[key] = payload[key] ?? null;
  return sorted;
}
