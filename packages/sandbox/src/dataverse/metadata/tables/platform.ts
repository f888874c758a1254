import { boolean, dateTime, guid, integer, lookup, memo, picklist, state, status, text } from '../columns';
import { defineTable } from '../define';

export const systemuser = defineTable({
  logicalName: 'systemuser',
  schemaName: 'SystemUser',
  entitySetName: 'systemusers',
  displayName: 'User',
  primaryNameAttribute: 'fullname',
  ownership: 'BusinessOwned',
  objectTypeCode: 8,
  changeTrackingEnabled: true,
  columns: [
    text('fullname', 200, { readOnly: true, display: 'Full Name' }),
    text('firstname', 256, { display: 'First Name' }),
    text('lastname', 256, { display: 'Last Name' }),
    text('domainname', 1024, { display: 'User Name' }),
    text('internalemailaddress', 100, { format: 'Email', display: 'Primary Email' }),
    text('title', 128, { display: 'Title' }),
    guid('applicationid', { display: 'Application ID' }),
    guid('azureactivedirectoryobjectid', { display: 'Azure AD Object ID' }),
    boolean('isdisabled', ['Disabled', 'Enabled'], { readOnly: true, display: 'Status' }),
    picklist(
      'accessmode',
      [
        [0, 'Read-Write'],
        [1, 'Administrative'],
        [2, 'Read'],
        [3, 'Support User'],
        [4, 'Non-interactive'],
        [5, 'Delegated Admin'],
      ],
      { display: 'Access Mode' },
    ),
    lookup(
      'businessunitid',
      { entity: 'businessunit', relationship: 'business_unit_system_users', cascade: 'Restrict' },
      { required: 'SystemRequired', display: 'Business Unit' },
    ),
  ],
});

export const businessunit = defineTable({
  logicalName: 'businessunit',
  schemaName: 'BusinessUnit',
  entitySetName: 'businessunits',
  displayName: 'Business Unit',
  primaryNameAttribute: 'name',
  ownership: 'BusinessOwned',
  objectTypeCode: 10,
  changeTrackingEnabled: false,
  columns: [
    text('name', 160, { required: 'SystemRequired', display: 'Name' }),
    lookup(
      'parentbusinessunitid',
      { entity: 'businessunit', relationship: 'business_unit_parent_business_unit', cascade: 'Restrict' },
      { display: 'Parent Business' },
    ),
    text('divisionname', 100, { display: 'Division' }),
    text('websiteurl', 200, { format: 'Url', display: 'Website' }),
    boolean('isdisabled', ['Yes', 'No'], { readOnly: true, display: 'Is Disabled' }),
  ],
});

export const organization = defineTable({
  logicalName: 'organization',
  schemaName: 'Organization',
  entitySetName: 'organizations',
  displayName: 'Organization',
  primaryNameAttribute: 'name',
  ownership: 'BusinessOwned',
  objectTypeCode: 1019,
  changeTrackingEnabled: false,
  columns: [
    text('name', 160, { required: 'SystemRequired', display: 'Organization Name' }),
    lookup(
      'basecurrencyid',
      { entity: 'transactioncurrency', relationship: 'basecurrency_organization', cascade: 'Restrict' },
      { display: 'Currency' },
    ),
    integer('expirechangetrackingindays', { min: 0, max: 365, display: 'Expire Change Tracking In Days' }),
    integer('languagecode', { display: 'Language' }),
  ],
});

export const serviceendpoint = defineTable({
  logicalName: 'serviceendpoint',
  schemaName: 'ServiceEndpoint',
  entitySetName: 'serviceendpoints',
  displayName: 'Service Endpoint',
  primaryNameAttribute: 'name',
  ownership: 'OrganizationOwned',
  objectTypeCode: 4618,
  changeTrackingEnabled: false,
  columns: [
    text('name', 256, { required: 'SystemRequired', display: 'Name' }),
    memo('description', 4000, { display: 'Description' }),
    text('url', 2000, { format: 'Url', display: 'Url' }),
    picklist(
      'contract',
      [
        [1, 'OneWay'],
        [2, 'Queue'],
        [3, 'Rest'],
        [4, 'TwoWay'],
        [5, 'Topic'],
        [6, 'Queue (Persistent)'],
        [7, 'Event Hub'],
        [8, 'Webhook'],
        [9, 'Event Grid'],
        [10, 'Managed Data Lake'],
        [11, 'Container Storage'],
      ],
      { required: 'SystemRequired', display: 'Designation' },
    ),
    picklist(
      'authtype',
      [
        [0, 'NotSpecified'],
        [1, 'ACS'],
        [2, 'SASKey'],
        [3, 'SASToken'],
        [4, 'Webhook Key'],
        [5, 'Http Header'],
        [6, 'Http Query String'],
        [7, 'Connection String'],
        [8, 'Access Key'],
        [9, 'Managed Identity'],
      ],
      { display: 'Specify Authorization Type' },
    ),
    text('authvalue', 2048, { writeOnly: true, display: 'Authorization Value' }),
    boolean('isauthvalueset', ['Yes', 'No'], { readOnly: true, display: 'Is Auth Value Set' }),
    picklist(
      'messageformat',
      [
        [1, 'BinaryXML'],
        [2, 'Json'],
        [3, 'TextXML'],
      ],
      { display: 'Message Format' },
    ),
    picklist(
      'connectionmode',
      [
        [1, 'Normal'],
        [2, 'Federated'],
      ],
      { display: 'Connection Mode' },
    ),
    picklist(
      'userclaim',
      [
        [1, 'None'],
        [2, 'UserId'],
        [3, 'UserInfo'],
      ],
      { display: 'User Information Sent' },
    ),
    text('namespaceaddress', 255, { display: 'Namespace Address' }),
    text('path', 160, { display: 'Path' }),
    text('solutionnamespace', 160, { display: 'Solution Namespace' }),
  ],
});

