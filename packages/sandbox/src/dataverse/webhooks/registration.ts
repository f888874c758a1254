import { errors } from '../errors';
import type { EntityModel } from '../metadata/registry';
import { isEntityRef, type StoredRow, type Value } from '../store/types';
import type { WriteContext } from '../write/context';

/**
 * Registration rules for webhooks written through the Web API (`serviceendpoints`,
 * `sdkmessageprocessingsteps`), run by the write path with the other derived columns:
 * - a webhook endpoint (contract 8) needs an https URL (sandbox: also http, and any port, on
 *   127.0.0.1/localhost/::1), an authtype 4 WebhookKey, 5 HttpHeader or 6 HttpQueryString and an
 *   `authvalue` (for 5/6 `<settings><setting name="x" value="y"/></settings>`); `isauthvalueset`
 *   follows `authvalue`, which is never returned;
 * - a step needs an event handler; asynchronous steps only at stage 40 (post-operation);
 *   synchronous webhook steps are not simulated (501); the message filter must belong to the
 *   message and `filteringattributes` must name columns of the filter's table; `rank` defaults to
 *   1, `supporteddeployment` to 0 (server), `asyncautodelete` to false;
 * - an image belongs to a step of Create, Update or Delete (other messages: 501), its
 *   `messagepropertyname` is the message's (`Id` for Create, `Target` for Update and Delete), a
 *   Create has no pre image and a Delete no post image, and `attributes` must name columns of the
 *   step's table.
 * Wording of these errors is ours (UNCONFIRMED, see the package README).
 */

export const WEBHOOK_CONTRACT = 8;
export const AuthType = { webhookKey: 4, httpHeader: 5, httpQueryString: 6 } as const;
const WEBHOOK_AUTH_TYPES: readonly number[] = [
  AuthType.webhookKey,
  AuthType.httpHeader,
  AuthType.httpQueryString,
];

type Changes = Map<string, Value | null>;

export function deriveRegistration(
  context: WriteContext,
  model: EntityModel,
  current: StoredRow | undefined,
  changes: Changes,
): void {
  if (model.def.logicalName === 'serviceendpoint') serviceEndpoint(current, changes);
  else if (model.def.logicalName === 'sdkmessageprocessingstep') processingStep(context, current, changes);
  else if (model.def.logicalName === 'sdkmessageprocessingstepimage')
    processingStepImage(context, current, changes);
}

function getter(current: StoredRow | undefined, changes: Changes) {
  return (name: string): Value | null =>
    changes.has(name) ? (changes.get(name) ?? null) : (current?.values[name] ?? null);
}

function serviceEndpoint(current: StoredRow | undefined, changes: Changes): void {
  const get = getter(current, changes);
  if (changes.has('authvalue') || !current) {
    const value = get('authvalue');
    changes.set('isauthvalueset', typeof value === 'string' && value.length > 0);
  }
  if (get('contract') !== WEBHOOK_CONTRACT) return;
  if (!current && !changes.has('messageformat')) changes.set('messageformat', 2);
  const relevant = ['contract', 'url', 'authtype', 'authvalue'];
  if (current && !relevant.some((name) => changes.has(name))) return;

  const url = get('url');
  if (typeof url !== 'string' || url.trim() === '') {
    throw errors.invalidArgument('A webhook service endpoint (contract 8) requires a url.');
  }
  checkWebhookUrl(url);
  const authtype = get('authtype');
  if (typeof authtype !== 'number' || !WEBHOOK_AUTH_TYPES.includes(authtype)) {
    throw errors.invalidArgument(
      `The authtype ${String(authtype)} is not valid for a webhook service endpoint. Use 4 (WebhookKey), 5 (HttpHeader) or 6 (HttpQueryString).`,
    );
  }
  const authvalue = get('authvalue');
  if (typeof authvalue !== 'string' || authvalue === '') {
    throw errors.invalidArgument('A webhook service endpoint requires an authvalue for its authtype.');
  }
  if (authtype !== AuthType.webhookKey) parseAuthSettings(authvalue);
}

