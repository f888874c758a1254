import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applicationUserId, seedFacts } from '../src/dataverse';
import { type Harness, MAIN_APP, startHarness } from './dataverse-harness';

let h: Harness;
let person: { id: string; objectId: string };
beforeAll(async () => {
  h = await startHarness({ seed: 12 });
  const users = (await (
    await h.api(
      `systemusers?$select=systemuserid,azureactivedirectoryobjectid&$filter=systemuserid eq ${seedFacts(12).adminUserId}`,
    )
  ).json()) as { value: Record<string, string>[] };
  const admin = users.value[0] ?? {};
  person = { id: String(admin['systemuserid']), objectId: String(admin['azureactivedirectoryobjectid']) };
});
afterAll(async () => {
  await h.close();
});

async function createAccount(headers: Record<string, string>) {
  const response = await h.api('accounts?$select=_createdby_value,_modifiedby_value', {
    method: 'POST',
    body: JSON.stringify({ name: 'Made on behalf of a person' }),
    headers: { Prefer: 'return=representation', ...headers },
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('Dataverse impersonation', () => {
  it('runs a request as the user named by MSCRMCallerID (systemuserid)', async () => {
    const { status, body } = await createAccount({ MSCRMCallerID: person.id });
    expect(status).toBe(201);
    expect(body['_createdby_value']).toBe(person.id);
    expect(body['_modifiedby_value']).toBe(person.id);
    const who = (await (await h.api('WhoAmI', { headers: { MSCRMCallerID: person.id } })).json()) as Record<
      string,
      unknown
    >;
    expect(who['UserId']).toBe(person.id);
  });

  it('runs a request as the user named by CallerObjectId (Entra object id), in braces or not', async () => {
    expect(person.objectId).toMatch(/^[0-9a-f-]{36}$/);
    const { body } = await createAccount({ CallerObjectId: `{${person.objectId.toUpperCase()}}` });
    expect(body['_createdby_value']).toBe(person.id);
  });

  it('without a header the application user writes', async () => {
    const { body } = await createAccount({});
    expect(body['_createdby_value']).toBe(applicationUserId(MAIN_APP.clientId));
  });

  it('refuses a malformed or unknown user with a clear error', async () => {
    const malformed = await createAccount({ MSCRMCallerID: 'not-a-guid' });
    expect(malformed.status).toBe(400);
    expect(malformed.body).toMatchObject({ error: { message: expect.stringContaining('MSCRMCallerID') } });
    const unknown = await createAccount({ MSCRMCallerID: '00000000-0000-4000-8000-00000000abcd' });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({
      error: {
        code: '0x80040217',
        message: 'systemuser With Id = 00000000-0000-4000-8000-00000000abcd Does Not Exist',
      },
    });
  });
});
