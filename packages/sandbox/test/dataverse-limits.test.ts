import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SandboxApp } from '../src/core/contracts';
import {
  createDataverseService,
  type DataverseService,
  type LimitsSettings,
  type LimitsUsage,
} from '../src/dataverse';
import { syncApplicationUsers } from '../src/dataverse/seed/app-users';
import { seedFacts } from '../src/dataverse/seed/seed';
import { createEntraService, createTokenVerifier, type EntraService, MAIN_APP_NAME } from '../src/entra';
import { ServiceDirectory } from '../src/host/directory';
import { FaultStore } from '../src/host/faults';
import { type RunningSandbox, startSandbox } from '../src/host/sandbox';
import { buildBatch } from './dataverse-batch-support';
import { type Harness, startHarness } from './dataverse-harness';
import { msalApp, type SandboxClient, sandboxClient, silentLogger, tempStateDir } from './host.fixtures';

/**
 * Service protection limits (dataverse.md §6), all behind the real host with msal-node tokens: the
 * harness for the request-count and execution-time limits and the control API; a sandbox of its own
 * (small seed) for the concurrency limit, whose requests stay in flight through the host's injected
 * latency, and for the host's early-retry counter.
 */

const BURST = 'x-ms-ratelimit-burst-remaining-xrm-requests';
type Limits = LimitsSettings & { usage: LimitsUsage[] };
type ControlError = { error: { code: string; message: string; issues: Array<{ path: string }> } };
const TIME = 'x-ms-ratelimit-time-remaining-xrm-requests';

const SECOND_APP: SandboxApp = {
  clientId: '7d9e1f20-3a4b-4c5d-8e6f-708192a3b4c5',
  clientSecret: 'second-secret',
  displayName: 'second integration',
  dataverseApplicationUser: true,
  fnoEntraApplication: false,
};

