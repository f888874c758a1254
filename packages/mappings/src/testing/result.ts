import type { MappingError, Result } from '../errors';

/** The value of an ok result; fails the test with the mapping error's message otherwise. */
export function okValue<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`expected ok, got ${result.error.code}: ${result.error.message}`);
  return result.value;
}

/** The error of a failed result; fails the test when the mapping succeeded. */
export function errorOf<T>(result: Result<T>): MappingError {
  if (result.ok) throw new Error(`expected a MappingError, got ${JSON.stringify(result.value)}`);
  return result.error;
}
