import {
  dataverseConnector,
  ensureAlternateKeys,
  ensureWebhook,
  runPing,
  systemClock,
  verifyChangeTracking,
} from '@mlc/connectors';
import type { PactV3 } from '@pact-foundation/pact';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { addBatchInteraction, literal } from '../support/batch-response';
import { type ConsumerWorld, startConsumerWorld } from '../support/consumer-world';
import {
  arrayContaining,
  batchPactWith,
  batchRequestContentType,
  boolean,
  dataverseLink,
  dataverseRequestHeaders,
  eachLike,
  fromProviderState,
  integer,
  jsonContent,
  odataJson,
  pactWith,
  regex,
  string,
  uuid,
} from '../support/pact';

/**
 * Set-up and diagnostics calls of the Dataverse connector: the full ping (WhoAmI, the application
 * user, the read checks in one `$batch`, change tracking, alternate keys), `ensureAlternateKeys`
 * creating a missing key, and `ensureWebhook` rewriting an existing endpoint or creating one.
 */
/**
 * The ping's `$batch` is compared byte for byte (README "`$batch`"): inside the connector's
 * `dataverse/batch.ts` only, `randomUUID` answers a fixed value, so its boundary is `BATCH`.
 */
vi.mock('node:crypto', async (importOriginal) => {
  const crypto = await importOriginal<typeof import('node:crypto')>();
  const randomUUID: typeof crypto.randomUUID = (options) =>
    /[\\/]dataverse[\\/]batch\.ts/.test(new Error().stack ?? '')
      ? '5e2c8f1a-7b3d-4c9e-a1f0-2d4b6c8e0a13'
      : crypto.randomUUID(options);
  return { ...crypto, default: { ...crypto, randomUUID }, randomUUID };
});

const pact = pactWith('dataverse');
const batchPact = batchPactWith('dataverse');
let world: ConsumerWorld;
beforeAll(async () => {
  world = await startConsumerWorld();
});
afterAll(async () => {
  await world?.close();
});

const USER_ID = '7d1b6b2a-3d1f-ef11-840a-000d3a5a1c2b';
const ENDPOINT_ID = '3c1e5a7b-9d2f-4e6a-8b1c-5d7e9f0a2b4c';
const FILTER_ID = '83c9bb11-8b3a-4f5e-9c5d-6e7f8a9b0c1d';
const MESSAGE_ID = '9ebdbb1b-ea3e-db11-86a7-000a3a5473e8';
const WEBHOOK_URL = 'https://portal.contoso.example/api/webhooks/dataverse';
const TRACKED = ['account', 'contact', 'opportunity', 'salesorder', 'product'];

/** The 15 `$top=1` reads of the ping, in the connector's order (`usedTables` in `ping.ts`). */
const READ_CHECKS: [string, string][] = [
  ['accounts', 'accountid'],
  ['contacts', 'contactid'],
  ['opportunities', 'opportunityid'],
  ['opportunityproducts', 'opportunityproductid'],
  ['salesorders', 'salesorderid'],
  ['salesorderdetails', 'salesorderdetailid'],
  ['products', 'productid'],
  ['productpricelevels', 'productpricelevelid'],
  ['pricelevels', 'pricelevelid'],
  ['uoms', 'uomid'],
  ['uomschedules', 'uomscheduleid'],
  ['transactioncurrencies', 'transactioncurrencyid'],
  ['serviceendpoints', 'serviceendpointid'],
  ['sdkmessageprocessingsteps', 'sdkmessageprocessingstepid'],
  ['sdkmessageprocessingstepimages', 'sdkmessageprocessingstepimageid'],
];
const BATCH = 'batch_5e2c8f1a-7b3d-4c9e-a1f0-2d4b6c8e0a13';
/**
 * The ping's `$batch` as shared/reference/dataverse.md §7 describes it (CRLF, GETs outside any
 * changeset): every part is pinned byte for byte; only the boundary may differ.
 */
