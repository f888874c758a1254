import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { rootCertificates } from 'node:tls';

/** What one POST to an endpoint came to. */
export interface AttemptResult {
  ok: boolean;
  /** HTTP status when the receiver answered. */
  status?: number;
  /** Why it failed: `HTTP 500`, `timeout after 10000 ms`, `ECONNREFUSED …`. */
  error?: string;
}

export interface PostOptions {
  headers: Readonly<Record<string, string>>;
  timeoutMs: number;
  /** Extra CA certificates (PEM) trusted next to Node's roots, for https receivers. */
  caPem: string | undefined;
  signal: AbortSignal;
}

/** Loopback hosts, the only ones an `http:` endpoint may use (the sandbox's receivers). */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

/**
 * The URL rule of the sandbox's HTTPS endpoints: `https:` anywhere, `http:` only on loopback
 * (real F&O sends to HTTPS only; plain HTTP to 127.0.0.1/localhost/::1 is a sandbox convenience).
 * Returns the reason a URL is refused, or undefined.
 */
export function endpointUrlProblem(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `'${text}' is not an absolute URL`;
  }
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return undefined;
  if (url.protocol === 'http:') return 'http is accepted only for loopback receivers; use https';
  return `unsupported scheme ${url.protocol}`;
}

/**
 * One POST of a JSON payload: success is any 2xx answer; a timeout, a connection failure or any
 * other status is a failed attempt. The response body is read and discarded.
 */
export function postJson(url: string, body: string, options: PostOptions): Promise<AttemptResult> {
  if (options.signal.aborted) return Promise.resolve({ ok: false, error: 'delivery stopped' });
  return new Promise<AttemptResult>((resolve) => {
    let settled = false;
    const finish = (result: AttemptResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal.removeEventListener('abort', onAbort);
      resolve(result);
    };
    const target = new URL(url);
    const headers = {
      'Content-Type': 'application/json',
      'Content-Length': String(Buffer.byteLength(body)),
      ...options.headers,
    };
    const request =
      target.protocol === 'https:'
        ? httpsRequest(target, {
            method: 'POST',
            headers,
            agent: false,
            ...(options.caPem ? { ca: [...rootCertificates, options.caPem] } : {}),
          })
        : httpRequest(target, { method: 'POST', headers, agent: false });
    const timer = setTimeout(() => {
      request.destroy();
      finish({ ok: false, error: `timeout after ${options.timeoutMs} ms` });
    }, options.timeoutMs);
    const onAbort = (): void => {
      request.destroy();
      finish({ ok: false, error: 'delivery stopped' });
    };
    options.signal.addEventListener('abort', onAbort, { once: true });
    request.on('response', (response) => {
      const status = response.statusCode ?? 0;
      response.resume();
      response.on('end', () =>
        finish(
          status >= 200 && status < 300
            ? { ok: true, status }
            : { ok: false, status, error: `HTTP ${status}` },
        ),
      );
      response.on('error', (error) => finish({ ok: false, status, error: error.message }));
    });
    request.on('error', (error: NodeJS.ErrnoException) => {
      finish({ ok: false, error: error.code ? `${error.code}: ${error.message}` : error.message });
    });
    request.end(body);
  });
}
