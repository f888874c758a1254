/**
 * Redaction of secrets in log payloads, by key and by value pattern.
 *
 * Keys: any property whose name looks like a credential (authorization, token, secret, password,
 * cookie, api key, client assertion, ...) is replaced whatever its value.
 * Values: strings that carry a credential on their own (a `Bearer ...` header, a JWT, a
 * `client_secret=...` form field, a password inside a connection URL) are masked wherever they appear.
 */

export const REDACTED = '[REDACTED]';

const SECRET_KEY =
  /^(authorization|proxy-authorization|cookie|set-cookie|password|passwd|pwd|secret|client_?secret|clientsecret|access_?token|refresh_?token|id_?token|token|api_?key|x-api-key|client_?assertion|private_?key|encryption_?key|sig|signature|code_?verifier|ocp-apim-subscription-key)$/i;

const SECRET_KEY_SUFFIX = /(secret|password|token|apikey|api_key|private_key)$/i;

const VALUE_PATTERNS: readonly [RegExp, string][] = [
  [/\b(Bearer|Basic)\s+[A-Za-z0-9\-._~+/]+=*/gi, `$1 ${REDACTED}`],
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, REDACTED],
  [
    /\b(client_secret|client_assertion|access_token|refresh_token|id_token|password|code|sig)=([^&\s"']+)/gi,
    `$1=${REDACTED}`,
  ],
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^:/?#\s@]*:)([^@/?#\s]+)@/gi, `$1${REDACTED}@`],
];

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key) || SECRET_KEY_SUFFIX.test(key);
}

export function redactString(value: string): string {
  let out = value;
  for (const [pattern, replacement] of VALUE_PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

const MAX_DEPTH = 8;
const MAX_STRING = 8_192;

/** Returns a copy of `value` with secrets masked; never mutates the input. */
export function redact(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') {
    const masked = redactString(value);
    return masked.length > MAX_STRING ? `${masked.slice(0, MAX_STRING)}...[truncated]` : masked;
  }
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[Circular]';
  if (depth >= MAX_DEPTH) return '[Object]';
  seen.add(value);
  if (value instanceof Error) {
    return {
      type: value.name,
      message: redactString(value.message),
      stack: value.stack ? redactString(value.stack) : undefined,
      ...(redact({ ...value }, depth + 1, seen) as object),
    };
  }
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1, seen));
  if (value instanceof Date) return value;
  if (Buffer.isBuffer(value)) return `[Buffer ${value.length} bytes]`;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] =
      isSecretKey(key) && item !== undefined && item !== null ? REDACTED : redact(item, depth + 1, seen);
  }
  return out;
}
