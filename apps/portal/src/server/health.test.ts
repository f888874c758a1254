import { describe, expect, it } from 'vitest';
import { checkHealth, healthResponse, healthStatusCode, PORTAL_VERSION, toHealthReport } from './health';

describe('toHealthReport', () => {
  it('is ok when the database answered', () => {
    const report = toHealthReport({ ok: true, latencyMs: 4 }, '1.2.3');
    expect(report).toEqual({ status: 'ok', database: { ok: true, latencyMs: 4 }, version: '1.2.3' });
    expect(healthStatusCode(report)).toBe(200);
  });

  it('is degraded, with the reason, when it did not', () => {
    const report = toHealthReport({ ok: false, latencyMs: 3000, error: 'no answer within 3000 ms' }, '1.2.3');
    expect(report).toEqual({
      status: 'degraded',
      database: { ok: false, error: 'no answer within 3000 ms' },
      version: '1.2.3',
    });
    expect(healthStatusCode(report)).toBe(503);
  });

  it('masks credentials and keeps one line of the error', () => {
    const report = toHealthReport({
      ok: false,
      latencyMs: 1,
      error: 'cannot reach postgres://admin:s3cret@db:5432/mlc\n    at Socket.<anonymous>',
    });
    expect(report.database).toEqual({
      ok: false,
      error: 'cannot reach postgres://admin:[REDACTED]@db:5432/mlc',
    });
  });

  it('reports the package version by default', () => {
    expect(toHealthReport({ ok: true, latencyMs: 1 }).version).toBe(PORTAL_VERSION);
    expect(PORTAL_VERSION).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('checkHealth', () => {
  it('reports a database that cannot be resolved instead of throwing', async () => {
    const report = await checkHealth(() => Promise.reject(new Error('migration lock timed out')));
    expect(report).toMatchObject({
      status: 'degraded',
      database: { ok: false, error: 'migration lock timed out' },
    });
  });

  it('spells out an AggregateError, which pg throws without a message', async () => {
    const refused = new AggregateError([
      new Error('connect ECONNREFUSED ::1:5432'),
      new Error('connect ECONNREFUSED 127.0.0.1:5432'),
    ]);
    const report = await checkHealth(() => Promise.reject(refused));
    expect(report.database).toEqual({
      ok: false,
      error: 'connect ECONNREFUSED ::1:5432; connect ECONNREFUSED 127.0.0.1:5432',
    });
  });
});

describe('healthResponse', () => {
  it('carries the report, its status code and no-store', async () => {
    const report = toHealthReport({ ok: false, latencyMs: 1, error: 'down' }, '0.0.0');
    const response = healthResponse(report);
    expect(response.status).toBe(503);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.json()).toEqual(report);
  });
});
