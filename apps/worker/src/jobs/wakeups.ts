import { createDbClient, type DbClient } from '@mlc/db';
import type { Logger } from '@mlc/logger';
import type { JobName } from './catalog';

/**
 * Cross-process wake-ups: a job queued by another process (the portal's webhook intake, a replay)
 * would otherwise wait for the next poll of pg-boss (every 0.5 s at best). Every queue sends a
 * Postgres `NOTIFY` on `JOBS_CHANNEL` with the job's kind when it queues a job that is due at
 * once; each worker process `LISTEN`s on its own connection and wakes one idle poller of that kind.
 * A lost notification costs nothing but the wait for the next poll.
 */
export const JOBS_CHANNEL = 'mlc_jobs';

export function listenForJobs(
  deps: { pool: DbClient['pool']; logger: Logger; signal: AbortSignal },
  wake: (name: JobName) => void,
): void {
  const { logger, signal } = deps;
  const connectionString = deps.pool.options.connectionString;
  if (!connectionString || signal.aborted) return;
  const listen = async () => {
    const db = createDbClient(connectionString, { max: 1, applicationName: 'ml-connector-wakeups' });
    const stop = () => void db.close().catch(() => undefined);
    try {
      const client = await db.pool.connect();
      client.on('notification', (message) => {
        if (message.channel === JOBS_CHANNEL && message.payload) wake(message.payload as JobName);
      });
      client.on('error', (error) => {
        logger.warn({ err: error }, 'job wake-ups: connection lost; polling only until it is back');
        client.release(error);
        signal.removeEventListener('abort', stop);
        stop();
        if (!signal.aborted) setTimeout(() => void listen(), 5_000).unref();
      });
      await client.query(`listen ${JOBS_CHANNEL}`);
      signal.addEventListener(
        'abort',
        () => {
          client.release();
          stop();
        },
        { once: true },
      );
      if (signal.aborted) {
        client.release();
        stop();
      }
    } catch (error) {
      logger.warn({ err: error }, 'job wake-ups: cannot listen; polling only');
      stop();
    }
  };
  void listen();
}
