// `npm start`: the whole product with one command (database, worker, portal); Ctrl-C stops it all.
import path from 'node:path';
import { ensureDatabase, findProjectRoot, migrateDatabase } from '@mlc/db';
import { createLogger } from '@mlc/logger';
import { run } from './run';
import { productServices } from './services';
import { supervise } from './supervisor';

const root = findProjectRoot(path.dirname(new URL(import.meta.url).pathname));
const logger = createLogger({ name: 'launcher', level: process.env['LOG_LEVEL'] ?? 'info' });
const ports = {
  portal: Number(process.env['PORT'] ?? 3000),
  worker: Number(process.env['WORKER_HEALTH_PORT'] ?? 3001),
  sandboxEntra: Number(process.env['SANDBOX_ENTRA_PORT'] ?? 4401),
};

const database = await ensureDatabase({ databaseUrl: process.env['DATABASE_URL'], logger });
let exitCode = 0;
try {
  await migrateDatabase(database.url, logger);

  logger.info('building the portal (cached after the first start)');
  const built = await run(
    process.execPath,
    [
      path.join(root, 'node_modules', 'turbo', 'bin', 'turbo'),
      'run',
      'build',
      '--filter=@mlc/portal',
      '--output-logs=errors-only',
    ],
    { cwd: root, env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' } },
  );
  if (built !== 0) throw new Error(`the portal build failed (exit ${built})`);

  const services = supervise(productServices(root, database.url, ports), logger);
  const interrupted = new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  const outcome = await Promise.race([
    services.ready(180_000).then(() => 'ready' as const),
    services.firstExit.then(() => 'exited' as const),
    interrupted.then(() => 'interrupted' as const),
  ]).catch((error: unknown) => {
    logger.error({ err: error }, 'the product did not come up');
    return 'failed' as const;
  });

  if (outcome === 'ready') {
    const db = new URL(database.url);
    console.log(
      [
        '',
        'ml-connector is up',
        `  portal   http://localhost:${ports.portal}`,
        `  health   http://localhost:${ports.portal}/api/health`,
        `  worker   http://127.0.0.1:${ports.worker}/health`,
        `  sandbox  https://127.0.0.1:${ports.sandboxEntra} (simulators; descriptor in .sandbox/sandbox.json)`,
        `  database postgres://${db.host}${db.pathname}${process.env['DATABASE_URL'] ? '' : ' (embedded, data in .data/)'}`,
        'Press Ctrl-C to stop.',
        '',
      ].join('\n'),
    );
    const ended = await Promise.race([services.firstExit.then(() => 'exited' as const), interrupted]);
    if (ended === 'exited') exitCode = 1;
  } else if (outcome !== 'interrupted') {
    exitCode = 1;
  }
  await services.stop();
} catch (error) {
  logger.error({ err: error }, 'start failed');
  exitCode = 1;
} finally {
  await database.stop();
}
logger.info({ exitCode }, 'stopped');
process.exit(exitCode);
