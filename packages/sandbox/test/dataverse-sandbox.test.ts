import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDataverseService, type DataverseService } from '../src/dataverse';
import {
  createEntraService,
  createTokenVerifier,
  describeSandbox,
  type EntraService,
  MAIN_APP_NAME,
  MISCONFIGURED_APP_NAME,
} from '../src/entra';
import { ServiceDirectory } from '../src/host/directory';
import { FaultStore } from '../src/host/faults';
import { type RunningSandbox, startSandbox } from '../src/host/sandbox';
import { msalApp, type SandboxClient, sandboxClient, silentLogger, tempStateDir } from './host.fixtures';

/**
 * The Dataverse simulator composed with the real host (HTTPS, CA) and Entra ID, as `main.ts` will
 * compose them, with tokens from msal-node: the seams of `src/core/contracts.ts` end to end.
 */

let state: Awaited<ReturnType<typeof tempStateDir>>;
let sandbox: RunningSandbox;
let entra: EntraService;
let dataverse: DataverseService;
let client: SandboxClient;
let entraUrl = '';
let dataverseUrl = '';

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
    authority: {
      host: () => directory.url('entra') ?? 'https://login.microsoftonline.com',
      tenantId: entra.tenantId,
    },
    logger: silentLogger(),
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
  entraUrl = sandbox.urls.entra ?? '';
  dataverseUrl = sandbox.urls.dataverse ?? '';
});

afterAll(async () => {
  await client.close();
  await sandbox.stop();
  await state.remove();
});

async function tokenFor(appName: string): Promise<string> {
  const app = entra.apps().find((a) => a.displayName === appName);
  if (!app) throw new Error(`no app ${appName}`);
  const msal = msalApp({
    entraUrl,
    tenantId: entra.tenantId,
    clientId: app.clientId,
    clientSecret: app.clientSecret,
    agent: client.agent,
  });
  const result = await msal.acquireTokenByClientCredential({ scopes: [`${dataverseUrl}/.default`] });
  if (!result?.accessToken) throw new Error('no token');
  return result.accessToken;
}

describe('Dataverse behind the sandbox host with Entra tokens (HTTPS, msal-node)', () => {
  it('answers WhoAmI and paged queries with links on the HTTPS origin, and counts the calls', async () => {
    const token = await tokenFor(MAIN_APP_NAME);
    const who = await client.get(`${dataverseUrl}/api/data/v9.2/WhoAmI`, {
      authorization: `Bearer ${token}`,
    });
    expect(who.status).toBe(200);
    expect(who.json()['@odata.context']).toBe(
      `${dataverseUrl}/api/data/v9.2/$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse`,
    );
    const page = await client.get(`${dataverseUrl}/api/data/v9.2/contacts?$select=fullname`, {
      authorization: `Bearer ${token}`,
      prefer: 'odata.maxpagesize=100',
    });
    expect(
      page
        .json<{ '@odata.nextLink': string }>()
        ['@odata.nextLink'].startsWith(`${dataverseUrl}/api/data/v9.2/contacts?`),
    ).toBe(true);
    const counters = await client.get(`${dataverseUrl}/_sandbox/counters`);
    const app = entra.apps().find((a) => a.displayName === MAIN_APP_NAME);
    expect(counters.json<{ requests: Array<{ clientId: string; entitySet: string }> }>().requests).toEqual(
      expect.arrayContaining([expect.objectContaining({ clientId: app?.clientId, entitySet: 'contacts' })]),
    );
  });

  it('refuses the misconfigured app and a token for another resource', async () => {
    const misconfigured = await client.get(`${dataverseUrl}/api/data/v9.2/WhoAmI`, {
      authorization: `Bearer ${await tokenFor(MISCONFIGURED_APP_NAME)}`,
    });
    expect([misconfigured.status, misconfigured.json()]).toEqual([
      401,
      { error: { code: '0x80072560', message: 'The user is not a member of the organization.' } },
    ]);
    const anonymous = await client.get(`${dataverseUrl}/api/data/v9.2/WhoAmI`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers['www-authenticate']).toBe(
      `Bearer authorization_uri=${entraUrl}/${entra.tenantId}/oauth2/authorize`,
    );
  });

  it('resets to the seed through the host control API', async () => {
    const token = await tokenFor(MAIN_APP_NAME);
    const created = await client.send(`${dataverseUrl}/api/data/v9.2/accounts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Before reset' }),
    });
    const entityId = created.headers['odata-entityid'] ?? '';
    expect(entityId.startsWith(`${dataverseUrl}/api/data/v9.2/accounts(`)).toBe(true);
    expect((await client.send(`${dataverseUrl}/_sandbox/reset`, { method: 'POST' })).status).toBe(200);
    expect((await client.get(entityId, { authorization: `Bearer ${token}` })).status).toBe(404);
  });
});
