import type { z } from 'zod';
import { err, MappingError, ok, type Result } from './errors';

/**
 * Validates an incoming record with its zod schema and turns every issue into one readable
 * `MappingError` ("lines.2.quantity: expected number, received string; ...").
 */
export function parseSource<S extends z.ZodType>(
  schema: S,
  input: unknown,
  what: string,
): Result<z.output<S>> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return ok(parsed.data);
  const first = parsed.error.issues[0];
  const detail = parsed.error.issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(record)'}: ${issue.message}`)
    .join('; ');
  return err(
    new MappingError(
      'invalid_source',
      `${what} is not valid: ${detail}`,
      (first?.path ?? []).filter((part): part is string | number => typeof part !== 'symbol'),
    ),
  );
}
