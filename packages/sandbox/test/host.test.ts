import { X509Certificate } from 'node:crypto';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { UnsecuredJWT } from 'jose';
import { request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CountersSnapshot } from '../src/host/counters';
import { SandboxStartError } from '../src/host/errors';
import { type RunningSandbox, startSandbox } from '../src/host/sandbox';
import { ensureTlsMaterial } from '../src/host/tls';
import {
  type FakeService,
  fakeService,
  type SandboxClient,
  sandboxClient,
  silentLogger,
  tempStateDir,
} from './host.fixtures';

/** A token the host can read the `appid` of (the host never verifies: the service does). */
const tokenFor = (appid: string) => new UnsecuredJWT({ appid }).encode();

const DATAVERSE_429_BODY = {
  error: {
    code: '0x80072322',
    message: 'Number of requests exceeded the limit of 6000 over time window of 300 seconds.',
  },
};

describe('TLS material', () => {
  it('generates a CA and a loopback server certificate once, with private keys mode 600', async () => {
    const state = await tempStateDir();
    try {
      const first = await ensureTlsMaterial(state.dir);
      expect(first.generated).toEqual({ ca: true, server: true });
      expect(path.isAbsolute(first.caCertPath)).toBe(true);

      const cert = new X509Certificate(first.certPem);
      const ca = new X509Certificate(first.caCertPem);
      expect(cert.verify(ca.publicKey)).toBe(true);
      expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
      expect(cert.checkIP('::1')).toBe('::1');
      expect(cert.checkHost('localhost')).toBe('localhost');
      expect(ca.ca).toBe(true);
      const caYears = (Date.parse(ca.validTo) - Date.now()) / (365.25 * 24 * 3600 * 1000);
      expect(caYears).toBeGreaterThan(9.9);
      for (const key of ['ca-key.pem', 'server-key.pem']) {
        expect((await stat(path.join(state.dir, 'tls', key))).mode & 0o777).toBe(0o600);
      }

      const second = await ensureTlsMaterial(state.dir);
      expect(second.generated).toEqual({ ca: false, server: false });
      expect(second.caCertPem).toBe(first.caCertPem);
      expect(second.certPem).toBe(first.certPem);
    } finally {
      await state.remove();
    }
  });

  it('regenerates an expired server certificate with the same CA', async () => {
    const state = await tempStateDir();
    try {
      const first = await ensureTlsMaterial(state.dir);
      const later = new Date(Date.now() + 900 * 24 * 3600 * 1000);
      const renewed = await ensureTlsMaterial(state.dir, { now: later });
      expect(renewed.generated).toEqual({ ca: false, server: true });
      expect(renewed.caCertPem).toBe(first.caCertPem);
      expect(renewed.certPem).not.toBe(first.certPem);
      expect(
        new X509Certificate(renewed.certPem).verify(new X509Certificate(first.caCertPem).publicKey),
      ).toBe(true);
    } finally {
      await state.remove();
    }
  });
});

