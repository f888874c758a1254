import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChangeEvent } from '../src/dataverse/store/types';
import { buildBatch, readBatchResponse } from './dataverse-batch-support';
import { type Harness, startHarness } from './dataverse-harness';

type Row = Record<string, unknown>;
type Collection = { value: Row[] };

let h: Harness;
beforeAll(async () => {
  // Alternate keys become Active at once (no duplicates in the seed's account numbers).
  h = await startHarness({ keyActivationDelayMs: 0 });
});
afterAll(async () => {
  await h.close();
});

const ACCOUNT = 'Microsoft.Dynamics.CRM.account';

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  h.api(path, { method: 'POST', body: JSON.stringify(body), headers });

const bulk = (action: string, targets: unknown[], headers: Record<string, string> = {}, set = 'accounts') =>
  post(`${set}/Microsoft.Dynamics.CRM.${action}`, { Targets: targets }, headers);

async function errorOf(response: Response): Promise<{ status: number; code: unknown; message: unknown }> {
  const body = (await response.json()) as { error: { code: unknown; message: unknown } };
  return { status: response.status, code: body.error.code, message: body.error.message };
}

async function namesLike(prefix: string): Promise<string[]> {
  const rows = await h.json<Collection>(`accounts?$select=name&$filter=startswith(name,'${prefix}')`);
  return rows.value.map((row) => String(row['name'])).sort();
}

async function events<T>(run: () => Promise<T>): Promise<{ result: T; changes: ChangeEvent[] }> {
  const store = await h.service.currentStore();
  const changes: ChangeEvent[] = [];
  const detach = store.onChange((event) => changes.push(event));
  try {
    return { result: await run(), changes };
  } finally {
    detach();
  }
}

