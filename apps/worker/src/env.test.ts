import { describe, expect, it } from 'vitest';
import { parseEnv } from './env';

describe('parseEnv', () => {
  it('applies defaults', () => {
    expect(parseEnv({})).toMatchObject({
      WORKER_HEALTH_PORT: 3001,
      LOG_LEVEL: 'info',
      NODE_ENV: 'development',
    });
  });

  it('names every bad variable', () => {
    expect(() => parseEnv({ DATABASE_URL: 'nope', WORKER_HEALTH_PORT: 'x', LOG_LEVEL: 'loud' })).toThrow(
      /DATABASE_URL[\s\S]*WORKER_HEALTH_PORT[\s\S]*LOG_LEVEL/,
    );
  });
});
