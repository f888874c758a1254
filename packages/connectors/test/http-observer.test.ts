import { describe, expect, it } from 'vitest';
import { json, rejectionOf, useTestServers } from './helpers';

const { server, client } = useTestServers();

describe('HTTP core: request observer', () => {
  it('is told of each request once (not per attempt), after the guard, with method and URL', async () => {
    const s = await server((_req, res, _r, index) =>
      index === 0 ? json(res, 503, { error: { code: '', message: 'busy' } }) : json(res, 200, {}),
    );
    const seen: string[] = [];
    const { client: http } = client([s.origin], {
      onRequest: ({ method, url }) => seen.push(`${method} ${url.pathname}${url.search}`),
    });
    await http.request({ method: 'GET', url: s.url('/api/data/v9.2/accounts?$select=name') });
    await http.request({ method: 'PATCH', url: s.url('/api/data/v9.2/accounts(1)'), json: {} });
    expect(s.requests).toHaveLength(3);
    expect(seen).toEqual(['GET /api/data/v9.2/accounts?$select=name', 'PATCH /api/data/v9.2/accounts(1)']);

    await rejectionOf(http.request({ method: 'GET', url: 'https://example.com/data/' }));
    expect(seen).toHaveLength(2);
  });
});
