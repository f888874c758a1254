import type { PactV4 } from '@pact-foundation/pact';
import { BATCH_RESPONSE_BOUNDARY, batchResponseContentType } from './pact';

/**
 * The `$batch` answers the connectors rely on, as one description that yields both the example
 * body the Pact mock server sends to the connector and the regular expressions the verifier applies
 * to the sandbox's real answer (README "`$batch`"). What is pinned, part by part and in order:
 * - the outer `batchresponse_…` parts and, for a changeset, the nested `changesetresponse_…` part
 *   (its `multipart/mixed` content type with a boundary: the readers recurse on it);
 * - each part's `Content-Type: application/http`, its `Content-ID` when the request part had one
 *   (how a failed operation is attributed to its record), and the embedded status line;
 * - the start of the body line where the order is the only link to the request (`@odata.context`
 *   of each GET), and, per part with a `Content-ID`, the JSON properties the connector reads
 *   (`InventoryLotId`, the error envelope's `code` / `message` / `innererror`), each as its own rule
 *   so that their order inside the JSON does not matter.
 * Header values, ids, etags and absolute URLs of the running service are not pinned. JSON bodies
 * are one line (what Dataverse, F&O and the sandbox send).
 */
export interface BatchResponsePart {
  /** The `Content-ID` echoed from the request part (parts inside changesets). */
  contentId?: number;
  /** The embedded status: exact, or a pattern with the example the mock server sends. */
  status: number | { pattern: string; example: number };
  /** The example JSON body (one line); none for 204. */
  body?: unknown;
  /** A pattern the body line starts with (checked in the structure rule). */
  bodyStart?: string;
  /** Patterns each found on this part's body line, in any order (needs `contentId`). */
  requires?: string[];
}

export interface BatchResponseSpec {
  /** The outer status of the `$batch` (200; Dataverse answers 400 when a changeset failed). */
  status: number;
  /** The parts are in one changeset (`changesetresponse_…`), or each a part of the batch. */
  changeset: boolean;
  parts: BatchResponsePart[];
}

const CRLF = '\r\n';
const CHANGESET_RESPONSE_BOUNDARY = 'changesetresponse_7d3c2b1a-0f9e-4d8c-b7a6-958473625140';
const REASONS: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  204: 'No Content',
  400: 'Bad Request',
  404: 'Not Found',
  500: 'Internal Server Error',
};

/** A literal inside a pattern (Rust's regex syntax, which Pact uses, accepts these escapes). */
export const literal = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
/** A JSON string value (escapes allowed, one line). */
export const JSON_STRING = '"(?:[^"\\\\\\r\\n]|\\\\.)*"';
/** A JSON string value that is not empty. */
export const NON_EMPTY_JSON_STRING = '"(?:[^"\\\\\\r\\n]|\\\\.)+"';
/** `"name":<value>` inside a JSON body. */
export const property = (name: string, value: string = JSON_STRING): string => `"${literal(name)}":${value}`;

const LINE = '[^\\r\\n]*';
const HEADER_LINES = '(?:[^\\r\\n]+\\r\\n)*?';
/** A boundary in a delimiter line (`--batchresponse_…`). */
const BOUNDARY = (prefix: string) => `${prefix}_[0-9A-Za-z-]+`;

const statusPattern = (status: BatchResponsePart['status']) =>
  typeof status === 'number' ? String(status) : status.pattern;
const statusExample = (status: BatchResponsePart['status']) =>
  typeof status === 'number' ? status : status.example;

function partPattern(part: BatchResponsePart, boundary: string): string {
  const contentId = part.contentId === undefined ? '' : `Content-ID: ${part.contentId}\\r\\n${HEADER_LINES}`;
  const body = part.body === undefined ? '' : `${part.bodyStart ?? ''}${LINE}`;
  return (
    `--${boundary}\\r\\nContent-Type: application/http\\r\\n${HEADER_LINES}${contentId}\\r\\n` +
    `HTTP/1\\.1 ${statusPattern(part.status)} ${LINE}\\r\\n${HEADER_LINES}\\r\\n${body}\\r\\n`
  );
}

function partExample(part: BatchResponsePart, boundary: string): string {
  const status = statusExample(part.status);
  const lines = [`--${boundary}`, 'Content-Type: application/http', 'Content-Transfer-Encoding: binary'];
  if (part.contentId !== undefined) lines.push(`Content-ID: ${part.contentId}`);
  lines.push('', `HTTP/1.1 ${status} ${REASONS[status] ?? 'Status'}`, 'OData-Version: 4.0');
  if (part.body !== undefined) {
    lines.push('Content-Type: application/json; odata.metadata=minimal', '', JSON.stringify(part.body));
  } else {
    lines.push('', '');
  }
  return `${lines.join(CRLF)}${CRLF}`;
}