describe('sandbox host', () => {
  let state: Awaited<ReturnType<typeof tempStateDir>>;
  let service: FakeService;
  let sandbox: RunningSandbox;
  let client: SandboxClient;
  let url: string;

  beforeAll(async () => {
    state = await tempStateDir();
    service = fakeService('dataverse');
    sandbox = await startSandbox({
      stateDir: state.dir,
      logger: silentLogger(),
      services: [{ service, port: 0 }],
      bodyLimitBytes: 64 * 1024,
      flushIntervalMs: 50,
    });
    client = sandboxClient(sandbox.caCertPem);
    url = sandbox.urls.dataverse ?? '';
  });

  afterEach(async () => {
    await client.putJson(`${url}/_sandbox/faults`, {});
    await client.send(`${url}/_sandbox/counters/reset`, { method: 'POST' });
  });

  afterAll(async () => {
    await client.close();
    await sandbox.stop();
    await state.remove();
  });

  it('serves the service over HTTPS on 127.0.0.1, trusted through the sandbox CA only', async () => {
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const response = await client.get(`${url}/api/data/v9.2/accounts`);
    expect(response.status).toBe(200);
    expect(response.json()).toMatchObject({ origin: url });

    await expect(request(`${url}/api/data/v9.2/accounts`)).rejects.toThrow(/certificate/i);
  });

  it('echoes the scheme, host and port the request came in on as the origin', async () => {
    const port = new URL(url).port;
    const response = await client.get(`${url}/api/data/v9.2/accounts`, { host: `localhost:${port}` });
    expect(response.json()).toMatchObject({ origin: `https://localhost:${port}` });
  });

  it('counts requests per client, method and entity set', async () => {
    const alice = { authorization: `Bearer ${tokenFor('app-alice')}` };
    const bob = { authorization: `Bearer ${tokenFor('app-bob')}` };
    await client.get(`${url}/api/data/v9.2/accounts?$top=1`, alice);
    await client.get(`${url}/api/data/v9.2/accounts(1)`, alice);
    await client.send(`${url}/api/data/v9.2/contacts`, { method: 'POST', headers: alice, body: '{}' });
    await client.get(`${url}/api/data/v9.2/accounts`, bob);
    await client.get(`${url}/api/data/v9.2/WhoAmI`);

    const counters = (await client.get(`${url}/_sandbox/counters`)).json<CountersSnapshot>();
    expect(counters.service).toBe('dataverse');
    expect(counters.total).toBe(5);
    expect(counters.requests).toEqual([
      { clientId: 'anonymous', method: 'GET', entitySet: 'WhoAmI', count: 1 },
      { clientId: 'app-alice', method: 'GET', entitySet: 'accounts', count: 2 },
      { clientId: 'app-alice', method: 'POST', entitySet: 'contacts', count: 1 },
      { clientId: 'app-bob', method: 'GET', entitySet: 'accounts', count: 1 },
    ]);
    expect(sandbox.counters('dataverse').total).toBe(5);

    const afterReset = (
      await client.send(`${url}/_sandbox/counters/reset`, { method: 'POST' })
    ).json<CountersSnapshot>();
    expect(afterReset.total).toBe(0);
    expect(afterReset.requests).toEqual([]);
  });

  it('injects 429 with Retry-After and the Dataverse body, and counts a too-early retry but not a later one', async () => {
    const headers = { authorization: `Bearer ${tokenFor('app-eager')}` };
    const patient = { authorization: `Bearer ${tokenFor('app-patient')}` };
    const set = await client.putJson(`${url}/_sandbox/faults`, { rate429: 1, retryAfterSeconds: 1 });
    expect(set.status).toBe(200);
    expect(set.json()).toMatchObject({ rate429: 1, retryAfterSeconds: 1 });

    const throttled = await client.get(`${url}/api/data/v9.2/accounts`, headers);
    expect(throttled.status).toBe(429);
    expect(throttled.headers['retry-after']).toBe('1');
    expect(throttled.json()).toEqual(DATAVERSE_429_BODY);
    expect((await client.get(`${url}/api/data/v9.2/accounts`, patient)).status).toBe(429);

    await client.putJson(`${url}/_sandbox/faults`, {});
    const early = await client.get(`${url}/api/data/v9.2/accounts`, headers);
    expect(early.status).toBe(200);
    await sleep(1_050);
    await client.get(`${url}/api/data/v9.2/accounts`, headers);
    await client.get(`${url}/api/data/v9.2/accounts`, patient);

    const counters = (await client.get(`${url}/_sandbox/counters`)).json<CountersSnapshot>();
    expect(counters.earlyRetries).toEqual({ total: 1, byClient: { 'app-eager': 1 } });
    expect(counters.requests).toContainEqual({
      clientId: 'app-eager',
      method: 'GET',
      entitySet: 'accounts',
      count: 3,
    });
  });

  it('sees the 429s the service itself sends, through implicit headers', async () => {
    const headers = { authorization: `Bearer ${tokenFor('app-service-throttled')}` };
    const throttled = await client.get(`${url}/throttle/30`, headers);
    expect(throttled.status).toBe(429);
    await client.get(`${url}/api/data/v9.2/accounts`, headers);
    const counters = (await client.get(`${url}/_sandbox/counters`)).json<CountersSnapshot>();
    expect(counters.earlyRetries.byClient).toEqual({ 'app-service-throttled': 1 });
  });

  it('injects 5xx with the service error body', async () => {
    await client.putJson(`${url}/_sandbox/faults`, { rate5xx: 1, status5xx: 503 });
    const failed = await client.get(`${url}/api/data/v9.2/accounts`);
    expect(failed.status).toBe(503);
    expect(failed.json()).toEqual({
      error: { code: '0x80040216', message: 'An unexpected error occurred.' },
    });
    expect(failed.headers['odata-version']).toBe('4.0');
  });

  it('injects connection resets and latency', async () => {
    await client.putJson(`${url}/_sandbox/faults`, { resetRate: 1 });
    await expect(client.get(`${url}/api/data/v9.2/accounts`)).rejects.toThrow(
      /other side closed|socket|reset/i,
    );

    await client.putJson(`${url}/_sandbox/faults`, { latencyMs: 150, latencyJitterMs: 20 });
    const started = performance.now();
    expect((await client.get(`${url}/api/data/v9.2/accounts`)).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(145);
    expect(sandbox.counters('dataverse').total).toBe(2);
  });

  it('refuses bad fault settings with a clear 400', async () => {
    const tooHigh = await client.putJson(`${url}/_sandbox/faults`, { rate429: 2, latencyMs: -1 });
    expect(tooHigh.status).toBe(400);
    const body = tooHigh.json<{ error: { code: string; message: string; issues: { path: string }[] } }>();
    expect(body.error.code).toBe('invalid_faults');
    expect(body.error.issues.map((issue) => issue.path).sort()).toEqual(['latencyMs', 'rate429']);
    expect(body.error.message).toMatch(/rate429/);

    const unknown = await client.putJson(`${url}/_sandbox/faults`, { rate249: 0.5 });
    expect(unknown.status).toBe(400);
    expect(unknown.json<{ error: { message: string } }>().error.message).toMatch(/rate249/);

    const notJson = await client.send(`${url}/_sandbox/faults`, { method: 'PUT', body: '{rate429' });
    expect(notJson.status).toBe(400);
    expect(notJson.json<{ error: { code: string } }>().error.code).toBe('invalid_json');

    const badDate = await client.putJson(`${url}/_sandbox/faults`, { expireTokensIssuedBefore: 'yesterday' });
    expect(badDate.status).toBe(400);

    expect((await client.get(`${url}/_sandbox/faults`)).json()).toMatchObject({ rate429: 0, rate5xx: 0 });
  });

  it('answers unknown control routes 404 and wrong methods 405', async () => {
    const missing = await client.get(`${url}/_sandbox/nothing-here`);
    expect(missing.status).toBe(404);
    expect(missing.json<{ error: { code: string } }>().error.code).toBe('not_found');

    const wrongMethod = await client.send(`${url}/_sandbox/faults`, { method: 'DELETE' });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers['allow']).toBe('GET, PUT');
    expect(sandbox.counters('dataverse').total).toBe(0);
  });

  it('resets the service, its faults and its counters', async () => {
    await client.putJson(`${url}/_sandbox/faults`, { rate5xx: 1 });
    await client.get(`${url}/api/data/v9.2/accounts`);
    const before = service.calls.reset;
    const reset = await client.send(`${url}/_sandbox/reset`, { method: 'POST' });
    expect(reset.json()).toEqual({ service: 'dataverse', reset: true });
    expect(service.calls.reset).toBe(before + 1);
    expect((await client.get(`${url}/api/data/v9.2/accounts`)).status).toBe(200);
    expect(sandbox.counters('dataverse').total).toBe(1);
  });

  it('answers 413 past the body limit', async () => {
    const response = await client.send(`${url}/api/data/v9.2/accounts`, {
      method: 'POST',
      body: 'x'.repeat(64 * 1024 + 1),
    });
    expect(response.status).toBe(413);
    expect(response.json<{ error: { code: string } }>().error.code).toBe('request_too_large');
    expect((await client.get(`${url}/api/data/v9.2/accounts`)).status).toBe(200);
  });

  it('flushes the services periodically', async () => {
    const before = service.calls.flush;
    await sleep(160);
    expect(service.calls.flush).toBeGreaterThan(before);
  });

  it('defers flushes while requests keep arriving, up to 12 intervals, and flushes once they stop', async () => {
    await sleep(160);
    const before = service.calls.flush;
    const started = Date.now();
    // 300 ms of back-to-back requests: 6 intervals, each with requests in it.
    while (Date.now() - started < 300) await client.get(`${url}/api/data/v9.2/accounts`);
    expect(service.calls.flush - before).toBeLessThanOrEqual(1);
    const busy = service.calls.flush;
    await sleep(160);
    expect(service.calls.flush).toBeGreaterThan(busy);
  });
});

describe('sandbox lifecycle', () => {
  it('flushes and closes services on stop, and reports a port already in use', async () => {
    const state = await tempStateDir();
    const first = fakeService('dataverse');
    const sandbox = await startSandbox({
      stateDir: state.dir,
      logger: silentLogger(),
      services: [{ service: first, port: 0 }],
    });
    try {
      const port = Number(new URL(sandbox.urls.dataverse ?? '').port);
      await expect(
        startSandbox({
          stateDir: state.dir,
          logger: silentLogger(),
          services: [{ service: fakeService('fno'), port }],
        }),
      ).rejects.toBeInstanceOf(SandboxStartError);
    } finally {
      await sandbox.stop();
      await sandbox.stop();
      await state.remove();
    }
    expect(first.calls.flush).toBe(1);
    expect(first.calls.close).toBe(1);
  });

  it('resets every service before listening when asked (--reset)', async () => {
    const state = await tempStateDir();
    const service = fakeService('dataverse');
    const sandbox = await startSandbox({
      stateDir: state.dir,
      logger: silentLogger(),
      services: [{ service, port: 0 }],
      reset: true,
    });
    await sandbox.stop();
    await state.remove();
    expect(service.calls.reset).toBe(1);
  });
});
