import { inferAdditionalFields } from 'better-auth/client/plugins';
import { createAuthClient } from 'better-auth/react';

/**
 * better-auth's React client against the portal's own `/api/auth/*` (same origin). Sign-up sends
 * `organisationName` next to name, email and password: the new workspace is named after it.
 */
export const authClient = createAuthClient({
  plugins: [inferAdditionalFields({ user: { organisationName: { type: 'string', required: false } } })],
});

/** A better-auth error in words a person can act on. */
export function describeAuthError(
  error: { status?: number; code?: string | undefined; message?: string | undefined } | null | undefined,
  action: 'sign-in' | 'sign-up',
): string {
  if (!error) return 'Something went wrong. Try again.';
  if (error.status === 429) return 'Too many attempts in a short time. Wait a minute, then try again.';
  const code = error.code ?? '';
  if (action === 'sign-in' && (error.status === 401 || code === 'INVALID_EMAIL_OR_PASSWORD'))
    return 'The email or password is not right. Check both and try again.';
  if (code === 'USER_ALREADY_EXISTS' || code === 'USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL')
    return 'An account with this email already exists. Sign in instead, or use another email.';
  if (code === 'PASSWORD_TOO_SHORT') return 'The password is too short: use at least 10 characters.';
  if (code === 'PASSWORD_TOO_LONG') return 'The password is too long: use at most 200 characters.';
  if (code === 'INVALID_EMAIL') return 'The email address is not valid.';
  if (error.status !== undefined && error.status >= 500)
    return 'The portal could not complete this right now (a server error). Try again in a moment; if it keeps failing, check /api/health.';
  return error.message ? `${error.message}.`.replace(/\.\.$/, '.') : 'Something went wrong. Try again.';
}
