import { newCorrelationId } from '@mlc/logger';

export const CORRELATION_HEADER = 'x-correlation-id';

/** Letters, digits and `._:-`, at most 128 characters: safe to log and to echo in a header. */
const ACCEPTED = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's `x-correlation-id` when it is well formed, else a new one. */
export function correlationIdFrom(headers: Headers): string {
  const given = headers.get(CORRELATION_HEADER)?.trim();
  return given && ACCEPTED.test(given) ? given : newCorrelationId();
}
