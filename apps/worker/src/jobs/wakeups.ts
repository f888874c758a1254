import { createDbClient, type DbClient } from '@mlc/db';
import type { Logger } from '@mlc/logger';
import type { JobName } from './catalog';

/**
 * Cross-process wake-ups: a job queued by another process (the portal's webhook intake, a replay)
 * would otherwise wait for the next poll of pg-boss. Every queue sends a Postgres `NOTIFY` on
 * `JOBS_CHANNEL` with the job's kind when it queues a job that is due at once; each worker
 * process `LISTEN`s on its own connection and wakes one idle poller of that kind. A lost
 * notification costs nothing but the wait for the next poll.
 */
export const JOBS_CHANNEL = 'mlc_jobs';

export interface ListenOptions {
  /** More channels to listen on, each with what to do with a notification's payload. */
  channels?: Record<string, (payload: string) => void>;
  /**
   * `true` once every channel is listened to, `false` when the connection is lost (notifications
   * sent meanwhile are missed) or the listener stops.
   */
  onLive?: (live: boolean) => void;
}

export function listenForJobs(
  deps: { pool: DbClient['pool']; logger: Logger; signal: AbortSignal },
  wake: (name: JobName) => void,
  options: ListenOptions = {},
): void {
  const { logger, signal } = deps;
  const connectionString = deps.pool.options.connectionString;
  if (!connectionString || signal.aborted) return;
  const handlers: Record<string, (payload: string) => void> = {
    ...options.channels,
    [JOBS_CHANNEL]: (payload) => wake(payload as JobName),
  };
  const live = (value: boolean) => options.onLive?.(value);
  const listen = async () => {
    const db = createDbClient(connectionString, { max: 1, applicationName: 'ml-connector-wakeups' });
    const stop = () => void db.close().catch(() => undefined);
    try {
      const client = await db.pool.connect();
      client.on('notification', (message) => {
        if (message.payload) handlers[message.channel]?.(message.payload);
      });
      client.on('error', (error) => {
        live(false);
        logger.warn({ err: error }, 'job wake-ups: connection lost; polling only until it is back');
        client.release(error);
        signal.removeEventListener('abort', stop);
        stop();
        if (!signal.aborted) setTimeout(() => void listen(), 5_000).unref();
      });
      for (const channel of Object.keys(handlers)) {
        if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`"${channel}" is not a channel name`);
        await client.query(`listen ${channel}`);
      }
      signal.addEventListener(
        'abort',
        () => {
          live(false);
          client.release();
          stop();
        },
        { once: true },
      );
      if (signal.aborted) {
        client.release();
        stop();
        return;
      }
      live(true);
    } catch (error) {
      live(false);
      logger.warn({ err: error }, 'job wake-ups: cannot listen; polling only');
      stop();
    }
  };
  void listen();
}
