import { EMPTY_DATE, EMPTY_DATETIME } from './metadata/define';

/** Headers of every JSON answer of the real service (fno.md §4). */
export const ODATA_JSON_HEADERS = {
  'Content-Type': 'application/json; odata.metadata=minimal; charset=utf-8',
  'OData-Version': '4.0',
} as const;

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$/;

/** Parses an OData date or DateTimeOffset; undefined when it is neither. */
export function parseInstant(text: string): Date | undefined {
  const match = ISO.exec(text);
  if (!match) return undefined;
  if (match[4] !== undefined && match[7] === undefined) return undefined;
  const date = new Date(match[4] === undefined ? `${text}T00:00:00Z` : text);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** An AX Date on the wire: the UTC calendar day at 12:00:00Z. */
export function toDateOnly(date: Date): string {
  return `${date.toISOString().slice(0, 10)}T12:00:00Z`;
}

/** An AX UtcDateTime on the wire: second precision with `Z`. */
export function toUtcDateTime(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

/** Milliseconds of a stored date value (dates are stored in wire form). */
export function instantOf(value: string): number {
  return Date.parse(value);
}

export function isEmptyDate(value: string): boolean {
  return value === EMPTY_DATE || value === EMPTY_DATETIME;
}

/**
 * A weak ETag shaped like the real ones: base64 of `'<version>,<RecId>;0,0;…'` (one pair per data
 * source of the entity; the extra pairs are zero as in the captured sample).
 */
export function weakEtag(recId: number, version: number): string {
  const text = `'${version},${recId};0,0;0,0;0,0;0,0;0,0'`;
  return `W/"${Buffer.from(text, 'utf8').toString('base64')}"`;
}

export function round2(value: number): number {
  return Math.round((value + Number.EPSILON) * 100) / 100;
}
