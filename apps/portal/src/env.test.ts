import { describe, expect, it } from 'vitest';
import { parseEnv } from './env';

describe('parseEnv', () => {
  it('applies the defaults to an empty environment', () => {
    expect(parseEnv({})).toEqual({ NODE_ENV: 'development', PORT: 3000, LOG_LEVEL: 'info' });
  });

  it('reads every variable it knows', () => {
    expect(
      parseEnv({
        NODE_ENV: 'production',
        DATABASE_URL: 'postgres://app@db.internal:5432/mlc',
        PORT: '8080',
        LOG_LEVEL: 'debug',
        UNRELATED: 'ignored',
      }),
    ).toEqual({
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://app@db.internal:5432/mlc',
      PORT: 8080,
      LOG_LEVEL: 'debug',
    });
  });

  it('treats an empty DATABASE_URL as unset (embedded PostgreSQL)', () => {
    expect(parseEnv({ DATABASE_URL: '' }).DATABASE_URL).toBeUndefined();
  });

  it('names every bad variable at once without echoing values', () => {
    const parse = () =>
      parseEnv({ DATABASE_URL: 'mysql://root:hunter2@db/x', PORT: 'eighty', LOG_LEVEL: 'loud' });
    expect(parse).toThrow(/DATABASE_URL/);
    expect(parse).toThrow(/PORT/);
    expect(parse).toThrow(/LOG_LEVEL/);
    expect(parse).not.toThrow(/hunter2/);
  });
});
