import fc from 'fast-check';
import {
  applyMutations,
  encodeComponent,
  hostileHeaders,
  hostileId,
  hostileJson,
  hostileString,
  type Mutation,
  mutations,
} from './hostile';
import { answerOf, problemWith } from './judge';
import { eachLimited, Findings, type Send } from './transport';

/**
 * The API property: hostile inputs to every tRPC procedure (as queries over GET and mutations over
 * POST, single and batched, with good and forged sessions, origins and content types) and to
 * better-auth's sign-in and sign-up. No answer is a 5xx, and every refusal is JSON whose message
 * says what is wrong.
 */
export interface ApiFuzzOptions {
  send: Send;
  /** The portal's origin, sent as `Origin` by a same-site browser. */
  origin: string;
  /** A signed-in session (`Cookie` header) and ids of its workspace. */
  cookie: string;
  connectionId: string;
  recordId: string;
  runs: number;
  seed: number;
  concurrency?: number;
}

export interface ApiFuzzResult {
  requests: number;
  byStatus: Record<string, number>;
  serverErrors: number;
  badRefusals: number;
  findings: Findings;
}

interface Procedure {
  path: string;
  type: 'query' | 'mutation';
  /** A valid input; `own` ids are replaced by random ones for procedures that would reach out. */
  input?: (ids: { connectionId: string; recordId: string }) => Record<string, unknown>;
  /** Never called with the workspace's own id (it would call Microsoft's hosts). */
  foreignOnly?: boolean;
}

export const procedures: readonly Procedure[] = [
  { path: 'system.health', type: 'query' },
  { path: 'me', type: 'query' },
  { path: 'connections.list', type: 'query' },
  { path: 'connections.get', type: 'query', input: ({ connectionId }) => ({ id: connectionId }) },
  { path: 'connections.sandboxDefaults', type: 'query' },
  {
    path: 'connections.create',
    type: 'mutation',
    input: () => ({
      name: 'Fuzz',
      entraTenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
      salesUrl: 'https://fuzz.crm.dynamics.com',
      salesClientId: '11111111-2222-3333-4444-555555555555',
      salesClientSecret: 'fuzz-client-secret',
      fnoUrl: 'https://fuzz.operations.dynamics.com',
      fnoClientId: '66666666-7777-8888-9999-000000000000',
      defaultLegalEntity: 'usmf',
    }),
  },
  {
    path: 'connections.updateSettings',
    type: 'mutation',
    input: ({ connectionId }) => ({ id: connectionId, settings: {} }),
  },
  {
    path: 'connections.setSecret',
    type: 'mutation',
    input: ({ connectionId }) => ({ id: connectionId, name: 'fno_client_secret', value: 'fuzz-secret' }),
  },
  {
    path: 'connections.ping',
    type: 'mutation',
    input: ({ connectionId }) => ({ id: connectionId }),
    foreignOnly: true,
  },
  { path: 'connections.pingProgress', type: 'query', input: ({ connectionId }) => ({ id: connectionId }) },
  {
    path: 'connections.enable',
    type: 'mutation',
    input: ({ connectionId }) => ({ id: connectionId }),
    foreignOnly: true,
  },
  { path: 'connections.pause', type: 'mutation', input: ({ connectionId }) => ({ id: connectionId }) },
  { path: 'connections.resume', type: 'mutation', input: ({ connectionId }) => ({ id: connectionId }) },
  {
    path: 'connections.figures',
    type: 'query',
    input: ({ connectionId }) => ({ id: connectionId, windowMinutes: 60 }),
  },
  { path: 'connections.progress', type: 'query', input: ({ connectionId }) => ({ id: connectionId }) },
  {
    path: 'records.list',
    type: 'query',
    input: ({ connectionId }) => ({
      connectionId,
      search: 'ORD',
      flow: 'orders',
      direction: 'sales_to_fno',
      status: 'failed',
      legalEntity: 'usmf',
      from: '2024-01-01T00:00:00.000Z',
      to: '2030-01-01T00:00:00.000Z',
      cursor: null,
      limit: 20,
    }),
  },
  { path: 'records.get', type: 'query', input: ({ recordId }) => ({ id: recordId }) },
  { path: 'records.replay', type: 'mutation', input: ({ recordId }) => ({ id: recordId }) },
  {
    path: 'records.replayFailed',
    type: 'mutation',
    input: ({ connectionId }) => ({ connectionId, flow: 'orders' }),
  },
];

