/**
 * The worker as its own process, for the crash tests (`child-worker.ts` starts it): the real
 * `startWorker` on `DATABASE_URL`, secrets opened with `MLC_ENCRYPTION_KEY`, a health port the
 * system picks. Prints one `{"ready":…}` line on stdout once it runs; logs go to stderr (warn and
 * above unless `LOG_LEVEL` says otherwise). SIGTERM stops it cleanly; SIGKILL is what the tests
 * are about.
 */
import { createLogger } from '@mlc/logger';
import { guardWorkerProcess, startWorker } from '../src/index';

const databaseUrl = process.env['DATABASE_URL'];
const key = process.env['MLC_ENCRYPTION_KEY'];
if (!databaseUrl || !key) {
  process.stderr.write('worker-child: DATABASE_URL and MLC_ENCRYPTION_KEY are required\n');
  process.exit(2);
}
const logger = createLogger({
  name: `worker-child-${process.pid}`,
  level: (process.env['LOG_LEVEL'] as 'info' | 'warn' | undefined) ?? 'warn',
  destination: process.stderr,
});
guardWorkerProcess(logger);
const worker = await startWorker({
  databaseUrl,
  logger,
  health: { host: '127.0.0.1', port: 0 },
  encryption: { key },
  sync: {
    tickMs: Number(process.env['MLC_TEST_TICK_MS'] ?? 300),
    staleAfterSeconds: Number(process.env['MLC_TEST_STALE_AFTER_SECONDS'] ?? 3),
  },
});
process.stdout.write(`${JSON.stringify({ ready: { pid: process.pid, healthUrl: worker.healthUrl } })}\n`);
process.once('SIGTERM', () => {
  worker.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
