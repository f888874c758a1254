import fc from 'fast-check';

/**
 * fast-check arbitraries of hostile input: what a broken or malicious sender puts in bodies,
 * headers, ids and query strings. Shared by the portal's fast fuzz tests and the soak.
 */

/** Strings that broke parsers, databases, templates and browsers before. */
export const nastyStrings: readonly string[] = [
  '',
  ' ',
  '\r\n',
  '\t',
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\udfff\ud800',
  '\u202eevil',
  '\ufeff',
  '%00',
  '%',
  '%zz',
  '../../../etc/passwd',
  "' or '1'='1",
  '"; drop table connections; --',
  '\\',
  '<script>window.__mlcFuzz=1</script>',
  '<img src=x onerror="window.__mlcFuzz=1">',
  '{{7*7}}',
  '$' + '{7*7}',
  '__proto__',
  'constructor',
  'prototype',
  'null',
  'undefined',
  'true',
  'NaN',
  '-1',
  '1e309',
  '9'.repeat(400),
  '0x10',
  '2020-02-30',
  '-100000-01-01T00:00:00.000Z',
  '+275760-09-13T00:00:00.000Z',
  '1 2 3',
  '🙂'.repeat(50),
  'x'.repeat(5000),
];

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...nastyStrings) },
  { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.uuid() },
);

/** Any JSON value, weighted towards the ones that hurt. */
export const hostileJson: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: hostileString },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom<unknown>(
      null,
      0,
      -1,
      1.5,
      Number.MAX_SAFE_INTEGER + 2,
      1e308,
      -1e308,
      true,
      false,
      [],
      {},
      [null],
      { __proto__: { polluted: true } },
      JSON.parse('{"__proto__":{"polluted":true}}'),
      { constructor: { prototype: { polluted: true } } },
    ),
  },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.double() },
);

export type Mutation = { key: string; drop: true } | { key: string; drop: false; value: unknown };

/** Up to `max` changes to the top-level fields of a valid object: a field dropped or replaced. */
export function mutations(keys: readonly string[], max = 3): fc.Arbitrary<Mutation[]> {
  const key = fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom(...keys) },
    { weight: 1, arbitrary: hostileString },
  );
  const mutation: fc.Arbitrary<Mutation> = fc.oneof(
    fc.record({ key, drop: fc.constant(true as const) }),
    fc.record({ key, drop: fc.constant(false as const), value: hostileJson }),
  );
  return fc.array(mutation, { minLength: 1, maxLength: max });
}

export function applyMutations(value: Record<string, unknown>, changes: readonly Mutation[]): unknown {
  const copy: Record<string, unknown> = { ...value };
  for (const change of changes) {
    if (change.drop) delete copy[change.key];
    else
      Object.defineProperty(copy, change.key, {
        value: change.value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
  }
  return copy;
}

/** A body that is not what the endpoint parses: not JSON, cut short, the wrong type, binary, huge or deep. */
export function malformedBody(valid: string): fc.Arbitrary<string | Uint8Array> {
  return fc.oneof(
    {
      weight: 3,
      arbitrary: fc.integer({ min: 0, max: Math.max(0, valid.length - 1) }).map((n) => valid.slice(0, n)),
    },
    { weight: 2, arbitrary: hostileString },
    { weight: 2, arbitrary: hostileJson.map((value) => JSON.stringify(value) ?? 'undefined') },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }) },
    { weight: 1, arbitrary: fc.constant(`${valid}${valid}`) },
    { weight: 1, arbitrary: fc.constant(`\ufeff${valid}`) },
    {
      weight: 1,
      arbitrary: fc.integer({ min: 1_000, max: 60_000 }).map((n) => `${'['.repeat(n)}${']'.repeat(n)}`),
    },
    {
      weight: 1,
      arbitrary: fc.integer({ min: 1_000, max: 20_000 }).map((n) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`),
    },
  );
}

/** Over the intake's 256 KB limit, in one of several shapes. */
export const oversizedBody: fc.Arbitrary<string> = fc
  .record({
    extra: fc.integer({ min: 1, max: 200_000 }),
    shape: fc.constantFrom('padding', 'array', 'string'),
  })
  .map(({ extra, shape }) => {
    const size = 256 * 1024 + extra;
    if (shape === 'array') return JSON.stringify(Array.from({ length: Math.ceil(size / 2) }, () => 0));
    if (shape === 'string') return JSON.stringify('x'.repeat(size));
    return JSON.stringify({ Padding: 'x'.repeat(size) });
  });

/** What `fetch` can send as a header value: no CR, LF or NUL, Latin-1 only, no edge whitespace. */
export function sendableHeader(value: string): string {
  return value.replace(/[^\u0020-\u007e\u0080-\u00ff\t]/g, '?').trim();
}

/** A header value that `fetch` can send, hostile otherwise. */
export const headerValue: fc.Arbitrary<string> = fc
  .oneof(
    hostileString,
    fc.string({ unit: 'binary-ascii', maxLength: 60 }),
    fc.integer({ min: 1, max: 8_000 }).map((n) => 'h'.repeat(n)),
  )
  .map(sendableHeader);

/** Extra headers a hostile sender adds. */
export const hostileHeaders: fc.Arbitrary<Record<string, string>> = fc.dictionary(
  fc.constantFrom(
    'x-correlation-id',
    'x-ms-dynamics-msg-size-exceeded',
    'x-forwarded-for',
    'x-forwarded-host',
    'x-forwarded-proto',
    'accept',
    'accept-encoding',
    'content-encoding',
    'x-ms-dynamics-organization',
    'cookie',
    'authorization',
    'x-mlc-custom',
  ),
  headerValue,
  { maxKeys: 3 },
);

export const contentType: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 4, arbitrary: fc.constant('application/json') },
  {
    weight: 1,
    arbitrary: fc.constantFrom<string | undefined>(
      undefined,
      'text/plain',
      'application/json; charset=utf-16',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/xml',
      '*/*',
    ),
  },
);

/** `encodeURIComponent` that does not throw on lone surrogates (they become U+FFFD, as a browser sends them). */
export function encodeComponent(value: string): string {
  return encodeURIComponent(
    value.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'),
  );
}

/** A path segment standing for an id: not a UUID, someone else's, encoded tricks. */
export const hostileId: fc.Arbitrary<string> = fc.oneof(
  fc.uuid(),
  fc.constantFrom(
    'not-a-uuid',
    '00000000-0000-0000-0000-000000000000',
    '%2e%2e',
    '..',
    'null',
    "1' or '1'='1",
    '%00',
  ),
  hostileString.map(encodeComponent),
);
