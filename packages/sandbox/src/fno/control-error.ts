import type { z } from 'zod';

/**
 * A refusal of one of the F&O simulator's own control routes (`/_sandbox/...` on the F&O port):
 * answered as the host's control API answers, `{"error":{"code","message",...details}}`.
 */
export class ControlError extends Error {
  override readonly name = 'ControlError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
  }
}

/** A zod failure as a 400 naming every field, like the host's `invalid_faults`. */
export function invalidBody(code: string, what: string, error: z.ZodError): ControlError {
  const issues = error.issues.map((issue) => ({
    path: issue.path.join('.') || '(body)',
    message: issue.message,
  }));
  return new ControlError(
    400,
    code,
    `invalid ${what}: ${issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ')}`,
    { issues },
  );
}

/**
 * Parses a JSON body (empty = `{}`) with a schema, or throws a 400 `ControlError`. With `defaults`,
 * the top-level fields the body omits take those values (a `PUT` replaces the settings; omitted =
 * the service's start value).
 */
export function parseBody<T>(
  raw: Buffer,
  schema: z.ZodType<T>,
  code: string,
  what: string,
  defaults?: Readonly<Record<string, unknown>>,
): T {
  let json: unknown;
  try {
    json = JSON.parse(raw.length > 0 ? raw.toString('utf8') : '{}');
  } catch (error) {
    throw new ControlError(400, 'invalid_json', `the body is not JSON: ${(error as Error).message}`);
  }
  const isObject = typeof json === 'object' && json !== null && !Array.isArray(json);
  const input = defaults && isObject ? { ...defaults, ...(json as Record<string, unknown>) } : json;
  const result = schema.safeParse(input);
  if (!result.success) throw invalidBody(code, what, result.error);
  return result.data;
}
