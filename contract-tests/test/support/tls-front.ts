import { createServer as createHttpServer, request as httpRequest, type Server } from 'node:http';
import { createServer as createHttpsServer, request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';

/**
 * A small forwarding front, used both ways round:
 * - consumer side, an HTTPS front for a Pact mock server. The connectors only talk HTTPS to allowed
 *   hosts; in sandbox mode they accept exact `https://127.0.0.1:<port>` origins whose certificate
 *   the sandbox CA issued. So the front listens on 127.0.0.1 with a server certificate of the
 *   sandbox CA and forwards every request, unchanged, to the plain-HTTP mock server of the running
 *   test (`retarget` per test; the front's origin, and so the connector's configuration, stays the
 *   same for a whole test file). Nothing in the connectors changes for the contract tests.
 * - provider side, a plain-HTTP front for the sandbox: Pact's verifier sends to it, and it forwards
 *   to the sandbox over HTTPS, trusting only the sandbox CA (the verifier's own proxy cannot be
 *   given a CA), with the `Host` header of the sandbox.
 */
export interface Front {
  origin: string;
  /**
   * Forwards to `url` from now on; requests whose path matches a route's `path` go to its `url`
   * instead (the `$batch` interactions live in their own V4 pact, so in their own mock server).
   */
  retarget(url: string, routes?: readonly { path: RegExp; url: string }[]): void;
  close(): Promise<void>;
}

export interface FrontOptions {
  /** Listen with TLS (this certificate); plain HTTP when omitted. */
  tls?: { certPem: string; keyPem: string };
  /** Trusted CA for an https target. */
  targetCaPem?: string;
  target?: string;
}

export async function startFront(options: FrontOptions): Promise<Front> {
  let fallback = options.target ? new URL(options.target) : undefined;
  let routes: readonly { path: RegExp; target: URL }[] = [];
  const sockets = new Set<Duplex>();
  const handler: Parameters<typeof createHttpServer>[1] = (req, res) => {
    const target = routes.find((route) => route.path.test(req.url ?? ''))?.target ?? fallback;
    if (!target) {
      res.writeHead(503, { 'content-type': 'text/plain' }).end('no server behind this front');
      return;
    }
    const secure = target.protocol === 'https:';
    const send = secure ? httpsRequest : httpRequest;
    const upstream = send(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: target.host },
        ...(secure && options.targetCaPem ? { ca: options.targetCaPem } : {}),
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', (error) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`front: ${error.message}`);
    });
    req.pipe(upstream);
  };
  const server: Server = options.tls
    ? (createHttpsServer(
        { cert: options.tls.certPem, key: options.tls.keyPem },
        handler,
      ) as unknown as Server)
    : createHttpServer(handler);
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    retarget(url, byPath = []) {
      fallback = new URL(url);
      routes = byPath.map((route) => ({ path: route.path, target: new URL(route.url) }));
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
