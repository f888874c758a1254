import {
  createDataverseHttpClient,
  dataverseConfigSchema,
  ensureWebhook,
  type HttpClient,
  systemClock,
} from '@mlc/connectors';
import { silentLogger } from './consumer-world';
import type { ProviderWorld } from './provider-world';

/** A provider-state handler: the values it returns feed the pact's `fromProviderState` expressions. */
type StateFunc = (params?: unknown) => Promise<Record<string, string> | undefined>;
export type StateHandlers = Record<string, StateFunc | { setup?: StateFunc; teardown?: StateFunc }>;

const API = '/api/data/v9.2/';

/**
 * Provider states of the Dataverse pact, set up through the sandbox's Web API (with a real token)
 * and its control API. A handler returns the values the pact takes `fromProviderState` (ids,
 * paging and delta tokens only the running sandbox knows).
 */
export function dataverseStates(world: ProviderWorld): StateHandlers {
  const base = world.sandbox.urls.dataverse;
  const get = async (path: string, prefer?: string) => {
    const response = await world.call(
      'GET',
      path.startsWith('https:') ? path : `${base}${API}${path}`,
      undefined,
      {
        auth: 'dataverse',
        ...(prefer ? { headers: { Prefer: prefer } } : {}),
      },
    );
    if (response.status !== 200)
      throw new Error(`GET ${path}: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body as Record<string, unknown> & { value: Record<string, unknown>[] };
  };
  const firstId = async (set: string, idColumn: string, filter?: string) => {
    const page = await get(
      `${set}?$select=${idColumn}&$top=1${filter ? `&$filter=${encodeURIComponent(filter)}` : ''}`,
    );
    const id = page.value[0]?.[idColumn];
    if (typeof id !== 'string') throw new Error(`the sandbox has no ${set} row`);
    return id;
  };
  const queryParam = (link: unknown, name: string): string => {
    const value = new URL(String(link)).searchParams.get(name);
    if (!value) throw new Error(`no ${name} in ${String(link)}`);
    return value;
  };
  /** Creates the alternate key when it is missing and waits until it is Active. */
  const activeKey = async (table: string, column: string, schemaName: string) => {
    const keysPath = `EntityDefinitions(LogicalName='${table}')/Keys?$select=KeyAttributes,EntityKeyIndexStatus`;
    const mine = (k: Record<string, unknown>) =>
      JSON.stringify(k['KeyAttributes']) === JSON.stringify([column]);
    if (!(await get(keysPath)).value.some(mine)) {
      await world.call(
        'POST',
        `${base}${API}EntityDefinitions(LogicalName='${table}')/Keys`,
        {
          SchemaName: schemaName,
          DisplayName: { LocalizedLabels: [{ Label: `${column} (ml-connector)`, LanguageCode: 1033 }] },
          KeyAttributes: [column],
        },
        { auth: 'dataverse' },
      );
    }
    const until = Date.now() + 15_000;
    while (!(await get(keysPath)).value.some((k) => mine(k) && k['EntityKeyIndexStatus'] === 'Active')) {
      if (Date.now() > until) throw new Error(`the ${table}.${column} key did not become Active`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  };
  /** The Dataverse connector itself, for states it sets up best (the webhook). */
  const withConnector = async <T>(
    run: (
      ctx: Parameters<typeof ensureWebhook>[0],
      config: Parameters<typeof ensureWebhook>[1],
    ) => Promise<T>,
  ): Promise<T> => {
    const config = dataverseConfigSchema.parse({
      url: base,
      authorityHost: world.sandbox.urls.entra,
      tenantId: world.sandbox.tenantId,
      clientId: world.clientId,
      clientSecret: world.clientSecret,
      sandbox: { caPem: world.sandbox.caPem },
    });
    const logger = silentLogger();
    const http: HttpClient = createDataverseHttpClient(config, { logger });
    try {
      return await run({ http, logger, signal: new AbortController().signal, clock: systemClock }, config);
    } finally {
      await http.close();
    }
  };
  const CATALOG =
    'the unit group Default Unit with the unit Each and the price list Standard Price List (USD) exist';
  /** The seed's unit group "Default Unit" and its unit "Each". */
  const catalog = async () => {
    const unitGroupId = await firstId('uomschedules', 'uomscheduleid', "name eq 'Default Unit'");
    const unitId = await firstId(
      'uoms',
      'uomid',
      `_uomscheduleid_value eq ${unitGroupId} and name eq 'Each'`,
    );
    await firstId('pricelevels', 'pricelevelid', "name eq 'Standard Price List (USD)'");
    return { unitGroupId, unitId };
  };
  return {
    'the app is an application user': async () => {
      const me = (await get('WhoAmI')) as unknown as { UserId: string };
      return { userId: me.UserId };
    },
    'accounts exist and change tracking is enabled for account': async () => {
      const select =
        'accountid,name,accountnumber,telephone1,emailaddress1,websiteurl,address1_line1,address1_city,' +
        'address1_stateorprovince,address1_postalcode,address1_country,paymenttermscode,creditlimit,creditonhold,' +
        '_primarycontactid_value,_parentaccountid_value,_transactioncurrencyid_value,statecode,statuscode,modifiedon';
      const first = await get(`accounts?$select=${select}`, 'odata.track-changes,odata.maxpagesize=2');
      const skiptoken = queryParam(first['@odata.nextLink'], '$skiptoken');
      // A delta token from before a deletion, so the incremental read has a $deletedEntity.
      const created = await world.call(
        'POST',
        `${base}${API}accounts`,
        { name: 'contract-tests deleted account' },
        {
          auth: 'dataverse',
        },
      );
      const entityId = created.headers['odata-entityid'] ?? '';
      let page = await get('accounts?$select=accountid,name', 'odata.track-changes,odata.maxpagesize=5000');
      while (page['@odata.nextLink']) {
        page = await get(String(page['@odata.nextLink']), 'odata.track-changes,odata.maxpagesize=5000');
      }
      const deltatoken = queryParam(page['@odata.deltaLink'], '$deltatoken');
      await world.call('DELETE', entityId, undefined, { auth: 'dataverse' });
      return { skiptoken, deltatoken };
    },
    ...Object.fromEntries(
      ['contacts', 'opportunities', 'salesorders', 'products'].map((set) => [
        `${set} exist and change tracking is enabled for them`,
        async () => undefined,
      ]),
    ),
    [CATALOG]: catalog,
    [`${CATALOG}, and the product number is an active alternate key`]: async () => {
      await activeKey('product', 'productnumber', 'mlc_ProductNumber');
      return catalog();
    },
    [`${CATALOG}, and the group has no unit Box of 6`]: async () => {
      const ids = await catalog();
      const found = await get(
        `uoms?$select=uomid&$filter=${encodeURIComponent(`_uomscheduleid_value eq ${ids.unitGroupId} and name eq 'Box of 6'`)}`,
      );
      for (const row of found.value) {
        await world.call('DELETE', `${base}${API}uoms(${String(row['uomid'])})`, undefined, {
          auth: 'dataverse',
        });
      }
      return ids;
    },
    'no product IE-20001 is in Draft': async () => {
      const drafts = await get(
        `products?$select=productid&$filter=${encodeURIComponent("statecode eq 2 and productnumber eq 'IE-20001'")}`,
      );
      for (const row of drafts.value) {
        await world.call(
          'PATCH',
          `${base}${API}products(${String(row['productid'])})`,
          { statecode: 0, statuscode: 1 },
          { auth: 'dataverse', headers: { 'If-Match': '*' } },
        );
      }
      return undefined;
    },
    'a price list, a product and its unit exist, without a price-list item': async () => {
      const priceListId = await firstId('pricelevels', 'pricelevelid', "name eq 'Standard Price List (USD)'");
      const { unitId } = await catalog();
      const productId = await firstId('products', 'productid', 'statecode eq 0');
      const items = await get(
        `productpricelevels?$select=productpricelevelid&$filter=${encodeURIComponent(
          `_pricelevelid_value eq ${priceListId} and _productid_value eq ${productId} and _uomid_value eq ${unitId}`,
        )}`,
      );
      for (const row of items.value) {
        const id = String(row['productpricelevelid']);
        await world.call('DELETE', `${base}${API}productpricelevels(${id})`, undefined, {
          auth: 'dataverse',
        });
      }
      return { priceListId, productId, unitId };
    },
    'a price list, a product and its unit exist, the product in no price list': async () => {
      const productId = await firstId('products', 'productid', 'statecode eq 0');
      const product = await get(`products(${productId})?$select=productnumber`);
      const productNumber = String((product as unknown as Record<string, unknown>)['productnumber']);
      const items = await get(
        `productpricelevels?$select=productpricelevelid&$filter=${encodeURIComponent(`_productid_value eq ${productId}`)}`,
      );
      for (const row of items.value) {
        const id = String(row['productpricelevelid']);
        await world.call('DELETE', `${base}${API}productpricelevels(${id})`, undefined, {
          auth: 'dataverse',
        });
      }
      await catalog();
      return { productId, productNumber };
    },
    'a sales order with lines exists, its customer an account': async () => {
      const page = await get(
        'salesorders?$select=salesorderid,_customerid_value&$expand=order_details($select=salesorderdetailid)&$top=50',
        'odata.include-annotations="Microsoft.Dynamics.CRM.lookuplogicalname"',
      );
      const order = page.value.find(
        (row) =>
          row['_customerid_value@Microsoft.Dynamics.CRM.lookuplogicalname'] === 'account' &&
          Array.isArray(row['order_details']) &&
          row['order_details'].length > 0,
      );
      if (!order) throw new Error('the sandbox has no sales order with lines and an account customer');
      return { orderId: String(order['salesorderid']) };
    },
    'an opportunity with catalog products exists, its customer an account': async () => {
      const page = await get(
        'opportunities?$select=opportunityid,_customerid_value&$expand=product_opportunities($select=_productid_value)&$top=50',
        'odata.include-annotations="Microsoft.Dynamics.CRM.lookuplogicalname"',
      );
      const found = page.value.find((row) => {
        const lines = row['product_opportunities'];
        return (
          row['_customerid_value@Microsoft.Dynamics.CRM.lookuplogicalname'] === 'account' &&
          Array.isArray(lines) &&
          lines.length > 0 &&
          lines.every((line: Record<string, unknown>) => typeof line['_productid_value'] === 'string')
        );
      });
      if (!found)
        throw new Error('the sandbox has no opportunity with catalog products and an account customer');
      return { opportunityId: String(found['opportunityid']) };
    },
    'no opportunity has the id': async () => undefined,
    'no sales order has the id': async () => undefined,
    'the service protection limit is exceeded': {
      setup: async (params) => {
        const { retryAfterSeconds } = (params ?? {}) as { retryAfterSeconds?: number };
        await world.call('PUT', `${base}/_sandbox/faults`, {
          rate429: 1,
          retryAfterSeconds: retryAfterSeconds ?? 7,
        });
        return undefined;
      },
      teardown: async () => {
        await world.call('PUT', `${base}/_sandbox/faults`, {});
        return undefined;
      },
    },
    'the currency USD exists': async () => undefined,
    'the account number is an active alternate key and the currency USD exists': async () => {
      await activeKey('account', 'accountnumber', 'mlc_AccountNumber');
      return undefined;
    },
    'the account number and the product number are active alternate keys': async () => {
      await activeKey('account', 'accountnumber', 'mlc_AccountNumber');
      await activeKey('product', 'productnumber', 'mlc_ProductNumber');
      return undefined;
    },
    'change tracking is enabled for the tracked tables': async () => undefined,
    'the contact table has no alternate key on emailaddress1': async () => {
      const keys = await get(`EntityDefinitions(LogicalName='contact')/Keys?$select=KeyAttributes`);
      if (keys.value.some((k) => JSON.stringify(k['KeyAttributes']) === '["emailaddress1"]'))
        throw new Error('the contact table already has a key on emailaddress1');
      return undefined;
    },
    'the webhook endpoint ml-connector exists with its salesorder Create step': async () => {
      const setup = await withConnector((ctx, config) =>
        ensureWebhook(ctx, config, {
          url: 'https://portal.contoso.example/api/webhooks/dataverse',
          secret: 'contract-tests-secret',
          steps: [{ table: 'salesorder', message: 'Create' }],
        }),
      );
      return { endpointId: setup.serviceEndpointId };
    },
    'no webhook endpoint is named ml-connector': async () => {
      const found = await get(
        `serviceendpoints?$select=serviceendpointid&$filter=${encodeURIComponent("name eq 'ml-connector'")}`,
      );
      for (const row of found.value) {
        const id = String(row['serviceendpointid']);
        const steps = await get(
          `sdkmessageprocessingsteps?$select=sdkmessageprocessingstepid&$filter=${encodeURIComponent(`_eventhandler_value eq ${id}`)}`,
        );
        for (const step of steps.value) {
          await world.call(
            'DELETE',
            `${base}${API}sdkmessageprocessingsteps(${String(step['sdkmessageprocessingstepid'])})`,
            undefined,
            { auth: 'dataverse' },
          );
        }
        const deleted = await world.call('DELETE', `${base}${API}serviceendpoints(${id})`, undefined, {
          auth: 'dataverse',
        });
        if (deleted.status >= 300) throw new Error(`deleting the endpoint: ${deleted.status}`);
      }
      return undefined;
    },
    'a sales order exists': async () => ({
      orderId: await firstId('salesorders', 'salesorderid', 'statecode eq 0'),
    }),
    'an account exists': async () => ({
      accountId: await firstId('accounts', 'accountid', 'accountnumber eq null'),
    }),
  };
}

/** Provider states of the F&O pact, set up through the sandbox's OData API (with a real token). */
export function fnoStates(world: ProviderWorld, seed: { customer: string; item: string }): StateHandlers {
  const base = `${world.sandbox.urls.fno}/data/`;
  const call = async (method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown) =>
    world.call(method, `${base}${path}`, body, { auth: 'fno' });
  const removeCustomer = async (params?: unknown) => {
    const { dataAreaId, customerAccount } = params as { dataAreaId: string; customerAccount: string };
    await call('DELETE', `CustomersV3(dataAreaId='${dataAreaId}',CustomerAccount='${customerAccount}')`);
    return undefined;
  };
  return {
    'no customer has the account': { setup: removeCustomer, teardown: removeCustomer },
    'the legal entities usmf and demf exist with customer group 10': async () => undefined,
    'the item is released in usmf': async () => undefined,
    'the item is released in usmf and has a trade agreement': async () => {
      const found = await call(
        'GET',
        `SalesPriceAgreements?$filter=${encodeURIComponent("dataAreaId eq 'usmf'")}&$top=1&cross-company=true`,
      );
      if ((found.body as { value: unknown[] }).value.length === 0)
        throw new Error('usmf has no trade agreement');
      return undefined;
    },
    'more customers exist in usmf than fit on one page': async () => undefined,
    'no sales order has the customer reference': async (params) => {
      const { dataAreaId, reference } = params as { dataAreaId: string; reference: string };
      const found = await call(
        'GET',
        `SalesOrderHeadersV2?$filter=${encodeURIComponent(`dataAreaId eq '${dataAreaId}' and CustomersOrderReference eq '${reference}'`)}&$select=SalesOrderNumber&cross-company=true`,
      );
      for (const row of (found.body as { value: { SalesOrderNumber: string }[] }).value) {
        await call(
          'DELETE',
          `SalesOrderHeadersV2(dataAreaId='${dataAreaId}',SalesOrderNumber='${row.SalesOrderNumber}')`,
        );
      }
      return undefined;
    },
    'a sales order header without lines exists in demf': async () => {
      // demf numbers sales orders from its sequence: the number comes back from the create.
      const header = await call('POST', 'SalesOrderHeadersV2', {
        dataAreaId: 'demf',
        OrderingCustomerAccountNumber: 'ACC-10004',
        CustomersOrderReference: `CT-HEADER-ONLY-${Date.now()}`,
      });
      const salesOrderNumber = (header.body as { SalesOrderNumber?: string }).SalesOrderNumber;
      if (header.status !== 201 || !salesOrderNumber)
        throw new Error(`creating the header: ${header.status} ${JSON.stringify(header.body)}`);
      return { salesOrderNumber };
    },
    'no sales order has the number': async (params) => {
      // Deleted when it exists (a replayed `$batch` names it byte for byte); 404 is fine.
      const { dataAreaId, salesOrderNumber } = params as { dataAreaId: string; salesOrderNumber: string };
      const deleted = await call(
        'DELETE',
        `SalesOrderHeadersV2(dataAreaId='${dataAreaId}',SalesOrderNumber='${salesOrderNumber}')`,
      );
      if (deleted.status >= 300 && deleted.status !== 404)
        throw new Error(
          `deleting sales order ${salesOrderNumber}: ${deleted.status} ${JSON.stringify(deleted.body)}`,
        );
      return undefined;
    },
    'a sales order with the customer reference exists': async (params) => {
      const { reference } = params as { reference: string };
      const found = await call(
        'GET',
        `SalesOrderHeadersV2?$filter=${encodeURIComponent(`CustomersOrderReference eq '${reference}'`)}&cross-company=true`,
      );
      if ((found.body as { value: unknown[] }).value.length > 0) return undefined;
      const number = `CT-${reference.slice(-4)}`;
      const header = await call('POST', 'SalesOrderHeadersV2', {
        dataAreaId: 'usmf',
        SalesOrderNumber: number,
        OrderingCustomerAccountNumber: seed.customer,
        CustomersOrderReference: reference,
      });
      if (header.status !== 201)
        throw new Error(`creating the order: ${header.status} ${JSON.stringify(header.body)}`);
      const line = await call('POST', 'SalesOrderLines', {
        dataAreaId: 'usmf',
        SalesOrderNumber: number,
        ItemNumber: seed.item,
        OrderedSalesQuantity: 1,
      });
      if (line.status !== 201)
        throw new Error(`creating the line: ${line.status} ${JSON.stringify(line.body)}`);
      return undefined;
    },
  };
}