describe('Dataverse service protection limits (harness)', () => {
  let h: Harness;
  let secondToken = '';

  beforeAll(async () => {
    h = await startHarness();
    // A second application user: the limits are per user, so its budget is its own.
    const store = await h.service.currentStore();
    const facts = seedFacts(store.seed);
    store.transaction(() =>
      syncApplicationUsers(store, [SECOND_APP], {
        userId: facts.adminUserId,
        businessUnitId: facts.businessUnitId,
        organizationId: facts.organizationId,
      }),
    );
    secondToken = await h.token({ appId: SECOND_APP.clientId });
  });

  afterAll(async () => {
    await h.close();
  });

  const putLimits = (value: unknown) =>
    h.fetch(`${h.origin}/_sandbox/limits`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(value),
    });

  beforeEach(async () => {
    expect((await putLimits({ enabled: false })).status).toBe(200);
  });

  it('refuses the request over the request-count limit: 429, Retry-After and the real envelope', async () => {
    expect((await putLimits({ requests: 3, windowSeconds: 60 })).status).toBe(200);
    const remaining: Array<string | null> = [];
    for (let i = 0; i < 3; i++) {
      const response = await h.api('WhoAmI');
      expect(response.status).toBe(200);
      remaining.push(response.headers.get(BURST));
      expect(response.headers.get(TIME)).toMatch(/^\d{1,3}(,\d{3})*\.\d{2}$/);
    }
    expect(remaining).toEqual(['2', '1', '0']);

    const refused = await h.api('accounts?$select=name&$top=1');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toBe('application/json; odata.metadata=minimal');
    expect(refused.headers.get('odata-version')).toBe('4.0');
    expect(refused.headers.get(BURST)).toBe('0');
    expect(await refused.json()).toEqual({
      error: {
        code: '0x80072322',
        message: 'Number of requests exceeded the limit of 3 over time window of 60 seconds.',
      },
    });
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(59);
    expect(retryAfter).toBeLessThanOrEqual(60);
  });

  it('lengthens Retry-After while the client keeps sending before it elapsed', async () => {
    await putLimits({ requests: 2, windowSeconds: 30 });
    await h.api('WhoAmI');
    await h.api('WhoAmI');
    const waits: number[] = [];
    for (let i = 0; i < 4; i++) {
      const response = await h.api('WhoAmI');
      expect(response.status).toBe(429);
      waits.push(Number(response.headers.get('retry-after')));
    }
    // Each early request pushes the end of the block by a request's share of the window (15 s).
    for (let i = 1; i < waits.length; i++) expect(waits[i]).toBeGreaterThanOrEqual((waits[i - 1] ?? 0) + 14);
    const limits = (await (await h.fetch(`${h.origin}/_sandbox/limits`)).json()) as Limits;
    expect(limits.usage).toEqual([
      expect.objectContaining({ requests: 2, refused: { requests: 4, executionTime: 0, concurrency: 0 } }),
    ]);
  });

  it('counts each user separately: a second application user is not affected', async () => {
    await putLimits({ requests: 1, windowSeconds: 60 });
    expect((await h.api('WhoAmI')).status).toBe(200);
    expect((await h.api('WhoAmI')).status).toBe(429);
    const second = await h.api('WhoAmI', { headers: { Authorization: `Bearer ${secondToken}` } });
    expect(second.status).toBe(200);
    expect(second.headers.get(BURST)).toBe('0');
    expect((await h.api('WhoAmI', { headers: { Authorization: `Bearer ${secondToken}` } })).status).toBe(429);
    const limits = (await (await h.fetch(`${h.origin}/_sandbox/limits`)).json()) as Limits;
    expect(limits.usage).toHaveLength(2);
  });

  it('refuses on combined execution time, with the configured numbers in the message', async () => {
    await putLimits({ requests: 1_000_000, executionTimeMs: 25, windowSeconds: 120 });
    let refused: Response | undefined;
    for (let i = 0; i < 2000 && !refused; i++) {
      const response = await h.api(
        'contacts?$select=fullname,emailaddress1&$filter=contains(fullname,%27a%27)',
      );
      if (response.status === 429) refused = response;
      else {
        expect(response.status).toBe(200);
        await response.arrayBuffer();
      }
    }
    expect(refused?.status).toBe(429);
    expect(await refused?.json()).toEqual({
      error: {
        code: '0x80072321',
        message:
          'Combined execution time of incoming requests exceeded limit of 25 milliseconds over time window of 120 seconds. Decrease number of concurrent requests or reduce the duration of requests and try again later.',
      },
    });
    expect(Number(refused?.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused?.headers.get(TIME)).toBe('0.00');
    const limits = (await (await h.fetch(`${h.origin}/_sandbox/limits`)).json()) as Limits;
    expect(limits.usage[0]?.executionTimeMs).toBeGreaterThanOrEqual(25);
  });

  it('counts a $batch as one request, however many requests it carries', async () => {
    await putLimits({ requests: 2, windowSeconds: 60 });
    const built = buildBatch([
      { method: 'GET', url: 'WhoAmI' },
      { method: 'GET', url: 'accounts?$select=name&$top=1' },
      { method: 'GET', url: 'contacts?$select=fullname&$top=1' },
    ]);
    const batch = await h.api('$batch', {
      method: 'POST',
      body: built.body,
      headers: { 'Content-Type': built.contentType },
    });
    expect(batch.status).toBe(200);
    expect(batch.headers.get(BURST)).toBe('1');
    expect((await batch.text()).match(/HTTP\/1\.1 200 OK/g)).toHaveLength(3);
    expect((await h.api('WhoAmI')).status).toBe(200);
    expect((await h.api('WhoAmI')).status).toBe(429);
  });

  it('validates the control API and can switch the limits off', async () => {
    const defaults = await putLimits({});
    expect(await defaults.json()).toEqual({
      enabled: true,
      requests: 6000,
      executionTimeMs: 1_200_000,
      concurrentRequests: 52,
      windowSeconds: 300,
      dopHint: 16,
      usage: [],
    });
    const bad = await putLimits({ requests: 0, windowSeconds: 'long', burst: 5 });
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as ControlError;
    expect(body.error.code).toBe('invalid_limits');
    expect(body.error.issues.map((issue) => issue.path).sort()).toEqual([
      '(body)',
      'requests',
      'windowSeconds',
    ]);
    expect(body.error.message).toContain('burst');
    const notJson = await h.fetch(`${h.origin}/_sandbox/limits`, { method: 'PUT', body: '{nope' });
    expect([notJson.status, ((await notJson.json()) as ControlError).error.code]).toEqual([
      400,
      'invalid_json',
    ]);
    const post = await h.fetch(`${h.origin}/_sandbox/limits`, { method: 'POST' });
    expect([post.status, post.headers.get('allow')]).toEqual([405, 'GET, PUT']);
    // A refused PUT leaves the settings as they were.
    expect(((await (await h.fetch(`${h.origin}/_sandbox/limits`)).json()) as Limits).requests).toBe(6000);

    await putLimits({ enabled: false, requests: 1, dopHint: 6 });
    for (let i = 0; i < 5; i++) {
      const response = await h.api('WhoAmI');
      expect(response.status).toBe(200);
      expect(response.headers.get(BURST)).toBeNull();
      // The recommended degree of parallelism is given with the limits off too.
      expect(response.headers.get('x-ms-dop-hint')).toBe('6');
    }
  });

  it('goes back to the service settings on reset (off in the harness)', async () => {
    await putLimits({ requests: 1 });
    await h.api('WhoAmI');
    expect((await h.api('WhoAmI')).status).toBe(429);
    await h.service.reset();
    expect(((await (await h.fetch(`${h.origin}/_sandbox/limits`)).json()) as Limits).enabled).toBe(false);
    expect((await h.api('WhoAmI')).status).toBe(200);
  });
});

