/**
 * Errors of the F&O simulator, each carrying the HTTP status and the exact body the real service
 * sends for that case. Only `http/` turns them into responses.
 */

/** The OData error envelope F&O uses (fno.md §5). */
export interface ODataErrorBody {
  error: {
    code: string;
    message: string;
    innererror?: { message: string; type: string; stacktrace: string };
  };
}

/** ASP.NET Web API's own error shape (routing failures, authentication). */
export interface WebApiErrorBody {
  Message: string;
  MessageDetail?: string;
}

export type FnoErrorBody = ODataErrorBody | WebApiErrorBody | null;

export class FnoError extends Error {
  override readonly name = 'FnoError';
  constructor(
    readonly status: number,
    readonly body: FnoErrorBody,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

export type InfologLevel = 'Info' | 'Warning' | 'Error';

export interface InfologEntry {
  level: InfologLevel;
  text: string;
}

export type WriteOperation = 'create' | 'update' | 'delete';

const WRITE_EXCEPTION = 'Microsoft.Dynamics.Platform.Integration.Services.OData.AxODataWriteException';

const STACKS: Record<WriteOperation, string> = {
  create:
    '   at Microsoft.Dynamics.Platform.Integration.Services.OData.Update.UpdateProcessor.CreateEntity_Save(ChangeOperationContext context, ChangeInfo changeInfo)\r\n' +
    '   at Microsoft.Dynamics.Platform.Integration.Services.OData.Update.UpdateProcessor.CreateEntity(ChangeOperationContext context, ChangeInfo changeInfo)',
  update:
    '   at Microsoft.Dynamics.Platform.Integration.Services.OData.Update.UpdateProcessor.UpdateEntity_Save(ChangeOperationContext context, ChangeInfo changeInfo)\r\n' +
    '   at Microsoft.Dynamics.Platform.Integration.Services.OData.Update.UpdateProcessor.UpdateEntity(ChangeOperationContext context, ChangeInfo changeInfo)',
  delete:
    '   at Microsoft.Dynamics.Platform.Integration.Services.OData.Update.UpdateProcessor.DeleteEntity_Save(ChangeOperationContext context, ChangeInfo changeInfo)\r\n' +
    '   at Microsoft.Dynamics.Platform.Integration.Services.OData.Update.UpdateProcessor.DeleteEntity(ChangeOperationContext context, ChangeInfo changeInfo)',
};

/**
 * `Write failed for table row of type '<AOT entity>'. Infolog: <Level>: <text>; <Level>: <text>.`
 * — the entries joined by `; ` and a final `.`, which is why texts that end in a period show `..`
 * in real captures.
 */
export function infologMessage(aotName: string, entries: readonly InfologEntry[]): string {
  const infolog = entries.map((entry) => `${entry.level}: ${entry.text}`).join('; ');
  return `Write failed for table row of type '${aotName}'. Infolog: ${infolog}.`;
}

/** A business-logic failure of a write (validateField, validateWrite, duplicate key, …). */
export class WriteFailedError extends FnoError {
  constructor(
    readonly aotName: string,
    readonly entries: readonly InfologEntry[],
    readonly operation: WriteOperation,
    status: number,
  ) {
    const message = infologMessage(aotName, entries);
    super(
      status,
      {
        error: {
          code: '',
          message: 'An error has occurred.',
          innererror: { message, type: WRITE_EXCEPTION, stacktrace: STACKS[operation] },
        },
      },
      message,
    );
  }
}

export function odataError(
  status: number,
  message: string,
  inner?: { message: string; type: string },
): FnoError {
  const body: ODataErrorBody = { error: { code: '', message } };
  if (inner) body.error.innererror = { ...inner, stacktrace: '' };
  return new FnoError(status, body, inner?.message ?? message);
}

/** `{"error":{"code":"","message":"Entity set not found."}}` [3P]. */
export function entitySetNotFound(segment: string): FnoError {
  return new FnoError(
    404,
    { error: { code: '', message: 'Entity set not found.' } },
    `no entity set ${segment}`,
  );
}

/** A key that addresses no row (UNCONFIRMED body). */
export function resourceNotFound(entitySet: string): FnoError {
  return odataError(404, `Resource not found for the segment '${entitySet}'.`);
}

/**
 * Web API routing failure, e.g. a single-entity URL without every key field: "No route data was
 * found for this request" [3P, MicrosoftDocs/dynamics-365-unified-operations-public#2063].
 */
export function noRoute(url: string): FnoError {
  return new FnoError(
    404,
    {
      Message: `No HTTP resource was found that matches the request URI '${url}'.`,
      MessageDetail: 'No route data was found for this request.',
    },
    `no route for ${url}`,
  );
}

/**
 * An invalid query option: ODataLib's message behind Web API's prefix, e.g.
 * `The query specified in the URI is not valid. Could not find a property named 'X' on type '…'.`
 */
export function queryNotValid(detail: string, type = 'Microsoft.OData.ODataException'): FnoError {
  return odataError(400, `The query specified in the URI is not valid. ${detail}`, { message: detail, type });
}

/** A request body ODataLib refuses before any business logic runs. */
export function badRequestBody(detail: string): FnoError {
  return odataError(400, 'An error has occurred.', {
    message: detail,
    type: 'Microsoft.OData.ODataException',
  });
}

/** The bare 401 (empty body; the `WWW-Authenticate` header is UNCONFIRMED). */
export function unauthorized(reason: string): FnoError {
  return new FnoError(401, null, reason, { 'WWW-Authenticate': 'Bearer' });
}

export function methodNotAllowed(method: string, url: string): FnoError {
  return new FnoError(
    405,
    { Message: `The requested resource does not support http method '${method}'.` },
    `${method} not allowed on ${url}`,
  );
}

/** If-Match did not match the row's ETag (UNCONFIRMED for F&O; standard OData). */
export function preconditionFailed(): FnoError {
  return odataError(
    412,
    'The ETag value in the request header does not match with the current ETag value of the object.',
  );
}