type Input =
  | { mode: 'template' }
  | { mode: 'mutated'; changes: Mutation[] }
  | { mode: 'any'; value: unknown }
  | { mode: 'none' }
  | { mode: 'raw'; text: string };

interface TrpcStep {
  type: 'trpc';
  procedure: number;
  input: Input;
  transport: 'natural' | 'batch' | 'wrong-method';
  session: 'ok' | 'none' | 'forged';
  origin: 'ok' | 'none' | 'foreign';
  contentType: string;
  headers: Record<string, string>;
  unknownPath: string | null;
}

interface AuthStep {
  type: 'auth';
  endpoint: 'sign-in/email' | 'sign-up/email' | 'get-session';
  body: { mode: 'mutated'; changes: Mutation[] } | { mode: 'raw'; text: string };
  forwardedFor: string;
}

type Step = TrpcStep | AuthStep;

const keysOf = (procedure: Procedure) => {
  const keys = Object.keys(procedure.input?.({ connectionId: 'c', recordId: 'r' }) ?? {});
  return keys.length > 0 ? keys : ['id'];
};

/** Inputs for one procedure: mostly its valid input with fields dropped or replaced. */
const inputFor = (procedure: Procedure): fc.Arbitrary<Input> =>
  fc.oneof(
    { weight: 1, arbitrary: fc.constant({ mode: 'template' as const }) },
    {
      weight: 6,
      arbitrary: mutations(keysOf(procedure), 3).map((changes) => ({ mode: 'mutated' as const, changes })),
    },
    { weight: 2, arbitrary: hostileJson.map((value) => ({ mode: 'any' as const, value })) },
    { weight: 1, arbitrary: fc.constant({ mode: 'none' as const }) },
    { weight: 1, arbitrary: hostileString.map((text) => ({ mode: 'raw' as const, text })) },
  );

const trpcStep: fc.Arbitrary<TrpcStep> = fc.nat({ max: procedures.length - 1 }).chain((index) =>
  fc.record({
    type: fc.constant('trpc' as const),
    procedure: fc.constant(index),
    input: inputFor(procedures[index] as Procedure),
    transport: fc.oneof(
      { weight: 6, arbitrary: fc.constant('natural' as const) },
      { weight: 1, arbitrary: fc.constantFrom('batch' as const, 'wrong-method' as const) },
    ),
    session: fc.oneof(
      { weight: 8, arbitrary: fc.constant('ok' as const) },
      { weight: 1, arbitrary: fc.constantFrom('none' as const, 'forged' as const) },
    ),
    origin: fc.oneof(
      { weight: 8, arbitrary: fc.constant('ok' as const) },
      { weight: 1, arbitrary: fc.constantFrom('none' as const, 'foreign' as const) },
    ),
    contentType: fc.oneof(
      { weight: 8, arbitrary: fc.constant('application/json') },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          'text/plain',
          'application/x-www-form-urlencoded',
          'application/json; charset=utf-8',
        ),
      },
    ),
    headers: hostileHeaders.map((headers) => {
      const { cookie: _c, 'x-forwarded-host': _h, 'x-forwarded-proto': _p, ...rest } = headers;
      return rest;
    }),
    unknownPath: fc.oneof(
      { weight: 12, arbitrary: fc.constant(null) },
      { weight: 1, arbitrary: hostileString.map((s) => encodeComponent(s) || 'x') },
    ),
  }),
);

const authKeys = ['email', 'password', 'name', 'organisationName', 'rememberMe', 'callbackURL'];
const authStep: fc.Arbitrary<AuthStep> = fc.record({
  type: fc.constant('auth' as const),
  endpoint: fc.constantFrom('sign-in/email' as const, 'sign-up/email' as const, 'get-session' as const),
  body: fc.oneof(
    {
      weight: 4,
      arbitrary: mutations(authKeys, 3).map((changes) => ({ mode: 'mutated' as const, changes })),
    },
    { weight: 1, arbitrary: hostileString.map((text) => ({ mode: 'raw' as const, text })) },
  ),
  forwardedFor: fc.ipV4(),
});

export const apiStep: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: trpcStep },
  { weight: 1, arbitrary: authStep },
);

function inputOf(
  step: TrpcStep,
  procedure: Procedure,
  ids: { connectionId: string; recordId: string },
): unknown {
  const base = procedure.input?.(ids) ?? {};
  switch (step.input.mode) {
    case 'template':
      return procedure.input ? base : undefined;
    case 'mutated':
      return applyMutations(base, step.input.changes);
    case 'any':
      return step.input.value;
    case 'none':
      return undefined;
    case 'raw':
      return undefined;
  }
}

