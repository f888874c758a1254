import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  errorFromResponse,
  parseDataverseError,
  parseErrorBody,
  parseFnoError,
  parseInfolog,
} from './errors';

const fixture = (name: string) => readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8');

function httpFixture(name: string): { status: number; headers: Record<string, string>; body: string } {
  const text = fixture(name).replace(/\r\n/g, '\n');
  const split = text.indexOf('\n\n');
  const head = text.slice(0, split);
  const body = text.slice(split + 2);
  const [statusLine = '', ...headerLines] = head.split('\n');
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(statusLine.split(' ')[1]), headers, body };
}

const fnoWriteFailure = {
  error: {
    code: '',
    message: 'An error has occurred.',
    innererror: {
      message:
        "Write failed for table row of type 'SalesOrderLineV3Entity'. Infolog: Warning: Inventory dimension Site is mandatory and must consequently be specified.; Error: Update has been canceled..",
      type: 'Microsoft.Dynamics.Platform.Integration.Services.OData.AxODataWriteException',
      stacktrace:
        '   at Microsoft.Dynamics.Platform.Integration.Services.OData.Update.UpdateProcessor.CreateEntity_Save(...)',
    },
  },
};

describe('error body parsers', () => {
  it('reads the Dataverse envelope, plain and with annotations', () => {
    for (const name of [
      '404_not_found_plain__msdocs_insomnia.json',
      '404_not_found_with_annotations__msdocs_insomnia.json',
    ]) {
      expect(parseDataverseError(JSON.parse(fixture(name)))).toEqual({
        shape: 'dataverse',
        code: '0x80040217',
        message: "Entity 'account' With Id = 5b4ced1c-88e1-ee11-904c-6045bd05e9d4 Does Not Exist",
      });
    }
    expect(
      parseDataverseError({
        error: { code: '', message: 'The version of the existing record does not match' },
      }),
    ).toEqual({
      shape: 'dataverse',
      message: 'The version of the existing record does not match',
    });
    expect(parseDataverseError({ Message: 'x' })).toBeUndefined();
  });

  it('reads the F&O envelope and splits its Infolog', () => {
    expect(parseFnoError(fnoWriteFailure)).toEqual({
      shape: 'fno',
      code: 'AxODataWriteException',
      message: fnoWriteFailure.error.innererror.message,
      infolog: [
        {
          level: 'Warning',
          text: 'Inventory dimension Site is mandatory and must consequently be specified.',
        },
        { level: 'Error', text: 'Update has been canceled.' },
      ],
    });
    expect(
      parseFnoError({
        Message: 'Authentication failed.',
        StackTrace: null,
        ExceptionType: 'System.InvalidOperationException',
      }),
    ).toEqual({
      shape: 'aspnet',
      code: 'System.InvalidOperationException',
      message: 'Authentication failed.',
    });
    expect(parseFnoError({ error: { code: '', message: 'Entity set not found.' } })).toBeUndefined();
  });

  it('splits Infolog lines of every level', () => {
    expect(
      parseInfolog(
        "Write failed for table row of type 'CustCustomerGroupEntity'. Infolog: Info: Cannot create a record in Customer groups (CustGroup). Customer group: Batch2, Batch 2 Test group T1.\nThe record already exists..",
      ),
    ).toEqual([
      {
        level: 'Info',
        text: 'Cannot create a record in Customer groups (CustGroup). Customer group: Batch2, Batch 2 Test group T1.\nThe record already exists.',
      },
    ]);
    expect(parseInfolog('no infolog here')).toEqual([]);
  });

  it('tries every shape, and gives up on non-JSON bodies (a gateway HTML page)', () => {
    expect(parseErrorBody(JSON.stringify(fnoWriteFailure))?.shape).toBe('fno');
    expect(parseErrorBody(fixture('429_request_count__message_per_msdocs_and_ADR0026.json'))?.code).toBe(
      '0x80072322',
    );
    expect(parseErrorBody('<html><body>502 Bad Gateway</body></html>')).toBeUndefined();
    expect(parseErrorBody('')).toBeUndefined();
  });
});

describe('errorFromResponse', () => {
  const base = { method: 'GET', shownUrl: 'https://contoso.crm.dynamics.com/api/data/v9.2/accounts' };

  it('keeps the Dataverse code, message and request id of the real 400 sample', () => {
    const http = httpFixture('400_plugin_error_with_annotations__msdocs_application_insights_ilogger.http');
    const error = errorFromResponse({
      ...base,
      method: 'POST',
      status: http.status,
      headers: http.headers,
      bodyText: http.body,
    });
    expect(error.code).toBe('validation_failed');
    expect(error.upstream).toEqual({
      status: 400,
      code: '0x80040265',
      message:
        'An invalid request URI was provided. The request URI must either be an absolute URI or BaseAddress must be set.',
      requestId: '8fd35fd6-5329-4bd5-a1b7-757f91822322',
    });
    expect(error.message).toContain(
      'POST https://contoso.crm.dynamics.com/api/data/v9.2/accounts answered HTTP 400',
    );
  });

  it.each([
    [400, 'GET', 'validation_failed'],
    [401, 'GET', 'auth_failed'],
    [403, 'GET', 'forbidden'],
    [404, 'GET', 'not_found'],
    [405, 'GET', 'validation_failed'],
    [409, 'POST', 'conflict'],
    [412, 'PATCH', 'conflict'],
    [413, 'POST', 'validation_failed'],
    [422, 'POST', 'validation_failed'],
    [429, 'GET', 'throttled'],
    [500, 'GET', 'upstream_unavailable'],
    [502, 'GET', 'upstream_unavailable'],
    [502, 'POST', 'outcome_unknown'],
    [503, 'POST', 'upstream_unavailable'],
    [504, 'POST', 'outcome_unknown'],
    [302, 'GET', 'invalid_config'],
  ] as const)('%i on %s → %s', (status, method, code) => {
    expect(errorFromResponse({ ...base, method, status, headers: {}, bodyText: '' }).code).toBe(code);
  });

  it('treats an F&O write failure answered with 500 as validation_failed, with its Infolog', () => {
    const error = errorFromResponse({
      ...base,
      method: 'POST',
      status: 500,
      headers: { 'ms-dyn-aid': 'aid-1' },
      bodyText: JSON.stringify(fnoWriteFailure),
    });
    expect(error.code).toBe('validation_failed');
    expect(error.upstream?.requestId).toBe('aid-1');
    expect(error.upstream?.infolog).toHaveLength(2);
  });

  it('recognises a missing application user', () => {
    const error = errorFromResponse({
      ...base,
      status: 401,
      headers: {},
      bodyText: JSON.stringify({
        error: { code: '', message: 'The user is not a member of the organization.' },
      }),
    });
    expect(error.code).toBe('app_user_missing');
    expect(error.remedy).toMatch(/Application users/);
  });

  it('carries retryAfterSeconds for 429', () => {
    const error = errorFromResponse({
      ...base,
      status: 429,
      headers: {},
      bodyText: fixture('429_request_count__message_per_msdocs_and_ADR0026.json'),
      retryAfterSeconds: 7,
    });
    expect(error).toMatchObject({ code: 'throttled', retryable: true, retryAfterSeconds: 7 });
    expect(error.upstream?.message).toBe(
      'Number of requests exceeded the limit of 6000 over time window of 300 seconds.',
    );
  });
});
