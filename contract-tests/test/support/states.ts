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
      const keysPath = `EntityDefinitions(LogicalName='account')/Keys?$select=KeyAttributes,EntityKeyIndexStatus`;
      const active = async () =>
        (await get(keysPath)).value.some(
          (k) =>
            JSON.stringify(k['KeyAttributes']) === '["accountnumber"]' &&
            k['EntityKeyIndexStatus'] === 'Active',
        );
      if (
        !(await get(keysPath)).value.some((k) => JSON.stringify(k['KeyAttributes']) === '["accountnumber"]')
      ) {
        await world.call(
          'POST',
          `${base}${API}EntityDefinitions(LogicalName='account')/Keys`,
          {
            SchemaName: 'mlc_AccountNumber',
            DisplayName: {
              LocalizedLabels: [{ Label: 'Account number (ml-connector)', LanguageCode: 1033 }],
            },
            KeyAttributes: ['accountnumber'],
          },
          { auth: 'dataverse' },
        );
      }
      const until = Date.now() + 15_000;
      while (!(await active())) {
        if (Date.now() > until) throw new Error('the account number key did not become Active');
        await new Promise((resolve) => setTimeout(resolve, 200));
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
    'no sales order has the number': async () => undefined,
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