describe('CreateMultiple / UpdateMultiple', () => {
  it('creates every target (200 CreateMultipleResponse), updates them (204), and both show in change tracking', async () => {
    const tracking = await h.json<Row>('accounts?$select=name', {
      headers: { Prefer: 'odata.track-changes' },
    });
    const deltaLink = String(tracking['@odata.deltaLink']);
    const chosen = randomUUID();
    const created = await bulk('CreateMultiple', [
      { name: 'Bulk A', address1_country: 'US', '@odata.type': ACCOUNT },
      { name: 'Bulk B', accountid: chosen, '@odata.type': ACCOUNT },
      { name: 'Bulk C', '@odata.type': `#${ACCOUNT}` },
    ]);
    expect(created.status).toBe(200);
    expect(created.headers.get('content-type')).toBe('application/json; odata.metadata=minimal');
    const body = (await created.json()) as { '@odata.context': string; Ids: string[] };
    expect(Object.keys(body)).toEqual(['@odata.context', 'Ids']);
    expect(body['@odata.context']).toBe(`${h.root}$metadata#Microsoft.Dynamics.CRM.CreateMultipleResponse`);
    expect(body.Ids).toHaveLength(3);
    expect(body.Ids[1]).toBe(chosen);
    const [a, b, c] = body.Ids;
    expect(await h.json(`accounts(${a})?$select=name,address1_country`)).toMatchObject({
      name: 'Bulk A',
      address1_country: 'US',
    });

    const updated = await bulk('UpdateMultiple', [
      { accountid: a, name: 'Bulk A updated', '@odata.type': ACCOUNT },
      { accountid: b, telephone1: '555-0101', '@odata.type': ACCOUNT },
    ]);
    expect(updated.status).toBe(204);
    expect(await updated.text()).toBe('');
    expect(await h.json(`accounts(${b})?$select=name,telephone1`)).toMatchObject({
      name: 'Bulk B',
      telephone1: '555-0101',
    });

    const delta = await h.json<Collection>(deltaLink);
    const changed = delta.value.map((row) => row['accountid']);
    expect(changed).toEqual(expect.arrayContaining([a, b, c]));
    expect(delta.value.find((row) => row['accountid'] === a)?.['name']).toBe('Bulk A updated');
  });

  it('validates each target like a single write and undoes all of them when one fails, naming the target', async () => {
    const tooLong = 'x'.repeat(161);
    const direct = await errorOf(await post('accounts', { name: tooLong }));
    const { result: response, changes } = await events(() =>
      bulk(
        'CreateMultiple',
        [
          { name: 'Rollback 1', '@odata.type': ACCOUNT },
          { name: tooLong, '@odata.type': ACCOUNT },
          { name: 'Rollback 3', '@odata.type': ACCOUNT },
        ],
        { Prefer: 'odata.include-annotations="*"' },
      ),
    );
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: Row };
    expect({ status: 400, code: body.error['code'], message: body.error['message'] }).toEqual(direct);
    expect(direct.code).toBe('0x80044331');
    expect(
      JSON.parse(String(body.error['@Microsoft.PowerApps.CDS.ErrorDetails.BulkApiErrorDetails'])),
    ).toEqual([{ RequestIndex: 1, Id: null, StatusCode: 400 }]);
    expect(await namesLike('Rollback')).toEqual([]);
    expect(changes).toEqual([]);

    // Without the annotation asked for, the envelope is the single write's.
    const plain = await bulk('CreateMultiple', [{ name: tooLong, '@odata.type': ACCOUNT }]);
    expect(await errorOf(plain)).toEqual(direct);
  });

  it('requires @odata.type on every target, of the set’s table', async () => {
    const missing = await bulk('CreateMultiple', [
      { name: 'Typed', '@odata.type': ACCOUNT },
      { name: 'Untyped' },
    ]);
    expect(await errorOf(missing)).toEqual({
      status: 400,
      code: '0x80060888',
      message:
        'An error occurred while validating input parameters: Microsoft.OData.ODataException: Does not support untyped value in non-open type.',
    });
    const otherTable = await errorOf(
      await bulk('CreateMultiple', [{ lastname: 'x', '@odata.type': 'Microsoft.Dynamics.CRM.contact' }]),
    );
    expect(otherTable).toMatchObject({ status: 400, code: '0x80040203' });
    expect(otherTable.message).toContain("every target must be of type 'Microsoft.Dynamics.CRM.account'");
    expect(
      await errorOf(
        await bulk('CreateMultiple', [{ name: 'x', '@odata.type': 'Microsoft.Dynamics.CRM.nope' }]),
      ),
    ).toEqual({
      status: 400,
      code: '0x80060888',
      message:
        "A type named 'Microsoft.Dynamics.CRM.nope' could not be resolved by the model. When a model is available, each type name must resolve to a valid type.",
    });
    expect(await namesLike('Typed')).toEqual([]);
    expect(await errorOf(await post('accounts/Microsoft.Dynamics.CRM.CreateMultiple', {}))).toMatchObject({
      status: 400,
      message: "Required field 'Targets' is missing",
    });
  });

  it('UpdateMultiple refuses a missing row or a target without a key, and undoes the others', async () => {
    const created = (await (
      await bulk('CreateMultiple', [{ name: 'Keep name', '@odata.type': ACCOUNT }])
    ).json()) as { Ids: string[] };
    const id = created.Ids[0];
    const ghost = '00000000-0000-4000-8000-00000000beef';
    const response = await bulk('UpdateMultiple', [
      { accountid: id, name: 'Changed name', '@odata.type': ACCOUNT },
      { accountid: ghost, name: 'Ghost', '@odata.type': ACCOUNT },
    ]);
    expect(await errorOf(response)).toEqual({
      status: 404,
      code: '0x80040217',
      message: `account With Ids = ${ghost} Do Not Exist`,
    });
    expect(await h.json(`accounts(${id})?$select=name`)).toMatchObject({ name: 'Keep name' });
    expect(
      await errorOf(await bulk('UpdateMultiple', [{ name: 'No key', '@odata.type': ACCOUNT }])),
    ).toMatchObject({ status: 400, message: 'Entity Id must be specified for Update' });
  });

  it('is refused for tables without the messages (productpricelevel), and other actions are not found', async () => {
    const response = await bulk(
      'CreateMultiple',
      [{ amount: 1, '@odata.type': 'Microsoft.Dynamics.CRM.productpricelevel' }],
      {},
      'productpricelevels',
    );
    expect(await errorOf(response)).toEqual({
      status: 400,
      code: '0x80040800',
      message:
        "The 'CreateMultiple' method does not support entities of type 'productpricelevel'. MessageProcessorCache returned MessageProcessor.Empty.",
    });
    expect((await bulk('DeleteMultiple', [])).status).toBe(404);
    expect((await h.api('accounts/Microsoft.Dynamics.CRM.CreateMultiple')).status).toBe(405);
  });
});