const readChecksBatch = [
  ...READ_CHECKS.flatMap(([set, id]) => [
    `--${BATCH}`,
    'Content-Type: application/http',
    'Content-Transfer-Encoding: binary',
    '',
    `GET /api/data/v9.2/${set}?$select=${id}&$top=1 HTTP/1.1`,
    '',
  ]),
  `--${BATCH}--`,
  '',
].join('\r\n');

const keysQuery = { $select: 'LogicalName,SchemaName,KeyAttributes,EntityKeyIndexStatus' };
const activeKey = (column: string, schemaName: string) => ({
  value: arrayContaining({
    LogicalName: string(schemaName.toLowerCase()),
    SchemaName: string(schemaName),
    KeyAttributes: [column],
    EntityKeyIndexStatus: 'Active',
  }),
});

describe('Dataverse: the whole ping', () => {
  it('WhoAmI, the enabled application user of this app, the read checks in one $batch, change tracking, keys', async () => {
    pact
      .given('the app is an application user')
      .uponReceiving('WhoAmI (ping)')
      .withRequest({ method: 'GET', path: '/api/data/v9.2/WhoAmI', headers: dataverseRequestHeaders })
      .willRespondWith({
        status: 200,
        headers: { 'Content-Type': odataJson },
        body: {
          BusinessUnitId: uuid('4e2d3f9a-1b2c-ef11-840a-000d3a5a1c2b'),
          UserId: uuid(USER_ID),
          OrganizationId: uuid('a1b2c3d4-0000-4000-8000-000000000001'),
        },
      });
    pact
      .given('the app is an application user')
      .uponReceiving('the application user of this app, enabled')
      .withRequest({
        method: 'GET',
        path: fromProviderState(
          // biome-ignore lint/suspicious/noTemplateCurlyInString: a Pact provider-state expression
          '/api/data/v9.2/systemusers(${userId})',
          `/api/data/v9.2/systemusers(${USER_ID})`,
        ),
        query: { $select: 'fullname,applicationid,isdisabled' },
        headers: dataverseRequestHeaders,
      })
      .willRespondWith({
        status: 200,
        headers: { 'Content-Type': odataJson },
        body: {
          fullname: string('# ml-connector'),
          applicationid: uuid(world.app.clientId),
          isdisabled: false,
        },
      });
    pact
      .given('change tracking is enabled for the tracked tables')
      .uponReceiving('change tracking of the tracked tables, in one metadata query')
      .withRequest({
        method: 'GET',
        path: '/api/data/v9.2/EntityDefinitions',
        query: {
          $select: 'LogicalName,ChangeTrackingEnabled',
          $filter: TRACKED.map((t) => `LogicalName eq '${t}'`).join(' or '),
        },
        headers: dataverseRequestHeaders,
      })
      .willRespondWith({
        status: 200,
        headers: { 'Content-Type': odataJson },
        body: {
          value: arrayContaining(
            ...TRACKED.map((table) => ({ LogicalName: table, ChangeTrackingEnabled: boolean(true) })),
          ),
        },
      });
    for (const [table, column, schemaName] of [
      ['account', 'accountnumber', 'mlc_AccountNumber'],
      ['product', 'productnumber', 'mlc_ProductNumber'],
    ] as const) {
      pact
        .given('the account number and the product number are active alternate keys')
        .uponReceiving(`the alternate keys of ${table}`)
        .withRequest({
          method: 'GET',
          path: `/api/data/v9.2/EntityDefinitions(LogicalName='${table}')/Keys`,
          query: keysQuery,
          headers: dataverseRequestHeaders,
        })
        .willRespondWith({
          status: 200,
          headers: { 'Content-Type': odataJson },
          body: activeKey(column, schemaName),
        });
    }
    // Each part in order: 200 and the collection of its table (the connector reads the parts by
    // position, so `@odata.context` naming the table pins the order).
    const readChecks = addBatchInteraction(batchPact, {
      state: 'the app is an application user',
      description: 'the read checks of the ping: $top=1 of 15 tables in one $batch, continue on error',
      path: '/api/data/v9.2/$batch',
      headers: {
        ...dataverseRequestHeaders,
        Prefer: 'odata.continue-on-error',
        'Content-Type': batchRequestContentType('batch_[0-9a-f-]{36}', BATCH),
      },
      body: readChecksBatch,
      response: {
        status: 200,
        changeset: false,
        parts: READ_CHECKS.map(([set, id]) => ({
          status: 200,
          body: {
            '@odata.context': `https://contoso.crm.dynamics.com/api/data/v9.2/$metadata#${set}(${id})`,
            value: [{ '@odata.etag': 'W/"1"', [id]: '00000000-0000-4000-8000-000000000001' }],
          },
          bodyStart: `\\{"@odata\\.context":"[^"]*${literal(`$metadata#${set}`)}[("]`,
        })),
      },
    });
    await pact.executeTest(async (mock) =>
      readChecks.executeTest(async (batchMock) => {
        world.front.retarget(mock.url, [{ path: /^\/api\/data\/v9\.2\/\$batch/, url: batchMock.url }]);
        const { ctx, config } = world.dataverse();
        const checks = await runPing(dataverseConnector, ctx, config);
        const byName = new Map(checks.map((c) => [c.name, c]));
        expect(byName.get('application user')?.ok).toBe(true);
        for (const table of TRACKED) expect(byName.get(`change tracking ${table}`)?.ok).toBe(true);
        expect(byName.get('alternate key account(accountnumber)')?.ok).toBe(true);
        expect(byName.get('alternate key product(productnumber)')?.ok).toBe(true);
        // One part per table, each 200: every read check passes, in the order of the parts.
        const reads = checks.filter((c) => c.name.startsWith('read '));
        expect(reads).toHaveLength(READ_CHECKS.length);
        expect(reads.every((c) => c.ok)).toBe(true);
      }),
    );
  });

  it('verifyChangeTracking alone is the same single metadata query', async () => {
    // The interaction above; registered again for this mock server.
    pact
      .given('change tracking is enabled for the tracked tables')
      .uponReceiving('change tracking of the tracked tables, in one metadata query')
      .withRequest({
        method: 'GET',
        path: '/api/data/v9.2/EntityDefinitions',
        query: {
          $select: 'LogicalName,ChangeTrackingEnabled',
          $filter: TRACKED.map((t) => `LogicalName eq '${t}'`).join(' or '),
        },
        headers: dataverseRequestHeaders,
      })
      .willRespondWith({
        status: 200,
        headers: { 'Content-Type': odataJson },
        body: {
          value: arrayContaining(
            ...TRACKED.map((table) => ({ LogicalName: table, ChangeTrackingEnabled: boolean(true) })),
          ),
        },
      });
    await pact.executeTest(async (mock) => {
      world.front.retarget(mock.url);
      const { ctx, config } = world.dataverse();
      const states = await verifyChangeTracking(ctx, config);
      expect(states.every((s) => s.enabled)).toBe(true);
    });
  });
});

