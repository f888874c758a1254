// `npm run sandbox [-- --reset] [--state-dir <dir>]`: the simulators over HTTPS until Ctrl-C.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createLogger } from '@mlc/logger';
import { startCompleteSandbox } from './compose';
import { parseEnv } from './env';
import { defaultStateDir, findRepoRoot } from './host/state-dir';

const { values: args } = parseArgs({
  options: {
    reset: { type: 'boolean', default: false },
    'state-dir': { type: 'string' },
    products: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  process.stdout.write(
    'usage: npm run sandbox -- [--reset] [--state-dir <dir>] [--products <n>]\n' +
      '  --products: released products per F&O legal entity in the seed (default 2,000, up to 100,000);\n' +
      '              applies when the seed is built: first start or --reset\n' +
      '  ports: SANDBOX_ENTRA_PORT (4401), SANDBOX_DATAVERSE_PORT (4402), SANDBOX_FNO_PORT (4403)\n',
  );
  process.exit(0);
}

const env = parseEnv();
const logger = createLogger({ name: 'sandbox', level: env.LOG_LEVEL });
const stateDir = path.resolve(args['state-dir'] ?? defaultStateDir());
const products = args.products === undefined ? undefined : Number(args.products);
if (products !== undefined && !(Number.isInteger(products) && products >= 1 && products <= 100_000)) {
  process.stderr.write(`--products must be a whole number from 1 to 100000, got "${args.products}"\n`);
  process.exit(2);
}

try {
  const { sandbox } = await startCompleteSandbox({
    stateDir,
    reset: args.reset,
    logger,
    ports: {
      entra: env.SANDBOX_ENTRA_PORT,
      dataverse: env.SANDBOX_DATAVERSE_PORT,
      fno: env.SANDBOX_FNO_PORT,
    },
    ...(products === undefined ? {} : { products }),
  });

  const shutdown = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'shutdown requested');
    sandbox.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'unclean shutdown');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);

  const descriptor = displayPath(sandbox.descriptorPath ?? '');
  process.stdout.write(
    `sandbox ready: entra ${sandbox.urls.entra}, dataverse ${sandbox.urls.dataverse}, fno ${sandbox.urls.fno} ` +
      `(descriptor: ${descriptor})\n`,
  );
} catch (error) {
  logger.fatal({ err: error }, 'sandbox failed to start');
  process.exitCode = 1;
}

/** Relative to the repo root when inside it (`.sandbox/sandbox.json`), absolute otherwise. */
function displayPath(file: string): string {
  const relative = path.relative(findRepoRoot(process.cwd()), file);
  return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
}
