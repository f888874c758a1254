import { randomUUID } from 'node:crypto';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Logger, withContext } from '@mlc/logger';
import type { RequestContext, SimulatorService } from '../core/contracts';
import { markArrival } from './arrival';
import { BodyTooLargeError, readBody } from './body';
import { identifyClient } from './client-identity';
import { handleControl, isControlPath } from './control';
import { ANONYMOUS_CLIENT, parseRetryAfter, type RequestCounters } from './counters';
import { SandboxStartError } from './errors';
import type { FaultBodies } from './fault-bodies';
import { decideFault, type FaultStore } from './faults';
import { sandboxError, sendJson } from './http';

export interface ListenerOptions {
  service: SimulatorService;
  port: number;
  host: string;
  tls: { certPem: string; keyPem: string };
  faultBodies: FaultBodies;
  faults: FaultStore;
  counters: RequestCounters;
  logger: Logger;
  bodyLimitBytes: number;
  random: () => number;
  now: () => number;
}

export interface ServiceListener {
  /** `https://127.0.0.1:<port>` */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** One HTTPS server serving one simulator, with the control API, fault injection and counters. */
export async function listen(options: ListenerOptions): Promise<ServiceListener> {
  const server = createServer({ cert: options.tls.certPem, key: options.tls.keyPem }, (req, res) => {
    void serve(req, res, options);
  });
  const port = await bind(server, options);
  return {
    url: `https://${options.host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function bind(server: Server, options: ListenerOptions): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      reject(
        new SandboxStartError(
          error.code === 'EADDRINUSE'
            ? `port ${options.port} (${options.service.name}) is already in use`
            : `cannot listen on ${options.host}:${options.port} (${options.service.name}): ${error.message}`,
          { cause: error },
        ),
      );
    };
    server.once('error', onError);
    server.listen(options.port, options.host, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

async function serve(req: IncomingMessage, res: ServerResponse, options: ListenerOptions): Promise<void> {
  const { service, counters, now } = options;
  const arrivedAt = now();
  markArrival(req, arrivedAt);
  const requestId = randomUUID();
  const logger = withContext(options.logger, { requestId });
  const path = pathOf(req.url);
  let counted: RequestContext | undefined;
  try {
    let body: Buffer;
    try {
      body = await readBody(req, options.bodyLimitBytes);
    } catch (error) {
      if (!(error instanceof BodyTooLargeError)) throw error;
      logger.warn({ method: req.method, path, limitBytes: error.limitBytes }, 'request body too large');
      sendJson(res, 413, sandboxError('request_too_large', error.message));
      return;
    }

    if (isControlPath(path)) {
      await handleControl(path, req, body, res, {
        service,
        faults: options.faults,
        counters,
        now,
        logger,
      });
      return;
    }

    const ctx: RequestContext = { origin: originOf(req, options), requestId, logger };
    const clientId = identifyClient(req, body);
    if (clientId !== undefined) ctx.clientId = clientId;
    const entitySet = odataEntitySet(path);
    if (entitySet !== undefined) ctx.entitySet = entitySet;
    counters.arrival(ctx.clientId ?? ANONYMOUS_CLIENT, arrivedAt);
    watchRetryAfter(res, now, (seconds) =>
      counters.retryAfterSent(ctx.clientId ?? ANONYMOUS_CLIENT, seconds),
    );
    counted = ctx;
    res.on('close', () => {
      logger.debug(
        {
          method: req.method,
          path,
          status: res.writableFinished ? res.statusCode : undefined,
          clientId: ctx.clientId,
          entitySet: ctx.entitySet,
          durationMs: now() - arrivedAt,
        },
        'request',
      );
    });

    const { delayMs, action } = decideFault(options.faults.get(service.name), options.random);
    if (delayMs > 0) await sleep(delayMs);
    switch (action.kind) {
      case 'reset':
        logger.info({ method: req.method, path }, 'fault injected: connection reset');
        req.socket.destroy();
        return;
      case 'throttle': {
        logger.info(
          { method: req.method, path, retryAfter: action.retryAfterSeconds },
          'fault injected: 429',
        );
        const fault = options.faultBodies.tooManyRequests(action.retryAfterSeconds, ctx);
        res.writeHead(429, { ...fault.headers, 'Retry-After': String(action.retryAfterSeconds) });
        res.end(fault.body);
        return;
      }
      case 'server_error': {
        logger.info({ method: req.method, path, status: action.status }, 'fault injected: server error');
        const fault = options.faultBodies.serverError(action.status, ctx);
        res.writeHead(action.status, fault.headers);
        res.end(fault.body);
        return;
      }
      case 'none':
        break;
    }
    await service.handle(req, body, res, ctx);
  } catch (error) {
    logger.error({ err: error, method: req.method, path }, 'request failed in the sandbox');
    if (!res.headersSent) sendJson(res, 500, sandboxError('sandbox_internal_error', 'the sandbox failed'));
    else res.destroy();
  } finally {
    // Counted once the answer is written (the service has set clientId/entitySet by then), before
    // the event loop lets the client read it: a client that got its answer sees itself counted.
    if (counted)
      counters.record(counted.clientId ?? ANONYMOUS_CLIENT, req.method ?? 'GET', counted.entitySet);
  }
}

function pathOf(url: string | undefined): string {
  try {
    return new URL(url ?? '/', 'https://sandbox.invalid').pathname;
  } catch {
    return '/';
  }
}

/**
 * A first guess at the entity set, so that requests answered by an injected fault are counted under
 * it too: the segment after `/api/data/v9.x/` (Dataverse) or `/data/` (F&O), without its key or
 * function parentheses. The service overwrites it.
 */
export function odataEntitySet(path: string): string | undefined {
  const match = /^\/(?:api\/data\/v\d+(?:\.\d+)?|data)\/([^/(]+)/.exec(path);
  if (!match?.[1] || match[1].startsWith('$')) return undefined;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return match[1];
  }
}

const HOST_HEADER = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

/** Scheme, host and port the request came in on (its Host header), so links echo them. */
function originOf(req: IncomingMessage, options: ListenerOptions): string {
  const host = req.headers.host;
  if (host && HOST_HEADER.test(host)) return `https://${host}`;
  return `https://${options.host}:${req.socket.localPort ?? options.port}`;
}

/**
 * Calls `onRetryAfter` whenever this response goes out as 429 with a `Retry-After`, whoever wrote
 * it (the fault injector or the service). Node sends implicit headers through `writeHead` too.
 */
function watchRetryAfter(
  res: ServerResponse,
  now: () => number,
  onRetryAfter: (seconds: number) => void,
): void {
  const original = res.writeHead.bind(res) as (...args: unknown[]) => ServerResponse;
  const wrapped = (statusCode: number, ...rest: unknown[]): ServerResponse => {
    if (statusCode === 429) {
      const value = headerIn(rest, 'retry-after') ?? res.getHeader('retry-after');
      const seconds = parseRetryAfter(value, now());
      if (seconds !== undefined) onRetryAfter(seconds);
    }
    return original(statusCode, ...rest);
  };
  res.writeHead = wrapped as ServerResponse['writeHead'];
}

function headerIn(args: unknown[], name: string): unknown {
  for (const arg of args) {
    if (Array.isArray(arg)) {
      const flat = arg.flat() as unknown[];
      for (let i = 0; i + 1 < flat.length; i += 2) {
        if (String(flat[i]).toLowerCase() === name) return flat[i + 1];
      }
    } else if (arg && typeof arg === 'object') {
      for (const [key, value] of Object.entries(arg as OutgoingHttpHeaders)) {
        if (key.toLowerCase() === name) return value;
      }
    }
  }
  return undefined;
}
