import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  defaultWebhookSteps,
  ensureAlternateKeys,
  ensureWebhook,
  POST_IMAGE_ALIAS,
  parseRemoteExecutionContext,
  rowVersionFromEtag,
  verifyChangeTracking,
} from '../src/index';
import { type DataverseSandbox, startDataverseSandbox, webApi } from './dataverse-sandbox';

/**
 * Environment setup against the sandbox: the webhook registration (service endpoint + steps) is
 * idempotent and delivers with our secret header; alternate keys are created and waited for until
 * Active (and a key that cannot be built fails clearly); change tracking is verified per table.
 */

let sb: DataverseSandbox;
let receiver: Server;
let receiverUrl = '';
const deliveries: { headers: IncomingMessage['headers']; body: string }[] = [];

beforeAll(async () => {
  sb = await startDataverseSandbox({ keyActivationDelayMs: 600 });
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      deliveries.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/api/webhooks/dataverse`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => receiver?.close(() => resolve()));
  await sb?.close();
});

type ImageRow = {
  sdkmessageprocessingstepimageid: string;
  entityalias: string;
  imagetype: number;
  messagepropertyname: string;
  attributes: string | null;
  _sdkmessageprocessingstepid_value: string;
};

/** The images of some steps, by step id (as an administrator lists them). */
async function imagesOf(stepIds: readonly string[]): Promise<Map<string, ImageRow[]>> {
  const { ctx } = sb.context();
  const filter = stepIds.map((id) => `_sdkmessageprocessingstepid_value eq ${id}`).join(' or ');
  const rows = await webApi(ctx.http, sb.dataverseUrl).rows<ImageRow>(
    `sdkmessageprocessingstepimages?$select=entityalias,imagetype,messagepropertyname,attributes,_sdkmessageprocessingstepid_value&$filter=${filter}`,
  );
  const byStep = new Map<string, ImageRow[]>(stepIds.map((id) => [id, []]));
  for (const row of rows) byStep.get(row._sdkmessageprocessingstepid_value)?.push(row);
  return byStep;
}

async function waitFor<T>(probe: () => T | undefined, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('dataverse webhook setup', () => {
  it('creates the service endpoint and its steps, and a second run changes nothing', async () => {
    const { ctx, config } = sb.context();
    const first = await ensureWebhook(ctx, config, { url: receiverUrl, secret: 's3cr3t-1' });
    expect(first.endpoint).toBe('created');
    expect(first.steps.map((s) => `${s.message} ${s.table}:${s.outcome}`)).toEqual(
      defaultWebhookSteps.map((s) => `${s.message} ${s.table}:created`),
    );

    const second = await ensureWebhook(ctx, config, { url: receiverUrl, secret: 's3cr3t-1' });
    expect(second.serviceEndpointId).toBe(first.serviceEndpointId);
    expect(second.endpoint).toBe('updated'); // the secret is write-only: always rewritten
    expect(second.steps.every((s) => s.outcome === 'unchanged')).toBe(true);
    expect(second.steps.map((s) => s.stepId)).toEqual(first.steps.map((s) => s.stepId));
    expect(second.removed).toEqual([]);

    const admin = webApi(ctx.http, sb.dataverseUrl);
    const endpoints = await admin.rows<Record<string, unknown>>(
      "serviceendpoints?$select=serviceendpointid,contract,authtype,url,isauthvalueset&$filter=name eq 'ml-connector'",
    );
    expect(endpoints).toEqual([
      expect.objectContaining({
        serviceendpointid: first.serviceEndpointId,
        contract: 8,
        authtype: 5,
        url: receiverUrl,
        isauthvalueset: true,
      }),
    ]);
    const steps = await admin.rows<Record<string, unknown>>(
      `sdkmessageprocessingsteps?$select=name,stage,mode,filteringattributes,asyncautodelete&$filter=_eventhandler_value eq ${first.serviceEndpointId}`,
    );
    expect(steps).toHaveLength(defaultWebhookSteps.length);
    expect(steps.every((s) => s['stage'] === 40 && s['mode'] === 1 && s['asyncautodelete'] === true)).toBe(
      true,
    );
    const update = steps.find((s) => s['name'] === 'ml-connector: Update of salesorder');
    expect(String(update?.['filteringattributes']).split(',')).toEqual(
      expect.arrayContaining(['customerid', 'statecode', 'statuscode', 'totalamount']),
    );

    // The salesorder Create and Update steps carry one post image with versionnumber, the others none
    // (after both runs: the second one added nothing).
    const images = await imagesOf(second.steps.map((s) => s.stepId));
    for (const step of second.steps) {
      const found = images.get(step.stepId) ?? [];
      if (step.table === 'salesorder' && step.message !== 'Delete') {
        expect(found, `${step.message} of ${step.table}`).toEqual([
          expect.objectContaining({
            entityalias: POST_IMAGE_ALIAS,
            imagetype: 1,
            messagepropertyname: step.message === 'Create' ? 'Id' : 'Target',
            attributes: 'versionnumber',
          }),
        ]);
      } else {
        expect(found, `${step.message} of ${step.table}`).toEqual([]);
      }
    }
  });

  it('removes steps no longer wanted and repairs a changed one', async () => {
    const { ctx, config } = sb.context();
    const before = await ensureWebhook(ctx, config, { url: receiverUrl, secret: 's3cr3t-1' });
    const accountUpdate = before.steps.find((s) => s.table === 'account' && s.message === 'Update');
    const admin = webApi(ctx.http, sb.dataverseUrl);
    await admin.update(`sdkmessageprocessingsteps(${accountUpdate?.stepId})`, {
      filteringattributes: 'name',
    });

    const steps = defaultWebhookSteps.filter((s) => !(s.table === 'contact' && s.message === 'Create'));
    const after = await ensureWebhook(ctx, config, { url: receiverUrl, secret: 's3cr3t-1', steps });
    expect(after.removed).toHaveLength(1);
    expect(after.steps.find((s) => s.table === 'account' && s.message === 'Update')?.outcome).toBe('updated');
    expect(after.steps.filter((s) => s.outcome !== 'unchanged')).toHaveLength(1);
    // Back to the full list.
    const restored = await ensureWebhook(ctx, config, { url: receiverUrl, secret: 's3cr3t-2' });
    expect(restored.steps.filter((s) => s.outcome === 'created')).toHaveLength(1);
  });

  it('adds the post image to a registered step that lacks it, repairs a changed one, and leaves others alone', async () => {
    const { ctx, config } = sb.context();
    const admin = webApi(ctx.http, sb.dataverseUrl);
    const before = await ensureWebhook(ctx, config, { url: receiverUrl, secret: 's3cr3t-2' });
    const stepOf = (message: string) => {
      const step = before.steps.find((s) => s.table === 'salesorder' && s.message === message);
      if (!step) throw new Error(`no ${message} step`);
      return step.stepId;
    };
    const images = await imagesOf([stepOf('Create'), stepOf('Update')]);
    const [updateImage] = images.get(stepOf('Update')) ?? [];
    const [createImage] = images.get(stepOf('Create')) ?? [];
    await admin.remove(`sdkmessageprocessingstepimages(${updateImage?.sdkmessageprocessingstepimageid})`);
    await admin.update(`sdkmessageprocessingstepimages(${createImage?.sdkmessageprocessingstepimageid})`, {
      attributes: 'name',
    });
    // Someone else's image on our step is not ours to manage.
    await admin.create('sdkmessageprocessingstepimages', {
      name: 'audit',
      entityalias: 'audit',
      imagetype: 1,
      messagepropertyname: 'Id',
      attributes: 'ordernumber',
      'sdkmessageprocessingstepid@odata.bind': `/sdkmessageprocessingsteps(${stepOf('Create')})`,
    });

    const repaired = await ensureWebhook(ctx, config, { url: receiverUrl, secret: 's3cr3t-2' });
    expect(
      repaired.steps.filter((s) => s.outcome !== 'unchanged').map((s) => `${s.message} ${s.table}`),
    ).toEqual(['Create salesorder', 'Update salesorder']);
    expect(repaired.steps.map((s) => s.stepId)).toEqual(before.steps.map((s) => s.stepId));
    const after = await imagesOf([stepOf('Create'), stepOf('Update')]);
    expect(after.get(stepOf('Update'))).toEqual([
      expect.objectContaining({ entityalias: POST_IMAGE_ALIAS, attributes: 'versionnumber' }),
    ]);
    expect((after.get(stepOf('Create')) ?? []).map((i) => `${i.entityalias}:${i.attributes}`).sort()).toEqual(
      ['audit:ordernumber', `${POST_IMAGE_ALIAS}:versionnumber`],
    );

    const again = await ensureWebhook(ctx, config, { url: receiverUrl, secret: 's3cr3t-2' });
    expect(again.steps.every((s) => s.outcome === 'unchanged')).toBe(true);
  });

  it('refuses a post image on a step that cannot have one', async () => {
    const { ctx, config } = sb.context();
    await expect(
      ensureWebhook(ctx, config, {
        url: receiverUrl,
        secret: 's3cr3t-2',
        steps: [{ table: 'salesorder', message: 'Delete', postImageAttributes: ['versionnumber'] }],
      }),
    ).rejects.toMatchObject({ code: 'invalid_config' });
  });

  it('gets deliveries with our secret header for the registered messages only', async () => {
    const { ctx } = sb.context();
    const admin = webApi(ctx.http, sb.dataverseUrl);
    const [order] = await admin.rows<{ salesorderid: string }>(
      'salesorders?$select=salesorderid&$filter=statecode eq 0&$top=1',
    );
    if (!order) throw new Error('no active order');
    deliveries.length = 0;
    await admin.update(`salesorders(${order.salesorderid})`, { name: 'Renamed for the webhook test' });
    const delivery = await waitFor(() => deliveries[0]);
    expect(delivery.headers['x-mlc-webhook-secret']).toBe('s3cr3t-2');
    const event = parseRemoteExecutionContext(delivery.body, {
      'x-ms-dynamics-msg-size-exceeded': delivery.headers['x-ms-dynamics-msg-size-exceeded'] as
        | string
        | undefined,
    });
    expect(event).toMatchObject({
      messageName: 'Update',
      primaryEntityName: 'salesorder',
      primaryEntityId: order.salesorderid,
    });
    // The post image gives the order's row version right after this update.
    const read = await admin.get<Record<string, unknown>>(`salesorders(${order.salesorderid})?$select=name`);
    expect(event.postImageVersion).toBeDefined();
    expect(event.postImageVersion).toBe(rowVersionFromEtag(String(read['@odata.etag'])));
    // `description` is not a filtering attribute of our Update step: no delivery.
    deliveries.length = 0;
    await admin.update(`salesorders(${order.salesorderid})`, { description: 'not watched' });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(deliveries).toHaveLength(0);
  });
});

describe('dataverse alternate keys and change tracking', () => {
  it('creates the keys the sinks need and waits until they are Active; a second run finds them', async () => {
    const { ctx, config } = sb.context(undefined, { alternateKeyPollMs: 100 });
    const started = Date.now();
    const states = await ensureAlternateKeys(ctx, config);
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);
    expect(states).toEqual([
      expect.objectContaining({
        table: 'account',
        columns: ['accountnumber'],
        status: 'Active',
        created: true,
      }),
      expect.objectContaining({
        table: 'product',
        columns: ['productnumber'],
        status: 'Active',
        created: true,
      }),
    ]);
    const again = await ensureAlternateKeys(ctx, config);
    expect(again.map((s) => [s.status, s.created])).toEqual([
      ['Active', false],
      ['Active', false],
    ]);
    // The key works: a read by account number.
    const [account] = await webApi(ctx.http, sb.dataverseUrl).rows<{ accountnumber: string }>(
      'accounts?$select=accountnumber&$filter=accountnumber ne null&$top=1',
    );
    await expect(
      webApi(ctx.http, sb.dataverseUrl).get(
        `accounts(accountnumber='${account?.accountnumber}')?$select=name`,
      ),
    ).resolves.toMatchObject({ name: expect.any(String) });
  });

  it('fails clearly when Dataverse cannot build a key (duplicate values)', async () => {
    const { ctx, config } = sb.context(undefined, { alternateKeyPollMs: 100 });
    const failure = ensureAlternateKeys(ctx, config, [
      { table: 'account', schemaName: 'mlc_City', displayName: 'City', columns: ['address1_city'] },
    ]);
    await expect(failure).rejects.toMatchObject({
      code: 'invalid_config',
      message: expect.stringContaining('EntityKeyIndexStatus Failed'),
      remedy: expect.stringContaining('Power Apps > Tables > account > Keys'),
    });
  });

  it('gives up waiting after the timeout with a retryable error', async () => {
    const { ctx, config } = sb.context(undefined, { alternateKeyPollMs: 100, alternateKeyTimeoutMs: 200 });
    await expect(
      ensureAlternateKeys(ctx, config, [
        { table: 'contact', schemaName: 'mlc_Email', displayName: 'Email', columns: ['emailaddress1'] },
      ]),
    ).rejects.toMatchObject({
      code: 'upstream_unavailable',
      retryable: true,
      message: expect.stringContaining('has not finished building the alternate keys contact.mlc_Email'),
    });
  });

  it('verifies change tracking on the tables the sources read', async () => {
    const { ctx, config } = sb.context();
    const states = await verifyChangeTracking(ctx, config);
    expect(states.map((s) => [s.table, s.enabled])).toEqual([
      ['account', true],
      ['contact', true],
      ['opportunity', true],
      ['salesorder', true],
      ['product', true],
    ]);
    const off = await verifyChangeTracking(ctx, config, ['sdkmessage', 'nosuchtable']);
    expect(off).toEqual([
      expect.objectContaining({
        table: 'sdkmessage',
        enabled: false,
        remedy: expect.stringContaining('Track changes'),
      }),
      expect.objectContaining({
        table: 'nosuchtable',
        enabled: false,
        detail: 'The environment has no nosuchtable table.',
      }),
    ]);
  });
});
