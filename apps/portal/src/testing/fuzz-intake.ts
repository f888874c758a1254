import fc from 'fast-check';
import { type ValidDelivery, validBusinessEvent, validWebhook } from './deliveries';
import {
  applyMutations,
  contentType,
  encodeComponent,
  hostileHeaders,
  hostileId,
  hostileString,
  type Mutation,
  malformedBody,
  mutations,
  oversizedBody,
  sendableHeader,
} from './hostile';
import { answerOf, problemWith } from './judge';
import { eachLimited, Findings, type Send } from './transport';

/**
 * The intake property: thousands of malformed, oversized, wrongly typed and hostile deliveries to
 * both endpoints (Dataverse webhook, F&O business events), interleaved with valid ones and
 * redeliveries of them. No answer is a 5xx; every refusal is JSON saying what is wrong; each check
 * answers as the README says (404 unknown connection, 401 secret, 413 size); every valid delivery
 * is answered 202 and is in the inbox exactly once.
 */
export interface IntakeFuzzOptions {
  send: Send;
  connectionId: string;
  webhookSecret: string;
  eventsSecret: string;
  /** The dedup keys stored in the inbox for the connection, by source. */
  inbox: () => Promise<{ source: string; dedupKey: string }[]>;
  runs: number;
  seed: number;
  concurrency?: number;
}

export interface IntakeFuzzResult {
  requests: number;
  valid: number;
  redeliveries: number;
  hostile: number;
  byStatus: Record<string, number>;
  serverErrors: number;
  /** 4xx without a specific JSON message, or an answer other than the one the check must give. */
  badRefusals: number;
  /** Valid deliveries not answered 202 (or answered as a duplicate the first time). */
  validRefused: number;
  lost: number;
  duplicated: number;
  findings: Findings;
}

type Kind = 'dataverse' | 'fno';
type Auth = 'ok' | 'missing' | 'wrong' | 'other' | { value: string };
type Body =
  | { mode: 'template' }
  | { mode: 'mutated'; changes: Mutation[] }
  | { mode: 'malformed'; body: string | Uint8Array }
  | { mode: 'oversized'; body: string };

interface HostileStep {
  type: 'hostile';
  kind: Kind;
  id: string | null;
  auth: Auth;
  body: Body;
  contentType: string | undefined;
  headers: Record<string, string>;
}
type Step = { type: 'valid'; kind: Kind } | { type: 'redeliver'; pick: number } | HostileStep;

const webhookKeys = Object.keys(JSON.parse(validWebhook(0).body) as object);
const eventKeys = Object.keys(JSON.parse(validBusinessEvent(0).body) as object);
const mutationsOf = (kind: Kind) => mutations(kind === 'dataverse' ? webhookKeys : eventKeys);

/** `.` and `..` segments (in any spelling) are resolved by URL parsers, leaving the route. */
const staysInRoute = (id: string) => id !== '' && !/^(?:\.|%2e){1,2}$/i.test(id);

function hostileStep(kind: Kind): fc.Arbitrary<HostileStep> {
  const auth: fc.Arbitrary<Auth> = fc.oneof(
    { weight: 6, arbitrary: fc.constant('ok' as const) },
    { weight: 1, arbitrary: fc.constantFrom('missing' as const, 'wrong' as const, 'other' as const) },
    { weight: 1, arbitrary: hostileString.map((value) => ({ value })) },
  );
  const body: fc.Arbitrary<Body> = fc.oneof(
    { weight: 5, arbitrary: mutationsOf(kind).map((changes) => ({ mode: 'mutated' as const, changes })) },
    {
      weight: 4,
      arbitrary: malformedBody(kind === 'dataverse' ? validWebhook(0).body : validBusinessEvent(0).body).map(
        (value) => ({ mode: 'malformed' as const, body: value }),
      ),
    },
    { weight: 1, arbitrary: oversizedBody.map((value) => ({ mode: 'oversized' as const, body: value })) },
    { weight: 1, arbitrary: fc.constant({ mode: 'template' as const }) },
  );
  return fc.record({
    type: fc.constant('hostile' as const),
    kind: fc.constant(kind),
    id: fc.oneof(
      { weight: 8, arbitrary: fc.constant(null) },
      { weight: 1, arbitrary: hostileId.filter(staysInRoute) },
    ),
    auth,
    body,
    contentType,
    headers: hostileHeaders,
  });
}

export const intakeStep: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.record({
      type: fc.constant('valid' as const),
      kind: fc.constantFrom<Kind>('dataverse', 'fno'),
    }),
  },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('redeliver' as const), pick: fc.nat() }) },
  { weight: 4, arbitrary: hostileStep('dataverse') },
  { weight: 4, arbitrary: hostileStep('fno') },
);

const template = (kind: Kind) =>
  JSON.parse(kind === 'dataverse' ? validWebhook(0, 0xbad).body : validBusinessEvent(0, 1).body) as Record<
    string,
    unknown
  >;

function describe(step: HostileStep): string {
  const body =
    step.body.mode === 'mutated'
      ? `mutated ${JSON.stringify(step.body.changes)}`
      : step.body.mode === 'malformed'
        ? `malformed ${typeof step.body.body === 'string' ? JSON.stringify(step.body.body.slice(0, 120)) : `bytes[${step.body.body.length}]`}`
        : step.body.mode;
  return `${step.kind} id=${step.id ?? 'ok'} auth=${JSON.stringify(step.auth)} content-type=${step.contentType} headers=${JSON.stringify(step.headers).slice(0, 200)} body=${body}`;
}