export const sdkmessage = defineTable({
  logicalName: 'sdkmessage',
  schemaName: 'SdkMessage',
  entitySetName: 'sdkmessages',
  displayName: 'Sdk Message',
  primaryNameAttribute: 'name',
  ownership: 'OrganizationOwned',
  objectTypeCode: 4606,
  changeTrackingEnabled: false,
  columns: [
    text('name', 256, { required: 'SystemRequired', display: 'Name' }),
    text('categoryname', 25, { display: 'Category Name' }),
    boolean('isprivate', ['Yes', 'No'], { display: 'Is Private' }),
  ],
});

export const sdkmessagefilter = defineTable({
  logicalName: 'sdkmessagefilter',
  schemaName: 'SdkMessageFilter',
  entitySetName: 'sdkmessagefilters',
  displayName: 'Sdk Message Filter',
  primaryNameAttribute: 'name',
  ownership: 'OrganizationOwned',
  objectTypeCode: 4607,
  changeTrackingEnabled: false,
  columns: [
    text('name', 256, { display: 'Name' }),
    lookup(
      'sdkmessageid',
      { entity: 'sdkmessage', relationship: 'sdkmessageid_sdkmessagefilter', cascade: 'Cascade' },
      { required: 'SystemRequired', display: 'SDK Message ID' },
    ),
    text('primaryobjecttypecode', 100, { required: 'SystemRequired', display: 'Primary Object Type Code' }),
    text('secondaryobjecttypecode', 100, { display: 'Secondary Object Type Code' }),
    boolean('iscustomprocessingstepallowed', ['Yes', 'No'], { display: 'Custom Processing Step Allowed' }),
    integer('availability', { display: 'Availability' }),
  ],
});

export const sdkmessageprocessingstep = defineTable({
  logicalName: 'sdkmessageprocessingstep',
  schemaName: 'SdkMessageProcessingStep',
  entitySetName: 'sdkmessageprocessingsteps',
  displayName: 'Sdk Message Processing Step',
  primaryNameAttribute: 'name',
  ownership: 'OrganizationOwned',
  objectTypeCode: 4608,
  changeTrackingEnabled: false,
  columns: [
    text('name', 256, { required: 'SystemRequired', display: 'Name' }),
    memo('description', 256, { display: 'Description' }),
    picklist(
      'stage',
      [
        [10, 'Pre-validation'],
        [20, 'Pre-operation'],
        [30, 'Main Operation'],
        [40, 'Post-operation'],
      ],
      { required: 'SystemRequired', display: 'Execution Stage' },
    ),
    picklist(
      'mode',
      [
        [0, 'Synchronous'],
        [1, 'Asynchronous'],
      ],
      { required: 'SystemRequired', display: 'Execution Mode' },
    ),
    integer('rank', { required: 'SystemRequired', display: 'Execution Order' }),
    picklist(
      'supporteddeployment',
      [
        [0, 'Server Only'],
        [1, 'Microsoft Dynamics 365 Client for Outlook Only'],
        [2, 'Both'],
      ],
      { display: 'Deployment' },
    ),
    memo('filteringattributes', 100_000, { display: 'Filtering Attributes' }),
    boolean('asyncautodelete', ['Yes', 'No'], { display: 'Asynchronous Automatic Delete' }),
    memo('configuration', 1_073_741_823, { display: 'Configuration' }),
    lookup(
      'eventhandler',
      {
        entity: 'serviceendpoint',
        relationship: 'serviceendpoint_sdkmessageprocessingstep',
        navigation: 'eventhandler_serviceendpoint',
        cascade: 'Cascade',
      },
      { display: 'Event Handler' },
    ),
    lookup(
      'sdkmessageid',
      { entity: 'sdkmessage', relationship: 'sdkmessageid_sdkmessageprocessingstep', cascade: 'Cascade' },
      { required: 'SystemRequired', display: 'SDK Message' },
    ),
    lookup(
      'sdkmessagefilterid',
      {
        entity: 'sdkmessagefilter',
        relationship: 'sdkmessagefilterid_sdkmessageprocessingstep',
        cascade: 'Cascade',
      },
      { display: 'SdkMessage Filter' },
    ),
    state([
      [0, 'Enabled', 1],
      [1, 'Disabled', 2],
    ]),
    status([
      [1, 'Enabled', 0],
      [2, 'Disabled', 1],
    ]),
  ],
});

