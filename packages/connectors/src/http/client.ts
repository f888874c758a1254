import { randomUUID } from 'node:crypto';
import { type Logger, withContext } from '@mlc/logger';
import type { z } from 'zod';
import { type Clock, sleepUntil, systemClock } from '../core/clock';
import { ConnectorError, isConnectorError } from '../core/errors';
import { BudgetRegistry, type Priority } from './budget';
import { errorFromNetwork, errorFromResponse, schemaMismatch } from './errors';
import { describeUrl, type HostGuard } from './guard';
import { isConnectPhaseError, OriginPools } from './pools';
import { backoffDelay, defaultRetryPolicy, isIdempotent, parseRetryAfter, type RetryPolicy } from './retry';

/**
 * The HTTP client every connector uses (`ctx.http`). One per connection: its per-origin pools and
 * its per-host throttle budgets are shared by every flow of that connection.
 *
 * For each request: the URL passes the host guard; a bearer token for the host is attached; the
 * host's budget grants a slot (by priority); the request carries a request id
 * (`x-ms-client-request-id` and `client-request-id`, the same on every attempt). Then:
 * - 2xx: the body is parsed as JSON and, when a schema is given, checked with it (`schema_mismatch`).
 * - 429: the whole host budget pauses until `Retry-After` has passed (never less, no jitter that
 *   could shorten it), then the request is sent again, up to `maxThrottleRetries`.
 * - 5xx and network errors: exponential backoff with jitter, for idempotent requests only; a POST
 *   is resent only when it provably never left (the connection could not be opened). A POST whose
 *   outcome is unknown fails with `outcome_unknown`.
 * - 401 once: the token is refreshed and the request sent again (a 401 is never applied).
 * - Anything else: a `ConnectorError` keeping the upstream code and message.
 * Logs carry method, host, path (no query), status, timing, attempt and request id; never headers
 * or bodies.
 */
export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface TokenRequestOptions {
  /**
   * A new token, not the cached one: the host refused the last one (401). `rejectedAt` (epoch ms)
   * is when that refusal arrived: a token request that began before it may bring a token the host
   * refuses too, so only one begun since then is shared.
   */
  forceRefresh?: boolean;
  rejectedAt?: number;
  signal?: AbortSignal;
}

export interface AccessTokenSource {
  /** A bearer token for `resource` (an origin such as `https://org.crm.dynamics.com`). */
  getToken(resource: string, options?: TokenRequestOptions): Promise<{ token: string }>;
}

export interface HttpTimeouts {
  /** Opening the connection (DNS + TCP + TLS); default 10 s. */
  connectMs: number;
  /** Waiting for the response headers once the host has answered before; default 60 s. */
  headersMs: number;
  /**
   * Waiting for the response headers of the first call to a host (until it has answered once): an
   * F&O environment whose metadata cache is cold can take minutes; default 120 s.
   */
  firstCallHeadersMs: number;
  /** Silence between two chunks of a response body; default 120 s. */
  bodyMs: number;
  /** Idle keep-alive connections are closed after this; default 30 s. */
  keepAliveMs: number;
}

export const defaultTimeouts: HttpTimeouts = {
  connectMs: 10_000,
  headersMs: 60_000,
  firstCallHeadersMs: 120_000,
  bodyMs: 120_000,
  keepAliveMs: 30_000,
};

export interface HttpClientOptions {
  guard: HostGuard;
  logger: Logger;
  clock?: Clock;
  /** Attaches `Authorization: Bearer` to every request unless the request says `auth: false`. */
  tokens?: AccessTokenSource;
  /** Share one registry between clients to share the host budgets. */
  budgets?: BudgetRegistry;
  timeouts?: Partial<HttpTimeouts>;
  retry?: Partial<RetryPolicy>;
  /** Connections per origin; default 16 (the budget decides how many are busy). */
  connectionsPerOrigin?: number;
  /** Source of jitter, `Math.random` by default. */
  random?: () => number;
  userAgent?: string;
  /**
   * Told of every request once, before its first attempt, after the host guard accepted the URL
   * (never of its headers or body): e.g. the connectors' test harness records which calls a run
   * makes for the contract tests' coverage gate.
   */
  onRequest?: (request: { method: HttpMethod; url: URL }) => void;
}

