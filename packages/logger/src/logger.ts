import { randomUUID } from 'node:crypto';
import pino, { type DestinationStream, type Logger as PinoLogger } from 'pino';
import { redact } from './redact';

export type Logger = PinoLogger;

export interface CreateLoggerOptions {
  /** Process or component name, e.g. `worker`, `portal`, `sandbox`. */
  name: string;
  /** Defaults to `info`. */
  level?: string;
  /** Correlation id of the process-level context; a fresh one is generated when omitted. */
  correlationId?: string;
  /** Where lines go; defaults to stdout. Tests pass a stream to read what was written. */
  destination?: DestinationStream;
}

/**
 * The one logger of every process: JSON lines, `name`, `correlationId` on every line, secrets
 * masked by key and by value pattern before anything is serialised.
 */
export function createLogger(options: CreateLoggerOptions): Logger {
  const logger = pino(
    {
      name: options.name,
      level: options.level ?? 'info',
      base: { name: options.name, pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      messageKey: 'msg',
      formatters: {
        level: (label) => ({ level: label }),
      },
      // Masking happens on the finished line so that it covers everything pino put in it:
      // message, merged object, serialised errors and the bindings of every child logger.
      hooks: { streamWrite: redactLine },
    },
    options.destination ?? pino.destination({ dest: 1, sync: false }),
  );
  const child = logger.child({ correlationId: options.correlationId ?? newCorrelationId() });
  roots.set(child, logger);
  return child;
}

/** The pino root behind each logger we hand out, so that context is merged instead of repeated. */
const roots = new WeakMap<Logger, Logger>();

export function newCorrelationId(): string {
  return randomUUID();
}

/** A child logger for one unit of work: a record, a job, an HTTP request. */
export function withContext(
  logger: Logger,
  context: { correlationId?: string; recordId?: string; [key: string]: unknown },
): Logger {
  const root = roots.get(logger);
  if (!root) return logger.child(context);
  const inherited = logger.bindings();
  for (const key of Object.keys(root.bindings())) delete inherited[key];
  const child = root.child({ ...inherited, ...context });
  roots.set(child, root);
  return child;
}

function redactLine(line: string): string {
  try {
    return `${JSON.stringify(redact(JSON.parse(line)))}\n`;
  } catch {
    return line;
  }
}
