import { describe, expect, it } from 'vitest';
import { authErrorFromMsal } from './errors';
import { resourceScope } from './scope';

const facts = {
  tenantId: 'tenant-1',
  clientId: 'client-1',
  scope: 'https://contoso.crm.dynamics.com/.default',
};

/** What msal-node's ServerError carries (errorCode, errorMessage, errorNo, status, correlationId). */
function serverError(errorCode: string, errorMessage: string, status?: number) {
  return Object.assign(new Error(`${errorCode}: ${errorMessage}`), {
    errorCode,
    errorMessage,
    correlationId: 'corr-1',
    ...(status === undefined ? {} : { status }),
  });
}

describe('msal errors → ConnectorError', () => {
  it.each([
    [
      'invalid_client',
      'AADSTS7000215: Invalid client secret provided.',
      'AADSTS7000215',
      /client secret is wrong or expired/,
    ],
    [
      'invalid_client',
      'AADSTS7000222: The provided client secret keys are expired.',
      'AADSTS7000222',
      /has expired/,
    ],
    [
      'unauthorized_client',
      "AADSTS700016: Application with identifier 'x' was not found",
      'AADSTS700016',
      /client id client-1/,
    ],
    ['invalid_request', "AADSTS90002: Tenant 'x' not found.", 'AADSTS90002', /tenant-1 was not found/],
    [
      'invalid_resource',
      'AADSTS500011: The resource principal named https://x was not found',
      'AADSTS500011',
      /environment/,
    ],
    [
      'invalid_scope',
      'AADSTS1002012: The provided value for scope x is not valid.',
      'AADSTS1002012',
      /\/\.default/,
    ],
    ['invalid_scope', 'The scope is not valid.', 'invalid_scope', /\/\.default/],
    [
      'endpoints_resolution_error',
      'See https://aka.ms/msal.js.errors',
      'endpoints_resolution_error',
      /did not recognise tenant/,
    ],
  ])('%s %s', (errorCode, message, upstreamCode, remedy) => {
    const error = authErrorFromMsal(serverError(errorCode, message, 400), facts);
    expect(error.code).toBe('auth_failed');
    expect(error.kind).toBe('configuration');
    expect(error.upstream).toMatchObject({ code: upstreamCode, message, requestId: 'corr-1', status: 400 });
    expect(error.remedy).toMatch(remedy);
  });

  it('treats network failures and Entra outages as temporary', () => {
    expect(
      authErrorFromMsal(serverError('network_error', 'Network request failed: ECONNRESET'), facts).code,
    ).toBe('upstream_unavailable');
    expect(authErrorFromMsal(serverError('server_error', 'Service unavailable', 503), facts).code).toBe(
      'upstream_unavailable',
    );
    expect(authErrorFromMsal(serverError('temporarily_unavailable', 'slow down', 429), facts).code).toBe(
      'throttled',
    );
    expect(authErrorFromMsal(new Error('boom'), facts).code).toBe('auth_failed');
  });
});

describe('resourceScope', () => {
  it('is https://{host}/.default: lower case, no path, no trailing slash, port kept', () => {
    expect(resourceScope('https://Contoso.CRM.dynamics.com/api/data/v9.2/')).toBe(
      'https://contoso.crm.dynamics.com/.default',
    );
    expect(resourceScope('contoso.operations.dynamics.com')).toBe(
      'https://contoso.operations.dynamics.com/.default',
    );
    expect(resourceScope('https://127.0.0.1:4402')).toBe('https://127.0.0.1:4402/.default');
    expect(resourceScope('https://contoso.crm.dynamics.com:443/')).toBe(
      'https://contoso.crm.dynamics.com/.default',
    );
    expect(() => resourceScope('https://')).toThrow(expect.objectContaining({ code: 'invalid_config' }));
  });
});