export interface HttpRequest<T = unknown> {
  method: HttpMethod;
  url: string | URL;
  headers?: Record<string, string>;
  /** Sent as JSON with `Content-Type: application/json`. */
  json?: unknown;
  body?: string | Uint8Array;
  /** Checks the 2xx body; a body that does not fit fails with `schema_mismatch`. */
  schema?: z.ZodType<T>;
  /** Default `normal`. */
  priority?: Priority;
  /** Overrides the method-based rule, e.g. `true` for an upsert by alternate key sent as POST. */
  idempotent?: boolean;
  /** Default: true when the client has a token source. */
  auth?: boolean;
  signal?: AbortSignal;
  /** Overrides the headers timeout of this request. */
  headersTimeoutMs?: number;
  /** Default: a new UUID. */
  requestId?: string;
  /**
   * 4xx statuses (other than 401 and 429, which keep their handling) returned as a response
   * instead of thrown, with the body unchecked: e.g. a Dataverse `$batch` answers 400 with a
   * multipart body that says which part failed.
   */
  acceptStatuses?: readonly number[];
}

export interface HttpResponse<T = unknown> {
  status: number;
  headers: Record<string, string>;
  /** Parsed JSON (checked with the schema when one was given), text, or `undefined` when empty. */
  body: T;
  requestId: string;
  attempts: number;
  durationMs: number;
}

export interface WarmUpResult {
  status: number;
  durationMs: number;
}

export interface HttpClient {
  request<T = unknown>(request: HttpRequest<T>): Promise<HttpResponse<T>>;
  /**
   * Cold start: a first GET with the long first-call timeout, so that the first real request
   * finds the host warm. Call it when a connection starts (F&O `GET /data/...`).
   */
  warmUp(url: string | URL, options?: { priority?: Priority; signal?: AbortSignal }): Promise<WarmUpResult>;
  /**
   * Gets (or reuses) the bearer token for the URL's host without calling the host: the token
   * check of a ping. Throws what the token source throws (`auth_failed` with the AADSTS code).
   */
  authenticate(url: string | URL, options?: { signal?: AbortSignal }): Promise<void>;
  /** Whether the origin has answered at least once (normal timeouts apply from then on). */
  isWarm(origin: string): boolean;
  readonly budgets: BudgetRegistry;
  close(): Promise<void>;
}

type Attempt =
  | { kind: 'response'; status: number; headers: Record<string, string>; text: string; receivedAt: number }
  | { kind: 'error'; error: unknown; phase: 'connect' | 'sent' };

