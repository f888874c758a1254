import http from 'node:http';
import https from 'node:https';
import { rootCertificates } from 'node:tls';
import { isLoopbackHost } from './registration';

/**
 * One webhook POST over `node:http`/`node:https` (no pooled agent: each delivery has its own
 * connection). Only the status code is read. TLS: the system CAs plus the `ca` option; receivers on
 * 127.0.0.1/localhost/::1 are trusted as they are (self-signed included) unless `trustLoopback`
 * is false.
 */

export interface PostOptions {
  timeoutMs: number;
  ca: readonly string[];
  trustLoopback: boolean;
}

export type PostResult = { kind: 'status'; status: number } | { kind: 'error'; message: string };

export interface PendingPost {
  result: Promise<PostResult>;
  abort(): void;
}

export function postWebhook(
  url: URL,
  body: Buffer,
  headers: Record<string, string>,
  options: PostOptions,
): PendingPost {
  const secure = url.protocol === 'https:';
  const requestHeaders = { ...headers, 'Content-Length': String(body.length) };
  let request: http.ClientRequest | undefined;
  let aborted = false;
  const result = new Promise<PostResult>((resolve) => {
    let settled = false;
    const settle = (value: PostResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(value);
    };
    const onResponse = (res: http.IncomingMessage) => {
      res.resume();
      res.on('error', () => undefined);
      settle({ kind: 'status', status: res.statusCode ?? 0 });
    };
    const common = { method: 'POST', headers: requestHeaders, agent: false as const };
    request = secure
      ? https.request(
          url,
          {
            ...common,
            ...(options.trustLoopback && isLoopbackHost(url.hostname)
              ? { rejectUnauthorized: false }
              : options.ca.length > 0
                ? { ca: [...rootCertificates, ...options.ca] }
                : {}),
          },
          onResponse,
        )
      : http.request(url, common, onResponse);
    const timer = setTimeout(() => {
      settle({ kind: 'error', message: `The request timed out after ${options.timeoutMs} ms.` });
      request?.destroy();
    }, options.timeoutMs);
    request.on('error', (error) => {
      settle({ kind: 'error', message: aborted ? 'The delivery was stopped.' : error.message });
    });
    request.end(body);
  });
  return {
    result,
    abort: () => {
      aborted = true;
      request?.destroy();
    },
  };
}
