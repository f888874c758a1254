import { err, MappingError, type MappingErrorCode, ok, type Result } from './errors';

/**
 * Internal helpers shared by the mappings. A mapping body may `fail(...)` deep inside; `attempt`
 * turns that into the `Result` every public mapping returns. Anything else thrown is a bug and is
 * not caught.
 */

export type FieldPath = readonly (string | number)[];

export function fail(code: MappingErrorCode, message: string, path: FieldPath = []): never {
  throw new MappingError(code, message, path);
}

export function attempt<T>(body: () => T): Result<T> {
  try {
    return ok(body());
  } catch (error) {
    if (error instanceof MappingError) return err(error);
    throw error;
  }
}

/** The value of a `Result`, or `fail` with its error (to chain mappings inside `attempt`). */
export function unwrap<T>(result: Result<T>): T {
  if (result.ok) return result.value;
  throw result.error;
}

/** Trimmed text; `undefined` for null, undefined and blank. */
export function textOf(value: string | null | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

export interface Limit {
  /** Where the value comes from, for the message: `account 'Contoso' (accountnumber)`. */
  what: string;
  /** The target field and system: `CustomerAccount in F&O`. */
  target: string;
  max: number;
  path: FieldPath;
  /** What the admin does about it. */
  remedy: string;
}

/** `value` when it fits `limit.max` characters, else `value_too_long`. Counts code points. */
export function fit(value: string, limit: Limit): string;
export function fit(value: string | undefined, limit: Limit): string | undefined;
export function fit(value: string | undefined, limit: Limit): string | undefined {
  if (value === undefined) return undefined;
  const length = [...value].length;
  if (length > limit.max) {
    fail(
      'value_too_long',
      `${limit.what} is ${length} characters long, but ${limit.target} allows at most ${limit.max}: ${limit.remedy}`,
      limit.path,
    );
  }
  return value;
}

/** `T` with every property that may be `undefined` made optional (and never `undefined`). */
export type Compact<T> = {
  [K in keyof T as undefined extends T[K] ? never : K]: T[K];
} & {
  [K in keyof T as undefined extends T[K] ? K : never]?: Exclude<T[K], undefined>;
};

/** Copies the defined entries only (payloads under `exactOptionalPropertyTypes` omit, never send undefined). */
export function compact<T extends Record<string, unknown>>(value: T): Compact<T> {
  const out: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(value)) if (entry !== undefined) out[key] = entry;
  return out as Compact<T>;
}

/** `'Contoso'` in messages; `(no name)` for a missing one. */
export function quoted(value: string | null | undefined): string {
  const text = textOf(value);
  return text === undefined ? '(no name)' : `'${text}'`;
}

/** An AX Date value on the wire: the day at 12:00:00Z (fno.md §3). Accepts `2025-06-01` or a date-time. */
export function axDate(value: string | null | undefined, what: string, path: FieldPath): string | undefined {
  const text = textOf(value);
  if (text === undefined) return undefined;
  const match = /^(\d{4}-\d{2}-\d{2})(?:$|T)/.exec(text);
  const day = match?.[1];
  if (day === undefined || Number.isNaN(Date.parse(`${day}T12:00:00Z`))) {
    fail('invalid_source', `${what} is not a date: '${text}'. Correct it in Dynamics 365 Sales.`, path);
  }
  return `${day}T12:00:00Z`;
}
