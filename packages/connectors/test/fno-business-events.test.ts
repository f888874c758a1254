import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ensureCustomer, fnoConnector, parseBusinessEvent, parseEvent } from '../src/index';
import { type FnoSandbox, startFnoSandbox } from './fno-sandbox';

/**
 * Business events delivered by the sandbox's F&O (its control API plays the Business events
 * workspace: an endpoint with an activation per legal entity), parsed with the connector's parser.
 */

let sb: FnoSandbox;
let receiver: Server;
let receiverUrl: string;
const bodies: string[] = [];

beforeAll(async () => {
  sb = await startFnoSandbox();
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      bodies.push(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/events`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
  await sb?.close();
});

async function waitFor<T>(find: () => T | undefined, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error('nothing delivered in time');
    await sleep(25);
  }
}

describe('F&O business events (sandbox delivery)', () => {
  it('the activation test message is a sample; a created customer arrives as a typed event', async () => {
    await sb.control.call('POST', '/_sandbox/business-events/endpoints', {
      name: 'ml-connector test',
      url: receiverUrl,
      activations: [{ businessEventId: 'CustomerChangedBusinessEvent', legalEntity: 'usmf' }],
    });
    const sample = await waitFor(() => bodies[0]);
    expect(parseEvent(fnoConnector, 'businessEvent', sample)).toMatchObject({
      kind: 'sample',
      businessEventId: 'CustomerChangedBusinessEvent',
    });

    const { ctx, config } = sb.context();
    const created = await ensureCustomer(ctx, config, {
      legalEntity: 'usmf',
      accountNumber: 'ACC-66001',
      partyType: 'Organization',
      organizationName: 'Evented Valves Corp.',
    });
    const fields = z.object({ ChangeType: z.string(), CustomerAccount: z.string(), LegalEntity: z.string() });
    const delivered = await waitFor(() =>
      bodies
        .map((body) => parseBusinessEvent(body, fields))
        .find((event) => event.kind === 'event' && event.fields.CustomerAccount === created.customerAccount),
    );
    expect(delivered).toMatchObject({
      kind: 'event',
      businessEventId: 'CustomerChangedBusinessEvent',
      legalEntity: 'usmf',
      eventId: expect.stringMatching(/^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/),
      controlNumber: expect.any(Number),
      eventTime: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      fields: { ChangeType: 'Created', CustomerAccount: 'ACC-66001', LegalEntity: 'usmf' },
    });
    if (delivered.kind === 'event') expect(delivered.controlNumber).toBeGreaterThan(0);
  });
});
