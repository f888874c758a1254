import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createDataverseHttpClient,
  dataverseConfigSchema,
  ensureWebhook,
  systemClock,
} from '@mlc/connectors';
import { MessageProviderPact, providerWithMetadata } from '@pact-foundation/pact';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../support/consumer-world';
import { pactFile } from '../support/paths';
import { type ProviderWorld, startProviderWorld } from '../support/provider-world';

/**
 * The message pacts verified by having the sandbox produce the messages: its Dataverse delivers a
 * webhook (registered with the connector's own `ensureWebhook`) when a sales order changes, its
 * F&O delivers a business event when a customer is created; a local receiver takes the bodies.
 */
let world: ProviderWorld;
let receiver: Server;
let receiverUrl: string;
const bodies: { path: string; body: string; contentType: string }[] = [];

beforeAll(async () => {
  world = await startProviderWorld();
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      bodies.push({
        path: req.url ?? '',
        body: Buffer.concat(chunks).toString('utf8'),
        contentType: req.headers['content-type'] ?? '',
      });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
  await world?.close();
});

/** The content type each delivery came with, for the message metadata. */
const contentTypes = new Map<string, string>();

async function delivered(path: string, matches: (body: Record<string, unknown>) => boolean) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const found = bodies
      .filter((b) => b.path === path)
      .map((b) => ({ json: JSON.parse(b.body) as Record<string, unknown>, contentType: b.contentType }))
      .find((b) => matches(b.json));
    if (found) {
      contentTypes.set(path, found.contentType);
      return found.json;
    }
    if (Date.now() > deadline) throw new Error(`the sandbox delivered nothing to ${path}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function dataverseWebhookBody(): Promise<Record<string, unknown>> {
  const { sandbox } = world;
  const config = dataverseConfigSchema.parse({
    url: sandbox.urls.dataverse,
    authorityHost: sandbox.urls.entra,
    tenantId: sandbox.tenantId,
    clientId: world.clientId,
    clientSecret: world.clientSecret,
    sandbox: { caPem: sandbox.caPem },
  });
  const logger = silentLogger();
  const http = createDataverseHttpClient(config, { logger });
  try {
    const ctx = { http, logger, signal: new AbortController().signal, clock: systemClock };
    await ensureWebhook(ctx, config, { url: `${receiverUrl}/dataverse`, secret: 'contract-tests-secret' });
    const api = `${sandbox.urls.dataverse}/api/data/v9.2/`;
    const orders = await world.call(
      'GET',
      `${api}salesorders?$select=salesorderid&$filter=statecode%20eq%200&$top=1`,
      undefined,
      {
        auth: 'dataverse',
      },
    );
    const id = (orders.body as { value: { salesorderid: string }[] }).value[0]?.salesorderid;
    await world.call(
      'PATCH',
      `${api}salesorders(${id})`,
      { name: 'Renamed for the message pact' },
      {
        auth: 'dataverse',
        headers: { 'If-Match': '*' },
      },
    );
    return await delivered('/dataverse', (b) => b['MessageName'] === 'Update' && b['PrimaryEntityId'] === id);
  } finally {
    await http.close();
  }
}

async function fnoBusinessEventBody(): Promise<Record<string, unknown>> {
  const { sandbox } = world;
  await world.call('POST', `${sandbox.urls.fno}/_sandbox/business-events/endpoints`, {
    name: 'contract-tests',
    url: `${receiverUrl}/fno`,
    activations: [{ businessEventId: 'CustomerChangedBusinessEvent', legalEntity: 'usmf' }],
  });
  const created = await world.call(
    'POST',
    `${sandbox.urls.fno}/data/CustomersV3`,
    {
      dataAreaId: 'usmf',
      CustomerAccount: 'US-MSG-0001',
      PartyType: 'Organization',
      OrganizationName: 'Message Pact Valves',
      CustomerGroupId: '10',
      SalesCurrencyCode: 'USD',
    },
    { auth: 'fno' },
  );
  if (created.status !== 201)
    throw new Error(`creating the customer: ${created.status} ${JSON.stringify(created.body)}`);
  return delivered('/fno', (b) => b['EventId'] !== '' && b['CustomerAccount'] === 'US-MSG-0001');
}

describe('message pacts: the sandbox produces what the pacts expect', () => {
  it('the Dataverse webhook body', async () => {
    await new MessageProviderPact({
      provider: 'dataverse-webhook',
      pactUrls: [pactFile('dataverse-webhook')],
      logLevel: 'error',
      messageProviders: {
        'an Update of a sales order (RemoteExecutionContext)': providerWithMetadata(dataverseWebhookBody, {
          // As delivered (checked below: the sandbox sends exactly application/json).
          'content-type': 'application/json',
        }),
      },
    }).verify();
    expect(contentTypes.get('/dataverse')).toBe('application/json');
  });

  it('the F&O business-event body', async () => {
    await new MessageProviderPact({
      provider: 'fno-business-events',
      pactUrls: [pactFile('fno-business-events')],
      logLevel: 'error',
      messageProviders: {
        'a CustomerChangedBusinessEvent for a created customer': providerWithMetadata(fnoBusinessEventBody, {
          'content-type': 'application/json',
        }),
      },
    }).verify();
    expect(contentTypes.get('/fno')).toBe('application/json');
  });
});
