import type { ServerResponse } from 'node:http';
import type { z } from 'zod';
import { sandboxError, sendJson } from '../../host/http';
import type { ServiceProtection } from '../extensions/service-protection';
import { isConfigurableProtection } from './protection';
import { limitsInputSchema } from './settings';

/**
 * `GET /_sandbox/limits` (settings and each user's use of the window) and `PUT /_sandbox/limits`
 * (replaces the settings: omitted fields take the documented defaults; clears the usage) on the
 * Dataverse port. Not part of the Dataverse API.
 */
export function handleLimitsControl(
  protection: ServiceProtection,
  method: string,
  body: Buffer,
  res: ServerResponse,
): void {
  if (!isConfigurableProtection(protection)) {
    sendJson(
      res,
      404,
      sandboxError(
        'not_configurable',
        'this service runs a service protection that has no run-time settings',
      ),
    );
    return;
  }
  if (method === 'GET') {
    sendJson(res, 200, { ...protection.settings(), usage: protection.usage() });
    return;
  }
  if (method !== 'PUT') {
    sendJson(res, 405, sandboxError('method_not_allowed', `${method} /_sandbox/limits: use GET, PUT`), {
      Allow: 'GET, PUT',
    });
    return;
  }
  const parsed = parseJsonBody(body);
  if (!parsed.ok) {
    sendJson(res, 400, sandboxError('invalid_json', `the body is not JSON: ${parsed.message}`));
    return;
  }
  const result = limitsInputSchema.safeParse(parsed.value);
  if (!result.success) {
    sendJson(res, 400, invalidBody('invalid_limits', 'invalid service protection limits', result.error));
    return;
  }
  sendJson(res, 200, { ...protection.configure(result.data), usage: [] });
}

export function parseJsonBody(raw: Buffer): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    const text = raw.toString('utf8').trim();
    return { ok: true, value: JSON.parse(text.length > 0 ? text : '{}') };
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
}

/** A 400 body listing each field's problem, as the host's `invalid_faults` does. */
export function invalidBody(code: string, what: string, error: z.ZodError): unknown {
  const issues = error.issues.map((issue) => ({
    path: issue.path.join('.') || '(body)',
    message: issue.message,
  }));
  return sandboxError(
    code,
    `${what}: ${issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ')}`,
    { issues },
  );
}
