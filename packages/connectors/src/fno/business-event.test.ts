import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConnectorError } from '../core/errors';
import { parseBusinessEvent } from './business-event';

const sampleText = readFileSync(
  new URL('./__fixtures__/BatchJobStarted__schema_download_sample__jp_support_blog.json', import.meta.url),
  'utf8',
);

/** The "Download schema" sample filled in the way a real delivery is (values from real captures). */
function delivered(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ...JSON.parse(sampleText),
    BusinessEventId: 'BatchJobStartedBusinessEvent',
    BusinessEventLegalEntity: 'USMF',
    ControlNumber: 5637611083,
    EventId: '3c47a4cd-6edc-4319-b893-3f862eed65fd',
    EventTime: '/Date(1672408275000)/',
    EventTimeIso8601: '2022-12-30T13:51:15.2942742Z',
    InitiatingUserAADObjectId: '{410A2690-5EC2-42EE-9F2A-E75B4E324930}',
    JobId: 5637145326,
    JobDescription: 'Post invoices',
    JobStatus: 'Executing',
    JobEndUtcDateTime: '/Date(1672408300000)/',
    ...overrides,
  };
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

describe('parseBusinessEvent', () => {
  it('recognises F&O’s "Download schema" sample (no EventId) as a sample, not an event', () => {
    const parsed = parseBusinessEvent(sampleText);
    expect(parsed.kind).toBe('sample');
    expect(parsed.fields).toMatchObject({
      AdminEmailId: '',
      JobId: 0,
      JobEndUtcDateTime: '1900-01-01T00:00:00.000Z',
    });
    expect(parsed.fields).not.toHaveProperty('EventId');
  });

  it('parses a delivered event: envelope typed, event fields apart, dates converted', () => {
    const parsed = parseBusinessEvent(delivered());
    if (parsed.kind !== 'event') throw new Error('expected an event');
    expect(parsed).toEqual({
      kind: 'event',
      businessEventId: 'BatchJobStartedBusinessEvent',
      legalEntity: 'usmf',
      controlNumber: 5637611083,
      eventId: '3C47A4CD-6EDC-4319-B893-3F862EED65FD',
      eventTime: '2022-12-30T13:51:15.294Z',
      initiatingUserAadObjectId: '410a2690-5ec2-42ee-9f2a-e75b4e324930',
      majorVersion: 0,
      minorVersion: 0,
      contextRecordSubject: '',
      parentContextRecordSubjects: [],
      fields: {
        AdminEmailId: '',
        JobDescription: 'Post invoices',
        JobEndUtcDateTime: '2022-12-30T13:51:40.000Z',
        JobExecutedByEmailId: '',
        JobId: 5637145326,
        JobOwnerEmailId: '',
        JobStatus: 'Executing',
      },
    });
  });

  it('accepts older envelopes without BusinessEventLegalEntity and EventTimeIso8601', () => {
    const body = delivered();
    delete body['BusinessEventLegalEntity'];
    delete body['EventTimeIso8601'];
    const parsed = parseBusinessEvent(JSON.stringify(body));
    expect(parsed).toMatchObject({
      kind: 'event',
      legalEntity: undefined,
      eventTime: '2022-12-30T13:51:15.000Z',
      eventId: '3C47A4CD-6EDC-4319-B893-3F862EED65FD',
    });
  });

  it('types the event’s own fields with a schema', () => {
    const invoicePosted = z.object({
      InvoiceAccount: z.string(),
      InvoiceId: z.string(),
      SalesOrderId: z.string(),
      InvoiceDate: z.iso.datetime(),
      InvoiceAmountInAccountingCurrency: z.number(),
      LegalEntity: z.string(),
    });
    const body = {
      BusinessEventId: 'SalesInvoicePostedBusinessEvent',
      BusinessEventLegalEntity: 'usmf',
      ContextRecordSubject: '',
      ControlNumber: 5637985363,
      EventId: '9F0C4B6E-1C1A-4D7C-9A55-6B7D2E4F1A00',
      EventTime: '/Date(1672408275000)/',
      EventTimeIso8601: '2022-12-30T13:51:15Z',
      InitiatingUserAADObjectId: '{00000000-0000-0000-0000-000000000000}',
      InvoiceAccount: 'US-001',
      InvoiceAmountInAccountingCurrency: 1250.5,
      InvoiceDate: '/Date(1672358400000)/',
      InvoiceId: 'CIV-000123',
      LegalEntity: 'usmf',
      MajorVersion: 1,
      MinorVersion: 2,
      ParentContextRecordSubjects: ['SalesTable:000123'],
      SalesOrderId: '000123',
    };
    const parsed = parseBusinessEvent(body, invoicePosted);
    if (parsed.kind !== 'event') throw new Error('expected an event');
    expect(parsed.fields.InvoiceDate).toBe('2022-12-30T00:00:00.000Z');
    expect(parsed.fields.InvoiceAmountInAccountingCurrency).toBe(1250.5);
    expect(parsed.initiatingUserAadObjectId).toBeUndefined();
    expect(parsed.majorVersion).toBe(1);
    expect(parsed.parentContextRecordSubjects).toEqual(['SalesTable:000123']);

    const wrong = rejection(() => parseBusinessEvent({ ...body, InvoiceId: 42 }, invoicePosted));
    expect(wrong.code).toBe('schema_mismatch');
    expect(wrong.message).toMatch(/SalesInvoicePostedBusinessEvent.*InvoiceId/);
  });

  it('accepts a ControlNumber sent as a string, and an EventId with braces', () => {
    const parsed = parseBusinessEvent(
      delivered({ ControlNumber: '5637611083', EventId: '{3c47a4cd-6edc-4319-b893-3f862eed65fd}' }),
    );
    expect(parsed).toMatchObject({
      controlNumber: 5637611083,
      eventId: '3C47A4CD-6EDC-4319-B893-3F862EED65FD',
    });
  });

  it('rejects malformed envelopes with schema_mismatch', () => {
    expect(rejection(() => parseBusinessEvent(delivered({ EventId: 'not-a-guid' }))).message).toMatch(
      /EventId/,
    );
    expect(rejection(() => parseBusinessEvent(delivered({ ControlNumber: -1 }))).message).toMatch(
      /ControlNumber/,
    );
    expect(rejection(() => parseBusinessEvent(delivered({ ControlNumber: 2 ** 60 }))).message).toMatch(
      /ControlNumber/,
    );
    const noTime = delivered();
    delete noTime['EventTime'];
    delete noTime['EventTimeIso8601'];
    expect(rejection(() => parseBusinessEvent(noTime)).message).toMatch(/EventTime/);
    expect(rejection(() => parseBusinessEvent(delivered({ BusinessEventId: '' }))).message).toMatch(
      /BusinessEventId/,
    );
    expect(rejection(() => parseBusinessEvent('not json')).code).toBe('schema_mismatch');
    expect(rejection(() => parseBusinessEvent({ hello: 'world' })).code).toBe('schema_mismatch');
  });
});
