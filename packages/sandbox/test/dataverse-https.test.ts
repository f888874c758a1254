import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDataverseService, createServiceProtection } from '../src/dataverse';
import {
  createEntraService,
  createTokenVerifier,
  describeSandbox,
  type EntraService,
  MAIN_APP_NAME,
} from '../src/entra';
import { ServiceDirectory } from '../src/host/directory';
import { FaultStore } from '../src/host/faults';
import { type RunningSandbox, startSandbox } from '../src/host/sandbox';
import {
  type HttpResult,
  msalApp,
  type SandboxClient,
  sandboxClient,
  silentLogger,
  tempStateDir,
} from './host.fixtures';

/**
 * The scenarios issue 3 names, end to end as a client of the real service would meet them: the
 * sandbox composed as `npm run sandbox` composes it (HTTPS with its CA, Entra ID, Dataverse with
 * service protection), tokens from msal-node, and plain HTTP calls.
 */

type Row = Record<string, unknown>;

let state: Awaited<ReturnType<typeof tempStateDir>>;
let sandbox: RunningSandbox;
let entra: EntraService;
let client: SandboxClient;
let api = '';
let token = '';

beforeAll(async () => {
  state = await tempStateDir();
  const faults = new FaultStore();
  const directory = new ServiceDirectory();
  entra = await createEntraService({ stateDir: state.dir, faults, directory });
  const dataverse = createDataverseService({
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
    extraProducts: 6_000,
    serviceProtection: createServiceProtection(),
    webhooks: { retryDelayMs: 50 },
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
    describe: (urls) => describeSandbox(entra, urls),
  });
  client = sandboxClient(sandbox.caCertPem);
  const dataverseUrl = sandbox.urls.dataverse ?? '';
  api = `${dataverseUrl}/api/data/v9.2/`;
  const app = entra.apps().find((a) => a.displayName === MAIN_APP_NAME);
  if (!app) throw new Error('no main app');
  const msal = msalApp({
    entraUrl: sandbox.urls.entra ?? '',
    tenantId: entra.tenantId,
    clientId: app.clientId,
    clientSecret: app.clientSecret,
    agent: client.agent,
  });
  const result = await msal.acquireTokenByClientCredential({ scopes: [`${dataverseUrl}/.default`] });
  token = result?.accessToken ?? '';
}, 60_000);

afterAll(async () => {
  await client?.close();
  await sandbox?.stop();
  await state?.remove();
});

function call(
  method: string,
  pathOrUrl: string,
  options: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<HttpResult> {
  const url = pathOrUrl.startsWith('https://') ? pathOrUrl : `${api}${pathOrUrl}`;
  const body =
    typeof options.body === 'string' || options.body === undefined
      ? options.body
      : JSON.stringify(options.body);
  return client.send(url, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      accept: 'application/json',
      'odata-version': '4.0',
      'odata-maxversion': '4.0',
      ...(body !== undefined && typeof options.body !== 'string'
        ? { 'content-type': 'application/json' }
        : {}),
      ...options.headers,
    },
    ...(body === undefined ? {} : { body }),
  });
}

const idFrom = (result: HttpResult) =>
  /\(([0-9a-f-]{36})\)$/.exec(result.headers['odata-entityid'] ?? '')?.[1] ?? '';

async function rows(path: string): Promise<Row[]> {
  const result = await call('GET', path);
  expect(result.status, result.text).toBe(200);
  return result.json<{ value: Row[] }>().value;
}

