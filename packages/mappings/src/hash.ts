import { createHash } from 'node:crypto';

/**
 * Content hashes and echo detection.
 *
 * `contentHash(value)` is the SHA-256 (hex) of a canonical JSON form of a mapped record: object
 * keys sorted at every level, properties whose value is `undefined` left out (as `JSON.stringify`
 * does), arrays kept in their order (line order is meaningful), `-0` written as `0`. Two records
 * that differ only in key order, or in an `undefined` property, hash the same; any other
 * difference hashes differently. The worker stores the hash of what it last wrote per record and
 * target, and writes a record again only when the hash of its new mapping differs: an unchanged
 * record is never written.
 *
 * Only JSON values can be hashed (strings, finite numbers, booleans, null, arrays, plain objects):
 * anything else (NaN, Infinity, bigint, functions, Dates, Maps) is a programming error and throws a
 * `TypeError`, since hashing it silently would make the "unchanged" check lie.
 */
export function contentHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

/** The canonical JSON text `contentHash` hashes. */
export function canonicalJson(value: unknown): string {
  try {
    return write(value);
  } catch (error) {
    if (error instanceof NotJson) throw new TypeError(`contentHash: $${error.path()} ${error.what}`);
    throw error;
  }
}

/**
 * A value that is not JSON, found while writing; the path to it is collected on the way out (so
 * the hot path builds no path strings: a catalog load hashes hundreds of thousands of records).
 */
class NotJson extends Error {
  private readonly segments: string[] = [];
  constructor(readonly what: string) {
    super(what);
  }
  within(segment: string): NotJson {
    this.segments.push(segment);
    return this;
  }
  path(): string {
    return this.segments.reverse().join('');
  }
}

function write(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new NotJson(`is ${value}, not a JSON number`);
      // JSON.stringify writes -0 as 0.
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) {
        let out = '[';
        for (let index = 0; index < value.length; index++) {
          if (index > 0) out += ',';
          const item: unknown = value[index];
          if (item === undefined) out += 'null';
          else out += within(item, index);
        }
        return `${out}]`;
      }
      const prototype = Object.getPrototypeOf(value);
      if (prototype !== Object.prototype && prototype !== null) {
        throw new NotJson(`is a ${prototype?.constructor?.name ?? 'non-plain object'}`);
      }
      const record = value as Record<string, unknown>;
      // The default sort compares UTF-16 code units, as `<` on strings does.
      const keys = Object.keys(record).sort();
      let out = '{';
      for (const key of keys) {
        const entry = record[key];
        if (entry === undefined) continue;
        if (out.length > 1) out += ',';
        out += `${JSON.stringify(key)}:${within(entry, key)}`;
      }
      return `${out}}`;
    }
    default:
      throw new NotJson(`is a ${typeof value}, not a JSON value`);
  }
}

/** Writes an item of an array (by index) or a property (by key), naming it when it is not JSON. */
function within(value: unknown, at: number | string): string {
  try {
    return write(value);
  } catch (error) {
    throw error instanceof NotJson ? error.within(typeof at === 'number' ? `[${at}]` : `.${at}`) : error;
  }
}

/** What the worker knows about a change it is about to send to the other side. */
export interface ChangeOrigin {
  /**
   * Who made the change, in the source system's own terms: Dataverse `modifiedby` (the systemuser
   * id; for a webhook the RemoteExecutionContext `InitiatingUserId`/`UserId`), or F&O's
   * `InitiatingUserAADObjectId` of a business event (an Entra object id, in braces and upper case).
   */
  modifiedBy?: string | null;
  /** `contentHash` of the record as it is now (the mapped form the worker would write back). */
  hash?: string | null;
  /** `contentHash` of what the worker last wrote to this record on that side. */
  lastWrittenHash?: string | null;
}

/**
 * Is this change our own write coming back (an echo)? Pure check, true when either
 * - the change was made by our application user (`modifiedBy` equals `ourUserId`, compared as
 *   GUIDs: case and braces ignored; `ourUserId` must be in the same system's terms as
 *   `modifiedBy`: the Dataverse application user's systemuser id, or the Entra object id of the
 *   app registered in F&O), or
 * - the record is exactly what we last wrote (`hash` equals `lastWrittenHash`), which also
 *   catches echoes whose modifying user is not reported.
 * An echo is never sent back to the other side. A change by someone else to a record we wrote
 * earlier has a different hash and a different user, so it is not an echo.
 */
export function isEchoOf(change: ChangeOrigin, ourUserId: string): boolean {
  const by = normaliseId(change.modifiedBy);
  if (by !== undefined && by === normaliseId(ourUserId)) return true;
  return Boolean(change.hash) && change.hash === change.lastWrittenHash;
}

function normaliseId(id: string | null | undefined): string | undefined {
  if (id === null || id === undefined) return undefined;
  const trimmed = id
    .trim()
    .replace(/^\{(.*)\}$/, '$1')
    .toLowerCase();
  return trimmed === '' ? undefined : trimmed;
}