/** Loopback names the sandbox lets receivers listen on with http and any port. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

function checkWebhookUrl(text: string): void {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw errors.invalidArgument(`The webhook url '${text}' is not a valid absolute URI.`);
  }
  const loopback = isLoopbackHost(url.hostname);
  if (url.protocol === 'https:' && (url.port === '' || loopback)) return;
  if (url.protocol === 'http:' && loopback) return;
  throw errors.invalidArgument(
    `The webhook url '${text}' is not allowed: a webhook must use https on port 443 (the sandbox also accepts http and any port on 127.0.0.1 and localhost).`,
  );
}

/** `<settings><setting name="x-secret" value="abc"/></settings>` → `[["x-secret", "abc"]]`. */
export function parseAuthSettings(text: string): Array<[string, string]> {
  const trimmed = text.trim();
  const outer = /^<settings>([\s\S]*)<\/settings>$/.exec(trimmed);
  const invalid = () =>
    errors.invalidArgument(
      `The authvalue is not valid: expected <settings><setting name="..." value="..." /></settings>.`,
    );
  if (!outer) throw invalid();
  const pairs: Array<[string, string]> = [];
  let rest = outer[1] ?? '';
  const setting = /^\s*<setting\s+name\s*=\s*"([^"]*)"\s+value\s*=\s*"([^"]*)"\s*\/>/;
  for (;;) {
    if (rest.trim() === '') break;
    const match = setting.exec(rest);
    if (!match) throw invalid();
    const name = unescapeXml(match[1] ?? '');
    if (name === '') throw invalid();
    pairs.push([name, unescapeXml(match[2] ?? '')]);
    rest = rest.slice(match[0].length);
  }
  if (pairs.length === 0) throw invalid();
  return pairs;
}

function unescapeXml(text: string): string {
  return text
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

function processingStep(context: WriteContext, current: StoredRow | undefined, changes: Changes): void {
  const { store } = context;
  const get = getter(current, changes);
  if (!current) {
    if (!changes.has('rank') || changes.get('rank') === null) changes.set('rank', 1);
    if (!changes.has('supporteddeployment')) changes.set('supporteddeployment', 0);
    if (!changes.has('asyncautodelete')) changes.set('asyncautodelete', false);
  }
  const relevant = [
    'stage',
    'mode',
    'eventhandler',
    'sdkmessageid',
    'sdkmessagefilterid',
    'filteringattributes',
  ];
  if (current && !relevant.some((name) => changes.has(name))) return;

  const handler = get('eventhandler');
  if (!isEntityRef(handler)) {
    throw errors.validation(
      "The 'eventhandler' attribute of the 'sdkmessageprocessingstep' entity is required (SystemRequired) and cannot be null.",
    );
  }
  const stage = get('stage');
  const mode = get('mode');
  if (mode === 1 && stage !== 40) {
    throw errors.invalidArgument(
      'Asynchronous steps can only be registered in the post-operation stage (stage 40).',
    );
  }
  if (mode === 0 && handler.logicalName === 'serviceendpoint') {
    throw errors.notImplemented('Synchronous webhook steps (mode 0)');
  }
  const message = get('sdkmessageid');
  const filterRef = get('sdkmessagefilterid');
  const filter = isEntityRef(filterRef) ? store.get('sdkmessagefilter', filterRef.id) : undefined;
  if (filter && isEntityRef(message)) {
    const filterMessage = filter.values['sdkmessageid'];
    if (!isEntityRef(filterMessage) || filterMessage.id !== message.id) {
      throw errors.invalidArgument(
        `The sdkmessagefilter with Id ${filter.id} does not belong to the sdkmessage with Id ${message.id}.`,
      );
    }
  }
  const attributes = get('filteringattributes');
  const table = filter?.values['primaryobjecttypecode'];
  if (typeof attributes === 'string' && typeof table === 'string') {
    const model = store.metadata.findEntity(table);
    for (const name of splitAttributes(attributes)) {
      if (model && !model.attributes.has(name)) {
        throw errors.invalidArgument(
          `The filtering attribute '${name}' is not a valid attribute of the entity '${table}'.`,
        );
      }
    }
  }
}

/** `"statecode, StatusCode,"` → `["statecode", "statuscode"]`. */
export function splitAttributes(text: string): string[] {
  return text
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name.length > 0);
}

/** The request property an image of each simulated message is taken from (SDK documentation). */
export const IMAGE_MESSAGE_PROPERTY: Readonly<Record<string, string>> = {
  Create: 'Id',
  Update: 'Target',
  Delete: 'Target',
};
export const ImageType = { pre: 0, post: 1, both: 2 } as const;

function processingStepImage(context: WriteContext, current: StoredRow | undefined, changes: Changes): void {
  const { store } = context;
  const get = getter(current, changes);
  const relevant = ['sdkmessageprocessingstepid', 'imagetype', 'messagepropertyname', 'attributes'];
  if (current && !relevant.some((name) => changes.has(name))) return;
  const stepRef = get('sdkmessageprocessingstepid');
  // A missing step is the SystemRequired error the write path raises next.
  const step = isEntityRef(stepRef) ? store.get('sdkmessageprocessingstep', stepRef.id) : undefined;
  if (!step) return;
  const messageRef = step.values['sdkmessageid'];
  const message = isEntityRef(messageRef)
    ? store.get('sdkmessage', messageRef.id)?.values['name']
    : undefined;
  const messageName = typeof message === 'string' ? message : '';
  const property = IMAGE_MESSAGE_PROPERTY[messageName];
  if (!property) throw errors.notImplemented(`Entity images on steps of the '${messageName}' message`);

  const imagetype = get('imagetype');
  if (messageName === 'Create' && (imagetype === ImageType.pre || imagetype === ImageType.both)) {
    throw errors.invalidArgument(
      'A pre-image cannot be registered on a step of the Create message: the record does not exist before the operation.',
    );
  }
  if (messageName === 'Delete' && (imagetype === ImageType.post || imagetype === ImageType.both)) {
    throw errors.invalidArgument(
      'A post-image cannot be registered on a step of the Delete message: the record does not exist after the operation.',
    );
  }
  const propertyName = get('messagepropertyname');
  if (typeof propertyName === 'string' && propertyName.toLowerCase() !== property.toLowerCase()) {
    throw errors.invalidArgument(
      `The message property name '${propertyName}' is not valid for an image of the ${messageName} message. Use '${property}'.`,
    );
  }
  const attributes = get('attributes');
  const filterRef = step.values['sdkmessagefilterid'];
  const table = isEntityRef(filterRef)
    ? store.get('sdkmessagefilter', filterRef.id)?.values['primaryobjecttypecode']
    : undefined;
  const model = typeof table === 'string' ? store.metadata.findEntity(table) : undefined;
  if (typeof attributes === 'string' && model) {
    for (const name of splitAttributes(attributes)) {
      if (!model.attributes.has(name)) {
        throw errors.invalidArgument(
          `The image attribute '${name}' is not a valid attribute of the entity '${model.def.logicalName}'.`,
        );
      }
    }
  }
}
