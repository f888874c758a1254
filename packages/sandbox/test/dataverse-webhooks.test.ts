import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import {
  createServer as createHttpServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applicationUserId, DEFAULT_SEED, seedFacts } from '../src/dataverse';
import { actionSalesMessages } from '../src/dataverse/actions/close';
import { AlternateKeys } from '../src/dataverse/store/alternate-keys';
import { ensureTlsMaterial, type TlsMaterial } from '../src/host/tls';
import { type Harness, MAIN_APP, startHarness } from './dataverse-harness';

type Row = Record<string, unknown>;
type Collection = { value: Row[] };

const sample = JSON.parse(
  readFileSync(
    new URL('./fixtures/dataverse-samples/update_contact_from_msdocs.json', import.meta.url),
    'utf8',
  ),
) as Row;

/** A request the receiver got. */
interface Received {
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  text: string;
  body: Row;
  at: number;
}

type Reply = number | 'hang' | { status: number; delayMs: number };

/** A webhook receiver on 127.0.0.1 (http, or https with the given certificate): records and answers. */
class Receiver {
  readonly requests: Received[] = [];
  private readonly replies = new Map<string, Reply[]>();
  private readonly hanging = new Set<ServerResponse>();
  origin = '';

  private constructor(private readonly server: Server) {}

