import { randomUUID } from 'node:crypto';

/**
 * Entra ID's error responses: `{"error","error_description","error_codes","timestamp","trace_id",
 * "correlation_id","error_uri"}`, the description in the AADSTS style
 * (`AADSTS<code>: <message>\r\nTrace ID: ...\r\nCorrelation ID: ...\r\nTimestamp: ...`).
 */
export class AadError extends Error {
  override readonly name = 'AadError';
  constructor(
    readonly status: number,
    /** OAuth error code, e.g. `invalid_client`. */
    readonly error: string,
    /** The AADSTS number, e.g. 7000215. */
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export interface AadErrorBody {
  error: string;
  error_description: string;
  error_codes: number[];
  timestamp: string;
  trace_id: string;
  correlation_id: string;
  error_uri: string;
}

export interface AadErrorContext {
  /** Sandbox origin, for `error_uri`. */
  origin: string;
  /** The caller's `client-request-id`, echoed as `correlation_id` (a fresh GUID otherwise). */
  correlationId?: string | undefined;
  now?: Date;
}

export function aadErrorBody(error: AadError, context: AadErrorContext): AadErrorBody {
  const traceId = randomUUID();
  const correlationId = context.correlationId ?? randomUUID();
  const timestamp = aadTimestamp(context.now ?? new Date());
  return {
    error: error.error,
    error_description: `AADSTS${error.code}: ${error.message}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlationId}\r\nTimestamp: ${timestamp}`,
    error_codes: [error.code],
    timestamp,
    trace_id: traceId,
    correlation_id: correlationId,
    error_uri: `${context.origin}/error?code=${error.code}`,
  };
}

/** `2024-07-17 14:42:13Z`, the format of Entra's `timestamp`. */
export function aadTimestamp(date: Date): string {
  return `${date.toISOString().slice(0, 19).replace('T', ' ')}Z`;
}

/** Headers Entra sends with token-endpoint answers. */
export const NO_STORE_HEADERS = {
  'Cache-Control': 'no-store, no-cache',
  Pragma: 'no-cache',
  Expires: '-1',
} as const;

/** The errors the simulator produces, with Entra's codes and wording. */
export const aad = {
  invalidClientSecret: (appId: string) =>
    new AadError(
      401,
      'invalid_client',
      7000215,
      `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${appId}'.`,
    ),
  missingClientCredential: () =>
    new AadError(
      401,
      'invalid_client',
      7000218,
      "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
    ),
  applicationNotFound: (clientId: string, tenantName: string) =>
    new AadError(
      400,
      'unauthorized_client',
      700016,
      `Application with identifier '${clientId}' was not found in the directory '${tenantName}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
    ),
  missingParameter: (name: string) =>
    new AadError(
      400,
      'invalid_request',
      900144,
      `The request body must contain the following parameter: '${name}'.`,
    ),
  unsupportedGrantType: (grantType: string) =>
    new AadError(
      400,
      'unsupported_grant_type',
      70003,
      `The app requested an unsupported grant type '${grantType}'.`,
    ),
  scopeWithoutDefault: (scope: string) =>
    new AadError(
      400,
      'invalid_scope',
      1002012,
      `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
    ),
  invalidScope: (scope: string) =>
    new AadError(
      400,
      'invalid_scope',
      70011,
      `The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope ${scope} is not valid.`,
    ),
  resourceNotFound: (resource: string, tenantName: string) =>
    new AadError(
      400,
      'invalid_resource',
      500011,
      `The resource principal named ${resource} was not found in the tenant named ${tenantName}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
    ),
  tenantNotFound: (tenant: string, error: 'invalid_request' | 'invalid_tenant' = 'invalid_request') =>
    new AadError(
      400,
      error,
      90002,
      `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
    ),
  notMultiTenant: (appId: string, displayName: string) =>
    new AadError(
      400,
      'invalid_request',
      50194,
      `Application '${appId}'(${displayName}) is not configured as a multi-tenant application. Usage of the /common endpoint is not supported for such applications created after '10/15/2018'. Use a tenant-specific endpoint or configure the application to be multi-tenant.`,
    ),
  postOnly: (method: string) =>
    new AadError(
      400,
      'invalid_request',
      900561,
      `The endpoint only accepts POST, OPTIONS requests. Received a ${method} request.`,
    ),
  unknownInstance: () => new AadError(400, 'invalid_instance', 50049, 'Unknown or invalid instance.'),
  transient: (status: number) =>
    new AadError(
      status,
      'temporarily_unavailable',
      90033,
      'A transient error has occurred. Please try again.',
    ),
} as const;
