/**
 * A record that cannot be mapped: which record, which field, and why, in words an admin can act on
 * ("product 'SP-100' is not released in legal entity demf"). Mapping functions return it in a
 * `Result` rather than throwing, because bad input is expected and must be kept and shown.
 */
export class MappingError extends Error {
  override readonly name = 'MappingError';
  constructor(
    readonly code: MappingErrorCode,
    message: string,
    /** Path of the offending field in the source record, e.g. `['lines', 2, 'productnumber']`. */
    readonly path: readonly (string | number)[] = [],
  ) {
    super(message);
  }

  toJSON(): { code: MappingErrorCode; message: string; path: readonly (string | number)[] } {
    return { code: this.code, message: this.message, path: this.path };
  }
}

export type MappingErrorCode =
  | 'invalid_source'
  | 'missing_field'
  /** A valid record that is not meant for this target (a person given to the account mapping, a
   *  customer-specific trade agreement): the worker records it as skipped, not failed. */
  | 'not_applicable'
  | 'unmapped_value'
  | 'unknown_reference'
  | 'value_too_long';

export type Result<T, E = MappingError> = { ok: true; value: T } | { ok: false; error: E };

export const ok = <T>(value: T): Result<T, never> => ({ ok: true, value });
export const err = <E>(error: E): Result<never, E> => ({ ok: false, error });