describe('Dataverse: alternate keys', () => {
  it('a missing key is created (POST EntityDefinitions(…)/Keys), then waited for', async () => {
    pact
      .given('the contact table has no alternate key on emailaddress1')
      .uponReceiving('the alternate keys of contact, none on emailaddress1')
      .withRequest({
        method: 'GET',
        path: "/api/data/v9.2/EntityDefinitions(LogicalName='contact')/Keys",
        query: keysQuery,
        headers: dataverseRequestHeaders,
      })
      .willRespondWith({ status: 200, headers: { 'Content-Type': odataJson }, body: { value: [] } });
    pact
      .given('the contact table has no alternate key on emailaddress1')
      .uponReceiving('a new alternate key of contact on emailaddress1')
      .withRequest({
        method: 'POST',
        path: "/api/data/v9.2/EntityDefinitions(LogicalName='contact')/Keys",
        headers: { ...dataverseRequestHeaders, 'Content-Type': jsonContent },
        body: {
          SchemaName: 'mlc_ContactEmail',
          DisplayName: {
            LocalizedLabels: [{ Label: string('Contact email (ml-connector)'), LanguageCode: 1033 }],
          },
          KeyAttributes: ['emailaddress1'],
        },
      })
      .willRespondWith({ status: 204 });
    await pact.executeTest(async (mock) => {
      world.front.retarget(mock.url);
      const { ctx, config } = world.dataverse({ alternateKeyTimeoutMs: 100 });
      // A clock past the deadline at once: the key is created, then the wait times out without
      // polling (the poll is the GET pinned above).
      let calls = 0;
      const clock = { now: () => Date.now() + (calls++ > 0 ? 3_600_000 : 0), sleep: systemClock.sleep };
      const error = await ensureAlternateKeys({ ...ctx, clock }, config, [
        {
          table: 'contact',
          schemaName: 'mlc_ContactEmail',
          displayName: 'Contact email (ml-connector)',
          columns: ['emailaddress1'],
        },
      ]).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'upstream_unavailable' });
    });
  });
});

