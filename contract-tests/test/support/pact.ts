import { MatchersV3, PactV3, PactV4 } from '@pact-foundation/pact';
import { batchPactDir, CONSUMER, pactDir, pactLogDir } from './paths';

export type Provider = 'dataverse' | 'fno' | 'entra-id';

/** A pact between `ml-connector` and one provider, written into `pacts/`. */
export function pactWith(provider: Provider): PactV3 {
  return new PactV3({
    consumer: CONSUMER,
    provider,
    dir: pactDir,
    logLevel: 'error',
    // pact-core writes its log under `logs/` only when asked; keep it quiet otherwise.
    ...(process.env['PACT_LOG'] ? { logLevel: 'debug' as const, log: pactLogDir } : {}),
  });
}

/** The V4 pact of a provider's `$batch` interactions (`batch-response.ts`, README "`$batch`"). */
export function batchPactWith(provider: Exclude<Provider, 'entra-id'>): PactV4 {
  return new PactV4({
    consumer: CONSUMER,
    provider,
    dir: batchPactDir,
    logLevel: 'error',
    ...(process.env['PACT_LOG'] ? { logLevel: 'debug' as const, log: pactLogDir } : {}),
  });
}

export const {
  regex,
  like,
  eachLike,
  uuid,
  integer,
  decimal,
  boolean,
  string,
  datetime,
  atLeastOneLike,
  fromProviderState,
  arrayContaining,
  number,
} = MatchersV3;

/** Any bearer token (the verifier sends a real one from the sandbox's Entra ID). */
export const bearer = regex(
  /^Bearer [A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/,
  'Bearer eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL2NvbnRvc28uY3JtLmR5bmFtaWNzLmNvbSJ9.c2lnbmF0dXJl',
);

/** The OData headers every Dataverse Web API request carries. */
export const dataverseRequestHeaders = {
  Authorization: bearer,
  Accept: 'application/json',
  'OData-Version': '4.0',
  'OData-MaxVersion': '4.0',
};

/** What the connector sends with a JSON body. */
export const jsonContent = regex(/^application\/json(;.*)?$/, 'application/json; charset=utf-8');

export const odataJson = regex(/^application\/json(;.*)?$/, 'application/json; odata.metadata=minimal');

/** An absolute Web API URL on any host (the connector puts links back on its configured origin). */
export const dataverseLink = (pathAndQuery: string, pattern: string): ReturnType<typeof regex> =>
  regex(
    new RegExp(`^https://[^/]+/api/data/v9\\.2/${pattern}$`),
    `https://contoso.crm.dynamics.com/api/data/v9.2/${pathAndQuery}`,
  );

export const fnoLink = (pathAndQuery: string, pattern: string): ReturnType<typeof regex> =>
  regex(
    new RegExp(`^https://[^/]+/data/${pattern}$`),
    `https://contoso.operations.dynamics.com/data/${pathAndQuery}`,
  );

/**
 * `$batch` (multipart/mixed): Pact parses the body as MIME parts and compares each part's headers
 * and bytes (the outer boundary may differ; the nested changeset boundary in a part header may
 * not), and cannot match a part by regex. See README.md "`$batch`".
 */
export const batchRequestContentType = (pattern: string, example: string) =>
  regex(new RegExp(`^multipart/mixed; ?boundary="?${pattern}"?$`), `multipart/mixed; boundary=${example}`);

/** The boundary of the example `$batch` answers the mock server sends. */
export const BATCH_RESPONSE_BOUNDARY = 'batchresponse_c1a2b3c4-d5e6-4f70-8a9b-0c1d2e3f4a5b';

/** A multipart answer's content type: `batchresponse_<guid>` boundary. */
export const batchResponseContentType = regex(
  /^multipart\/mixed; ?boundary="?batchresponse_[0-9A-Za-z-]+"?$/,
  `multipart/mixed; boundary=${BATCH_RESPONSE_BOUNDARY}`,
);
