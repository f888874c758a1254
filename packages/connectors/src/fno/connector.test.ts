import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkConnector } from '../core/conformance';
import { parseEvent } from '../core/host';
import { fnoConnector } from './connector';

const sample = readFileSync(
  new URL('./__fixtures__/BatchJobStarted__schema_download_sample__jp_support_blog.json', import.meta.url),
  'utf8',
);

describe('fno connector definition', () => {
  it('conforms (config, fixtures, checkpoints, stream names)', () => {
    expect(checkConnector(fnoConnector)).toEqual([]);
    expect(Object.keys(fnoConnector.sources)).toEqual([
      'releasedProducts',
      'products',
      'prices',
      'customers',
    ]);
    expect(Object.keys(fnoConnector.sinks)).toEqual(['customers', 'salesOrders']);
  });

  it('parses business events with parseBusinessEvent (the "Download schema" sample is a sample)', () => {
    expect(parseEvent(fnoConnector, 'businessEvent', sample)).toMatchObject({ kind: 'sample' });
    const event = {
      BusinessEventId: 'SalesInvoicePostedBusinessEvent',
      BusinessEventLegalEntity: 'USMF',
      ContextRecordSubject: '',
      ControlNumber: 5637611083,
      EventId: '3c47a4cd-6edc-4319-b893-3f862eed65fd',
      EventTime: '/Date(1672408275000)/',
      EventTimeIso8601: '2022-12-30T13:51:15.2942742Z',
      InitiatingUserAADObjectId: '{410A2690-5EC2-42EE-9F2A-E75B4E324930}',
      InvoiceAccount: 'US-001',
      InvoiceDate: '/Date(1672358400000)/',
      InvoiceId: 'CIV-000123',
      MajorVersion: 0,
      MinorVersion: 0,
      ParentContextRecordSubjects: [],
      SalesOrderId: '000123',
    };
    expect(parseEvent(fnoConnector, 'businessEvent', JSON.stringify(event))).toMatchObject({
      kind: 'event',
      eventId: '3C47A4CD-6EDC-4319-B893-3F862EED65FD',
      legalEntity: 'usmf',
      controlNumber: 5637611083,
      eventTime: '2022-12-30T13:51:15.294Z',
      fields: { InvoiceAccount: 'US-001', InvoiceDate: '2022-12-30T00:00:00.000Z', SalesOrderId: '000123' },
    });
  });
});
