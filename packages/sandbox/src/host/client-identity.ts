import type { IncomingMessage } from 'node:http';
import { decodeJwt } from 'jose';

/**
 * Who is calling, for the request counters, without verifying anything: the `appid` (else `azp`)
 * claim of a bearer token, else the `client_id` of an OAuth form (body or HTTP Basic). The service
 * may correct it through `ctx.clientId`.
 */
export function identifyClient(req: IncomingMessage, body: Buffer): string | undefined {
  const authorization = req.headers.authorization ?? '';
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1];
  if (bearer) return appIdOf(bearer);
  const basic = /^Basic\s+(\S+)\s*$/i.exec(authorization)?.[1];
  if (basic) {
    const user = Buffer.from(basic, 'base64').toString('utf8').split(':')[0];
    if (user) return safeDecode(user);
  }
  if (isForm(req) && body.length > 0) {
    return new URLSearchParams(body.toString('utf8')).get('client_id') ?? undefined;
  }
  return undefined;
}

function appIdOf(token: string): string | undefined {
  try {
    const claims = decodeJwt(token);
    const id = claims['appid'] ?? claims['azp'];
    return typeof id === 'string' && id.length > 0 ? id : undefined;
  } catch {
    return undefined;
  }
}

function isForm(req: IncomingMessage): boolean {
  return (req.headers['content-type'] ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded');
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return value;
  }
}
