import { createLogger, type Logger } from '@mlc/logger';
import { env } from '../env';

const store = globalThis as typeof globalThis & { __mlcPortalLogger?: Logger };

/** The portal's process logger, shared by every bundle Next builds (instrumentation, routes, pages). */
store.__mlcPortalLogger ??= createLogger({ name: 'portal', level: env.LOG_LEVEL });
export const logger: Logger = store.__mlcPortalLogger;
