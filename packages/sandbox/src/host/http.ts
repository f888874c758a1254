import type { ServerResponse } from 'node:http';

/** Writes a JSON response (the control API and the generic fallbacks use it). */
export function sendJson(
  res: ServerResponse,
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): void {
  const body = JSON.stringify(value);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(body)),
    ...headers,
  });
  res.end(body);
}

/** The error body of the sandbox's own (non-Microsoft) responses: control API, 413, crashes. */
export function sandboxError(code: string, message: string, details?: Record<string, unknown>): unknown {
  return { error: { code, message, ...details } };
}
