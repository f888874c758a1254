import { ConnectorError, type ConnectorErrorCode, type UpstreamDetail } from '../core/errors';

/**
 * msal-node errors → `ConnectorError`. The Entra code (`AADSTS7000215`) goes to `upstream.code`,
 * the Entra message verbatim to `upstream.message`, and the remedy says where to fix it.
 */
export interface AuthErrorFacts {
  tenantId: string;
  clientId: string;
  scope: string;
}

interface MsalLikeError {
  errorCode?: unknown;
  errorMessage?: unknown;
  errorNo?: unknown;
  status?: unknown;
  correlationId?: unknown;
  message?: unknown;
}

const appRegistrations = 'Entra ID (portal.azure.com) > App registrations > your app';

function remedyFor(aadsts: string | undefined, errorCode: string, facts: AuthErrorFacts): string | undefined {
  switch (aadsts) {
    case 'AADSTS7000215':
      return (
        `The client secret is wrong or expired: create a new secret in ${appRegistrations} > Certificates & secrets ` +
        '> New client secret, and paste its Value (not its Secret ID) into the connection.'
      );
    case 'AADSTS7000222':
      return `The client secret has expired: create a new one in ${appRegistrations} > Certificates & secrets and update the connection.`;
    case 'AADSTS700016':
      return (
        `No app with client id ${facts.clientId} exists in tenant ${facts.tenantId}. Check the Application (client) ID ` +
        `on ${appRegistrations} > Overview, and that the tenant is the one the app is registered in.`
      );
    case 'AADSTS90002':
    case 'AADSTS900023':
      return `Tenant ${facts.tenantId} was not found. Use the Directory (tenant) ID shown on ${appRegistrations} > Overview.`;
    case 'AADSTS500011':
      return (
        `The environment in scope ${facts.scope} is not known in this tenant. Check the environment URL and that the ` +
        'environment belongs to the same Entra tenant as the app.'
      );
    case 'AADSTS70011':
    case 'AADSTS1002012':
      return `The scope ${facts.scope} was refused. It must be the environment URL followed by /.default.`;
    default:
      break;
  }
  if (errorCode === 'invalid_client') {
    return `Entra ID refused the app's credentials: check the client id and secret in ${appRegistrations}.`;
  }
  if (errorCode === 'unauthorized_client') {
    return `The app is not allowed to get tokens in this tenant: check ${appRegistrations} and its tenant.`;
  }
  if (errorCode === 'endpoints_resolution_error') {
    // msal could not read the tenant's OpenID configuration: Entra answers that with AADSTS90002
    // (tenant not found), which msal does not pass on.
    return (
      `Entra ID did not recognise tenant ${facts.tenantId}. Use the Directory (tenant) ID shown on ` +
      `${appRegistrations} > Overview, and the login host of the cloud the tenant lives in.`
    );
  }
  if (errorCode === 'invalid_scope') {
    return `The scope ${facts.scope} was refused. It must be the environment URL followed by /.default.`;
  }
  return undefined;
}

export function authErrorFromMsal(error: unknown, facts: AuthErrorFacts): ConnectorError {
  const e: MsalLikeError = typeof error === 'object' && error !== null ? (error as MsalLikeError) : {};
  const errorCode = typeof e.errorCode === 'string' ? e.errorCode : '';
  const errorMessage =
    typeof e.errorMessage === 'string' && e.errorMessage
      ? e.errorMessage
      : typeof e.message === 'string'
        ? e.message
        : String(error);
  const status = typeof e.status === 'number' ? e.status : undefined;
  const aadsts =
    /AADSTS\d+/.exec(errorMessage)?.[0] ??
    (typeof e.errorNo === 'string' && /^\d+$/.test(e.errorNo) ? `AADSTS${e.errorNo}` : undefined);

  let code: ConnectorErrorCode = 'auth_failed';
  if (status === 429) code = 'throttled';
  else if (
    (status !== undefined && status >= 500) ||
    /network_error|Network request failed|timeout/i.test(errorCode + errorMessage)
  ) {
    code = aadsts ? 'auth_failed' : 'upstream_unavailable';
  }

  const upstream: UpstreamDetail = {
    ...(status === undefined ? {} : { status }),
    ...(aadsts || errorCode ? { code: aadsts ?? errorCode } : {}),
    message: errorMessage,
    ...(typeof e.correlationId === 'string' && e.correlationId ? { requestId: e.correlationId } : {}),
  };
  const remedy =
    code === 'auth_failed'
      ? remedyFor(aadsts, errorCode, facts)
      : 'Entra ID did not answer properly; the connector tries again later.';
  const summary = aadsts ? `${aadsts} (${errorCode || 'error'})` : errorCode || 'no response';
  return new ConnectorError(code, `Entra ID refused the token request for ${facts.scope}: ${summary}.`, {
    upstream,
    ...(remedy ? { remedy } : {}),
    cause: error,
  });
}