  static async start(tls?: { certPem: string; keyPem: string }): Promise<Receiver> {
    let receiver: Receiver | undefined;
    const handler = (req: IncomingMessage, res: ServerResponse) => receiver?.handle(req, res);
    const server = tls
      ? createHttpsServer({ cert: tls.certPem, key: tls.keyPem }, handler)
      : createHttpServer(handler);
    receiver = new Receiver(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    receiver.origin = `${tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return receiver;
  }

  /** Answers the next requests to `path` with these statuses (then 200). */
  reply(path: string, ...replies: Reply[]): void {
    this.replies.set(path, replies);
  }

  to(path: string): Received[] {
    return this.requests.filter((r) => r.path === path);
  }

  async waitFor(path: string, count: number, timeoutMs = 5000): Promise<Received[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.to(path).length < count) {
      if (Date.now() > deadline) throw new Error(`${path}: ${this.to(path).length} of ${count} deliveries`);
      await sleep(10);
    }
    return this.to(path);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://receiver.invalid');
      const text = Buffer.concat(chunks).toString('utf8');
      this.requests.push({
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        text,
        body: JSON.parse(text) as Row,
        at: Date.now(),
      });
      const reply = this.replies.get(url.pathname)?.shift() ?? 200;
      if (reply === 'hang') {
        this.hanging.add(res);
        return;
      }
      const status = typeof reply === 'number' ? reply : reply.status;
      const delay = typeof reply === 'number' ? 0 : reply.delayMs;
      setTimeout(() => res.writeHead(status).end(), delay);
    });
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections?.();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let h: Harness;
let receiver: Receiver;
let tlsDir: string;
let tls: TlsMaterial;
const TIMEOUT_MS = 400;

beforeAll(async () => {
  tlsDir = await mkdtemp(path.join(tmpdir(), 'mlc-webhook-tls-'));
  tls = await ensureTlsMaterial(tlsDir);
  h = await startHarness({
    webhooks: { timeoutMs: TIMEOUT_MS, retryDelayMs: 20, ca: tls.caCertPem, trustLoopback: false },
  });
  receiver = await Receiver.start();
});
afterAll(async () => {
  await h.close();
  await receiver.close();
  await rm(tlsDir, { recursive: true, force: true });
});

const post = (path: string, body: unknown) => h.api(path, { method: 'POST', body: JSON.stringify(body) });
const patch = (path: string, body: unknown) => h.api(path, { method: 'PATCH', body: JSON.stringify(body) });

async function errorOf(response: Response): Promise<{ status: number; code: unknown; message: unknown }> {
  const body = (await response.json()) as { error: { code: unknown; message: unknown } };
  return { status: response.status, code: body.error.code, message: body.error.message };
}

async function rows(query: string): Promise<Row[]> {
  return (await h.json<Collection>(query)).value;
}

function idOf(response: Response): string {
  const entityId = response.headers.get('odata-entityid') ?? '';
  const id = /\(([0-9a-f-]{36})\)$/.exec(entityId)?.[1];
  if (response.status !== 204 || !id) throw new Error(`not created: ${response.status}`);
  return id;
}

/** Registration exactly as a client does it: endpoint, then ids of message and filter, then the step. */
async function createEndpoint(url: string, authtype: number, authvalue: string): Promise<string> {
  return idOf(await post('serviceendpoints', { name: `hook ${url}`, url, contract: 8, authtype, authvalue }));
}

async function createStep(options: {
  endpoint: string;
  message: string;
  entity: string;
  filteringattributes?: string;
  asyncautodelete?: boolean;
}): Promise<string> {
  const [message] = await rows(`sdkmessages?$select=sdkmessageid&$filter=name eq '${options.message}'`);
  const [filter] = await rows(
    `sdkmessagefilters?$select=sdkmessagefilterid&$filter=primaryobjecttypecode eq '${options.entity}' and sdkmessageid/name eq '${options.message}'`,
  );
  if (!message || !filter) throw new Error(`no message/filter for ${options.message} ${options.entity}`);
  return idOf(
    await post('sdkmessageprocessingsteps', {
      name: `${options.message} of ${options.entity} → webhook`,
      stage: 40,
      mode: 1,
      rank: 1,
      supporteddeployment: 0,
      'eventhandler_serviceendpoint@odata.bind': `/serviceendpoints(${options.endpoint})`,
      'sdkmessageid@odata.bind': `/sdkmessages(${String(message['sdkmessageid'])})`,
      'sdkmessagefilterid@odata.bind': `/sdkmessagefilters(${String(filter['sdkmessagefilterid'])})`,
      ...(options.filteringattributes !== undefined
        ? { filteringattributes: options.filteringattributes }
        : {}),
      asyncautodelete: options.asyncautodelete ?? false,
    }),
  );
}

const HEADER_AUTH =
  '<settings><setting name="x-api-key" value="s3cr&amp;t"/><setting name="x-tenant" value="kestrel"/></settings>';

async function openOpportunity(): Promise<Row> {
  const [row] = await rows(
    'opportunities?$select=name,estimatedvalue&$filter=statecode eq 0 and estimatedvalue gt 0&$orderby=modifiedon desc,name&$top=1',
  );
  if (!row) throw new Error('no open opportunity');
  return row;
}

const win = (id: string) =>
  post('WinOpportunity', {
    Status: 3,
    OpportunityClose: { subject: 'Won Opportunity', 'opportunityid@odata.bind': `/opportunities(${id})` },
  });

/** The type skeleton of a value: key lists for objects, 'array', or the JS type. */
function shape(value: unknown): unknown {
  if (Array.isArray(value)) return 'array';
  if (value === null) return 'null';
  if (typeof value === 'object') return Object.keys(value);
  return typeof value;
}

function entry(list: unknown, key: string): Row {
  const found = (list as Array<{ key: string; value: Row }>).find((item) => item.key === key);
  if (!found) throw new Error(`no ${key}`);
  return found.value;
}

function attributes(entity: Row): Record<string, unknown> {
  return Object.fromEntries(
    (entity['Attributes'] as Array<{ key: string; value: unknown }>).map((a) => [a.key, a.value]),
  );
}

const CONTRACTS = 'http://schemas.microsoft.com/xrm/2011/Contracts';

describe('registration through the Web API', () => {
  it('creates a webhook endpoint whose authvalue is write-only, and finds message filters by navigation path', async () => {
    const id = await createEndpoint(`${receiver.origin}/registered`, 5, HEADER_AUTH);
    const endpoint = await h.json<Row>(`serviceendpoints(${id})`);
    expect(endpoint).toMatchObject({ contract: 8, authtype: 5, isauthvalueset: true, messageformat: 2 });
    expect(Object.keys(endpoint)).not.toContain('authvalue');
    expect((await errorOf(await h.api(`serviceendpoints(${id})?$select=authvalue`))).message).toBe(
      "Could not find a property named 'authvalue' on type 'Microsoft.Dynamics.CRM.serviceendpoint'.",
    );
    const listed = await rows(
      'serviceendpoints?$filter=contract eq 8&$select=serviceendpointid,name,authtype,url',
    );
    expect(listed.map((r) => r['serviceendpointid'])).toContain(id);

    const filters = await rows(
      "sdkmessagefilters?$select=sdkmessagefilterid,primaryobjecttypecode&$filter=primaryobjecttypecode eq 'salesorder' and sdkmessageid/name eq 'Create'",
    );
    expect(filters).toHaveLength(1);
    const stepId = await createStep({ endpoint: id, message: 'Create', entity: 'salesorder' });
    const step = await h.json<Row>(`sdkmessageprocessingsteps(${stepId})`);
    expect(step).toMatchObject({
      stage: 40,
      mode: 1,
      rank: 1,
      statecode: 0,
      statuscode: 1,
      _eventhandler_value: id,
      _sdkmessagefilterid_value: filters[0]?.['sdkmessagefilterid'],
    });
    expect((await patch(`sdkmessageprocessingsteps(${stepId})`, { statecode: 1 })).status).toBe(204);
  });

  it('refuses endpoints and steps the platform (or the sandbox) would not run', async () => {
    const endpoint = (url: string, authtype = 5, authvalue: string | null = HEADER_AUTH) =>
      post('serviceendpoints', {
        name: 'bad',
        url,
        contract: 8,
        authtype,
        ...(authvalue ? { authvalue } : {}),
      });
    for (const url of [
      'http://example.com/hook',
      'https://example.com:8443/hook',
      'ftp://127.0.0.1/x',
      'not a url',
    ]) {
      expect(await errorOf(await endpoint(url)), url).toMatchObject({ status: 400, code: '0x80040203' });
    }
    expect((await endpoint('https://hooks.example.com/in')).status).toBe(204);
    expect((await endpoint('http://localhost:1/in')).status).toBe(204);
    expect((await errorOf(await endpoint(`${receiver.origin}/x`, 2))).message).toContain(
      'authtype 2 is not valid',
    );
    expect((await errorOf(await endpoint(`${receiver.origin}/x`, 5, null))).message).toContain(
      'requires an authvalue',
    );
    expect((await errorOf(await endpoint(`${receiver.origin}/x`, 6, 'a=b'))).message).toContain(
      'authvalue is not valid',
    );

    const id = await createEndpoint(`${receiver.origin}/refused`, 4, 'key');
    const [create] = await rows("sdkmessages?$select=sdkmessageid&$filter=name eq 'Create'");
    const [updateFilter] = await rows(
      "sdkmessagefilters?$select=sdkmessagefilterid&$filter=primaryobjecttypecode eq 'salesorder' and sdkmessageid/name eq 'Update'",
    );
    const step = (extra: Row) =>
      post('sdkmessageprocessingsteps', {
        name: 'bad step',
        stage: 40,
        mode: 1,
        'eventhandler_serviceendpoint@odata.bind': `/serviceendpoints(${id})`,
        'sdkmessageid@odata.bind': `/sdkmessages(${String(create?.['sdkmessageid'])})`,
        ...extra,
      });
    expect((await errorOf(await step({ stage: 20 }))).message).toContain('post-operation stage');
    expect(
      (
        await errorOf(
          await step({
            'sdkmessagefilterid@odata.bind': `/sdkmessagefilters(${String(updateFilter?.['sdkmessagefilterid'])})`,
          }),
        )
      ).message,
    ).toContain('does not belong to the sdkmessage');
    expect((await step({ mode: 0 })).status).toBe(501);
    const [orderCreate] = await rows(
      "sdkmessagefilters?$select=sdkmessagefilterid&$filter=primaryobjecttypecode eq 'salesorder' and sdkmessageid/name eq 'Create'",
    );
    expect(
      (
        await errorOf(
          await step({
            'sdkmessagefilterid@odata.bind': `/sdkmessagefilters(${String(orderCreate?.['sdkmessagefilterid'])})`,
            filteringattributes: 'statecode,nosuchcolumn',
          }),
        )
      ).message,
    ).toBe("The filtering attribute 'nosuchcolumn' is not a valid attribute of the entity 'salesorder'.");
  });
});

describe('delivery', () => {
  it('delivers Win and a statecode-filtered Update for WinOpportunity, shaped like the documented sample', async () => {
    const endpoint = await createEndpoint(`${receiver.origin}/won`, 5, HEADER_AUTH);
    const winStep = await createStep({ endpoint, message: 'Win', entity: 'opportunity' });
    const updateStep = await createStep({
      endpoint,
      message: 'Update',
      entity: 'opportunity',
      filteringattributes: 'statecode',
    });
    const opportunity = await openOpportunity();
    const id = String(opportunity['opportunityid']);
    const started = Date.now();
    expect((await win(id)).status).toBe(204);
    const delivered = await receiver.waitFor('/won', 2);
    expect(delivered.every((d) => d.at >= started)).toBe(true);
    const winDelivery = delivered.find((d) => d.headers['x-ms-dynamics-request-name'] === 'Win');
    const updateDelivery = delivered.find((d) => d.headers['x-ms-dynamics-request-name'] === 'Update');
    if (!winDelivery || !updateDelivery) throw new Error('missing deliveries');

    // Headers: auth pairs, the org host, entity, message, correlation id, JSON.
    const correlation = winDelivery.body['CorrelationId'];
    for (const d of [winDelivery, updateDelivery]) {
      expect(d.headers).toMatchObject({
        'x-api-key': 's3cr&t',
        'x-tenant': 'kestrel',
        'x-ms-dynamics-organization': new URL(h.origin).host,
        'x-ms-dynamics-entity-name': 'opportunity',
        'x-ms-correlation-request-id': correlation,
        'content-type': 'application/json',
      });
      expect(d.headers['x-ms-dynamics-msg-size-exceeded']).toBeUndefined();
      // Same keys in the same order, and the same JSON types, as the sample.
      expect(Object.keys(d.body)).toEqual(Object.keys(sample));
      for (const key of Object.keys(sample)) expect(shape(d.body[key]), key).toEqual(shape(sample[key]));
      const parent = d.body['ParentContext'] as Row;
      const sampleParent = sample['ParentContext'] as Row;
      for (const key of Object.keys(sampleParent))
        expect(shape(parent[key]), `ParentContext.${key}`).toEqual(shape(sampleParent[key]));
      expect(parent).toMatchObject({
        MessageName: 'Win',
        Stage: 30,
        PrimaryEntityName: 'opportunity',
        CorrelationId: correlation,
      });
      expect(shape((parent['SharedVariables'] as Row[])[0])).toEqual(
        shape((sampleParent['SharedVariables'] as Row[])[0]),
      );
      expect(d.body).toMatchObject({
        Stage: 40,
        Mode: 1,
        Depth: 1,
        IsolationMode: 1,
        SecondaryEntityName: 'none',
        RequestId: null,
        InitiatingUserId: applicationUserId(MAIN_APP.clientId),
        UserId: applicationUserId(MAIN_APP.clientId),
        BusinessUnitId: seedFacts(DEFAULT_SEED).businessUnitId,
        OrganizationId: seedFacts(DEFAULT_SEED).organizationId,
        OrganizationName: 'Kestrel Industrial Supply',
        PrimaryEntityName: 'opportunity',
      });
      // WCF text: escaped slashes, dates as \/Date(ms+0000)\/.
      expect(d.text).toContain(`"__type":"Entity:${CONTRACTS.replace(/\//g, '\\/')}"`);
      expect(d.text).toMatch(/"OperationCreatedOn":"\\\/Date\(\d+\+0000\)\\\/"/);
      expect(d.body['OperationCreatedOn']).toMatch(/^\/Date\(\d+\+0000\)\/$/);
    }
    expect(winDelivery.body['OwningExtension']).toEqual({
      Id: winStep,
      KeyAttributes: [],
      LogicalName: 'sdkmessageprocessingstep',
      Name: null,
      RowVersion: null,
    });
    expect((updateDelivery.body['OwningExtension'] as Row)['Id']).toBe(updateStep);
    expect(winDelivery.body['OperationId']).not.toBe(updateDelivery.body['OperationId']);

    // Win: OpportunityClose and Status; the opportunity is named in the close activity.
    expect(winDelivery.body).toMatchObject({
      MessageName: 'Win',
      PrimaryEntityId: '00000000-0000-0000-0000-000000000000',
      PostEntityImages: [],
    });
    const inputs = winDelivery.body['InputParameters'] as Array<{ key: string }>;
    expect(inputs.map((i) => i.key)).toEqual(['OpportunityClose', 'Status']);
    expect(entry(inputs, 'Status')).toEqual({ __type: `OptionSetValue:${CONTRACTS}`, Value: 3 });
    const close = entry(inputs, 'OpportunityClose');
    expect(close).toMatchObject({ __type: `Entity:${CONTRACTS}`, LogicalName: 'opportunityclose' });
    const closeAttributes = attributes(close);
    expect(closeAttributes['opportunityid']).toMatchObject({
      __type: `EntityReference:${CONTRACTS}`,
      Id: id,
      LogicalName: 'opportunity',
    });
    expect(closeAttributes['actualrevenue']).toEqual({
      __type: `Money:${CONTRACTS}`,
      Value: opportunity['estimatedvalue'],
    });
    expect(closeAttributes['subject']).toBe('Won Opportunity');

    // Update: Target with the changed columns, typed, then the key and modified columns (sample order).
    expect(updateDelivery.body).toMatchObject({ MessageName: 'Update', PrimaryEntityId: id });
    const target = entry(updateDelivery.body['InputParameters'], 'Target');
    const sampleTarget = entry(sample['InputParameters'], 'Target');
    expect(Object.keys(target)).toEqual(Object.keys(sampleTarget));
    const changed = attributes(target);
    expect(Object.keys(changed).slice(-4)).toEqual([
      'opportunityid',
      'modifiedon',
      'modifiedby',
      'modifiedonbehalfby',
    ]);
    expect(changed).toMatchObject({
      statecode: { __type: `OptionSetValue:${CONTRACTS}`, Value: 1 },
      statuscode: { __type: `OptionSetValue:${CONTRACTS}`, Value: 3 },
      actualvalue: { __type: `Money:${CONTRACTS}`, Value: opportunity['estimatedvalue'] },
      actualclosedate: expect.stringMatching(/^\/Date\(\d+\)\/$/),
      modifiedon: expect.stringMatching(/^\/Date\(\d+\)\/$/),
      modifiedonbehalfby: null,
    });
    const sampleModifiedBy = attributes(sampleTarget)['modifiedby'] as Row;
    expect(Object.keys(changed['modifiedby'] as Row)).toEqual(Object.keys(sampleModifiedBy));
    expect(changed['modifiedby']).toMatchObject({
      Id: applicationUserId(MAIN_APP.clientId),
      LogicalName: 'systemuser',
    });
    const image = (updateDelivery.body['PostEntityImages'] as Array<{ key: string; value: Row }>)[0];
    const sampleImage = (sample['PostEntityImages'] as Array<{ key: string; value: Row }>)[0];
    expect(image?.key).toBe('AsynchronousStepPrimaryName');
    expect(Object.keys(image?.value ?? {})).toEqual(Object.keys(sampleImage?.value ?? {}));
    expect(attributes(image?.value ?? {})).toEqual({ name: opportunity['name'], opportunityid: id });
  });

  it('delivers the Create of the order made from the won opportunity, linked by opportunityid', async () => {
    const endpoint = await createEndpoint(`${receiver.origin}/orders`, 5, HEADER_AUTH);
    await createStep({ endpoint, message: 'Create', entity: 'salesorder' });
    const opportunity = await openOpportunity();
    const id = String(opportunity['opportunityid']);
    expect((await win(id)).status).toBe(204);
    const response = await post('GenerateSalesOrderFromOpportunity', {
      OpportunityId: id,
      ColumnSet: { Columns: ['ordernumber'] },
    });
    expect(response.status).toBe(200);
    const order = (await response.json()) as Row;
    const [created] = await receiver.waitFor('/orders', 1);
    expect(created?.headers).toMatchObject({
      'x-ms-dynamics-entity-name': 'salesorder',
      'x-ms-dynamics-request-name': 'Create',
    });
    expect(created?.body).toMatchObject({
      MessageName: 'Create',
      PrimaryEntityName: 'salesorder',
      PrimaryEntityId: order['salesorderid'],
      OutputParameters: [{ key: 'id', value: order['salesorderid'] }],
    });
    const target = attributes(entry(created?.body['InputParameters'], 'Target'));
    expect(target).toMatchObject({
      salesorderid: order['salesorderid'],
      ordernumber: order['ordernumber'],
      opportunityid: { __type: `EntityReference:${CONTRACTS}`, Id: id, LogicalName: 'opportunity' },
      ordercreationmethod: { __type: `OptionSetValue:${CONTRACTS}`, Value: 776160000 },
      statecode: { __type: `OptionSetValue:${CONTRACTS}`, Value: 0 },
      createdon: expect.stringMatching(/^\/Date\(\d+\)\/$/),
    });
    expect(Object.keys(target)).not.toContain('versionnumber');
    expect((created?.body['ParentContext'] as Row | undefined)?.['MessageName']).toBe(
      'GenerateSalesOrderFromOpportunity',
    );
    await sleep(100);
    expect(receiver.to('/orders')).toHaveLength(1);
  });

  it('raises Win after the commit of an outer transaction (activity generator, $batch), and not after a rollback', async () => {
    const endpoint = await createEndpoint(`${receiver.origin}/outer`, 5, HEADER_AUTH);
    await createStep({ endpoint, message: 'Win', entity: 'opportunity' });
    const store = await h.service.currentStore();
    const facts = seedFacts(DEFAULT_SEED);
    const context = {
      store,
      keys: new AlternateKeys(store, () => new Date(), 2000),
      actor: {
        userId: facts.adminUserId,
        businessUnitId: facts.businessUnitId,
        organizationId: facts.organizationId,
      },
      baseCurrencyId: facts.baseCurrencyId,
    };
    const [first, second] = await rows(
      'opportunities?$select=name&$filter=statecode eq 0 and estimatedvalue gt 0&$orderby=name desc&$top=2',
    );
    const rolledBack = String(second?.['opportunityid']);
    expect(() =>
      store.transaction(() => {
        actionSalesMessages.winOpportunity(
          context,
          { opportunityId: rolledBack, subject: 'Rolled back' },
          new Date(),
        );
        throw new Error('changeset failed');
      }),
    ).toThrow('changeset failed');
    const committed = String(first?.['opportunityid']);
    store.transaction(() =>
      actionSalesMessages.winOpportunity(
        context,
        { opportunityId: committed, subject: 'Generated', status: 3 },
        new Date(),
      ),
    );
    const [delivered] = await receiver.waitFor('/outer', 1);
    await sleep(100);
    expect(receiver.to('/outer')).toHaveLength(1);
    expect(delivered?.body).toMatchObject({ MessageName: 'Win', InitiatingUserId: facts.adminUserId });
    const close = attributes(entry(delivered?.body['InputParameters'], 'OpportunityClose'));
    expect(close['opportunityid']).toMatchObject({ Id: committed });
    expect(close['subject']).toBe('Generated');
    expect(await h.json<Row>(`opportunities(${rolledBack})?$select=statecode`)).toMatchObject({
      statecode: 0,
    });
  });

  it('sends an Update only when a changed column is one of the filtering attributes', async () => {
    const endpoint = await createEndpoint(`${receiver.origin}/filtered`, 5, HEADER_AUTH);
    await createStep({
      endpoint,
      message: 'Update',
      entity: 'salesorder',
      filteringattributes: 'statecode, statuscode',
    });
    const [order] = await rows('salesorders?$select=name&$filter=statecode eq 0&$top=1');
    const id = String(order?.['salesorderid']);
    expect((await patch(`salesorders(${id})`, { description: 'only the description' })).status).toBe(204);
    expect((await patch(`salesorders(${id})`, { statecode: 1, statuscode: 3 })).status).toBe(204);
    const [delivered] = await receiver.waitFor('/filtered', 1);
    await sleep(100);
    expect(receiver.to('/filtered')).toHaveLength(1);
    const changed = attributes(entry(delivered?.body['InputParameters'], 'Target'));
    expect(Object.keys(changed)).toEqual([
      'statecode',
      'statuscode',
      'salesorderid',
      'modifiedon',
      'modifiedby',
      'modifiedonbehalfby',
    ]);
    const parent = delivered?.body['ParentContext'] as Row;
    expect(parent['MessageName']).toBe('Update');
    expect((parent['InputParameters'] as Array<{ key: string }>).map((p) => p.key)).toEqual([
      'Target',
      'SuppressDuplicateDetection',
    ]);
  });

  it('authenticates with WebhookKey (?code=) and HttpQueryString (query parameters)', async () => {
    const keyed = await createEndpoint(`${receiver.origin}/keyed?existing=1`, 4, 'k3y/+=');
    const queried = await createEndpoint(
      `${receiver.origin}/queried`,
      6,
      '<settings><setting name="sig" value="abc"/><setting name="tenant" value="kestrel"/></settings>',
    );
    await createStep({ endpoint: keyed, message: 'Create', entity: 'contact' });
    await createStep({ endpoint: queried, message: 'Create', entity: 'contact' });
    expect((await post('contacts', { firstname: 'Hook', lastname: 'Test' })).status).toBe(204);
    const [key] = await receiver.waitFor('/keyed', 1);
    const [query] = await receiver.waitFor('/queried', 1);
    expect(key?.query.get('code')).toBe('k3y/+=');
    expect(key?.query.get('existing')).toBe('1');
    expect(query?.query.get('sig')).toBe('abc');
    expect(query?.query.get('tenant')).toBe('kestrel');
    expect(key?.headers['x-ms-dynamics-request-name']).toBe('Create');
  });

  async function jobsOf(step: string): Promise<Row[]> {
    return rows(
      `asyncoperations?$select=name,statecode,statuscode,retrycount,message,friendlymessage,messagename,primaryentitytype,operationtype,correlationid,_owningextensionid_value&$filter=_owningextensionid_value eq ${step}`,
    );
  }

  async function waitForJobs(step: string, count: number): Promise<Row[]> {
    const deadline = Date.now() + 5000;
    for (;;) {
      const jobs = await jobsOf(step);
      if (jobs.length >= count || Date.now() > deadline) return jobs;
      await sleep(20);
    }
  }

  async function contactStep(path: string, asyncautodelete = false): Promise<string> {
    const endpoint = await createEndpoint(`${receiver.origin}${path}`, 5, HEADER_AUTH);
    return createStep({
      endpoint,
      message: 'Update',
      entity: 'contact',
      filteringattributes: 'jobtitle',
      asyncautodelete,
    });
  }

  async function touchContact(): Promise<void> {
    const [contact] = await rows('contacts?$select=fullname&$top=1');
    expect(
      (await patch(`contacts(${String(contact?.['contactid'])})`, { jobtitle: `Buyer ${Date.now()}` }))
        .status,
    ).toBe(204);
  }

  it('retries once after a 503 and records the succeeded job when the step keeps its jobs', async () => {
    receiver.reply('/retry', 503, 200);
    const step = await contactStep('/retry');
    await touchContact();
    const [first, second] = await receiver.waitFor('/retry', 2);
    expect(second?.text).toBe(first?.text);
    const [job] = await waitForJobs(step, 1);
    expect(job).toMatchObject({
      statecode: 3,
      statuscode: 30,
      retrycount: 1,
      _owningextensionid_value: step,
    });
  });

  it('does not retry a 500: one attempt, a Failed (31) asyncoperation naming the status', async () => {
    receiver.reply('/fail500', 500);
    const step = await contactStep('/fail500', true);
    await touchContact();
    await receiver.waitFor('/fail500', 1);
    const [job] = await waitForJobs(step, 1);
    await sleep(60);
    expect(receiver.to('/fail500')).toHaveLength(1);
    expect(job).toMatchObject({
      statecode: 3,
      statuscode: 31,
      retrycount: 0,
      operationtype: 1,
      messagename: 'Update',
      primaryentitytype: 'contact',
      _owningextensionid_value: step,
      friendlymessage: 'The webhook endpoint returned HTTP status 500 (Internal Server Error).',
    });
    expect(String(job?.['message'])).toContain('500');
    const delivered = receiver.to('/fail500')[0];
    expect(job?.['correlationid']).toBe(delivered?.body['CorrelationId']);
    expect(job?.['asyncoperationid']).toBe(delivered?.body['OperationId']);
  });

  it('fails after a second 503: exactly two attempts', async () => {
    receiver.reply('/fail503', 503, 503);
    const step = await contactStep('/fail503', true);
    await touchContact();
    await receiver.waitFor('/fail503', 2);
    const [job] = await waitForJobs(step, 1);
    await sleep(60);
    expect(receiver.to('/fail503')).toHaveLength(2);
    expect(job).toMatchObject({ statuscode: 31, retrycount: 1 });
    expect(String(job?.['friendlymessage'])).toContain('503');
  });

  it('fails a receiver that does not answer within the timeout, without retrying', async () => {
    receiver.reply('/slow', 'hang');
    const step = await contactStep('/slow', true);
    await touchContact();
    await receiver.waitFor('/slow', 1);
    const [job] = await waitForJobs(step, 1);
    expect(job).toMatchObject({ statuscode: 31, retrycount: 0 });
    expect(String(job?.['friendlymessage'])).toContain(`timed out after ${TIMEOUT_MS} ms`);
  });

  it('sends nothing for a disabled step', async () => {
    const disabled = await contactStep('/disabled');
    const control = await contactStep('/enabled');
    expect(
      (await patch(`sdkmessageprocessingsteps(${disabled})`, { statecode: 1, statuscode: 2 })).status,
    ).toBe(204);
    await touchContact();
    await receiver.waitFor('/enabled', 1);
    await sleep(100);
    expect(receiver.to('/disabled')).toHaveLength(0);
    expect(await jobsOf(disabled)).toHaveLength(0);
    expect(control).not.toBe(disabled);
  });

  it('does not hold the request while a receiver is slow', async () => {
    receiver.reply('/lagging', { status: 200, delayMs: 300 });
    await contactStep('/lagging', true);
    const started = Date.now();
    await touchContact();
    const answeredAt = Date.now();
    const [delivered] = await receiver.waitFor('/lagging', 1);
    // The API answered before the receiver did (it answers 300 ms after the POST arrived).
    expect(answeredAt).toBeLessThan((delivered?.at ?? 0) + 300);
    expect(delivered?.at).toBeGreaterThanOrEqual(started);
  });

  it('trusts an https receiver through the webhookCa option and fails one signed by another CA', async () => {
    const trusted = await Receiver.start(tls);
    const otherDir = await mkdtemp(path.join(tmpdir(), 'mlc-webhook-tls-other-'));
    const untrusted = await Receiver.start(await ensureTlsMaterial(otherDir));
    try {
      await contactStep('/unused', true);
      const good = await createEndpoint(`${trusted.origin}/tls`, 5, HEADER_AUTH);
      await createStep({
        endpoint: good,
        message: 'Update',
        entity: 'contact',
        filteringattributes: 'jobtitle',
        asyncautodelete: true,
      });
      const bad = await createEndpoint(`${untrusted.origin}/tls`, 5, HEADER_AUTH);
      const badStep = await createStep({
        endpoint: bad,
        message: 'Update',
        entity: 'contact',
        filteringattributes: 'jobtitle',
      });
      await touchContact();
      const [delivered] = await trusted.waitFor('/tls', 1);
      expect(delivered?.headers['x-api-key']).toBe('s3cr&t');
      const [job] = await waitForJobs(badStep, 1);
      expect(job).toMatchObject({ statuscode: 31 });
      expect(String(job?.['friendlymessage'])).toMatch(/certificate/i);
      expect(untrusted.requests).toHaveLength(0);
    } finally {
      await trusted.close();
      await untrusted.close();
      await rm(otherDir, { recursive: true, force: true });
    }
  });
});

describe('entity images (sdkmessageprocessingstepimages)', () => {
  const createImage = (step: string, image: Row) =>
    post('sdkmessageprocessingstepimages', {
      name: `image ${String(image['entityalias'])}`,
      'sdkmessageprocessingstepid@odata.bind': `/sdkmessageprocessingsteps(${step})`,
      ...image,
    });

  async function activeOrder(): Promise<Row> {
    const [order] = await rows(
      'salesorders?$select=name,totalamount&$filter=statecode eq 0&$orderby=ordernumber desc&$top=1',
    );
    if (!order) throw new Error('no active order');
    return order;
  }

  it('registers images on a step, lists them by step and deletes them with the step', async () => {
    const endpoint = await createEndpoint(`${receiver.origin}/images-registered`, 5, HEADER_AUTH);
    const step = await createStep({ endpoint, message: 'Update', entity: 'salesorder' });
    const id = idOf(
      await createImage(step, {
        entityalias: 'mlc_post',
        imagetype: 1,
        messagepropertyname: 'Target',
        attributes: 'versionnumber',
      }),
    );
    const listed = await rows(
      `sdkmessageprocessingstepimages?$select=entityalias,imagetype,messagepropertyname,attributes,_sdkmessageprocessingstepid_value&$filter=_sdkmessageprocessingstepid_value eq ${step}`,
    );
    expect(listed).toEqual([
      expect.objectContaining({
        sdkmessageprocessingstepimageid: id,
        entityalias: 'mlc_post',
        imagetype: 1,
        messagepropertyname: 'Target',
        attributes: 'versionnumber',
        _sdkmessageprocessingstepid_value: step,
      }),
    ]);
    const expanded = await h.json<Row>(
      `sdkmessageprocessingsteps(${step})?$select=name&$expand=sdkmessageprocessingstepid_sdkmessageprocessingstepimage($select=entityalias)`,
    );
    expect(expanded['sdkmessageprocessingstepid_sdkmessageprocessingstepimage']).toEqual([
      expect.objectContaining({ entityalias: 'mlc_post' }),
    ]);
    expect((await h.api(`sdkmessageprocessingsteps(${step})`, { method: 'DELETE' })).status).toBe(204);
    expect((await h.api(`sdkmessageprocessingstepimages(${id})`)).status).toBe(404);
  });

  it('refuses images the platform would not take', async () => {
    const endpoint = await createEndpoint(`${receiver.origin}/images-refused`, 5, HEADER_AUTH);
    const create = await createStep({ endpoint, message: 'Create', entity: 'salesorder' });
    const remove = await createStep({ endpoint, message: 'Delete', entity: 'salesorder' });
    const update = await createStep({ endpoint, message: 'Update', entity: 'salesorder' });
    const win = await createStep({ endpoint, message: 'Win', entity: 'opportunity' });
    const image = (imagetype: number, messagepropertyname: string, attributes = 'name') => ({
      entityalias: 'img',
      imagetype,
      messagepropertyname,
      attributes,
    });
    expect((await errorOf(await createImage(create, image(0, 'Id')))).message).toContain(
      'pre-image cannot be registered on a step of the Create message',
    );
    expect((await errorOf(await createImage(create, image(2, 'Id')))).message).toContain('pre-image');
    expect((await errorOf(await createImage(remove, image(1, 'Target')))).message).toContain(
      'post-image cannot be registered on a step of the Delete message',
    );
    expect(await errorOf(await createImage(create, image(1, 'Target')))).toMatchObject({
      status: 400,
      code: '0x80040203',
      message:
        "The message property name 'Target' is not valid for an image of the Create message. Use 'Id'.",
    });
    expect((await errorOf(await createImage(update, image(1, 'Target', 'name,nosuchcolumn')))).message).toBe(
      "The image attribute 'nosuchcolumn' is not a valid attribute of the entity 'salesorder'.",
    );
    expect((await createImage(win, image(1, 'Target'))).status).toBe(501);
    expect(
      (await errorOf(await post('sdkmessageprocessingstepimages', { entityalias: 'x', imagetype: 1 })))
        .message,
    ).toContain("'messagepropertyname' attribute of the 'sdkmessageprocessingstepimage' entity is required");
    // The valid ones.
    expect((await createImage(create, image(1, 'Id'))).status).toBe(204);
    expect((await createImage(remove, image(0, 'Target'))).status).toBe(204);
    expect((await createImage(update, image(2, 'Target'))).status).toBe(204);
  });

  it('sends each image under its alias: the selected columns after (post) and before (pre) the change, typed, with versionnumber', async () => {
    const endpoint = await createEndpoint(`${receiver.origin}/images`, 5, HEADER_AUTH);
    const step = await createStep({
      endpoint,
      message: 'Update',
      entity: 'salesorder',
      filteringattributes: 'name',
    });
    expect(
      (
        await createImage(step, {
          entityalias: 'mlc_post',
          imagetype: 1,
          messagepropertyname: 'Target',
          attributes: 'versionnumber,totalamount,statecode,customerid',
        })
      ).status,
    ).toBe(204);
    expect(
      (
        await createImage(step, {
          entityalias: 'before',
          imagetype: 0,
          messagepropertyname: 'Target',
          attributes: 'name,versionnumber',
        })
      ).status,
    ).toBe(204);
    const order = await activeOrder();
    const id = String(order['salesorderid']);
    const beforeVersion = /^W\/"(\d+)"$/.exec(String(order['@odata.etag']))?.[1];
    expect((await patch(`salesorders(${id})`, { name: 'Renamed for the images' })).status).toBe(204);
    const after = await h.json<Row>(`salesorders(${id})?$select=totalamount,statecode,_customerid_value`);
    const version = /^W\/"(\d+)"$/.exec(String(after['@odata.etag']))?.[1];
    const [delivered] = await receiver.waitFor('/images', 1);
    const body = delivered?.body ?? {};

    const postImages = body['PostEntityImages'] as Array<{ key: string; value: Row }>;
    expect(postImages.map((image) => image.key)).toEqual(['mlc_post', 'AsynchronousStepPrimaryName']);
    const image = entry(postImages, 'mlc_post');
    const sampleImage = entry(sample['PostEntityImages'], 'AsynchronousStepPrimaryName');
    expect(Object.keys(image)).toEqual(Object.keys(sampleImage));
    expect(image).toMatchObject({ Id: id, LogicalName: 'salesorder', RowVersion: null });
    // Only the selected columns (and the key), typed as in a Target.
    expect(attributes(image)).toEqual({
      versionnumber: Number(version),
      totalamount: { __type: `Money:${CONTRACTS}`, Value: after['totalamount'] },
      statecode: { __type: `OptionSetValue:${CONTRACTS}`, Value: 0 },
      customerid: expect.objectContaining({
        __type: `EntityReference:${CONTRACTS}`,
        Id: after['_customerid_value'],
      }),
      salesorderid: id,
    });
    const preImages = body['PreEntityImages'] as Array<{ key: string; value: Row }>;
    expect(preImages.map((pre) => pre.key)).toEqual(['before']);
    expect(attributes(entry(preImages, 'before'))).toEqual({
      name: order['name'],
      versionnumber: Number(beforeVersion),
      salesorderid: id,
    });
    // The parent (stage 30) context carries no images.
    const parent = body['ParentContext'] as Row;
    expect(parent['PostEntityImages']).toEqual([]);
    expect(parent['PreEntityImages']).toEqual([]);
  });

  it('gives a Create post image of every column (versionnumber too) when attributes is empty, and no pre image', async () => {
    const endpoint = await createEndpoint(`${receiver.origin}/images-all`, 5, HEADER_AUTH);
    const step = await createStep({ endpoint, message: 'Create', entity: 'contact' });
    expect(
      (
        await createImage(step, {
          entityalias: 'all',
          imagetype: 1,
          messagepropertyname: 'Id',
          attributes: '',
        })
      ).status,
    ).toBe(204);
    const created = await post('contacts', { firstname: 'Imogen', lastname: 'Image', jobtitle: 'Buyer' });
    const id = idOf(created);
    const etag = String((await h.json<Row>(`contacts(${id})?$select=fullname`))['@odata.etag']);
    const [delivered] = await receiver.waitFor('/images-all', 1);
    const image = attributes(entry(delivered?.body['PostEntityImages'], 'all'));
    expect(image).toMatchObject({
      contactid: id,
      firstname: 'Imogen',
      fullname: 'Imogen Image',
      jobtitle: 'Buyer',
      versionnumber: Number(/"(\d+)"/.exec(etag)?.[1]),
      statecode: { __type: `OptionSetValue:${CONTRACTS}`, Value: 0 },
      createdon: expect.stringMatching(/^\/Date\(\d+\)\/$/),
    });
    expect(delivered?.body['PreEntityImages']).toEqual([]);
    const target = attributes(entry(delivered?.body['InputParameters'], 'Target'));
    expect(Object.keys(target)).not.toContain('versionnumber');
  });
});

describe('large messages', () => {
  let small: Harness;
  let sink: Receiver;
  beforeAll(async () => {
    small = await startHarness({ webhooks: { maxMessageBytes: 12 * 1024 } });
    sink = await Receiver.start();
  });
  afterAll(async () => {
    await small.close();
    await sink.close();
  });

  it('drops ParentContext, InputParameters and images above the limit and says so in a header', async () => {
    const api = (p: string, body: unknown) => small.api(p, { method: 'POST', body: JSON.stringify(body) });
    const endpoint = /\(([0-9a-f-]{36})\)$/.exec(
      (
        await api('serviceendpoints', {
          name: 'sink',
          url: `${sink.origin}/big`,
          contract: 8,
          authtype: 4,
          authvalue: 'k',
        })
      ).headers.get('odata-entityid') ?? '',
    )?.[1];
    const [message] = (
      await small.json<Collection>("sdkmessages?$select=sdkmessageid&$filter=name eq 'Create'")
    ).value;
    const [filter] = (
      await small.json<Collection>(
        "sdkmessagefilters?$select=sdkmessagefilterid&$filter=primaryobjecttypecode eq 'account' and sdkmessageid/name eq 'Create'",
      )
    ).value;
    const step = await api('sdkmessageprocessingsteps', {
      name: 'accounts',
      stage: 40,
      mode: 1,
      'eventhandler_serviceendpoint@odata.bind': `/serviceendpoints(${String(endpoint)})`,
      'sdkmessageid@odata.bind': `/sdkmessages(${String(message?.['sdkmessageid'])})`,
      'sdkmessagefilterid@odata.bind': `/sdkmessagefilters(${String(filter?.['sdkmessagefilterid'])})`,
    });
    expect(step.status).toBe(204);
    expect((await api('accounts', { name: 'Small account' })).status).toBe(204);
    expect(
      (await api('accounts', { name: 'Large account', description: 'Ünïcödé ✓ '.repeat(200) })).status,
    ).toBe(204);
    const [normal, large] = await sink.waitFor('/big', 2);
    expect(normal?.headers['x-ms-dynamics-msg-size-exceeded']).toBeUndefined();
    expect(Object.keys(normal?.body ?? {})).toEqual(Object.keys(sample));
    expect(large?.headers['x-ms-dynamics-msg-size-exceeded']).toBe('true');
    const kept = Object.keys(sample).filter(
      (key) => !['ParentContext', 'InputParameters', 'PreEntityImages', 'PostEntityImages'].includes(key),
    );
    expect(Object.keys(large?.body ?? {})).toEqual(kept);
    expect(large?.body).toMatchObject({ MessageName: 'Create', PrimaryEntityName: 'account' });
    expect(Buffer.byteLength(normal?.text ?? '')).toBeLessThan(12 * 1024);
  });
});
