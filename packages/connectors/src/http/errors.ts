import { z } from 'zod';
import {
  ConnectorError,
  type ConnectorErrorCode,
  type InfologEntry,
  type UpstreamDetail,
} from '../core/errors';

/**
 * Turning what a service answered into a `ConnectorError`: one small parser per error-body shape,
 * then one status table. The upstream text is kept verbatim (`upstream.message`), because it is
 * what a person needs to act: the Dataverse error code and message, the F&O Infolog.
 */

export interface ParsedErrorBody {
  shape: 'dataverse' | 'fno' | 'aspnet';
  code?: string;
  message?: string;
  infolog?: InfologEntry[];
}

// ---------------------------------------------------------------------------------------------
// Shapes

/** Dataverse (and plain OData): `{"error":{"code":"0x80040217","message":"...", "@Microsoft.PowerApps.CDS...": ...}}`. */
const dataverseEnvelope = z.object({
  error: z.looseObject({
    code: z.string().optional(),
    message: z.string().optional(),
  }),
});

/**
 * F&O: `{"error":{"code":"","message":"An error has occurred.","innererror":{"message":"Write failed ...
 * Infolog: Warning: ...; Error: ...","type":"...AxODataWriteException","stacktrace":"..."}}}`.
 */
const fnoEnvelope = z.object({
  error: z.looseObject({
    code: z.string().optional(),
    message: z.string().optional(),
    innererror: z.looseObject({
      message: z.string().optional(),
      type: z.string().optional(),
    }),
  }),
});

/** ASP.NET Web API (F&O authentication failures): `{"Message":"Authentication failed.","ExceptionType":"..."}`. */
const aspNetEnvelope = z.looseObject({
  Message: z.string(),
  ExceptionType: z.string().nullish(),
});

export function parseDataverseError(body: unknown): ParsedErrorBody | undefined {
  const parsed = dataverseEnvelope.safeParse(body);
  if (!parsed.success) return undefined;
  const { code, message } = parsed.data.error;
  return { shape: 'dataverse', ...nonEmpty('code', code), ...nonEmpty('message', message) };
}

export function parseFnoError(body: unknown): ParsedErrorBody | undefined {
  const parsed = fnoEnvelope.safeParse(body);
  if (parsed.success) {
    const { code, message, innererror } = parsed.data.error;
    const text = innererror.message || message;
    const typeName = innererror.type?.split('.').pop();
    const infolog = text ? parseInfolog(text) : [];
    return {
      shape: 'fno',
      ...nonEmpty('code', code || typeName),
      ...nonEmpty('message', text),
      ...(infolog.length > 0 ? { infolog } : {}),
    };
  }
  const aspNet = aspNetEnvelope.safeParse(body);
  if (aspNet.success) {
    return {
      shape: 'aspnet',
      message: aspNet.data.Message,
      ...nonEmpty('code', aspNet.data.ExceptionType ?? ''),
    };
  }
  return undefined;
}

/**
 * Splits F&O's `... Infolog: Warning: text.; Error: text..` into its lines. Returns `[]` when the
 * text has no Infolog part.
 */
export function parseInfolog(text: string): InfologEntry[] {
  const marker = text.indexOf('Infolog:');
  if (marker < 0) return [];
  const rest = text.slice(marker + 'Infolog:'.length).trim();
  return rest
    .split(/;\s*(?=(?:Info|Warning|Error):)/)
    .map((part) => /^(Info|Warning|Error):\s*([\s\S]*)$/.exec(part.trim()))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => ({
      level: match[1] as InfologEntry['level'],
      text: (match[2] ?? '').replace(/\.+$/, '.').trim(),
    }));
}

/** Tries every shape on a response body; `undefined` when it is not JSON or none fits. */
export function parseErrorBody(text: string): ParsedErrorBody | undefined {
  if (!text) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  return parseFnoError(json) ?? parseDataverseError(json);
}

function nonEmpty<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return value ? ({ [key]: value } as { [P in K]?: string }) : {};
}

// ---------------------------------------------------------------------------------------------
// Status table

const requestIdHeaders = ['x-ms-service-request-id', 'req_id', 'ms-dyn-aid', 'x-ms-request-id', 'request-id'];

export function upstreamRequestId(headers: Readonly<Record<string, string>>): string | undefined {
  for (const name of requestIdHeaders) {
    const value = headers[name];
    if (value) return value;
  }
  return undefined;
}

export interface ResponseFacts {
  status: number;
  headers: Readonly<Record<string, string>>;
  bodyText: string;
  method: string;
  /** Already stripped of user info and query (`describeUrl`). */
  shownUrl: string;
  retryAfterSeconds?: number;
}

const remedies = {
  auth_failed:
    'The service refused our access token. Check that the app registration (client id) is set up in the ' +
    'environment: in Dynamics 365 Sales as an application user with a security role (Power Platform admin center > ' +
    'Environments > your environment > Settings > Users + permissions > Application users); in Finance & Operations ' +
    'under System administration > Setup > Microsoft Entra applications, mapped to an enabled user.',
  app_user_missing:
    'The app is not a user of this Dynamics 365 Sales environment. In Power Platform admin center > Environments > ' +
    'your environment > Settings > Users + permissions > Application users, add the app (its client id) and give it ' +
    'the security role of the integration.',
  forbidden:
    'The app’s user lacks a privilege for this operation. Add the missing privilege (named in the message) to its ' +
    'security role, or give it the integration role.',
  throttled:
    'The service asked us to slow down. The sync resumes by itself after the wait; if this happens often, lower the ' +
    'concurrency of the connection or move bulk loads out of business hours.',
  upstream_unavailable: 'The service is not answering properly right now. The sync retries by itself.',
} as const;

