import { describe, expect, it } from 'vitest';
import { isDeployed, parseEnv } from './env';

describe('parseEnv', () => {
  it('applies the defaults to an empty environment', () => {
    expect(parseEnv({})).toEqual({
      NODE_ENV: 'development',
      PORT: 3000,
      LOG_LEVEL: 'info',
      PUBLIC_URL: 'http://localhost:3000',
    });
  });

  it('reads every variable it knows', () => {
    expect(
      parseEnv({
        NODE_ENV: 'production',
        DATABASE_URL: 'postgres://app@db.internal:5432/mlc',
        PORT: '8080',
        LOG_LEVEL: 'debug',
        PUBLIC_URL: 'https://portal.example.com/',
        BETTER_AUTH_SECRET: 'x'.repeat(32),
        MLC_ENCRYPTION_KEY: 'k'.repeat(44),
        SANDBOX_MODE: 'off',
        UNRELATED: 'ignored',
      }),
    ).toEqual({
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://app@db.internal:5432/mlc',
      PORT: 8080,
      LOG_LEVEL: 'debug',
      PUBLIC_URL: 'https://portal.example.com',
      BETTER_AUTH_SECRET: 'x'.repeat(32),
      MLC_ENCRYPTION_KEY: 'k'.repeat(44),
      SANDBOX_MODE: false,
    });
  });

  it('treats an empty DATABASE_URL as unset (embedded PostgreSQL)', () => {
    expect(parseEnv({ DATABASE_URL: '' }).DATABASE_URL).toBeUndefined();
  });

  it('requires the auth secret and the vault key in a deployment, not in a local production run', () => {
    const deployed = () => parseEnv({ NODE_ENV: 'production', PUBLIC_URL: 'https://portal.example.com' });
    expect(deployed).toThrow(/BETTER_AUTH_SECRET: required in production/);
    expect(deployed).toThrow(/MLC_ENCRYPTION_KEY: required in production/);
    const local = parseEnv({ NODE_ENV: 'production' });
    expect(isDeployed(local)).toBe(false);
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
