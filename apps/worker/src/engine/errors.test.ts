import { describe, expect, it } from 'vitest';
import { classifyFailure } from './errors';

/** What node-postgres throws for a server error: a `code` (SQLSTATE) and a `severity`. */
const pgError = (code: string, message: string) =>
  Object.assign(new Error(message), { code, severity: 'FATAL' });

describe('classifyFailure', () => {
  it('retries our database refusing work for now, also when drizzle wraps the error', () => {
    const wrapped = new Error('Failed query: update "sync_records" …', {
      cause: pgError('53300', 'sorry, too many clients already'),
    });
    expect(classifyFailure(wrapped)).toMatchObject({ code: 'database_unavailable', retryable: true });
    expect(classifyFailure(pgError('40P01', 'deadlock detected'))).toMatchObject({ retryable: true });
  });

  it('keeps other failures as they are: a database error that is ours to fix, a connector refusal, a defect', () => {
    expect(classifyFailure(pgError('23505', 'duplicate key value'))).toMatchObject({
      code: '23505',
      retryable: false,
    });
    expect(
      classifyFailure({ code: 'validation_failed', message: 'F&O refused line 2', retryable: false }),
    ).toMatchObject({ code: 'validation_failed', retryable: false });
    expect(classifyFailure(new Error('boom'))).toMatchObject({ code: 'internal_error', retryable: false });
  });
});
