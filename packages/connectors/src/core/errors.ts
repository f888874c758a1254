/**
 * Every failure a connector reports is a `ConnectorError` with a literal `code`, a `kind` that says
 * who must act (`configuration`: the admin fixes credentials, permissions or settings; `system`: a
 * transient or upstream problem we retry) and `retryable`. The upstream message (Dataverse error
 * code and text, F&O Infolog) is kept verbatim in `upstream` so a person can act on it.
 */
export const connectorErrorCodes = {
  auth_failed: { kind: 'configuration', retryable: false },
  app_user_missing: { kind: 'configuration', retryable: false },
  forbidden: { kind: 'configuration', retryable: false },
  invalid_config: { kind: 'configuration', retryable: false },
  /** The server's TLS certificate is not trusted (wrong CA, interception proxy, wrong host name). */
  tls_untrusted: { kind: 'configuration', retryable: false },
  not_found: { kind: 'system', retryable: false },
  throttled: { kind: 'system', retryable: true },
  upstream_unavailable: { kind: 'system', retryable: true },
  /**
   * A non-idempotent request (POST) may or may not have been applied: the connection dropped or
   * timed out after it was sent. Never resend blindly: look the record up by its natural key first.
   */
  outcome_unknown: { kind: 'system', retryable: false },
  validation_failed: { kind: 'system', retryable: false },
  /** 409/412: the record changed since it was read, or a create-only write found it already there. */
  conflict: { kind: 'system', retryable: false },
  schema_mismatch: { kind: 'system', retryable: false },
} as const satisfies Record<string, { kind: 'configuration' | 'system'; retryable: boolean }>;

export type ConnectorErrorCode = keyof typeof connectorErrorCodes;
export type ConnectorErrorKind = (typeof connectorErrorCodes)[ConnectorErrorCode]['kind'];

export interface UpstreamDetail {
  /** HTTP status of the response that failed, when there was one. */
  status?: number;
  /** The service's own error code, e.g. Dataverse `0x80040220`. */
  code?: string;
  /** The service's own message or Infolog text, verbatim. */
  message?: string;
  /** Request id for the service's support (`x-ms-service-request-id`, `ms-dyn-aid`). */
  requestId?: string;
  /** F&O Infolog lines, split out of the message (`Warning: ...; Error: ...`). */
  infolog?: readonly InfologEntry[];
}

export interface InfologEntry {
  level: 'Info' | 'Warning' | 'Error';
  text: string;
}

export interface ConnectorErrorOptions {
  upstream?: UpstreamDetail;
  /** What a person can do about it, in plain words. */
  remedy?: string;
  /** Seconds the service asked us to wait (`Retry-After`). */
  retryAfterSeconds?: number;
  cause?: unknown;
}

export class ConnectorError extends Error {
  override readonly name = 'ConnectorError';
  readonly kind: ConnectorErrorKind;
  readonly retryable: boolean;
  readonly upstream: UpstreamDetail | undefined;
  readonly remedy: string | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(
    readonly code: ConnectorErrorCode,
    message: string,
    options: ConnectorErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.kind = connectorErrorCodes[code].kind;
    this.retryable = connectorErrorCodes[code].retryable;
    this.upstream = options.upstream;
    this.remedy = options.remedy;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  /** A plain object for audit trails and API responses (no stack, no cause chain). */
  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      kind: this.kind,
      retryable: this.retryable,
      message: this.message,
      ...(this.upstream ? { upstream: this.upstream } : {}),
      ...(this.remedy ? { remedy: this.remedy } : {}),
      ...(this.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: this.retryAfterSeconds }),
    };
  }
}

export function isConnectorError(error: unknown): error is ConnectorError {
  return error instanceof ConnectorError;
}
