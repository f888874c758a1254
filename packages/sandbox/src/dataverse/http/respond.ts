import type { ServerResponse } from 'node:http';
import type { DataverseError } from '../errors';
import type { AnnotationFilter } from '../serialize/annotations';
import type { JsonObject } from '../serialize/entity';

export const JSON_CONTENT_TYPE = 'application/json; odata.metadata=minimal';

/** Headers every Web API response carries. */
export function baseHeaders(requestId: string): Record<string, string> {
  return {
    'OData-Version': '4.0',
    REQ_ID: requestId,
    'x-ms-service-request-id': requestId,
  };
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: JsonObject,
  headers: Record<string, string>,
): void {
  const payload = Buffer.from(JSON.stringify(body), 'utf8');
  res.writeHead(status, {
    ...headers,
    'Content-Type': JSON_CONTENT_TYPE,
    'Content-Length': String(payload.length),
  });
  res.end(payload);
}

export function sendText(
  res: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string>,
): void {
  const payload = Buffer.from(text, 'utf8');
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'text/plain',
    'Content-Length': String(payload.length),
  });
  res.end(payload);
}

export function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string>): void {
  res.writeHead(status, { ...headers, 'Content-Length': '0' });
  res.end();
}

/** The error envelope, plus the `@Microsoft.PowerApps.CDS.*` annotations when they were asked for. */
export function errorBody(
  error: DataverseError,
  annotations: AnnotationFilter,
  requestId: string,
): JsonObject {
  const inner: JsonObject = { code: error.code, message: error.message };
  const hex = error.code.replace(/^0x/, '');
  const candidates: Array<[string, string]> = [];
  if (error.entitySchemaName) {
    candidates.push(
      [
        'Microsoft.PowerApps.CDS.ErrorDetails.ApiExceptionSourceKey',
        `Plugin/Microsoft.Crm.Common.ObjectModel.${error.entitySchemaName}Service`,
      ],
      ['Microsoft.PowerApps.CDS.ErrorDetails.ApiStepKey', '81cbbb1b-ea3e-db11-86a7-000a3a5473e8'],
      ['Microsoft.PowerApps.CDS.ErrorDetails.ApiDepthKey', '1'],
      ['Microsoft.PowerApps.CDS.ErrorDetails.ApiActivityIdKey', requestId],
      ['Microsoft.PowerApps.CDS.ErrorDetails.ApiPluginSolutionNameKey', 'System'],
      ['Microsoft.PowerApps.CDS.ErrorDetails.ApiStepSolutionNameKey', 'System'],
    );
  }
  candidates.push(
    [
      'Microsoft.PowerApps.CDS.ErrorDetails.ApiExceptionCategory',
      error.status >= 500 ? 'SystemFailure' : 'ClientError',
    ],
    ['Microsoft.PowerApps.CDS.ErrorDetails.ApiExceptionMessageName', error.messageName],
    ['Microsoft.PowerApps.CDS.ErrorDetails.ApiExceptionHttpStatusCode', String(error.status)],
  );
  if (hex) {
    candidates.push([
      'Microsoft.PowerApps.CDS.HelpLink',
      `http://go.microsoft.com/fwlink/?LinkID=398563&error=Microsoft.Crm.CrmException%3a${hex}&client=platform`,
    ]);
  }
  candidates.push(['Microsoft.PowerApps.CDS.InnerError.Message', error.message]);
  for (const [name, value] of candidates) if (annotations.includes(name)) inner[`@${name}`] = value;
  return { error: inner };
}

export function sendError(
  res: ServerResponse,
  error: DataverseError,
  annotations: AnnotationFilter,
  requestId: string,
): void {
  const headers = { ...baseHeaders(requestId), ...error.headers };
  if (error.emptyBody) {
    sendEmpty(res, error.status, headers);
    return;
  }
  sendJson(res, error.status, errorBody(error, annotations, requestId), headers);
}

/** `Preference-Applied` value for what was honoured. */
export function preferenceApplied(values: ReadonlyArray<string | undefined>): Record<string, string> {
  const applied = values.filter((v): v is string => v !== undefined);
  return applied.length > 0 ? { 'Preference-Applied': applied.join(',') } : {};
}
