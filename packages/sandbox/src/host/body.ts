import type { IncomingMessage } from 'node:http';

export const DEFAULT_BODY_LIMIT_BYTES = 16 * 1024 * 1024;

export class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError';
  constructor(readonly limitBytes: number) {
    super(`request body exceeds ${limitBytes} bytes`);
  }
}

/**
 * Reads the whole request body. Past `limitBytes` it keeps reading but discards, then rejects with
 * `BodyTooLargeError`: draining leaves the connection able to carry the 413 answer.
 */
export async function readBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > limitBytes) tooLarge = true;
    if (!tooLarge) chunks.push(buffer);
  }
  if (tooLarge) throw new BodyTooLargeError(limitBytes);
  return Buffer.concat(chunks);
}