/** The example body and the rules (all must match) of a `$batch` answer. */
export function batchResponse(spec: BatchResponseSpec): { example: string; rules: string[] } {
  const outer = BOUNDARY('batchresponse');
  const inner = spec.changeset ? BOUNDARY('changesetresponse') : outer;
  const parts = spec.parts.map((part) => partPattern(part, inner)).join('');
  const structure = spec.changeset
    ? `^--${outer}\\r\\nContent-Type: multipart/mixed; ?boundary="?${inner}"?\\r\\n${HEADER_LINES}\\r\\n${parts}--${inner}--\\r\\n--${outer}--(?:\\r\\n)?$`
    : `^${parts}--${outer}--(?:\\r\\n)?$`;
  const required = spec.parts.flatMap((part) =>
    (part.requires ?? []).map((pattern) => {
      if (part.contentId === undefined)
        throw new Error('a required body property needs the part’s Content-ID');
      // Pact's regex matcher must match the whole body: anything before and after the part.
      return `^[\\s\\S]*?Content-ID: ${part.contentId}\\r\\n${HEADER_LINES}\\r\\nHTTP/1\\.1 ${statusPattern(part.status)} ${LINE}\\r\\n${HEADER_LINES}\\r\\n${LINE}${pattern}[\\s\\S]*$`;
    }),
  );
  const changesetBoundary = CHANGESET_RESPONSE_BOUNDARY;
  const partBoundary = spec.changeset ? changesetBoundary : BATCH_RESPONSE_BOUNDARY;
  const exampleParts = spec.parts.map((part) => partExample(part, partBoundary)).join('');
  const example = spec.changeset
    ? `--${BATCH_RESPONSE_BOUNDARY}${CRLF}Content-Type: multipart/mixed; boundary=${changesetBoundary}${CRLF}${CRLF}` +
      `${exampleParts}--${changesetBoundary}--${CRLF}--${BATCH_RESPONSE_BOUNDARY}--${CRLF}`
    : `${exampleParts}--${BATCH_RESPONSE_BOUNDARY}--${CRLF}`;
  const rules = [structure, ...required];
  // The example the connector reads must itself satisfy the contract it stands for.
  for (const rule of rules) {
    if (!new RegExp(rule).test(example)) {
      throw new Error(`the example $batch answer does not match its own rule ${rule}`);
    }
  }
  return { example, rules };
}

interface FfiRequestBody {
  withRequestBody(body: string, contentType: string): boolean;
}

function rawRequestBody(builder: object): FfiRequestBody {
  const ffi = (builder as { interaction?: Partial<FfiRequestBody> }).interaction;
  if (typeof ffi?.withRequestBody !== 'function') {
    throw new Error(
      'the Pact V4 request builder no longer exposes its FFI interaction: check batch-response.ts against this pact-js version',
    );
  }
  return ffi as FfiRequestBody;
}

type V4InteractionWithResponse = ReturnType<
  ReturnType<ReturnType<ReturnType<PactV4['addInteraction']>['given']>['withRequest']>['willRespondWith']
>;

export interface BatchInteraction {
  state: string;
  params?: Record<string, string>;
  description: string;
  path: string;
  headers: Record<string, unknown>;
  /** The request body, compared byte for byte (README "`$batch`"). */
  body: string;
  response: BatchResponseSpec;
}

/**
 * Adds a `$batch` interaction to a V4 pact: the request bytes pinned, the answer by
 * `batchResponse`. `executeTest` of the interaction returned serves every interaction added so far.
 */
export function addBatchInteraction(pact: PactV4, interaction: BatchInteraction): V4InteractionWithResponse {
  const { example, rules } = batchResponse(interaction.response);
  return pact
    .addInteraction()
    .given(interaction.state, interaction.params)
    .uponReceiving(interaction.description)
    .withRequest('POST', interaction.path, (request) => {
      // The body first, as `application/octet-stream` so that the mock server compares its bytes
      // instead of parsing MIME (it cannot parse a nested changeset), then the headers, whose
      // Content-Type is the multipart one by matcher: what PactV3 does with `contentType`. The V4
      // builder's own `body()` keeps the multipart type for the comparison, so this calls the FFI
      // interaction the builder wraps (pact-js 16.5, pinned in package.json).
      rawRequestBody(request).withRequestBody(interaction.body, 'application/octet-stream');
      request.headers(interaction.headers as never);
    })
    .willRespondWith(interaction.response.status, (response) => {
      response
        .headers({ 'Content-Type': batchResponseContentType })
        .body('text/plain', Buffer.from(example))
        .matchingRules({
          body: {
            path: '$',
            rules: rules.map((regex) => ({ 'pact:matcher:type': 'regex', regex, value: example })),
          },
        });
    });
}
