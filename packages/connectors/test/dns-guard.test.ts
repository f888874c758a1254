import type { LookupFunction } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ConnectorError, createHostGuard, createHttpClient } from '../src/index';
import { memoryLogger, rejectionOf } from './helpers';

/** A resolver that answers every name with the given addresses, and records what it was asked. */
function fakeResolver(addresses: { address: string; family: number }[]): {
  lookup: LookupFunction;
  asked: string[];
} {
  const asked: string[] = [];
  const lookup: LookupFunction = (hostname, options, callback) => {
    asked.push(hostname);
    if (options.all) callback(null, addresses);
    else callback(null, addresses[0]?.address ?? '', addresses[0]?.family);
  };
  return { lookup, asked };
}

describe('DNS rebinding guard (production mode)', () => {
  for (const [label, addresses] of [
    ['a private address (10.0.0.1)', [{ address: '10.0.0.1', family: 4 }]],
    ['loopback (127.0.0.1)', [{ address: '127.0.0.1', family: 4 }]],
    ['the cloud metadata address (169.254.169.254)', [{ address: '169.254.169.254', family: 4 }]],
    ['IPv6 loopback (::1)', [{ address: '::1', family: 6 }]],
    ['an IPv4-mapped private address', [{ address: '::ffff:192.168.1.10', family: 6 }]],
    [
      'a mix of public and private addresses',
      [
        { address: '20.42.0.1', family: 4 },
        { address: '10.1.2.3', family: 4 },
      ],
    ],
  ] as const) {
    it(`refuses a Microsoft host name that resolves to ${label}, before connecting`, async () => {
      const { lookup, asked } = fakeResolver([...addresses]);
      const { logger } = memoryLogger();
      const http = createHttpClient({
        guard: createHostGuard({ lookup }),
        logger,
        retry: { maxErrorRetries: 0 },
      });
      try {
        const error = await rejectionOf(
          http.request({ method: 'GET', url: 'https://contoso.crm.dynamics.com/api/data/v9.2/WhoAmI' }),
        );
        expect(error).toBeInstanceOf(ConnectorError);
        expect(error).toMatchObject({ code: 'invalid_config', kind: 'configuration' });
        expect((error as ConnectorError).message).toMatch(/resolves to/);
        expect((error as ConnectorError).remedy).toMatch(/DNS/);
        expect(asked).toEqual(['contoso.crm.dynamics.com']);
      } finally {
        await http.close();
      }
    });
  }
});