const endpointQuery = {
  $select: 'serviceendpointid,name,url',
  $filter: "contract eq 8 and name eq 'ml-connector'",
};

function addFilterAndStepListing(p: PactV3): void {
  p.given('the webhook endpoint ml-connector exists with its salesorder Create step')
    .uponReceiving('the message filter of salesorder Create')
    .withRequest({
      method: 'GET',
      path: '/api/data/v9.2/sdkmessagefilters',
      query: {
        $select: 'sdkmessagefilterid,primaryobjecttypecode,_sdkmessageid_value',
        $expand: 'sdkmessageid($select=name)',
        $filter: "(primaryobjecttypecode eq 'salesorder' and (sdkmessageid/name eq 'Create'))",
      },
      headers: dataverseRequestHeaders,
    })
    .willRespondWith({
      status: 200,
      headers: { 'Content-Type': odataJson },
      body: {
        value: eachLike(
          {
            sdkmessagefilterid: uuid(FILTER_ID),
            primaryobjecttypecode: 'salesorder',
            _sdkmessageid_value: uuid(MESSAGE_ID),
            sdkmessageid: { name: 'Create' },
          },
          1,
        ),
      },
    });
  p.given('the webhook endpoint ml-connector exists with its salesorder Create step')
    .uponReceiving('the steps of our webhook endpoint')
    .withRequest({
      method: 'GET',
      path: '/api/data/v9.2/sdkmessageprocessingsteps',
      query: {
        $select:
          'sdkmessageprocessingstepid,name,stage,mode,rank,filteringattributes,asyncautodelete,statecode,_sdkmessagefilterid_value',
        $filter: fromProviderState(
          // biome-ignore lint/suspicious/noTemplateCurlyInString: a Pact provider-state expression
          '_eventhandler_value eq ${endpointId}',
          `_eventhandler_value eq ${ENDPOINT_ID}`,
        ),
      },
      headers: dataverseRequestHeaders,
    })
    .willRespondWith({
      status: 200,
      headers: { 'Content-Type': odataJson },
      body: {
        value: eachLike(
          {
            sdkmessageprocessingstepid: uuid('5a7c9e1b-3d5f-4a6b-8c9d-0e1f2a3b4c5d'),
            name: string('ml-connector: Create of salesorder'),
            stage: integer(40),
            mode: integer(1),
            rank: integer(1),
            filteringattributes: null,
            asyncautodelete: boolean(true),
            statecode: integer(0),
            _sdkmessagefilterid_value: uuid(FILTER_ID),
          },
          1,
        ),
      },
    });
}

