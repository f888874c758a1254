import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applicationUserId, seedFacts } from '../src/dataverse';
import { type Harness, MAIN_APP, MISCONFIGURED_APP, startHarness, TENANT_ID } from './dataverse-harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ seed: 11 });
});
afterAll(async () => {
  await h.close();
});

async function expectChallenge(response: Response): Promise<void> {
  expect(response.status).toBe(401);
  expect(response.headers.get('www-authenticate')).toBe(
    `Bearer authorization_uri=${h.entraUrl}/${TENANT_ID}/oauth2/authorize`,
  );
  expect(await response.text()).toBe('');
}

describe('Dataverse authentication', () => {
  it('answers WhoAmI and WhoAmI() with the application user, business unit and organization', async () => {
    const facts = seedFacts(11);
    for (const path of ['WhoAmI', 'WhoAmI()']) {
      const response = await h.api(path);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/json; odata.metadata=minimal');
      expect(response.headers.get('odata-version')).toBe('4.0');
      expect(await response.json()).toEqual({
        '@odata.context': `${h.root}$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse`,
        BusinessUnitId: facts.businessUnitId,
        UserId: applicationUserId(MAIN_APP.clientId),
        OrganizationId: facts.organizationId,
      });
    }
    expect(h.lastContext()).toMatchObject({ clientId: MAIN_APP.clientId, entitySet: 'WhoAmI' });
  });

  it('challenges a request without a token: 401, unquoted authorization_uri, empty body', async () => {
    await expectChallenge(await h.api('accounts', { headers: { Authorization: '' } }));
    await expectChallenge(await h.api('accounts', { headers: { Authorization: 'Basic abc' } }));
  });

  it('challenges expired, foreign-signed, wrong-audience and wrong-tenant tokens the same way', async () => {
    const tokens = await Promise.all([
      h.token({ expiresInSeconds: -60 }),
      h.token({ foreignKey: true }),
      h.token({ audience: 'https://other.crm.dynamics.com' }),
      h.token({ tenantId: '00000000-0000-4000-8000-000000000000' }),
    ]);
    for (const token of tokens)
      await expectChallenge(await h.api('WhoAmI', { headers: { Authorization: `Bearer ${token}` } }));
  });

  it('challenges before anything else, even for unknown paths', async () => {
    await expectChallenge(await h.api('nosuchset', { headers: { Authorization: '' } }));
  });

  it('refuses a valid token of an app that is not an application user of the org', async () => {
    const token = await h.token({ appId: MISCONFIGURED_APP.clientId });
    const response = await h.api('WhoAmI', { headers: { Authorization: `Bearer ${token}` } });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({
      error: { code: '0x80072560', message: 'The user is not a member of the organization.' },
    });
    expect(h.lastContext()?.clientId).toBe(MISCONFIGURED_APP.clientId);
  });

  it('writes as the application user (createdby, ownerid)', async () => {
    const response = await h.api('accounts?$select=_createdby_value,_ownerid_value', {
      method: 'POST',
      body: JSON.stringify({ name: 'Made by the app' }),
      headers: { Prefer: 'return=representation' },
    });
    const body = (await response.json()) as Record<string, unknown>;
    expect(body['_createdby_value']).toBe(applicationUserId(MAIN_APP.clientId));
    expect(body['_ownerid_value']).toBe(applicationUserId(MAIN_APP.clientId));
    expect(h.lastContext()?.entitySet).toBe('accounts');
  });
});
