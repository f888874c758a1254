import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, withContext } from './logger';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) {
        raw.push(line);
        lines.push(JSON.parse(line));
      }
      done();
    },
  });
  return { lines, raw, destination };
}

describe('createLogger', () => {
  it('writes JSON lines with name, level and a correlation id', () => {
    const out = capture();
    const log = createLogger({ name: 'worker', destination: out.destination });
    log.info({ recordId: 'r1' }, 'synced');
    expect(out.lines[0]).toMatchObject({ name: 'worker', level: 'info', recordId: 'r1', msg: 'synced' });
    expect(out.lines[0]?.['correlationId']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('masks secrets by key at any depth and by value pattern', () => {
    const out = capture();
    const log = createLogger({ name: 't', destination: out.destination });
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL3gifQ.c2lnbmF0dXJlLXZhbHVl';
    log.info(
      {
        request: { headers: { Authorization: `Bearer ${jwt}`, accept: 'application/json' } },
        body: 'grant_type=client_credentials&client_secret=s3cr3t-VALUE&scope=x',
        connection: { salesClientSecret: 'plain-secret-1', clientId: 'visible-id' },
        url: 'postgres://postgres:hunter2@127.0.0.1:5432/db',
      },
      `token was ${jwt}`,
    );
    const line = out.raw.join('\n');
    for (const secret of [jwt, 's3cr3t-VALUE', 'plain-secret-1', 'hunter2'])
      expect(line).not.toContain(secret);
    expect(line).toContain('visible-id');
    expect(line).toContain('application/json');
    expect(out.lines[0]?.['url']).toBe('postgres://postgres:[REDACTED]@127.0.0.1:5432/db');
  });

  it('masks secrets in errors and child bindings', () => {
    const out = capture();
    const log = createLogger({ name: 't', destination: out.destination });
    const child = log.child({ accessToken: 'abc-token-value' });
    child.error({ err: new Error('call failed: Bearer abc.def.ghi') }, 'boom');
    const line = out.raw.join('\n');
    expect(line).not.toContain('abc-token-value');
    expect(line).not.toContain('abc.def.ghi');
  });

  it('withContext replaces the correlation id instead of repeating it', () => {
    const out = capture();
    const log = createLogger({ name: 't', destination: out.destination, correlationId: 'outer' });
    withContext(log, { correlationId: 'inner', recordId: 'r9' }).info('step');
    expect(out.raw[0]?.match(/"correlationId"/g)).toHaveLength(1);
    expect(out.lines[0]).toMatchObject({ correlationId: 'inner', recordId: 'r9' });
  });
});
