import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './dataverse-harness';

type Row = Record<string, unknown>;
type Collection = { value: Row[] };

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

const patchOrder = (id: string, body: unknown) =>
  h.api(`salesorders(${id})`, { method: 'PATCH', body: JSON.stringify(body), headers: { 'If-Match': '*' } });

describe('ml-connector solution columns', () => {
  it('salesorder.mlc_erpordernumber: written as the connector does, read back, filtered, in the metadata; unknown columns still refused', async () => {
    const [order] = (
      await h.json<Collection>(
        'salesorders?$select=ordernumber,mlc_erpordernumber&$filter=statecode eq 0&$top=1',
      )
    ).value;
    if (!order) throw new Error('no Active order in the seed');
    const id = String(order['salesorderid']);
    expect(order['mlc_erpordernumber']).toBeNull();

    expect((await patchOrder(id, { mlc_erpordernumber: 'SO-000061' })).status).toBe(204);
    const read = await h.json<Row>(`salesorders(${id})?$select=mlc_erpordernumber`);
    expect(read['mlc_erpordernumber']).toBe('SO-000061');
    const filtered = await h.json<Collection>(
      "salesorders?$select=salesorderid&$filter=mlc_erpordernumber eq 'so-000061'",
    );
    expect(filtered.value.map((r) => r['salesorderid'])).toEqual([id]);

    const tooLong = await patchOrder(id, { mlc_erpordernumber: 'x'.repeat(101) });
    expect(tooLong.status).toBe(400);
    expect(((await tooLong.json()) as { error: { code: string } }).error.code).toBe('0x80044331');

    const unknown = await patchOrder(id, { erpordernumber: 'SO-000062' });
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({
      error: {
        code: '0x80060888',
        message: "Invalid property 'erpordernumber' was found in entity 'Microsoft.Dynamics.CRM.salesorder'.",
      },
    });
    expect((await h.json<Row>(`salesorders(${id})?$select=mlc_erpordernumber`))['mlc_erpordernumber']).toBe(
      'SO-000061',
    );

    const attributes = await h.json<Collection>("EntityDefinitions(LogicalName='salesorder')/Attributes");
    expect(attributes.value.find((a) => a['LogicalName'] === 'mlc_erpordernumber')).toMatchObject({
      AttributeType: 'String',
      MaxLength: 100,
      RequiredLevel: { Value: 'None' },
      IsValidForCreate: true,
      IsValidForUpdate: true,
      IsValidForRead: true,
      DisplayName: { UserLocalizedLabel: { Label: 'ERP order number' } },
    });
  });
});