describe('Dataverse service protection behind the sandbox host (HTTPS, Entra tokens)', () => {
  let state: Awaited<ReturnType<typeof tempStateDir>>;
  let sandbox: RunningSandbox;
  let entra: EntraService;
  let dataverse: DataverseService;
  let client: SandboxClient;
  let url = '';
  let token = '';
  let appId = '';

  beforeAll(async () => {
    state = await tempStateDir();
    const faults = new FaultStore();
    const directory = new ServiceDirectory();
    entra = await createEntraService({ stateDir: state.dir, faults, directory });
    dataverse = createDataverseService({
      stateDir: state.dir,
      verifier: createTokenVerifier({
        jwks: entra.jwks(),
        tenantId: entra.tenantId,
        faults,
        service: 'dataverse',
      }),
      apps: () => entra.apps(),
      authority: { host: () => directory.url('entra') ?? '', tenantId: entra.tenantId },
      logger: silentLogger(),
      seedSize: { accounts: 40, contacts: 40, opportunities: 10, quotes: 2, standaloneOrders: 2 },
    });
    sandbox = await startSandbox({
      stateDir: state.dir,
      logger: silentLogger(),
      faults,
      directory,
      services: [
        { service: entra, port: 0 },
        { service: dataverse, port: 0 },
      ],
    });
    client = sandboxClient(sandbox.caCertPem);
    url = sandbox.urls.dataverse ?? '';
    const app = entra.apps().find((a) => a.displayName === MAIN_APP_NAME);
    if (!app) throw new Error('no main app');
    appId = app.clientId;
    const msal = msalApp({
      entraUrl: sandbox.urls.entra ?? '',
      tenantId: entra.tenantId,
      clientId: app.clientId,
      clientSecret: app.clientSecret,
      agent: client.agent,
    });
    const result = await msal.acquireTokenByClientCredential({ scopes: [`${url}/.default`] });
    token = result?.accessToken ?? '';
  });

  afterAll(async () => {
    await client.close();
    await sandbox.stop();
    await state.remove();
  });

  const whoAmI = () => client.get(`${url}/api/data/v9.2/WhoAmI`, { authorization: `Bearer ${token}` });

  it('refuses concurrent requests over the limit at once while injected latency keeps others in flight', async () => {
    expect((await client.putJson(`${url}/_sandbox/limits`, { concurrentRequests: 2 })).status).toBe(200);
    expect((await client.putJson(`${url}/_sandbox/faults`, { latencyMs: 300 })).status).toBe(200);
    try {
      const answers = await Promise.all(Array.from({ length: 5 }, () => whoAmI()));
      const refused = answers.filter((answer) => answer.status === 429);
      expect(answers.filter((answer) => answer.status === 200)).toHaveLength(2);
      expect(refused).toHaveLength(3);
      for (const answer of refused) {
        expect(answer.json()).toEqual({
          error: { code: '0x80072326', message: 'Number of concurrent requests exceeded the limit of 2.' },
        });
        expect(answer.headers['retry-after']).toBe('1');
      }
    } finally {
      await client.putJson(`${url}/_sandbox/faults`, {});
    }
    // Sequential requests are never concurrent.
    for (let i = 0; i < 4; i++) expect((await whoAmI()).status).toBe(200);
  });

  it("counts a retry sent before the limits' Retry-After as early, and one that waited as not", async () => {
    await client.putJson(`${url}/_sandbox/limits`, { requests: 2, windowSeconds: 1 });
    await client.send(`${url}/_sandbox/counters/reset`, { method: 'POST' });
    expect((await whoAmI()).status).toBe(200);
    expect((await whoAmI()).status).toBe(200);
    const refused = await whoAmI();
    expect([refused.status, refused.headers['retry-after']]).toEqual([429, '1']);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await whoAmI()).status).toBe(200);
    expect(sandbox.counters('dataverse').earlyRetries.total).toBe(0);

    expect((await whoAmI()).status).toBe(200);
    expect((await whoAmI()).status).toBe(429);
    const early = await whoAmI();
    expect(early.status).toBe(429);
    expect(early.json<{ error: { code: string } }>().error.code).toBe('0x80072322');
    const counters = (await client.get(`${url}/_sandbox/counters`)).json<{
      earlyRetries: { total: number; byClient: Record<string, number> };
    }>();
    expect(counters.earlyRetries).toEqual({ total: 1, byClient: { [appId]: 1 } });
  });

  it('clears the limits and their usage with POST /_sandbox/reset', async () => {
    await client.putJson(`${url}/_sandbox/limits`, { requests: 1, windowSeconds: 60 });
    await whoAmI();
    expect((await whoAmI()).status).toBe(429);
    expect((await client.send(`${url}/_sandbox/reset`, { method: 'POST' })).status).toBe(200);
    const limits = (await client.get(`${url}/_sandbox/limits`)).json<{
      enabled: boolean;
      usage: unknown[];
    }>();
    expect([limits.enabled, limits.usage]).toEqual([false, []]);
    expect((await whoAmI()).status).toBe(200);
  });
});
