import type { Logger } from '@mlc/logger';

/**
 * Postgres errors that mean "the connection went away" (server restarted, backend terminated,
 * too many clients, network): SQLSTATE classes 08 and 57P0x, and 53300. pg-boss and the pools
 * reconnect by themselves; such an error escaping as an unhandled rejection must not end the
 * worker (its jobs would wait for their expiry on another worker).
 */
export function isConnectionLoss(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  if (typeof code === 'string') {
    if (code.startsWith('08') || /^57P0[1-3]$/.test(code) || code === '53300') return true;
    if (['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT'].includes(code)) return true;
  }
  const message = error instanceof Error ? error.message : '';
  return /Connection terminated|terminating connection|Client has encountered a connection error/i.test(
    message,
  );
}

/**
 * For a worker process (not for code embedded in another host, e.g. a test runner): a lost
 * database connection that surfaces as an unhandled rejection is logged and survived; any other
 * unhandled rejection is a defect: logged, then the process exits non-zero so it is restarted.
 */
export function guardWorkerProcess(logger: Logger): void {
  process.on('unhandledRejection', (reason) => {
    if (isConnectionLoss(reason)) {
      logger.warn({ err: reason }, 'database connection lost: the queue and the pools reconnect');
      return;
    }
    logger.fatal({ err: reason }, 'unhandled rejection: stopping the worker');
    process.exit(1);
  });
}
