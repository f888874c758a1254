import { describe, expect, it } from 'vitest';
import { ConnectorError, connectorErrorCodes, isConnectorError } from './errors';

describe('ConnectorError', () => {
  it('derives kind and retryable from the code', () => {
    const throttled = new ConnectorError('throttled', 'Dataverse asked us to slow down', {
      retryAfterSeconds: 7,
    });
    expect(throttled).toMatchObject({ kind: 'system', retryable: true, retryAfterSeconds: 7 });
    const missing = new ConnectorError('app_user_missing', 'not an application user');
    expect(missing).toMatchObject({ kind: 'configuration', retryable: false });
    expect(isConnectorError(missing)).toBe(true);
    expect(isConnectorError(new Error('x'))).toBe(false);
  });

  it('keeps the upstream message verbatim and serialises without the cause', () => {
    const error = new ConnectorError('validation_failed', 'F&O refused the customer', {
      upstream: { status: 400, message: 'Customer group US99 does not exist.' },
      remedy: 'Create the customer group in F&O or change the default group.',
      cause: new Error('socket detail'),
    });
    expect(error.toJSON()).toEqual({
      code: 'validation_failed',
      kind: 'system',
      retryable: false,
      message: 'F&O refused the customer',
      upstream: { status: 400, message: 'Customer group US99 does not exist.' },
      remedy: 'Create the customer group in F&O or change the default group.',
    });
    expect(error.cause).toBeInstanceOf(Error);
  });

  it('classifies every code', () => {
    for (const [code, meta] of Object.entries(connectorErrorCodes)) {
      const error = new ConnectorError(code as keyof typeof connectorErrorCodes, code);
      expect([error.kind, error.retryable]).toEqual([meta.kind, meta.retryable]);
    }
  });
});
