import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import { Agent, request } from 'undici';

/**
 * msal-node's network module for the sandbox authority: undici with the sandbox CA as the only
 * trusted root, and only for the sandbox's own origins (msal never reaches a real Microsoft host
 * through it). Production keeps msal's default client and the system CAs. Token requests and
 * responses are never logged.
 */
export interface SandboxNetworkClient extends INetworkModule {
  close(): Promise<void>;
}

export function createSandboxNetworkClient(options: {
  caPem: string;
  allowedOrigins: readonly string[];
  timeoutMs?: number;
}): SandboxNetworkClient {
  const agent = new Agent({ connect: { ca: options.caPem }, keepAliveTimeout: 10_000 });
  const allowed = new Set(options.allowedOrigins);

  async function send<T>(
    method: 'GET' | 'POST',
    url: string,
    requestOptions: NetworkRequestOptions | undefined,
    timeout: number | undefined,
  ): Promise<NetworkResponse<T>> {
    const origin = new URL(url).origin;
    if (!allowed.has(origin)) {
      throw new Error(`The sandbox network client only reaches ${[...allowed].join(', ')}, not ${origin}.`);
    }
    const timeoutMs = timeout ?? options.timeoutMs ?? 30_000;
    const response = await request(url, {
      method,
      dispatcher: agent,
      headers: requestOptions?.headers ?? {},
      ...(method === 'POST' ? { body: requestOptions?.body ?? '' } : {}),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    const text = await response.body.text();
    let body: unknown;
    try {
      body = text.length === 0 ? {} : JSON.parse(text);
    } catch {
      throw new Error(
        `The authority at ${origin} answered HTTP ${response.statusCode} with a body that is not JSON.`,
      );
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(response.headers)) {
      if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
    }
    return { headers, body: body as T, status: response.statusCode };
  }

  return {
    sendGetRequestAsync: (url, requestOptions, timeout) => send('GET', url, requestOptions, timeout),
    sendPostRequestAsync: (url, requestOptions) => send('POST', url, requestOptions, undefined),
    close: () => agent.close(),
  };
}
