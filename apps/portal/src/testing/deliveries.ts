/**
 * Valid intake messages as Dataverse and F&O send them, each with its own identity (so its dedup
 * key is its own): what the fuzzers interleave with hostile ones and then look for in the inbox.
 */

/** A GUID derived from a number: distinct numbers give distinct GUIDs. */
export function guidOf(prefix: number, n: number): string {
  const hex = n.toString(16).padStart(12, '0').slice(-12);
  return `${prefix.toString(16).padStart(8, '0').slice(-8)}-4a1b-4c2d-8e3f-${hex}`;
}

export interface ValidDelivery {
  kind: 'dataverse' | 'fno';
  body: string;
  /** The inbox dedup key the intake stores it under. */
  dedupKey: string;
}

/** A Dataverse webhook (RemoteExecutionContext) of an Update of sales order `n`. */
export function validWebhook(n: number, salt = 0xa11ce): ValidDelivery {
  const orderId = guidOf(salt, n);
  const operationId = guidOf(salt + 1, n);
  const body = {
    BusinessUnitId: 'e2b9dd85-e89e-e711-8122-000d3aa2331c',
    CorrelationId: guidOf(salt + 2, n),
    Depth: 1,
    InitiatingUserId: '11bb11bb-cc22-dd33-ee44-55ff55ff55ff',
    InputParameters: [
      {
        key: 'Target',
        value: {
          __type: 'Entity:http://schemas.microsoft.com/xrm/2011/Contracts',
          Attributes: [
            { key: 'salesorderid', value: orderId },
            { key: 'name', value: `Order ${n}` },
            { key: 'modifiedon', value: '/Date(1506384247000)/' },
          ],
          EntityState: null,
          FormattedValues: [],
          Id: orderId,
          KeyAttributes: [],
          LogicalName: 'salesorder',
          RelatedEntities: [],
          RowVersion: null,
        },
      },
    ],
    IsExecutingOffline: false,
    IsInTransaction: false,
    IsOfflinePlayback: false,
    IsolationMode: 1,
    MessageName: 'Update',
    Mode: 1,
    OperationCreatedOn: '/Date(1506409448000-0700)/',
    OperationId: operationId,
    OrganizationId: '00aa00aa-bb11-cc22-dd33-44ee44ee44ee',
    OrganizationName: 'OrgName',
    OutputParameters: [],
    OwningExtension: {
      Id: '75417616-4ea2-e711-8122-000d3aa2331c',
      KeyAttributes: [],
      LogicalName: 'sdkmessageprocessingstep',
      Name: null,
      RowVersion: null,
    },
    PostEntityImages: [],
    PreEntityImages: [],
    PrimaryEntityId: orderId,
    PrimaryEntityName: 'salesorder',
    RequestId: null,
    SecondaryEntityName: 'none',
    SharedVariables: [],
    Stage: 40,
    UserId: '11bb11bb-cc22-dd33-ee44-55ff55ff55ff',
  };
  return {
    kind: 'dataverse',
    body: JSON.stringify(body),
    dedupKey: `update:salesorder:${orderId}:${operationId}`,
  };
}

/** An F&O business event (released product changed) with control number `n` in usmf. */
export function validBusinessEvent(n: number, base = 7_000_000_000): ValidDelivery {
  const controlNumber = base + n;
  const body = {
    BusinessEventId: 'EcoResReleasedProductChangedBusinessEvent',
    BusinessEventLegalEntity: 'USMF',
    ContextRecordSubject: '',
    ControlNumber: controlNumber,
    EventId: guidOf(0xbe, n).toUpperCase(),
    EventTime: '/Date(1672408275000)/',
    EventTimeIso8601: '2022-12-30T13:51:15.2942742Z',
    InitiatingUserAADObjectId: '{410A2690-5EC2-42EE-9F2A-E75B4E324930}',
    MajorVersion: 0,
    MinorVersion: 0,
    ParentContextRecordSubjects: [],
    ItemNumber: `IE-${n}`,
  };
  return { kind: 'fno', body: JSON.stringify(body), dedupKey: `usmf:${controlNumber}` };
}