export async function fuzzIntake(options: IntakeFuzzOptions): Promise<IntakeFuzzResult> {
  const steps = fc.sample(intakeStep, { numRuns: options.runs, seed: options.seed });
  // Valid deliveries of this run get identities no other run (nor a hostile body) uses.
  const salt = 0x10000 + (Math.abs(options.seed) % 0xfffff);
  const result: IntakeFuzzResult = {
    requests: 0,
    valid: 0,
    redeliveries: 0,
    hostile: 0,
    byStatus: {},
    serverErrors: 0,
    badRefusals: 0,
    validRefused: 0,
    lost: 0,
    duplicated: 0,
    findings: new Findings(),
  };
  const sent: ValidDelivery[] = [];
  let counter = 0;

  const post = async (
    kind: Kind,
    id: string,
    secret: string | null,
    body: string | Uint8Array<ArrayBuffer>,
    headers: Record<string, string>,
  ) => {
    const path =
      kind === 'dataverse'
        ? `/api/webhooks/dataverse/${id}`
        : `/api/events/fno/${id}${secret === null ? '' : `?code=${encodeComponent(secret)}`}`;
    const all = { ...headers };
    if (kind === 'dataverse' && secret !== null) all['x-mlc-webhook-secret'] = sendableHeader(secret);
    result.requests += 1;
    const answer = await answerOf(await options.send(path, { method: 'POST', headers: all, body }));
    result.byStatus[answer.status] = (result.byStatus[answer.status] ?? 0) + 1;
    if (answer.status >= 500) result.serverErrors += 1;
    return answer;
  };

  const deliverValid = async (delivery: ValidDelivery, redelivery: boolean) => {
    const secret = delivery.kind === 'dataverse' ? options.webhookSecret : options.eventsSecret;
    const answer = await post(delivery.kind, options.connectionId, secret, delivery.body, {
      'content-type': 'application/json',
    });
    const expected = JSON.stringify({ received: true, duplicate: redelivery });
    if (answer.status !== 202 || (!redelivery && answer.text !== expected)) {
      result.validRefused += 1;
      result.findings.add(
        `valid ${delivery.kind} ${delivery.dedupKey}${redelivery ? ' (redelivery)' : ''}`,
        `answered ${answer.status} ${answer.text.slice(0, 300)}`,
      );
    }
  };

  await eachLimited(steps, options.concurrency ?? 1, async (step) => {
    if (step.type === 'valid' || (step.type === 'redeliver' && sent.length === 0)) {
      const kind = step.type === 'valid' ? step.kind : 'dataverse';
      counter += 1;
      const delivery =
        kind === 'dataverse' ? validWebhook(counter, salt) : validBusinessEvent(counter, salt * 100_000);
      result.valid += 1;
      await deliverValid(delivery, false);
      // Redeliveries only of what was answered (concurrent lanes would otherwise race the first delivery).
      sent.push(delivery);
      return;
    }
    if (step.type === 'redeliver') {
      const delivery = sent[step.pick % sent.length] as ValidDelivery;
      result.redeliveries += 1;
      await deliverValid(delivery, true);
      return;
    }
    result.hostile += 1;
    const right = step.kind === 'dataverse' ? options.webhookSecret : options.eventsSecret;
    const secret =
      step.auth === 'ok'
        ? right
        : step.auth === 'missing'
          ? null
          : step.auth === 'wrong'
            ? `${right}x`
            : step.auth === 'other'
              ? step.kind === 'dataverse'
                ? options.eventsSecret
                : options.webhookSecret
              : step.kind === 'dataverse'
                ? sendableHeader(step.auth.value)
                : step.auth.value;
    const authOk = secret === right;
    const idOk = step.id === null;
    const body =
      step.body.mode === 'template'
        ? JSON.stringify(template(step.kind))
        : step.body.mode === 'mutated'
          ? (JSON.stringify(applyMutations(template(step.kind), step.body.changes)) ?? 'null')
          : step.body.body;
    const headers: Record<string, string> = { ...step.headers };
    if (step.contentType) headers['content-type'] = step.contentType;
    const expected = !idOk
      ? [404]
      : !authOk
        ? [401]
        : step.body.mode === 'oversized'
          ? [413]
          : [200, 202, 400];
    let answer: Awaited<ReturnType<typeof post>>;
    try {
      answer = await post(
        step.kind,
        step.id ?? options.connectionId,
        secret,
        typeof body === 'string' ? body : new Uint8Array(body),
        headers,
      );
    } catch (error) {
      result.serverErrors += 1;
      result.findings.add(describe(step), `the request failed: ${String(error)}`);
      return;
    }
    const problem = problemWith(answer, expected);
    if (problem) {
      if (answer.status < 500) result.badRefusals += 1;
      result.findings.add(describe(step), problem);
    }
  });

  const stored = await options.inbox();
  const counts = new Map<string, number>();
  for (const row of stored)
    counts.set(`${row.source}/${row.dedupKey}`, (counts.get(`${row.source}/${row.dedupKey}`) ?? 0) + 1);
  for (const delivery of sent) {
    const source = delivery.kind === 'dataverse' ? 'dataverse_webhook' : 'fno_business_event';
    const n = counts.get(`${source}/${delivery.dedupKey}`) ?? 0;
    if (n === 0) {
      result.lost += 1;
      result.findings.add(`valid ${delivery.kind} ${delivery.dedupKey}`, 'not in the inbox');
    } else if (n > 1) {
      result.duplicated += 1;
      result.findings.add(`valid ${delivery.kind} ${delivery.dedupKey}`, `${n} times in the inbox`);
    }
  }
  return result;
}
