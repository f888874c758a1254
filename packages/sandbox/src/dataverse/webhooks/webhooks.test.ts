import { describe, expect, it } from 'vitest';
import { DataverseError } from '../errors';
import { metadata } from '../metadata/registry';
import { executionContext, MAX_MESSAGE_BYTES, updateTarget, webhookBody } from './context';
import { isLoopbackHost, parseAuthSettings, splitAttributes } from './registration';
import { attributeValue, serializeWcf } from './wcf';

const CONTRACTS = 'http://schemas.microsoft.com/xrm/2011/Contracts';
const salesorder = metadata.entity('salesorder');

describe('WCF values', () => {
  it('types money, options, lookups and dates as the platform serialises them', () => {
    expect(attributeValue(salesorder.attributes.get('totalamount'), 12.5)).toEqual({
      __type: `Money:${CONTRACTS}`,
      Value: 12.5,
    });
    expect(attributeValue(salesorder.attributes.get('statecode'), 1)).toEqual({
      __type: `OptionSetValue:${CONTRACTS}`,
      Value: 1,
    });
    expect(attributeValue(salesorder.attributes.get('paymenttermscode'), 2)).toMatchObject({ Value: 2 });
    expect(
      attributeValue(salesorder.attributes.get('customerid'), { id: 'a1', logicalName: 'account' }),
    ).toEqual({
      __type: `EntityReference:${CONTRACTS}`,
      Id: 'a1',
      KeyAttributes: [],
      LogicalName: 'account',
      Name: null,
      RowVersion: null,
    });
    expect(attributeValue(salesorder.attributes.get('modifiedon'), '2017-09-26T00:04:07Z')).toBe(
      '/Date(1506384247000)/',
    );
    expect(attributeValue(salesorder.attributes.get('requestdeliveryby'), '2025-06-01')).toBe(
      `/Date(${Date.UTC(2025, 5, 1)})/`,
    );
    expect(attributeValue(salesorder.attributes.get('name'), 'x')).toBe('x');
    expect(attributeValue(salesorder.attributes.get('ispricelocked'), true)).toBe(true);
    expect(attributeValue(salesorder.attributes.get('name'), undefined)).toBeNull();
  });

  it('escapes every slash as DataContractJsonSerializer does', () => {
    expect(serializeWcf({ OperationCreatedOn: '/Date(1+0000)/', t: `Entity:${CONTRACTS}` })).toBe(
      '{"OperationCreatedOn":"\\/Date(1+0000)\\/","t":"Entity:http:\\/\\/schemas.microsoft.com\\/xrm\\/2011\\/Contracts"}',
    );
  });
});

describe('registration helpers', () => {
  it('reads HttpHeader/HttpQueryString settings and refuses anything else', () => {
    expect(
      parseAuthSettings(
        '<settings><setting name="x-api-key" value="a&amp;b"/>\n <setting name="x-two" value="2" /></settings>',
      ),
    ).toEqual([
      ['x-api-key', 'a&b'],
      ['x-two', '2'],
    ]);
    for (const bad of [
      '',
      'x-api-key: 1',
      '<settings></settings>',
      '<settings><setting name="" value="1"/></settings>',
    ]) {
      expect(() => parseAuthSettings(bad), bad).toThrow(DataverseError);
    }
  });

  it('knows the loopback names and splits filtering attributes', () => {
    expect(['127.0.0.1', 'localhost', '[::1]', '127.1.2.3'].every(isLoopbackHost)).toBe(true);
    expect(['example.com', '10.0.0.1', 'localhost.example.com'].some(isLoopbackHost)).toBe(false);
    expect(splitAttributes(' StateCode, statuscode,,')).toEqual(['statecode', 'statuscode']);
  });
});

describe('message size', () => {
  const operation = {
    businessUnitId: 'bu',
    correlationId: 'c',
    depth: 1,
    userId: 'u',
    operationCreatedOn: new Date(0),
    operationId: 'o',
    organizationId: 'org',
    organizationName: 'Org',
    stepId: 's',
  };
  const contextWith = (description: string) => {
    const row = { id: 'r1', version: 1, values: { salesorderid: 'r1', description } };
    const execution = {
      messageName: 'Update',
      primaryEntityName: 'salesorder',
      primaryEntityId: 'r1',
      inputParameters: [
        { key: 'Target', value: updateTarget(metadata, row, 'salesorder', ['description'], true) },
      ],
      outputParameters: [],
      preEntityImages: [],
      postEntityImages: [],
      sharedVariables: [],
      stage: 40,
    };
    return executionContext(
      execution,
      operation,
      executionContext({ ...execution, stage: 30 }, operation, null),
    );
  };

  it('keeps a body up to 256 KB and drops parameters, images and parent context above it', () => {
    expect(MAX_MESSAGE_BYTES).toBe(262_144);
    const small = webhookBody(contextWith('short'));
    expect(small.sizeExceeded).toBe(false);
    expect(Object.keys(JSON.parse(small.body.toString()) as object)).toContain('ParentContext');
    const large = webhookBody(contextWith('x'.repeat(140_000)));
    expect(large.sizeExceeded).toBe(true);
    const body = JSON.parse(large.body.toString()) as Record<string, unknown>;
    for (const key of ['ParentContext', 'InputParameters', 'PreEntityImages', 'PostEntityImages'])
      expect(body).not.toHaveProperty(key);
    expect(body).toMatchObject({ MessageName: 'Update', PrimaryEntityId: 'r1', Stage: 40 });
  });
});
