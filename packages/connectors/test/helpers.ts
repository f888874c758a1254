import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { createLogger, type Logger } from '@mlc/logger';
import { afterEach, inject } from 'vitest';
import { createHostGuard, createHttpClient, type HttpClient, type HttpClientOptions } from '../src/index';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  /** Date.now() when the request head arrived. */
  at: number;
  /** Index of the TLS connection it came on. */
  connection: number;
}

export interface TestServer {
  origin: string;
  url(path: string): string;
  requests: ReceivedRequest[];
  /** TCP connections accepted. */
  connections: number;
  server: Server;
  close(): Promise<void>;
}

export type Handler = (
  req: IncomingMessage,
  res: ServerResponse,
  received: ReceivedRequest,
  index: number,
) => void;

/** An HTTPS server on 127.0.0.1, port 0, with the test CA's certificate (or the other CA's). */
export async function startServer(
  handler: Handler,
  options: { cert?: 'main' | 'other' } = {},
): Promise<TestServer> {
  const tls = inject('tls');
  const other = options.cert === 'other';
  const requests: ReceivedRequest[] = [];
  let connections = 0;
  const sockets = new Set<Duplex>();
  const connectionIds = new WeakMap<object, number>();
  const server = createServer({
    cert: other ? tls.otherCertPem : tls.certPem,
    key: other ? tls.otherKeyPem : tls.keyPem,
    keepAliveTimeout: 30_000,
  });
  server.on('connection', (socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('secureConnection', (socket) => connectionIds.set(socket, connections));
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const at = Date.now();
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const received: ReceivedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at,
        connection: connectionIds.get(req.socket) ?? -1,
      };
      requests.push(received);
      handler(req, res, received, requests.length - 1);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `https://127.0.0.1:${port}`;
  return {
    origin,
    url: (path) => `${origin}${path}`,
    requests,
    get connections() {
      return connections;
    },
    server,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

export function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; odata.metadata=minimal', ...headers });
  res.end(text);
}

/** A logger whose lines the test can read. */
export function memoryLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const logger = createLogger({
    name: 'connectors-test',
    level: 'debug',
    destination: { write: (line: string) => void lines.push(line) },
  });
  return { logger, lines };
}

/** A client in sandbox mode for the given test servers (trusting the test CA for them only). */
export function sandboxClient(
  origins: string[],
  options: Partial<HttpClientOptions> = {},
): { client: HttpClient; lines: string[] } {
  const { logger, lines } = memoryLogger();
  const client = createHttpClient({
    guard: createHostGuard({ sandbox: { origins, caPem: inject('tls').caPem } }),
    logger,
    retry: { baseDelayMs: 20, maxDelayMs: 100 },
    ...options,
  });
  return { client, lines };
}

export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

/**
 * Servers and clients for one test file, closed after each test:
 * `const { server, client } = useTestServers();`
 */
export function useTestServers(): {
  server: (...args: Parameters<typeof startServer>) => Promise<TestServer>;
  client: (
    origins: string[],
    options?: Partial<HttpClientOptions>,
  ) => { client: HttpClient; lines: string[] };
} {
  const servers: TestServer[] = [];
  const clients: HttpClient[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  return {
    server: async (...args) => {
      const started = await startServer(...args);
      servers.push(started);
      return started;
    },
    client: (origins, options = {}) => {
      const made = sandboxClient(origins, options);
      clients.push(made.client);
      return made;
    },
  };
}