function codeForStatus(
  status: number,
  parsed: ParsedErrorBody | undefined,
  method: string,
): ConnectorErrorCode {
  if (status === 401) {
    return /not a member of the organization/i.test(parsed?.message ?? '')
      ? 'app_user_missing'
      : 'auth_failed';
  }
  if (status === 403) {
    return /not a member of the organization/i.test(parsed?.message ?? '') ? 'app_user_missing' : 'forbidden';
  }
  if (status === 404) return 'not_found';
  if (status === 409 || status === 412) return 'conflict';
  if (status === 429) return 'throttled';
  if (status >= 500) {
    // F&O reports failed writes (validation, Infolog errors) as 500 with an AxODataWriteException:
    // the service did answer, and retrying the same record fails the same way.
    if (
      parsed?.shape === 'fno' &&
      /AxODataWriteException|Write failed/i.test(`${parsed.code} ${parsed.message}`)
    ) {
      return 'validation_failed';
    }
    // A non-idempotent request that a gateway gave up on may still have been applied behind it.
    if (method === 'POST' && (status === 502 || status === 504)) return 'outcome_unknown';
    return 'upstream_unavailable';
  }
  if (status >= 300 && status < 400) return 'invalid_config';
  return 'validation_failed';
}

/** The `ConnectorError` for a response that was not a success. */
export function errorFromResponse(facts: ResponseFacts): ConnectorError {
  const parsed = parseErrorBody(facts.bodyText);
  const code = codeForStatus(facts.status, parsed, facts.method);
  const requestId = upstreamRequestId(facts.headers);
  const upstream: UpstreamDetail = {
    status: facts.status,
    ...(parsed?.code ? { code: parsed.code } : {}),
    ...(parsed?.message ? { message: parsed.message } : {}),
    ...(requestId ? { requestId } : {}),
    ...(parsed?.infolog ? { infolog: parsed.infolog } : {}),
  };
  const what = `${facts.method} ${facts.shownUrl} answered HTTP ${facts.status}`;
  const message = parsed?.message ? `${what}: ${parsed.message}` : what;
  const remedy =
    code in remedies
      ? remedies[code as keyof typeof remedies]
      : code === 'invalid_config'
        ? 'The URL redirects elsewhere; use the environment URL exactly as Microsoft shows it (redirects are not followed).'
        : code === 'outcome_unknown'
          ? 'Check whether the record exists (by its natural key) before sending it again.'
          : undefined;
  return new ConnectorError(code, message, {
    upstream,
    ...(remedy ? { remedy } : {}),
    ...(facts.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: facts.retryAfterSeconds }),
  });
}

// ---------------------------------------------------------------------------------------------
// Network errors

const tlsErrorCodes = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REVOKED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'HOSTNAME_MISMATCH',
]);

/** The `code` of an error or of the first error in its cause chain that has one. */
export function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

export function isTlsTrustError(error: unknown): boolean {
  const code = errorCode(error);
  return code !== undefined && tlsErrorCodes.has(code);
}

export interface NetworkFacts {
  method: string;
  shownUrl: string;
  /** `connect`: the request provably never left us. `sent`: it may have reached the server. */
  phase: 'connect' | 'sent';
  idempotent: boolean;
}

/** The `ConnectorError` for a request that got no (complete) response. */
export function errorFromNetwork(error: unknown, facts: NetworkFacts): ConnectorError {
  const code = errorCode(error) ?? 'unknown';
  const what = `${facts.method} ${facts.shownUrl}`;
  if (isTlsTrustError(error)) {
    return new ConnectorError(
      'tls_untrusted',
      `${what}: the server's TLS certificate is not trusted (${code}).`,
      {
        cause: error,
        remedy:
          'Microsoft services present certificates that the system trusts: if this happens, something between us and ' +
          'the service (a proxy inspecting TLS) replaces them, or the URL points to the wrong server. In sandbox mode, ' +
          'pass the sandbox CA certificate.',
      },
    );
  }
  if (facts.phase === 'connect' && code === 'ENOTFOUND') {
    return new ConnectorError('invalid_config', `${what}: the host name does not exist (DNS: ${code}).`, {
      cause: error,
      remedy: 'Check the environment URL for typos; it must be the URL Microsoft shows for the environment.',
    });
  }
  if (facts.phase === 'sent' && !facts.idempotent) {
    return new ConnectorError(
      'outcome_unknown',
      `${what}: the connection failed after the request was sent (${code}); it may or may not have been applied.`,
      {
        cause: error,
        remedy: 'Check whether the record exists (by its natural key) before sending it again.',
      },
    );
  }
  return new ConnectorError('upstream_unavailable', `${what}: no response (${code}).`, {
    cause: error,
    remedy: remedies.upstream_unavailable,
  });
}

/** A zod failure on a response body, as `schema_mismatch` with the first issues spelled out. */
export function schemaMismatch(what: string, error: z.ZodError): ConnectorError {
  const issues = error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
  return new ConnectorError('schema_mismatch', `${what} did not have the expected shape: ${issues}`, {
    cause: error,
  });
}
