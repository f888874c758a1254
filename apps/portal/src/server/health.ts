import { type DatabaseHealth, type DbClient, describeError, pingDatabase } from '@mlc/db';
import { redactString } from '@mlc/logger';
import packageJson from '../../package.json' with { type: 'json' };

export const PORTAL_VERSION: string = packageJson.version;

export type HealthReport =
  | { status: 'ok'; database: { ok: true; latencyMs: number }; version: string }
  | { status: 'degraded'; database: { ok: false; error: string }; version: string };

/** Turns a ping into the report the health endpoint and the landing page show. */
export function toHealthReport(ping: DatabaseHealth, version: string = PORTAL_VERSION): HealthReport {
  if (ping.ok) return { status: 'ok', database: { ok: true, latencyMs: ping.latencyMs }, version };
  return { status: 'degraded', database: { ok: false, error: publicError(ping.error) }, version };
}

/** 200 when every dependency answers, 503 otherwise, so load balancers take the instance out. */
export function healthStatusCode(report: HealthReport): 200 | 503 {
  return report.status === 'ok' ? 200 : 503;
}

/** Health of the portal against a given pool. Never throws. */
export async function getHealth(pool: DbClient['pool']): Promise<HealthReport> {
  return toHealthReport(await pingDatabase(pool));
}

/**
 * Health of the portal against whatever database `connect` resolves; a database that cannot be
 * reached or migrated is reported, never thrown.
 */
export async function checkHealth(connect: () => Promise<DbClient>): Promise<HealthReport> {
  let client: DbClient;
  try {
    client = await connect();
  } catch (error) {
    return toHealthReport({ ok: false, latencyMs: 0, error: describeError(error) });
  }
  return getHealth(client.pool);
}

/** A health report as an HTTP response: never cached, status from the report. */
export function healthResponse(report: HealthReport): Response {
  return Response.json(report, {
    status: healthStatusCode(report),
    headers: { 'cache-control': 'no-store' },
  });
}

/** The error as shown to anyone who can reach the endpoint: one line, credentials masked. */
function publicError(message: string | undefined): string {
  const line = redactString(message ?? 'unknown error').split('\n')[0] ?? '';
  return line.length > 300 ? `${line.slice(0, 300)}...` : line || 'unknown error';
}