describe('Dataverse over HTTPS with msal-node tokens: the scenarios of issue 3', () => {
  it('pages over more than 5,000 rows with @odata.nextLink, each row exactly once', async () => {
    const seen = new Set<string>();
    let next: string | undefined = `${api}products?$select=productnumber`;
    let pages = 0;
    while (next) {
      const page = await call('GET', next, { headers: { prefer: 'odata.maxpagesize=5000' } });
      expect(page.status).toBe(200);
      expect(page.headers['preference-applied']).toBe('odata.maxpagesize=5000');
      const body = page.json<{ value: Array<{ productid: string }>; '@odata.nextLink'?: string }>();
      expect(body.value.length).toBeLessThanOrEqual(5000);
      for (const row of body.value) seen.add(row.productid);
      pages += 1;
      next = body['@odata.nextLink'];
      if (next) expect(next.startsWith(`${api}products?`)).toBe(true);
    }
    expect(pages).toBeGreaterThanOrEqual(2);
    expect(seen.size).toBeGreaterThan(6_000);
  });

  it('returns a delta after create + update + delete', async () => {
    let next: string | undefined = `${api}accounts?$select=name,accountnumber`;
    let deltaLink = '';
    while (next) {
      const page = await call('GET', next, { headers: { prefer: 'odata.track-changes' } });
      expect(page.status).toBe(200);
      const body = page.json<{ '@odata.nextLink'?: string; '@odata.deltaLink'?: string }>();
      next = body['@odata.nextLink'];
      deltaLink = body['@odata.deltaLink'] ?? deltaLink;
    }
    expect(deltaLink).toContain('$deltatoken=');

    const created = idFrom(await call('POST', 'accounts', { body: { name: 'Delta Pumps GmbH' } }));
    expect((await call('PATCH', `accounts(${created})`, { body: { name: 'Delta Pumps AG' } })).status).toBe(
      204,
    );
    const [victim] = await rows('accounts?$select=name&$filter=accountid ne ' + created + '&$top=1');
    const deleted = String(victim?.['accountid']);
    expect((await call('DELETE', `accounts(${deleted})`)).status).toBe(204);

    const delta = await call('GET', deltaLink, { headers: { prefer: 'odata.track-changes' } });
    expect(delta.status).toBe(200);
    const body = delta.json<{ '@odata.context': string; value: Row[]; '@odata.deltaLink': string }>();
    expect(body['@odata.context']).toMatch(/\$metadata#accounts\(name,accountnumber\)\/\$delta$/);
    expect(body.value).toEqual([
      expect.objectContaining({
        accountid: created,
        name: 'Delta Pumps AG',
        '@odata.etag': expect.any(String),
      }),
      { '@odata.context': `${api}$metadata#accounts/$deletedEntity`, id: deleted, reason: 'deleted' },
    ]);
    expect(body['@odata.deltaLink']).not.toBe(deltaLink);
  });

  describe('$batch with a failing changeset', () => {
    const batchBody = (boundary: string, parts: string[]) =>
      `${parts.map((part) => `--${boundary}\r\n${part}`).join('\r\n')}\r\n--${boundary}--\r\n`;
    const request = (method: string, path: string, body?: unknown, contentId?: string) =>
      [
        'Content-Type: application/http',
        'Content-Transfer-Encoding: binary',
        ...(contentId ? [`Content-ID: ${contentId}`] : []),
        '',
        `${method} /api/data/v9.2/${path} HTTP/1.1`,
        'Content-Type: application/json; type=entry',
        '',
        body === undefined ? '' : JSON.stringify(body),
      ].join('\r\n');
    const changeset = (boundary: string, items: string[]) =>
      `Content-Type: multipart/mixed; boundary=${boundary}\r\n\r\n${batchBody(boundary, items)}`;
    const failingChangeset = (name: string) =>
      changeset(`changeset_${randomUUID()}`, [
        request('POST', 'accounts', { name }, '1'),
        request(
          'POST',
          'contacts',
          { lastname: 'Keller', 'parentcustomerid_account@odata.bind': '$1', nosuchcolumn: 1 },
          '2',
        ),
      ]);
    const send = (parts: string[], continueOnError: boolean) => {
      const boundary = `batch_${randomUUID()}`;
      return call('POST', '$batch', {
        body: batchBody(boundary, parts),
        headers: {
          'content-type': `multipart/mixed; boundary=${boundary}`,
          ...(continueOnError ? { prefer: 'odata.continue-on-error' } : {}),
        },
      });
    };
    const named = async (name: string) =>
      (await rows(`accounts?$select=name&$filter=name eq '${name}'`)).length;

    it('without continue-on-error: 400 with only the failure, the changeset rolled back, nothing after it runs', async () => {
      const result = await send(
        [failingChangeset('Batch Atomic One'), request('POST', 'accounts', { name: 'Batch After One' })],
        false,
      );
      expect(result.status).toBe(400);
      expect(result.headers['content-type']).toMatch(/^multipart\/mixed; boundary=batchresponse_/);
      expect(result.text).toContain('HTTP/1.1 400 Bad Request');
      expect(result.text).not.toContain('HTTP/1.1 204');
      expect(await named('Batch Atomic One')).toBe(0);
      expect(await named('Batch After One')).toBe(0);
    });

    it('with continue-on-error: 200, the changeset rolled back as a whole, the independent request done', async () => {
      const result = await send(
        [failingChangeset('Batch Atomic Two'), request('POST', 'accounts', { name: 'Batch After Two' })],
        true,
      );
      expect(result.status).toBe(200);
      expect(result.text).toContain('HTTP/1.1 400 Bad Request');
      expect(result.text).toContain('HTTP/1.1 204 No Content');
      expect(result.text.includes('\n') && !/[^\r]\n/.test(result.text)).toBe(true);
      expect(await named('Batch Atomic Two')).toBe(0);
      expect(await named('Batch After Two')).toBe(1);
    });
  });

  it('delivers a webhook with its auth header after an opportunity is won', async () => {
    const received: Array<{ headers: IncomingHttpHeaders; body: Row }> = [];
    const receiver: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        received.push({
          headers: req.headers,
          body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Row,
        });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/dataverse`;
      const endpoint = idFrom(
        await call('POST', 'serviceendpoints', {
          body: {
            name: 'ml-connector',
            url,
            contract: 8,
            authtype: 5,
            authvalue: '<settings><setting name="x-mlc-secret" value="hook-secret-1"/></settings>',
          },
        }),
      );
      const [message] = await rows("sdkmessages?$select=sdkmessageid&$filter=name eq 'Win'");
      const [filter] = await rows(
        "sdkmessagefilters?$select=sdkmessagefilterid&$filter=primaryobjecttypecode eq 'opportunity' and sdkmessageid/name eq 'Win'",
      );
      const step = await call('POST', 'sdkmessageprocessingsteps', {
        body: {
          name: 'Win of opportunity → ml-connector',
          stage: 40,
          mode: 1,
          rank: 1,
          supporteddeployment: 0,
          'eventhandler_serviceendpoint@odata.bind': `/serviceendpoints(${endpoint})`,
          'sdkmessageid@odata.bind': `/sdkmessages(${String(message?.['sdkmessageid'])})`,
          'sdkmessagefilterid@odata.bind': `/sdkmessagefilters(${String(filter?.['sdkmessagefilterid'])})`,
        },
      });
      expect(step.status, step.text).toBe(204);

      const [opportunity] = await rows('opportunities?$select=name&$filter=statecode eq 0&$top=1');
      const opportunityId = String(opportunity?.['opportunityid']);
      const win = await call('POST', 'WinOpportunity', {
        body: {
          Status: 3,
          OpportunityClose: {
            subject: 'Won Opportunity',
            'opportunityid@odata.bind': `/opportunities(${opportunityId})`,
          },
        },
      });
      expect(win.status, win.text).toBe(204);

      for (let i = 0; i < 100 && received.length === 0; i += 1) await new Promise((r) => setTimeout(r, 50));
      expect(received).toHaveLength(1);
      const [delivery] = received;
      expect(delivery?.headers['x-mlc-secret']).toBe('hook-secret-1');
      expect(delivery?.headers['x-ms-dynamics-request-name']).toBe('Win');
      expect(delivery?.headers['x-ms-dynamics-entity-name']).toBe('opportunity');
      expect(delivery?.body).toMatchObject({
        MessageName: 'Win',
        PrimaryEntityName: 'opportunity',
        Stage: 40,
        Mode: 1,
      });
      expect(JSON.stringify(delivery?.body)).toContain(opportunityId);
    } finally {
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    }
  });

  it('answers 429 with Retry-After and the real error once the request limit is reached', async () => {
    const limits = await client.putJson(`${sandbox.urls.dataverse}/_sandbox/limits`, {
      requests: 3,
      windowSeconds: 60,
    });
    expect(limits.status).toBe(200);
    try {
      const answers: HttpResult[] = [];
      for (let i = 0; i < 5; i += 1) answers.push(await call('GET', 'WhoAmI'));
      const throttled = answers.find((answer) => answer.status === 429);
      expect(throttled, answers.map((a) => a.status).join(',')).toBeDefined();
      expect(Number(throttled?.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(throttled?.json()).toEqual({
        error: {
          code: '0x80072322',
          message: 'Number of requests exceeded the limit of 3 over time window of 60 seconds.',
        },
      });
    } finally {
      await client.send(`${sandbox.urls.dataverse}/_sandbox/reset`, { method: 'POST' });
    }
  });
});
