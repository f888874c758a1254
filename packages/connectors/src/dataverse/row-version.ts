/**
 * Dataverse row versions (`versionnumber`, a SQL `rowversion` as a 64-bit integer; the
 * `@odata.etag` `W/"<versionnumber>"` of a row) as canonical decimal strings, so that no value
 * beyond 2^53 is ever rounded: a version that cannot be read exactly is no version (`undefined`).
 */

const DIGITS = /^\d{1,20}$/;
const MAX_VERSION = 2n ** 64n - 1n;

/** `1234`, `"1234"` → `"1234"`; anything else (a rounded number, text, a negative) → undefined. */
export function parseRowVersion(value: unknown): string | undefined {
  if (typeof value === 'number') {
    return Number.isSafeInteger(value) && value >= 0 ? String(value) : undefined;
  }
  if (typeof value === 'bigint') return value >= 0n && value <= MAX_VERSION ? value.toString() : undefined;
  if (typeof value !== 'string' || !DIGITS.test(value)) return undefined;
  const version = BigInt(value);
  return version <= MAX_VERSION ? version.toString() : undefined;
}

/** `W/"1234"` → `"1234"`; undefined for any other etag. */
export function rowVersionFromEtag(etag: string | null | undefined): string | undefined {
  const match = /^W\/"(\d+)"$/.exec(etag ?? '');
  return match ? parseRowVersion(match[1]) : undefined;
}

/** Negative, 0 or positive as `a` is older than, the same as or newer than `b` (numerically). */
export function compareRowVersions(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
