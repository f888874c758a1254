import { Writable } from 'node:stream';
import { createLogger, type Logger } from '@mlc/logger';

/** A pino logger (the product's, with its redaction) whose every line is kept for the secret scan. */
export function capturingLogger(name: string, level = 'debug'): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return { logger: createLogger({ name, level, destination }), lines };
}
