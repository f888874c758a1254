import { afterEach, describe, expect, it } from 'vitest';
import { RESOURCE_LIMIT_MESSAGE, type RequestGate } from '../src/fno';
import { type FnoHarness, MAIN_APP, NOT_REGISTERED_APP, startFno } from './fno-harness';

let fno: FnoHarness | undefined;

afterEach(async () => {
  await fno?.close();
  fno = undefined;
});

/** The real 401: no body worth reading (fno.md §1). */
async function expectBare401(response: Response): Promise<void> {
  expect(response.status).toBe(401);
  expect(await response.text()).toBe('');
  expect(response.headers.get('www-authenticate')).toBe('Bearer');
}

describe('authentication', () => {
  it('answers the bare 401 to a missing, expired, wrongly addressed or unregistered token', async () => {
    fno = await startFno();
    const h = fno;
    await expectBare401(await h.api('CustomersV3', { headers: { Authorization: '' } }));
    await expectBare401(await h.api('CustomersV3', { headers: { Authorization: 'Basic dXNlcjpwYXNz' } }));
    const expired = await h.token({ expiresInSeconds: -60 });
    await expectBare401(await h.api('CustomersV3', { headers: { Authorization: `Bearer ${expired}` } }));
    const dataverse = await h.token({ audience: 'https://127.0.0.1:4402' });
    await expectBare401(await h.api('CustomersV3', { headers: { Authorization: `Bearer ${dataverse}` } }));
    const unregistered = await h.token({ appId: NOT_REGISTERED_APP.clientId });
    await expectBare401(await h.api('CustomersV3', { headers: { Authorization: `Bearer ${unregistered}` } }));
    const unknown = await h.token({ appId: '99999999-9999-4999-8999-999999999999' });
    await expectBare401(await h.api('$metadata', { headers: { Authorization: `Bearer ${unknown}` } }));

    const trailingSlash = await h.token({ audience: `${h.origin}/` });
    const ok = await h.api('CustomerGroups', { headers: { Authorization: `Bearer ${trailingSlash}` } });
    expect(ok.status).toBe(200);
  });

  it("maps the Entra application to its F&O user and that user's default company", async () => {
    fno = await startFno({ defaultCompany: 'demf' });
    const page = await fno.json('CustomersV3?$select=dataAreaId&$top=5');
    expect(page.value.map((row) => row['dataAreaId'])).toEqual(['demf', 'demf', 'demf', 'demf', 'demf']);
    const created = await fno.post('CustomerGroups', { CustomerGroupId: 'T1', Description: 'Test group' });
    expect(created.status).toBe(201);
    expect(((await created.json()) as Record<string, unknown>)['dataAreaId']).toBe('demf');
  });
});

describe('cold start', () => {
  it('delays the first request after a start, not the ones after it', async () => {
    fno = await startFno({ coldStartMs: 300 });
    const h = fno;
    // An unauthenticated request is refused before the metadata cache is involved.
    const refusedAt = performance.now();
    await expectBare401(await h.api('CustomerGroups', { headers: { Authorization: '' } }));
    expect(performance.now() - refusedAt).toBeLessThan(250);

    const firstAt = performance.now();
    const [first, concurrent] = await Promise.all([h.api('CustomerGroups'), h.api('Currencies')]);
    const firstMs = performance.now() - firstAt;
    expect(first.status).toBe(200);
    expect(concurrent.status).toBe(200);
    expect(firstMs).toBeGreaterThanOrEqual(250);

    const laterAt = performance.now();
    expect((await h.api('CustomerGroups')).status).toBe(200);
    expect(performance.now() - laterAt).toBeLessThan(250);
  });
});

describe('service protection seam', () => {
  it('answers 429 with Retry-After when the gate refuses an authenticated request', async () => {
    const seen: string[] = [];
    let refusals = 0;
    const gate: RequestGate = {
      admit(request) {
        seen.push(`${request.method} ${request.entitySet ?? ''} ${request.appId}`);
        if (request.entitySet !== 'CustomersV3') return undefined;
        refusals += 1;
        return { retryAfterSeconds: refusals * 2 };
      },
    };
    fno = await startFno({ gate });
    const first = await fno.api('CustomersV3');
    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after')).toBe('2');
    expect(await first.json()).toEqual({ error: { code: '', message: RESOURCE_LIMIT_MESSAGE } });
    expect((await fno.api('CustomersV3')).headers.get('retry-after')).toBe('4');
    expect((await fno.api('CustomerGroups')).status).toBe(200);
    await expectBare401(await fno.api('CustomersV3', { headers: { Authorization: '' } }));
    expect(seen).toEqual([
      `GET CustomersV3 ${MAIN_APP.clientId}`,
      `GET CustomersV3 ${MAIN_APP.clientId}`,
      `GET CustomerGroups ${MAIN_APP.clientId}`,
    ]);
  });
});