/**
 * An entity image of a step (`sdkmessageprocessingstepimages`): the row before (pre) and/or after
 * (post) the operation, with the columns in `attributes` (empty: every column), sent under
 * `entityalias` in `PreEntityImages`/`PostEntityImages`. Deleted with its step.
 */
export const sdkmessageprocessingstepimage = defineTable({
  logicalName: 'sdkmessageprocessingstepimage',
  schemaName: 'SdkMessageProcessingStepImage',
  entitySetName: 'sdkmessageprocessingstepimages',
  displayName: 'Sdk Message Processing Step Image',
  primaryNameAttribute: 'name',
  ownership: 'OrganizationOwned',
  objectTypeCode: 4615,
  changeTrackingEnabled: false,
  columns: [
    text('name', 256, { display: 'Name' }),
    memo('description', 256, { display: 'Description' }),
    text('entityalias', 256, { required: 'SystemRequired', display: 'Entity Alias' }),
    picklist(
      'imagetype',
      [
        [0, 'PreImage'],
        [1, 'PostImage'],
        [2, 'Both'],
      ],
      { required: 'SystemRequired', display: 'Image Type' },
    ),
    text('messagepropertyname', 256, { required: 'SystemRequired', display: 'Message Property Name' }),
    memo('attributes', 100_000, { display: 'Attributes' }),
    text('relatedattributename', 256, { display: 'Related Attribute Name' }),
    lookup(
      'sdkmessageprocessingstepid',
      {
        entity: 'sdkmessageprocessingstep',
        relationship: 'sdkmessageprocessingstepid_sdkmessageprocessingstepimage',
        cascade: 'Cascade',
      },
      { required: 'SystemRequired', display: 'SDK Message Processing Step' },
    ),
  ],
});

export const asyncoperation = defineTable({
  logicalName: 'asyncoperation',
  schemaName: 'AsyncOperation',
  entitySetName: 'asyncoperations',
  displayName: 'System Job',
  primaryNameAttribute: 'name',
  ownership: 'UserOwned',
  objectTypeCode: 4700,
  changeTrackingEnabled: false,
  columns: [
    text('name', 256, { display: 'System Job Name' }),
    picklist(
      'operationtype',
      [
        [1, 'System Event'],
        [10, 'Workflow'],
        [40, 'Collect SQM data'],
        [54, 'Execute Async Request'],
      ],
      { display: 'System Job Type' },
    ),
    text('messagename', 160, { display: 'Message Name' }),
    text('primaryentitytype', 64, { display: 'Entity Name' }),
    memo('message', 1_073_741_823, { display: 'Message' }),
    memo('friendlymessage', 1_073_741_823, { display: 'Friendly message' }),
    integer('errorcode', { display: 'Error Code' }),
    integer('retrycount', { min: 0, display: 'Retry Count' }),
    guid('correlationid', { display: 'Correlation Id' }),
    dateTime('startedon', { display: 'Started On' }),
    dateTime('completedon', { display: 'Completed On' }),
    lookup(
      'owningextensionid',
      {
        entity: 'sdkmessageprocessingstep',
        relationship: 'SdkMessageProcessingStep_AsyncOperations',
        navigation: 'owningextensionid_sdkmessageprocessingstep',
      },
      { display: 'Owning Extension' },
    ),
    state([
      [0, 'Ready', 0],
      [1, 'Suspended', 10],
      [2, 'Locked', 20],
      [3, 'Completed', 30],
    ]),
    status([
      [0, 'Waiting For Resources', 0],
      [10, 'Waiting', 1],
      [20, 'In Progress', 2],
      [21, 'Pausing', 2],
      [22, 'Canceling', 2],
      [30, 'Succeeded', 3],
      [31, 'Failed', 3],
      [32, 'Canceled', 3],
    ]),
  ],
});