export async function fuzzApi(options: ApiFuzzOptions): Promise<ApiFuzzResult> {
  const steps = fc.sample(apiStep, { numRuns: options.runs, seed: options.seed });
  const foreign = fc.sample(hostileId, { numRuns: 50, seed: options.seed });
  const result: ApiFuzzResult = {
    requests: 0,
    byStatus: {},
    serverErrors: 0,
    badRefusals: 0,
    findings: new Findings(),
  };

  const send = async (what: string, path: string, init: RequestInit, expected?: number[]) => {
    result.requests += 1;
    let answer: Awaited<ReturnType<typeof answerOf>>;
    try {
      answer = await answerOf(await options.send(path, { redirect: 'manual', ...init }));
    } catch (error) {
      result.serverErrors += 1;
      result.findings.add(what, `the request failed: ${String(error)}`);
      return;
    }
    result.byStatus[answer.status] = (result.byStatus[answer.status] ?? 0) + 1;
    if (answer.status >= 500) result.serverErrors += 1;
    const problem = problemWith(answer, expected);
    if (problem) {
      if (answer.status < 500) result.badRefusals += 1;
      result.findings.add(what, problem);
    }
  };

  await eachLimited(steps, options.concurrency ?? 1, async (step, index) => {
    if (step.type === 'auth') {
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        origin: options.origin,
        'x-forwarded-for': step.forwardedFor,
      };
      if (step.endpoint === 'get-session') {
        const cookie =
          step.body.mode === 'raw' ? `mlc.session_token=${encodeComponent(step.body.text)}` : 'x=y';
        await send(`auth get-session cookie=${cookie}`, '/api/auth/get-session', {
          headers: { ...headers, cookie },
        });
        return;
      }
      const template = {
        email: `fuzz-${options.seed}-${index}@example.com`,
        password: 'correct horse battery staple',
        name: 'Fuzz',
        organisationName: 'Fuzz Ltd',
      };
      const body =
        step.body.mode === 'raw'
          ? step.body.text
          : JSON.stringify(applyMutations(template, step.body.changes));
      await send(`auth ${step.endpoint} body=${body.slice(0, 200)}`, `/api/auth/${step.endpoint}`, {
        method: 'POST',
        headers,
        body,
      });
      return;
    }
    const procedure = procedures[step.procedure] as Procedure;
    const ids = procedure.foreignOnly
      ? { connectionId: foreign[index % foreign.length] ?? 'x', recordId: 'x' }
      : { connectionId: options.connectionId, recordId: options.recordId };
    const value = inputOf(step, procedure, ids);
    // A procedure that would reach out never receives the workspace's own id, whatever the mutations did.
    if (procedure.foreignOnly && JSON.stringify(value ?? null).includes(options.connectionId)) return;
    const path = step.unknownPath ? `connections.${step.unknownPath}` : procedure.path;
    const encoded =
      step.input.mode === 'raw'
        ? step.input.text
        : value === undefined
          ? undefined
          : JSON.stringify(step.transport === 'batch' ? { 0: value } : value);
    const headers: Record<string, string> = { ...step.headers };
    if (step.session === 'ok') headers['cookie'] = options.cookie;
    if (step.session === 'forged') headers['cookie'] = 'mlc.session_token=forged.value';
    const batch = step.transport === 'batch' ? 'batch=1' : '';
    const asGet = (procedure.type === 'query') !== (step.transport === 'wrong-method');
    const what = `trpc ${path} ${asGet ? 'GET' : 'POST'} ${JSON.stringify(step).slice(0, 300)}`;
    if (asGet) {
      const query = [batch, encoded === undefined ? '' : `input=${encodeComponent(encoded)}`]
        .filter(Boolean)
        .join('&');
      await send(what, `/api/trpc/${path}${query ? `?${query}` : ''}`, { method: 'GET', headers });
      return;
    }
    headers['content-type'] = step.contentType;
    if (step.origin === 'ok') headers['origin'] = options.origin;
    if (step.origin === 'foreign') headers['origin'] = 'https://evil.example';
    await send(what, `/api/trpc/${path}${batch ? `?${batch}` : ''}`, {
      method: 'POST',
      headers,
      ...(encoded === undefined ? {} : { body: encoded }),
    });
  });
  return result;
}
