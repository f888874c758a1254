// `npm run sandbox [-- --reset] [--state-dir <dir>]`: the simulators over HTTPS until Ctrl-C.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createLogger } from '@mlc/logger';
import type { SimulatorService } from './core/contracts';
import { createEntraService, createTokenVerifier, describeSandbox } from './entra';
import { parseEnv } from './env';
import { ServiceDirectory } from './host/directory';
import { FaultStore } from './host/faults';
import { sendJson } from './host/http';
import { startSandbox } from './host/sandbox';
import { defaultStateDir, findRepoRoot } from './host/state-dir';

const { values: args } = parseArgs({
  options: {
    reset: { type: 'boolean', default: false },
    'state-dir': { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  process.stdout.write(
    'usage: npm run sandbox -- [--reset] [--state-dir <dir>]\n' +
      '  ports: SANDBOX_ENTRA_PORT (4401), SANDBOX_DATAVERSE_PORT (4402), SANDBOX_FNO_PORT (4403)\n',
  );
  process.exit(0);
}

const env = parseEnv();
const logger = createLogger({ name: 'sandbox', level: env.LOG_LEVEL });
const stateDir = path.resolve(args['state-dir'] ?? defaultStateDir());

try {
  const faults = new FaultStore();
  const directory = new ServiceDirectory();
  const entra = await createEntraService({ stateDir, faults, directory });
  const verifier = createTokenVerifier({
    jwks: entra.jwks(),
    tenantId: entra.tenantId,
    faults,
    service: 'dataverse',
  });
  // TODO(integrator): replace with `createDataverseService({ stateDir, verifier, apps: entra.apps, faults, directory, logger })` from './dataverse/index'.
  const dataverse = temporaryDataverseStub(verifier);

  const sandbox = await startSandbox({
    stateDir,
    reset: args.reset,
    logger,
    faults,
    directory,
    services: [
      { service: entra, port: env.SANDBOX_ENTRA_PORT },
      { service: dataverse, port: env.SANDBOX_DATAVERSE_PORT },
    ],
    describe: (urls) => describeSandbox(entra, urls),
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
    `sandbox ready: entra ${sandbox.urls.entra}, dataverse ${sandbox.urls.dataverse} (descriptor: ${descriptor})\n`,
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

/**
 * Stand-in until the Dataverse simulator is wired: answers WhoAmI for a valid token so the whole
 * chain (Entra token, TLS, audience check) can be exercised. Everything else is 404.
 */
function temporaryDataverseStub(verifier: ReturnType<typeof createTokenVerifier>): SimulatorService {
  return {
    name: 'dataverse',
    async handle(req, _body, res, ctx) {
      const token = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '';
      try {
        const verified = await verifier.verify(token, ctx.origin);
        ctx.clientId = verified.appId;
      } catch {
        res.writeHead(401, { 'WWW-Authenticate': 'Bearer' }).end();
        return;
      }
      const pathname = new URL(req.url ?? '/', ctx.origin).pathname;
      if (/^\/api\/data\/v9\.2\/WhoAmI(\(\))?$/.test(pathname)) {
        ctx.entitySet = 'WhoAmI';
        sendJson(res, 200, { note: 'temporary stub until the Dataverse simulator is wired' });
        return;
      }
      sendJson(res, 404, { error: { code: '0x80060888', message: 'stub: not implemented' } });
    },
    async reset() {},
    async flush() {},
    async close() {},
  };
}
