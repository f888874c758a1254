import { parseBusinessEvent, parseRemoteExecutionContext } from '@mlc/connectors';
import { MessageConsumerPact, synchronousBodyHandler } from '@pact-foundation/pact';
import { describe, expect, it } from 'vitest';
import { boolean, eachLike, integer, regex, string, uuid } from '../support/pact';
import { CONSUMER, pactDir } from '../support/paths';

/**
 * What the systems push to us, as message pacts (the sandbox produces them in verification):
 * the Dataverse webhook body (RemoteExecutionContext, shape of shared/samples/dataverse-webhook)
 * and the F&O business-event body (shape of shared/samples/fno-business-events plus the event's
 * own fields). Each message is handed to the connector's own parser.
 */
const messagePact = (provider: string) =>
  new MessageConsumerPact({ consumer: CONSUMER, provider, dir: pactDir, logLevel: 'error' });

const wcfDate = regex(/^\/Date\(-?\d+([+-]\d{4})?\)\/$/, '/Date(1506384247000)/');

describe('message pacts', () => {
  it('Dataverse webhook: an Update as RemoteExecutionContext', async () => {
    await messagePact('dataverse-webhook')
      .given('a webhook is registered for Update of salesorder')
      .expectsToReceive('an Update of a sales order (RemoteExecutionContext)')
      .withContent({
        BusinessUnitId: uuid('e2b9dd85-e89e-e711-8122-000d3aa2331c'),
        CorrelationId: uuid('aaaa0000-bb11-2222-33cc-444444dddddd'),
        Depth: integer(1),
        InitiatingUserId: uuid('11bb11bb-cc22-dd33-ee44-55ff55ff55ff'),
        InputParameters: eachLike(
          {
            key: 'Target',
            value: {
              __type: 'Entity:http://schemas.microsoft.com/xrm/2011/Contracts',
              Attributes: eachLike({ key: string('name') }, 1),
              Id: uuid('6d81597f-0f9f-e711-8122-000d3aa2331c'),
              LogicalName: string('salesorder'),
            },
          },
          1,
        ),
        IsExecutingOffline: boolean(false),
        IsInTransaction: boolean(false),
        IsOfflinePlayback: boolean(false),
        IsolationMode: integer(1),
        MessageName: 'Update',
        Mode: integer(1),
        OperationCreatedOn: wcfDate,
        OperationId: uuid('ffff5555-aa66-7777-88bb-999999cccccc'),
        OrganizationId: uuid('e2b9dd85-e89e-e711-8122-000d3aa2331c'),
        OrganizationName: string('OrgName'),
        OutputParameters: [],
        PrimaryEntityId: uuid('6d81597f-0f9f-e711-8122-000d3aa2331c'),
        PrimaryEntityName: string('salesorder'),
        SecondaryEntityName: string('none'),
        Stage: integer(40),
        UserId: uuid('11bb11bb-cc22-dd33-ee44-55ff55ff55ff'),
      })
      .withMetadata({ 'content-type': 'application/json' })
      .verify(
        synchronousBodyHandler((body: unknown) => {
          const event = parseRemoteExecutionContext(body);
          expect(event).toMatchObject({ messageName: 'Update', primaryEntityName: 'salesorder' });
        }),
      );
  });

  it('F&O business event: CustomerChangedBusinessEvent', async () => {
    await messagePact('fno-business-events')
      .given('an endpoint is activated for CustomerChangedBusinessEvent in usmf')
      .expectsToReceive('a CustomerChangedBusinessEvent for a created customer')
      .withContent({
        BusinessEventId: 'CustomerChangedBusinessEvent',
        BusinessEventLegalEntity: 'usmf',
        ContextRecordSubject: string(''),
        ControlNumber: integer(5637145326),
        EventId: regex(
          /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/,
          'E7D1F0AC-9B2C-4E14-8F64-1A2B3C4D5E6F',
        ),
        EventTime: wcfDate,
        EventTimeIso8601: regex(
          /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/,
          '2025-06-01T08:00:00.0000000Z',
        ),
        InitiatingUserAADObjectId: regex(/^\{[0-9A-Fa-f-]{36}\}$/, '{00000000-0000-0000-0000-000000000000}'),
        MajorVersion: integer(1),
        MinorVersion: integer(0),
        ChangeType: string('Created'),
        CustomerAccount: string('US-00042'),
        LegalEntity: string('usmf'),
      })
      .withMetadata({ 'content-type': 'application/json' })
      .verify(
        synchronousBodyHandler((body: unknown) => {
          const event = parseBusinessEvent(body);
          expect(event).toMatchObject({ kind: 'event', businessEventId: 'CustomerChangedBusinessEvent' });
        }),
      );
  });
});