export function createHttpClient(options: HttpClientOptions): HttpClient {
  const clock = options.clock ?? systemClock;
  const timeouts: HttpTimeouts = { ...defaultTimeouts, ...options.timeouts };
  const policy: RetryPolicy = { ...defaultRetryPolicy, ...options.retry };
  const random = options.random ?? Math.random;
  const budgets = options.budgets ?? new BudgetRegistry({}, clock);
  const logger = withContext(options.logger, { component: 'http' });
  const userAgent = options.userAgent ?? 'ml-connector';
  const pools = new OriginPools(options.guard, {
    connectTimeoutMs: timeouts.connectMs,
    headersTimeoutMs: timeouts.headersMs,
    bodyTimeoutMs: timeouts.bodyMs,
    keepAliveTimeoutMs: timeouts.keepAliveMs,
    connections: options.connectionsPerOrigin ?? 16,
  });
  const warmOrigins = new Set<string>();

  async function request<T>(req: HttpRequest<T>): Promise<HttpResponse<T>> {
    const url = options.guard.check(req.url, 'environment');
    options.onRequest?.({ method: req.method, url: new URL(url.href) });
    const shownUrl = describeUrl(url);
    const requestId = req.requestId ?? randomUUID();
    const method = req.method;
    const baseHeaders = lowerCaseKeys(req.headers ?? {});
    const idempotent = isIdempotent(method, baseHeaders, req.idempotent);
    const useAuth = req.auth ?? options.tokens !== undefined;
    const body = req.json === undefined ? req.body : JSON.stringify(req.json);
    if (req.json !== undefined && !baseHeaders['content-type']) {
      baseHeaders['content-type'] = 'application/json; charset=utf-8';
    }
    const budget = budgets.forHost(url.host);
    const log = withContext(logger, { requestId, method, host: url.host, path: url.pathname });
    const started = clock.now();

    let attempts = 0;
    let throttleRetries = 0;
    let errorRetries = 0;
    let refreshToken = false;
    let rejectedAt: number | undefined;
    let notBefore = 0;
    for (;;) {
      attempts++;
      const headers: Record<string, string> = {
        accept: 'application/json',
        'user-agent': userAgent,
        ...baseHeaders,
        'x-ms-client-request-id': requestId,
        'client-request-id': requestId,
      };
      if (useAuth) {
        if (!options.tokens) {
          throw new ConnectorError(
            'invalid_config',
            `${method} ${shownUrl}: no token source to authenticate with.`,
          );
        }
        const { token } = await options.tokens.getToken(url.origin, {
          forceRefresh: refreshToken,
          ...(rejectedAt === undefined ? {} : { rejectedAt }),
          ...(req.signal ? { signal: req.signal } : {}),
        });
        headers['authorization'] = `Bearer ${token}`;
      }

      const lease = await budget.acquire(req.priority ?? 'normal', req.signal);
      const attemptStarted = clock.now();
      let attempt: Attempt | undefined;
      try {
        // The budget already held this request until the pause ended; this only matters for a
        // budget whose pause another clock decided.
        await sleepUntil(clock, notBefore, req.signal);
        attempt = await send(url, method, headers, body, req);
        if (attempt.kind === 'response') budget.observe(attempt.headers);
        // Pause the host before giving the slot back: released first, the slot would go to the
        // next queued request, which would reach the host inside the Retry-After window.
        if (attempt.kind === 'response' && attempt.status === 429) {
          budget.pauseUntil(attempt.receivedAt + throttleWaitMs(attempt, policy));
        }
      } finally {
        lease.release(
          attempt?.kind !== 'response' ? undefined : attempt.status === 429 ? 'throttled' : 'answered',
        );
      }
      const durationMs = clock.now() - attemptStarted;

      if (attempt.kind === 'error') {
        if (req.signal?.aborted) throw req.signal.reason;
        if (isConnectorError(attempt.error)) throw attempt.error;
        const error = errorFromNetwork(attempt.error, { method, shownUrl, phase: attempt.phase, idempotent });
        const mayResend = attempt.phase === 'connect' || idempotent;
        log.warn(
          { attempt: attempts, durationMs, phase: attempt.phase, code: error.code, err: attempt.error },
          'http error',
        );
        if (error.code === 'upstream_unavailable' && mayResend && errorRetries < policy.maxErrorRetries) {
          await clock.sleep(backoffDelay(errorRetries++, policy, random), req.signal);
          continue;
        }
        throw error;
      }

      const { status } = attempt;
      log.debug({ attempt: attempts, status, durationMs }, 'http response');
      if (status >= 200 && status < 300) {
        return {
          status,
          headers: attempt.headers,
          body: parseBody(attempt, req.schema, `${method} ${shownUrl}`),
          requestId,
          attempts,
          durationMs: clock.now() - started,
        };
      }

      if (status === 401 && useAuth && !refreshToken) {
        log.info({ attempt: attempts }, 'http 401: refreshing the token once');
        refreshToken = true;
        rejectedAt = attempt.receivedAt;
        continue;
      }

      if (
        req.acceptStatuses?.includes(status) &&
        status >= 400 &&
        status < 500 &&
        status !== 401 &&
        status !== 429
      ) {
        return {
          status,
          headers: attempt.headers,
          body: parseBody(attempt, undefined, `${method} ${shownUrl}`) as T,
          requestId,
          attempts,
          durationMs: clock.now() - started,
        };
      }

      if (status === 429) {
        const waitMs = throttleWaitMs(attempt, policy);
        const resumeAt = attempt.receivedAt + waitMs;
        if (throttleRetries >= policy.maxThrottleRetries || waitMs > policy.maxRetryAfterSeconds * 1000) {
          throw errorFromResponse({
            ...attempt,
            bodyText: attempt.text,
            method,
            shownUrl,
            retryAfterSeconds: Math.ceil(waitMs / 1000),
          });
        }
        throttleRetries++;
        log.warn(
          { attempt: attempts, waitMs, resumeAt: new Date(resumeAt).toISOString() },
          'http 429: waiting',
        );
        // Queue again right away: the paused budget holds every flow (this one included) until
        // resumeAt, and then grants by priority, so a live request keeps its place.
        notBefore = resumeAt;
        continue;
      }

      const error = errorFromResponse({ ...attempt, bodyText: attempt.text, method, shownUrl });
      if (
        status >= 500 &&
        error.code === 'upstream_unavailable' &&
        idempotent &&
        errorRetries < policy.maxErrorRetries
      ) {
        const retryAfter = parseRetryAfter(
          attempt.headers['retry-after'],
          attempt.receivedAt,
          attempt.headers['date'],
        );
        const wait = Math.max(backoffDelay(errorRetries++, policy, random), retryAfter ?? 0);
        log.warn({ attempt: attempts, status, waitMs: wait }, 'http 5xx: backing off');
        await sleepUntil(clock, attempt.receivedAt + wait, req.signal);
        continue;
      }
      log.info(
        { attempt: attempts, status, code: error.code, upstream: error.upstream },
        'http request failed',
      );
      throw error;
    }
  }

  async function send(
    url: URL,
    method: HttpMethod,
    headers: Record<string, string>,
    body: string | Uint8Array | undefined,
    req: HttpRequest<unknown>,
  ): Promise<Attempt> {
    const pool = pools.get(url.origin);
    const headersTimeout =
      req.headersTimeoutMs ??
      (warmOrigins.has(url.origin) ? timeouts.headersMs : timeouts.firstCallHeadersMs);
    try {
      const response = await pool.request({
        path: `${url.pathname}${url.search}`,
        method,
        headers,
        ...(body === undefined ? {} : { body }),
        ...(req.signal ? { signal: req.signal } : {}),
        headersTimeout,
      });
      if (response.statusCode < 500) warmOrigins.add(url.origin);
      try {
        const text = await response.body.text();
        // undici marks the connection free again one turn later; without this pause the caller's
        // next request would find it busy and open another connection.
        await new Promise<void>((resolve) => setImmediate(resolve));
        return {
          kind: 'response',
          status: response.statusCode,
          headers: flattenHeaders(response.headers),
          text,
          receivedAt: clock.now(),
        };
      } catch (error) {
        return { kind: 'error', error, phase: 'sent' };
      }
    } catch (error) {
      return { kind: 'error', error, phase: isConnectPhaseError(error) ? 'connect' : 'sent' };
    }
  }

  return {
    request,
    async warmUp(url, warmOptions = {}) {
      const response = await request({
        method: 'GET',
        url,
        priority: warmOptions.priority ?? 'live',
        headersTimeoutMs: timeouts.firstCallHeadersMs,
        ...(warmOptions.signal ? { signal: warmOptions.signal } : {}),
      });
      return { status: response.status, durationMs: response.durationMs };
    },
    async authenticate(target, authOptions = {}) {
      const url = options.guard.check(target, 'environment');
      if (!options.tokens) {
        throw new ConnectorError(
          'invalid_config',
          `${describeUrl(url)}: no token source to authenticate with.`,
        );
      }
      await options.tokens.getToken(url.origin, authOptions.signal ? { signal: authOptions.signal } : {});
    },
    isWarm: (origin) => warmOrigins.has(origin),
    budgets,
    close: () => pools.close(),
  };
}

/** How long a 429 asks us to wait: `Retry-After`, else the policy's default. */
function throttleWaitMs(
  attempt: { headers: Record<string, string>; receivedAt: number },
  policy: RetryPolicy,
): number {
  return (
    parseRetryAfter(attempt.headers['retry-after'], attempt.receivedAt, attempt.headers['date']) ??
    policy.defaultRetryAfterSeconds * 1000
  );
}

function parseBody<T>(
  attempt: { status: number; headers: Record<string, string>; text: string },
  schema: z.ZodType<T> | undefined,
  what: string,
): T {
  let value: unknown;
  const contentType = attempt.headers['content-type'] ?? '';
  if (attempt.text.length === 0) value = undefined;
  else if (/\bjson\b/i.test(contentType)) {
    try {
      value = JSON.parse(attempt.text);
    } catch (error) {
      throw new ConnectorError(
        'schema_mismatch',
        `${what} answered ${attempt.status} with a body that is not JSON.`,
        {
          cause: error,
          upstream: { status: attempt.status },
        },
      );
    }
  } else value = attempt.text;
  if (!schema) return value as T;
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw schemaMismatch(`The response to ${what}`, parsed.error);
  return parsed.data;
}

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) out[name.toLowerCase()] = value;
  return out;
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}
