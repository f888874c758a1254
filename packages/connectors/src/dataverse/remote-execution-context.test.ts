import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConnectorError } from '../core/errors';
import { parseRemoteExecutionContext } from './remote-execution-context';

const sampleText = readFileSync(
  new URL('./__fixtures__/update_contact_from_msdocs.json', import.meta.url),
  'utf8',
);
const sample = (): Record<string, unknown> => JSON.parse(sampleText);

const CONTRACTS = 'http://schemas.microsoft.com/xrm/2011/Contracts';

/** The sample with its Target's attributes replaced. */
function withTargetAttributes(
  attributes: { key: string; value: unknown }[],
  extra: Record<string, unknown> = {},
) {
  const body = sample();
  body['InputParameters'] = [
    {
      key: 'Target',
      value: {
        __type: `Entity:${CONTRACTS}`,
        Attributes: attributes,
        EntityState: null,
        FormattedValues: [],
        Id: '6d81597f-0f9f-e711-8122-000d3aa2331c',
        KeyAttributes: [],
        LogicalName: 'salesorder',
        RelatedEntities: [],
        RowVersion: null,
      },
    },
  ];
  return { ...body, ...extra };
}

function rejection(run: () => unknown): ConnectorError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConnectorError) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

describe('parseRemoteExecutionContext', () => {
  it('parses the Microsoft Learn sample (Update of a contact)', () => {
    const event = parseRemoteExecutionContext(sampleText);
    expect(event).toMatchObject({
      messageName: 'Update',
      primaryEntityName: 'contact',
      primaryEntityId: '6d81597f-0f9f-e711-8122-000d3aa2331c',
      secondaryEntityName: undefined,
      stage: 40,
      mode: 1,
      depth: 1,
      correlationId: 'aaaa0000-bb11-2222-33cc-444444dddddd',
      requestId: undefined,
      operationId: '4af10637-4ea2-e711-8122-000d3aa2331c',
      operationCreatedOn: '2017-09-26T07:04:08.000Z',
      initiatingUserId: '11bb11bb-cc22-dd33-ee44-55ff55ff55ff',
      userId: '11bb11bb-cc22-dd33-ee44-55ff55ff55ff',
      businessUnitId: 'e2b9dd85-e89e-e711-8122-000d3aa2331c',
      organizationId: '00aa00aa-bb11-cc22-dd33-44ee44ee44ee',
      organizationName: 'OrgName',
      owningExtension: {
        logicalName: 'sdkmessageprocessingstep',
        id: '75417616-4ea2-e711-8122-000d3aa2331c',
        name: null,
      },
      truncated: false,
    });
    expect(event.changedAttributes).toEqual({
      firstname: 'James',
      contactid: '6d81597f-0f9f-e711-8122-000d3aa2331c',
      fullname: 'James Glynn (sample)',
      yomifullname: 'James Glynn (sample)',
      modifiedon: '2017-09-26T00:04:07.000Z',
      modifiedby: { logicalName: 'systemuser', id: '11bb11bb-cc22-dd33-ee44-55ff55ff55ff', name: null },
      modifiedonbehalfby: null,
    });
    expect(event.target).toMatchObject({
      logicalName: 'contact',
      id: '6d81597f-0f9f-e711-8122-000d3aa2331c',
    });
    expect(event.postImages['AsynchronousStepPrimaryName']?.attributes).toEqual({
      fullname: 'James Glynn (sample)',
      contactid: '6d81597f-0f9f-e711-8122-000d3aa2331c',
    });
    expect(event.postImageAttributes).toEqual({
      fullname: 'James Glynn (sample)',
      contactid: '6d81597f-0f9f-e711-8122-000d3aa2331c',
    });
    expect(event.preImages).toEqual({});
  });

  it('exposes the versionnumber of a post image as an exact decimal string', () => {
    // The sample has no version: only its AsynchronousStepPrimaryName image.
    expect(parseRemoteExecutionContext(sample()).postImageVersion).toBeUndefined();
    const withImage = (value: unknown) => {
      const body = sample();
      const image = (alias: string, attributes: { key: string; value: unknown }[]) => ({
        key: alias,
        value: {
          Attributes: attributes,
          EntityState: null,
          FormattedValues: [],
          Id: '6d81597f-0f9f-e711-8122-000d3aa2331c',
          KeyAttributes: [],
          LogicalName: 'contact',
          RelatedEntities: [],
          RowVersion: null,
        },
      });
      body['PostEntityImages'] = [
        image('mlc_post', [
          { key: 'versionnumber', value },
          { key: 'contactid', value: '6d81597f-0f9f-e711-8122-000d3aa2331c' },
        ]),
        ...(body['PostEntityImages'] as unknown[]),
      ];
      return body;
    };
    const event = parseRemoteExecutionContext(withImage(1304811));
    expect(event.postImageVersion).toBe('1304811');
    expect(event.postImages['mlc_post']?.attributes['versionnumber']).toBe(1304811);
    expect(event.postImageAttributes?.['fullname']).toBe('James Glynn (sample)');
    // From the text, the version a JSON number cannot hold exactly is not guessed.
    expect(parseRemoteExecutionContext(JSON.stringify(withImage(2 ** 60))).postImageVersion).toBeUndefined();
    expect(parseRemoteExecutionContext(withImage('18446744073709551615')).postImageVersion).toBe(
      '18446744073709551615',
    );
    // A message over 256 KB has no images, so no version.
    expect(
      parseRemoteExecutionContext(withImage(7), { 'x-ms-dynamics-msg-size-exceeded': 'true' })
        .postImageVersion,
    ).toBeUndefined();
  });

  it('accepts the body as parsed JSON, text or bytes', () => {
    const fromObject = parseRemoteExecutionContext(sample());
    expect(parseRemoteExecutionContext(Buffer.from(`\uFEFF${sampleText}`))).toEqual(fromObject);
    expect(parseRemoteExecutionContext(sampleText)).toEqual(fromObject);
  });

  it('converts Money, OptionSetValue, multi-select choices, EntityCollection and both date forms', () => {
    const event = parseRemoteExecutionContext(
      withTargetAttributes([
        { key: 'totalamount', value: { __type: `Money:${CONTRACTS}`, Value: 1234.5 } },
        { key: 'statuscode', value: { __type: `OptionSetValue:${CONTRACTS}`, Value: 100001 } },
        {
          key: 'new_regions',
          value: [
            { __type: `OptionSetValue:${CONTRACTS}`, Value: 1 },
            { __type: `OptionSetValue:${CONTRACTS}`, Value: 3 },
          ],
        },
        {
          key: 'customerid',
          value: {
            __type: `EntityReference:${CONTRACTS}`,
            Id: 'A1B2C3D4-0000-0000-0000-000000000001',
            KeyAttributes: [],
            LogicalName: 'contact',
            Name: 'Jane Doe',
            RowVersion: null,
          },
        },
        { key: 'submitdate', value: '/Date(1506409448000)/' },
        { key: 'datefulfilled', value: '/Date(1506409448000-0700)/' },
        { key: 'requestdeliveryby', value: '/Date(-2208988800000+0100)/' },
        { key: 'ispricelocked', value: true },
        { key: 'discountpercentage', value: 2.5 },
        { key: 'description', value: 'Not a /Date(1)/ date' },
        {
          key: 'customers',
          value: {
            __type: `EntityCollection:${CONTRACTS}`,
            Entities: [
              {
                __type: `Entity:${CONTRACTS}`,
                Attributes: [
                  {
                    key: 'partyid',
                    value: {
                      __type: `EntityReference:${CONTRACTS}`,
                      Id: '{0E6E3D4C-0000-0000-0000-000000000002}',
                      LogicalName: 'account',
                      Name: 'Contoso',
                    },
                  },
                  {
                    key: 'participationtypemask',
                    value: { __type: `OptionSetValue:${CONTRACTS}`, Value: 11 },
                  },
                ],
                Id: '00000000-0000-0000-0000-000000000000',
                LogicalName: 'activityparty',
              },
            ],
            EntityName: 'activityparty',
            MoreRecords: false,
            PagingCookie: null,
            TotalRecordCount: -1,
          },
        },
        {
          key: 'aliased',
          value: {
            __type: `AliasedValue:${CONTRACTS}`,
            AttributeLogicalName: 'name',
            EntityLogicalName: 'account',
            Value: 'X',
          },
        },
      ]),
    );
    expect(event.changedAttributes).toEqual({
      totalamount: 1234.5,
      statuscode: 100001,
      new_regions: [1, 3],
      customerid: { logicalName: 'contact', id: 'a1b2c3d4-0000-0000-0000-000000000001', name: 'Jane Doe' },
      submitdate: '2017-09-26T07:04:08.000Z',
      datefulfilled: '2017-09-26T07:04:08.000Z',
      requestdeliveryby: '1900-01-01T00:00:00.000Z',
      ispricelocked: true,
      discountpercentage: 2.5,
      description: 'Not a /Date(1)/ date',
      customers: [
        {
          logicalName: 'activityparty',
          id: '00000000-0000-0000-0000-000000000000',
          attributes: {
            partyid: { logicalName: 'account', id: '0e6e3d4c-0000-0000-0000-000000000002', name: 'Contoso' },
            participationtypemask: 11,
          },
        },
      ],
      aliased: 'X',
    });
    expect(event.primaryEntityName).toBe('contact'); // from the context, not the target
  });

  it('handles a Delete, whose Target is an entity reference, and missing optional parts', () => {
    const body = sample();
    body['MessageName'] = 'Delete';
    body['InputParameters'] = [
      {
        key: 'Target',
        value: {
          __type: `EntityReference:${CONTRACTS}`,
          Id: '6d81597f-0f9f-e711-8122-000d3aa2331c',
          KeyAttributes: [],
          LogicalName: 'contact',
          Name: null,
          RowVersion: null,
        },
      },
    ];
    for (const key of [
      'PostEntityImages',
      'PreEntityImages',
      'OwningExtension',
      'BusinessUnitId',
      'OperationCreatedOn',
      'ParentContext',
    ]) {
      delete body[key];
    }
    body['SecondaryEntityName'] = 'account';
    body['SomethingNew'] = { introduced: 'in a later version' };
    const event = parseRemoteExecutionContext(body);
    expect(event.messageName).toBe('Delete');
    expect(event.target).toEqual({
      logicalName: 'contact',
      id: '6d81597f-0f9f-e711-8122-000d3aa2331c',
      name: null,
    });
    expect(event.changedAttributes).toEqual({});
    expect(event.postImageAttributes).toBeUndefined();
    expect(event.owningExtension).toBeUndefined();
    expect(event.businessUnitId).toBeUndefined();
    expect(event.operationCreatedOn).toBeUndefined();
    expect(event.secondaryEntityName).toBe('account');
    expect(event.truncated).toBe(false);
  });

  it('recognises a message over 256 KB (header set, parameters and images left out)', () => {
    const body = sample();
    for (const key of ['InputParameters', 'PreEntityImages', 'PostEntityImages', 'ParentContext'])
      delete body[key];
    const event = parseRemoteExecutionContext(body, { 'X-MS-Dynamics-Msg-Size-Exceeded': '' });
    expect(event.truncated).toBe(true);
    expect(event.target).toBeUndefined();
    expect(event.changedAttributes).toEqual({});
    expect(event.primaryEntityId).toBe('6d81597f-0f9f-e711-8122-000d3aa2331c');
    // The header alone is enough, even if Dataverse left the keys in place.
    expect(
      parseRemoteExecutionContext(sample(), { 'x-ms-dynamics-msg-size-exceeded': 'true' }).truncated,
    ).toBe(true);
    expect(parseRemoteExecutionContext(sample(), {}).truncated).toBe(false);
  });

  it('rejects malformed bodies with a clear schema_mismatch', () => {
    const missingId = sample();
    delete missingId['PrimaryEntityId'];
    const error = rejection(() => parseRemoteExecutionContext(missingId));
    expect(error.code).toBe('schema_mismatch');
    expect(error.message).toMatch(/RemoteExecutionContext.*PrimaryEntityId/);

    const badGuid = { ...sample(), CorrelationId: 'not-a-guid' };
    expect(rejection(() => parseRemoteExecutionContext(badGuid)).message).toMatch(
      /CorrelationId: expected a GUID/,
    );

    expect(rejection(() => parseRemoteExecutionContext('{not json')).code).toBe('schema_mismatch');
    expect(rejection(() => parseRemoteExecutionContext(null)).code).toBe('schema_mismatch');
    expect(rejection(() => parseRemoteExecutionContext([])).code).toBe('schema_mismatch');

    const badDate = { ...sample(), OperationCreatedOn: '/Date(soon)/' };
    expect(rejection(() => parseRemoteExecutionContext(badDate)).message).toMatch(/OperationCreatedOn/);

    const badTarget = withTargetAttributes([]);
    (badTarget['InputParameters'] as { value: unknown }[])[0] = { key: 'Target', value: 'a string' } as never;
    expect(rejection(() => parseRemoteExecutionContext(badTarget)).message).toMatch(/Target/);
  });
});