describe('UpsertMultiple', () => {
  it('creates or updates by primary key or by alternate key in @odata.id (relative or absolute)', async () => {
    const defined = await post("EntityDefinitions(LogicalName='account')/Keys", {
      SchemaName: 'mlc_bulk_accountnumber',
      DisplayName: { LocalizedLabels: [{ Label: 'Account number', LanguageCode: 1033 }] },
      KeyAttributes: ['accountnumber'],
    });
    expect(defined.status).toBe(204);
    const keys = await h.json<Collection>("EntityDefinitions(LogicalName='account')/Keys");
    expect(keys.value[0]?.['EntityKeyIndexStatus']).toBe('Active');

    const existing = (
      await h.json<Collection>('accounts?$select=name,accountnumber&$filter=accountnumber ne null&$top=2')
    ).value;
    const [byKey, byId] = existing;
    const newId = randomUUID();
    const response = await bulk('UpsertMultiple', [
      {
        '@odata.id': "accounts(accountnumber='UPS-NEW-1')",
        name: 'Upsert created by key',
        '@odata.type': ACCOUNT,
      },
      {
        '@odata.id': `${h.root}accounts(accountnumber='${String(byKey?.['accountnumber'])}')`,
        name: 'Upsert updated by key',
        accountnumber: 'IGNORED',
        '@odata.type': ACCOUNT,
      },
      { accountid: byId?.['accountid'], name: 'Upsert updated by id', '@odata.type': ACCOUNT },
      { accountid: newId, name: 'Upsert created by id', '@odata.type': ACCOUNT },
      { name: 'Upsert created without key', '@odata.type': ACCOUNT },
    ]);
    expect(response.status).toBe(204);
    expect(await response.text()).toBe('');

    expect(await h.json("accounts(accountnumber='UPS-NEW-1')?$select=name")).toMatchObject({
      name: 'Upsert created by key',
    });
    expect(
      await h.json(`accounts(${String(byKey?.['accountid'])})?$select=name,accountnumber`),
    ).toMatchObject({
      name: 'Upsert updated by key',
      accountnumber: byKey?.['accountnumber'],
    });
    expect(await h.json(`accounts(${String(byId?.['accountid'])})?$select=name`)).toMatchObject({
      name: 'Upsert updated by id',
    });
    expect(await h.json(`accounts(${newId})?$select=name`)).toMatchObject({ name: 'Upsert created by id' });
    expect(await namesLike('Upsert created without key')).toEqual(['Upsert created without key']);

    const wrongSet = await bulk('UpsertMultiple', [
      { '@odata.id': "contacts(accountnumber='X')", name: 'x', '@odata.type': ACCOUNT },
    ]);
    expect((await errorOf(wrongSet)).status).toBe(400);
    const noKey = await bulk('UpsertMultiple', [
      { '@odata.id': "accounts(name='not a key')", name: 'x', '@odata.type': ACCOUNT },
    ]);
    expect(await errorOf(noKey)).toMatchObject({
      status: 400,
      message: expect.stringContaining(
        "The key in the request URI is not valid for resource 'Microsoft.Dynamics.CRM.account'",
      ),
    });
  });

  it('keeps alternate keys unique across targets and rolls back on the duplicate', async () => {
    const response = await bulk('UpsertMultiple', [
      { '@odata.id': "accounts(accountnumber='UPS-DUP-1')", name: 'Dup first', '@odata.type': ACCOUNT },
      { name: 'Dup second', accountnumber: 'ups-dup-1', '@odata.type': ACCOUNT },
    ]);
    expect(await errorOf(response)).toMatchObject({ status: 412, code: '0x80060892' });
    expect(await namesLike('Dup ')).toEqual([]);
  });
});

describe('bulk messages inside $batch', () => {
  it('are undone with their changeset', async () => {
    const built = buildBatch([
      [
        {
          method: 'POST',
          url: 'accounts/Microsoft.Dynamics.CRM.CreateMultiple',
          contentId: '1',
          body: { Targets: [{ name: 'Batched bulk 1', '@odata.type': ACCOUNT }] },
        },
        {
          method: 'POST',
          url: 'accounts',
          contentId: '2',
          body: { name: 'Batched bulk 2', numberofemployees: -1 },
        },
      ],
    ]);
    const response = await h.api('$batch', {
      method: 'POST',
      body: built.body,
      headers: { 'Content-Type': built.contentType },
    });
    const parsed = await readBatchResponse(response);
    expect(parsed.status).toBe(400);
    expect(parsed.parts[0]?.changeset?.parts.map((part) => part.status)).toEqual([400]);
    expect(await namesLike('Batched bulk')).toEqual([]);
  });
});
