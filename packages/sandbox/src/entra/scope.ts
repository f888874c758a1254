import { type AadError, aad } from './errors';

const DEFAULT_SUFFIX = '/.default';
/** OpenID scopes tolerated next to a `/.default` (they add nothing to an app-only token). */
const OIDC_SCOPES = new Set(['openid', 'profile', 'offline_access', 'email']);

/**
 * The one resource a client-credentials `scope` names. Client credentials accept only
 * `<resource>/.default` (AADSTS1002012 otherwise) and one resource per request (AADSTS70011).
 * The resource comes back lowercase without a trailing slash: it becomes the token's `aud`.
 */
export function resourceOfScope(scope: string | null): { resource: string } | { error: AadError } {
  const scopes = (scope ?? '').split(/\s+/).filter((value) => value.length > 0);
  if (scopes.length === 0) return { error: aad.missingParameter('scope') };
  const requested = scopes.filter((value) => !OIDC_SCOPES.has(value.toLowerCase()));
  const whole = scopes.join(' ');
  if (requested.length === 0 || requested.some((value) => !value.toLowerCase().endsWith(DEFAULT_SUFFIX))) {
    return { error: aad.scopeWithoutDefault(whole) };
  }
  const resources = new Set(
    requested.map((value) => value.slice(0, -DEFAULT_SUFFIX.length).toLowerCase().replace(/\/+$/, '')),
  );
  const [resource] = resources;
  if (resources.size !== 1 || !resource) return { error: aad.invalidScope(whole) };
  return { resource };
}