const endpointBody = {
  name: 'ml-connector',
  url: string(WEBHOOK_URL),
  contract: 8,
  authtype: 5,
  authvalue: regex(
    /^<settings><setting name="[A-Za-z0-9-]+" value="[^"]*" \/><\/settings>$/,
    '<settings><setting name="x-mlc-webhook-secret" value="s3cr3t" /></settings>',
  ),
  messageformat: 2,
  userclaim: 1,
  description: string('Dynamics 365 Sales → F&O integration (ml-connector). Managed by the connector.'),
};

describe('Dataverse: the webhook', () => {
  it('an existing endpoint is rewritten (its secret cannot be read); its step is unchanged', async () => {
    pact
      .given('the webhook endpoint ml-connector exists with its salesorder Create step')
      .uponReceiving('our webhook endpoint by name')
      .withRequest({
        method: 'GET',
        path: '/api/data/v9.2/serviceendpoints',
        query: endpointQuery,
        headers: dataverseRequestHeaders,
      })
      .willRespondWith({
        status: 200,
        headers: { 'Content-Type': odataJson },
        body: {
          value: eachLike(
            { serviceendpointid: uuid(ENDPOINT_ID), name: 'ml-connector', url: string(WEBHOOK_URL) },
            1,
          ),
        },
      });
    pact
      .given('the webhook endpoint ml-connector exists with its salesorder Create step')
      .uponReceiving('our webhook endpoint rewritten with the secret')
      .withRequest({
        method: 'PATCH',
        path: fromProviderState(
          // biome-ignore lint/suspicious/noTemplateCurlyInString: a Pact provider-state expression
          '/api/data/v9.2/serviceendpoints(${endpointId})',
          `/api/data/v9.2/serviceendpoints(${ENDPOINT_ID})`,
        ),
        headers: { ...dataverseRequestHeaders, 'If-Match': '*', 'Content-Type': jsonContent },
        body: endpointBody,
      })
      .willRespondWith({ status: 204 });
    addFilterAndStepListing(pact);
    await pact.executeTest(async (mock) => {
      world.front.retarget(mock.url);
      const { ctx, config } = world.dataverse();
      const setup = await ensureWebhook(ctx, config, {
        url: WEBHOOK_URL,
        secret: 's3cr3t',
        steps: [{ table: 'salesorder', message: 'Create' }],
      });
      expect(setup).toMatchObject({
        serviceEndpointId: ENDPOINT_ID,
        endpoint: 'updated',
        steps: [{ outcome: 'unchanged' }],
      });
    });
  });

  it('a missing endpoint is created; the id comes from OData-EntityId', async () => {
    pact
      .given('no webhook endpoint is named ml-connector')
      .uponReceiving('our webhook endpoint by name, when there is none')
      .withRequest({
        method: 'GET',
        path: '/api/data/v9.2/serviceendpoints',
        query: endpointQuery,
        headers: dataverseRequestHeaders,
      })
      .willRespondWith({ status: 200, headers: { 'Content-Type': odataJson }, body: { value: [] } });
    pact
      .given('no webhook endpoint is named ml-connector')
      .uponReceiving('a new webhook endpoint')
      .withRequest({
        method: 'POST',
        path: '/api/data/v9.2/serviceendpoints',
        headers: { ...dataverseRequestHeaders, 'Content-Type': jsonContent },
        body: endpointBody,
      })
      .willRespondWith({
        status: 204,
        headers: {
          'OData-EntityId': dataverseLink(
            `serviceendpoints(${ENDPOINT_ID})`,
            'serviceendpoints\\([0-9a-f-]{36}\\)',
          ),
        },
      });
    addFilterAndStepListing(pact);
    await pact.executeTest(async (mock) => {
      world.front.retarget(mock.url);
      const { ctx, config } = world.dataverse();
      const setup = await ensureWebhook(ctx, config, {
        url: WEBHOOK_URL,
        secret: 's3cr3t',
        steps: [{ table: 'salesorder', message: 'Create' }],
      });
      expect(setup).toMatchObject({ serviceEndpointId: ENDPOINT_ID, endpoint: 'created' });
    });
  });
});
