/**
 * Errors the simulated Web API answers with. Every one renders as the real envelope
 * `{"error":{"code":"0x…","message":"…"}}`; codes and wording follow the reference and the samples
 * in `shared/samples/dataverse-errors/`; the ones marked UNCONFIRMED in the package README are our
 * best guess.
 */

/** Hex codes, named after the platform's error names. */
export const ErrorCode = {
  /** ObjectDoesNotExist. */
  objectDoesNotExist: '0x80040217',
  /** Query/URI and payload errors raised by the OData layer (also `_x_value` writes). */
  odata: '0x80060888',
  /** Unknown resource segment (UNCONFIRMED). */
  resourceNotFound: '0x8006088a',
  /** Attribute validation (length, range). */
  validation: '0x80044331',
  /** ConcurrencyVersionMismatch (the doc example shows an empty code; UNCONFIRMED). */
  concurrencyVersionMismatch: '0x80060882',
  /** DuplicateRecord. */
  duplicateRecord: '0x80040237',
  /** Duplicate values of an active alternate key (UNCONFIRMED). */
  duplicateAlternateKey: '0x80060892',
  /** InvalidArgument: state rules, invalid status transitions (UNCONFIRMED). */
  invalidArgument: '0x80040203',
  /** Delete blocked by a Restrict relationship (UNCONFIRMED). */
  restrictDelete: '0x80040227',
  /** ExpiredVersionStamp: a change-tracking token older than the org keeps changes (UNCONFIRMED for the Web API). */
  expiredVersionStamp: '0x80044352',
  /** The caller's app is not an application user of the org (UNCONFIRMED). */
  notOrgMember: '0x80072560',
  /** UserDisabled: an impersonated user is disabled (UNCONFIRMED). */
  userDisabled: '0x80040225',
  /** SdkEntityDoesNotSupportMessage: a message the table does not offer (e.g. CreateMultiple). */
  sdkEntityDoesNotSupportMessage: '0x80040800',
  /** Service protection: requests per window (ThrottlingBurstRequestLimitExceededError). */
  throttlingRequests: '0x80072322',
  /** Service protection: combined execution time per window (ThrottlingTimeExceededError). */
  throttlingExecutionTime: '0x80072321',
  /** Service protection: concurrent requests (ThrottlingConcurrencyLimitExceededError). */
  throttlingConcurrency: '0x80072326',
  /** Sandbox feature not built yet: no real counterpart. */
  notImplemented: '',
  /** No code: the 401 challenge has no body at all. */
  none: '',
} as const;

export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface DataverseErrorOptions {
  /** ApiExceptionMessageName in the error annotations, e.g. `ObjectDoesNotExist`. */
  messageName?: string;
  /** The table the error is about, for the ApiExceptionSourceKey annotation. */
  entitySchemaName?: string;
  headers?: Record<string, string>;
  /** 401 challenges are sent without a body. */
  emptyBody?: boolean;
}

export class DataverseError extends Error {
  override readonly name = 'DataverseError';
  readonly messageName: string;
  readonly entitySchemaName: string | undefined;
  readonly headers: Record<string, string>;
  readonly emptyBody: boolean;

  constructor(
    readonly status: number,
    readonly code: ErrorCodeValue,
    message: string,
    options: DataverseErrorOptions = {},
  ) {
    super(message);
    this.messageName = options.messageName ?? defaultMessageName(status);
    this.entitySchemaName = options.entitySchemaName;
    this.headers = options.headers ?? {};
    this.emptyBody = options.emptyBody ?? false;
  }
}

function defaultMessageName(status: number): string {
  switch (status) {
    case 404:
      return 'ObjectDoesNotExist';
    case 412:
      return 'ConcurrencyVersionMismatch';
    case 405:
      return 'MethodNotAllowed';
    default:
      return status >= 500 ? 'UnExpected' : 'InvalidArgument';
  }
}

/** Factories for the errors the simulator raises, so wording lives in one place. */
export const errors = {
  /** GET of a missing row (sample `404_not_found_plain__msdocs_insomnia.json`). */
  retrieveNotFound: (logicalName: string, id: string, schemaName?: string) =>
    new DataverseError(
      404,
      ErrorCode.objectDoesNotExist,
      `Entity '${logicalName}' With Id = ${id} Does Not Exist`,
      {
        messageName: 'ObjectDoesNotExist',
        ...(schemaName ? { entitySchemaName: schemaName } : {}),
      },
    ),
  /** PATCH (If-Match: *), DELETE and @odata.bind of a missing row. */
  writeNotFound: (logicalName: string, id: string) =>
    new DataverseError(404, ErrorCode.objectDoesNotExist, `${logicalName} With Id = ${id} Does Not Exist`, {
      messageName: 'ObjectDoesNotExist',
    }),
  alternateKeyNotFound: (logicalName: string) =>
    new DataverseError(
      404,
      ErrorCode.objectDoesNotExist,
      `A record with the specified key values does not exist in ${logicalName} entity`,
      { messageName: 'ObjectDoesNotExist' },
    ),
  resourceNotFound: (segment: string) =>
    new DataverseError(404, ErrorCode.resourceNotFound, `Resource not found for the segment '${segment}'.`, {
      messageName: 'ResourceNotFound',
    }),
  methodNotAllowed: (method: string, allow: readonly string[]) =>
    new DataverseError(
      405,
      ErrorCode.odata,
      `The requested resource does not support http method '${method}'.`,
      {
        headers: { Allow: allow.join(', ') },
      },
    ),
  propertyNotFound: (typeName: string, property: string) =>
    new DataverseError(
      400,
      ErrorCode.odata,
      `Could not find a property named '${property}' on type '${typeName}'.`,
    ),
  invalidProperty: (typeName: string, property: string) =>
    new DataverseError(
      400,
      ErrorCode.odata,
      `Invalid property '${property}' was found in entity '${typeName}'.`,
    ),
  directLookupUpdate: () =>
    new DataverseError(
      400,
      ErrorCode.odata,
      'CRM do not support direct update of Entity Reference properties, Use Navigation properties instead.',
    ),
  invalidKey: (typeName: string) =>
    new DataverseError(
      400,
      ErrorCode.odata,
      `The key in the request URI is not valid for resource '${typeName}'. Ensure that the names and number of key properties match the declared or alternate key properties for the resource '${typeName}'.`,
    ),
  versionMismatch: () =>
    new DataverseError(
      412,
      ErrorCode.concurrencyVersionMismatch,
      "The version of the existing record doesn't match the RowVersion property provided.",
      { messageName: 'ConcurrencyVersionMismatch' },
    ),
  recordExists: () =>
    new DataverseError(412, ErrorCode.duplicateRecord, 'A record with matching key values already exists.', {
      messageName: 'DuplicateRecord',
    }),
  duplicateId: () =>
    new DataverseError(412, ErrorCode.duplicateRecord, 'Cannot insert duplicate key.', {
      messageName: 'DuplicateRecord',
    }),
  queryOptionNotSupported: (option: string) =>
    new DataverseError(400, ErrorCode.odata, `The query parameter ${option} is not supported`),
  badRequest: (message: string) => new DataverseError(400, ErrorCode.odata, message),
  validation: (message: string) =>
    new DataverseError(400, ErrorCode.validation, `A validation error occurred. ${message}`, {
      messageName: 'ValidationError',
    }),
  invalidArgument: (message: string) => new DataverseError(400, ErrorCode.invalidArgument, message),
  notImplemented: (feature: string) =>
    new DataverseError(501, ErrorCode.notImplemented, `${feature} is not implemented by the sandbox yet.`, {
      messageName: 'NotImplemented',
    }),
} as const;
