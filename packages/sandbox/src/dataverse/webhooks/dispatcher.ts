import { randomUUID } from 'node:crypto';
import type { Logger } from '@mlc/logger';
import type { Store } from '../store/store';
import { type ChangeEvent, isEntityRef, type StoredRow, type Value } from '../store/types';
import { toDataverseDateTime } from '../time';
import {
  changedEntityTypes,
  createTarget,
  type ExecutionInfo,
  entityImage,
  executionContext,
  MAX_MESSAGE_BYTES,
  type OperationInfo,
  primaryNameImage,
  targetReference,
  updateTarget,
  webhookBody,
} from './context';
import { type PendingPost, type PostResult, postWebhook } from './deliver';
import { AuthType, ImageType, parseAuthSettings, splitAttributes, WEBHOOK_CONTRACT } from './registration';
import { EMPTY_GUID, type KeyValue } from './wcf';

/** Delivery settings (`DataverseServiceOptions.webhooks`). */
export interface WebhookOptions {
  /** Per attempt (default 60,000 ms, as documented). */
  timeoutMs?: number;
  /** Pause before the one extra attempt after a 502/503/504 (default 1,000 ms; UNCONFIRMED). */
  retryDelayMs?: number;
  /** Extra trusted CA certificates (PEM) for https receivers. */
  ca?: string | readonly string[];
  /** Accept any certificate from receivers on 127.0.0.1/localhost/::1 (default true). */
  trustLoopback?: boolean;
  /** Above this size the body loses parameters and images (default 256 KB). */
  maxMessageBytes?: number;
  /** Deliveries in flight at once; the rest wait (default 16). */
  concurrency?: number;
}

export interface DispatcherOptions extends WebhookOptions {
  /** The org's host name for `x-ms-dynamics-organization` (the request's host when unset). */
  organizationHost: () => string;
  now: () => Date;
}

/** A message other than Create/Update/Delete raised by a sales action (Win, Lose, …). */
export interface MessageCall {
  name: string;
  entity: string;
  /** `PrimaryEntityId` (the empty GUID for Win/Lose: the opportunity is in `OpportunityClose`). */
  primaryEntityId: string;
  userId: string;
}

interface Message {
  call: MessageCall;
  inputParameters: KeyValue[];
}

type Item = { kind: 'change'; event: ChangeEvent } | ({ kind: 'message' } & Message);

/** The row whose commit a message raised inside an outer transaction waits for. */
interface Anchor {
  entity: string;
  id: string;
}

/** The changes of one request (or one sales message): they share a correlation id. */
interface Group {
  correlationId: string;
  createdOn: Date;
  items: Item[];
  /** Set when the group is a sales message: the parent context of everything in it. */
  message: Message | undefined;
  /** Messages that waited for this commit; they follow its changes. */
  trailing: Message[];
}

interface Step {
  id: string;
  name: string;
  message: string;
  entity: string | undefined;
  filteringAttributes: string[];
  asyncAutoDelete: boolean;
  endpoint: StoredRow;
  images: StepImage[];
}

/** A registered `sdkmessageprocessingstepimages` row of a step. */
interface StepImage {
  alias: string;
  /** 0 pre, 1 post, 2 both. */
  type: number;
  /** Logical names; empty: every column. */
  columns: string[];
}

interface Delivery {
  step: Step;
  url: URL;
  headers: Record<string, string>;
  body: Buffer;
  operationId: string;
  correlationId: string;
  messageName: string;
  entity: string;
  userId: string;
  createdOn: Date;
}

/** Tables whose changes never fire steps (the webhook machinery itself). */
const INTERNAL_TABLES = new Set([
  'asyncoperation',
  'sdkmessage',
  'sdkmessagefilter',
  'sdkmessageprocessingstep',
  'sdkmessageprocessingstepimage',
  'serviceendpoint',
]);

const OPERATION_MESSAGE = { create: 'Create', update: 'Update', delete: 'Delete' } as const;
const RETRIED_STATUSES = new Set([502, 503, 504]);
/** How long a message raised inside an outer transaction waits for its commit. */
const AWAIT_COMMIT_MS = 60_000;
const dispatchers = new WeakMap<Store, WebhookDispatcher>();

/**
 * Runs `fn` (the transaction of a sales message) so that the changes it commits belong to the
 * message (their `ParentContext`, one correlation id), then raises the message itself for the
 * steps registered on it. When `fn` runs inside an outer transaction, the message waits for the
 * commit that changes the `anchor` row (and is dropped if that never comes). Without webhooks
 * attached it only runs `fn`.
 */
export function runMessage<T>(
  store: Store,
  call: MessageCall,
  fn: () => T,
  inputParameters: (result: T) => KeyValue[],
  anchor: (result: T) => Anchor | undefined,
): T {
  const dispatcher = dispatchers.get(store);
  return dispatcher ? dispatcher.run(call, fn, inputParameters, anchor) : fn();
}

/**
 * Matches committed changes against enabled webhook steps and POSTs their execution contexts
 * after the request (never inside it); failed deliveries become `asyncoperations` rows.
 */
export class WebhookDispatcher {
  private open: Group | undefined;
  private scoped: Group | undefined;
  private awaiting: Array<{ anchor: Anchor; message: Message; since: number }> = [];
  private stopped = false;
  private readonly queue: Delivery[] = [];
  private readonly inFlight = new Set<PendingPost>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly immediates = new Set<NodeJS.Immediate>();
  private readonly detachListener: () => void;
  private readonly timeoutMs: number;
  private readonly retryDelayMs: number;
  private readonly ca: readonly string[];
  private readonly trustLoopback: boolean;
  private readonly maxMessageBytes: number;
  private readonly concurrency: number;
  private running = 0;

  constructor(
    private readonly store: Store,
    private readonly logger: Logger,
    private readonly options: DispatcherOptions,
  ) {
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.retryDelayMs = options.retryDelayMs ?? 1_000;
    this.ca = typeof options.ca === 'string' ? [options.ca] : [...(options.ca ?? [])];
    this.trustLoopback = options.trustLoopback ?? true;
    this.maxMessageBytes = options.maxMessageBytes ?? MAX_MESSAGE_BYTES;
    this.concurrency = Math.max(1, options.concurrency ?? 16);
    this.detachListener = store.onChange((event) => this.onChange(event));
    dispatchers.set(store, this);
  }

  stop(): void {
    this.stopped = true;
    this.detachListener();
    if (dispatchers.get(this.store) === this) dispatchers.delete(this.store);
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const immediate of this.immediates) clearImmediate(immediate);
    this.immediates.clear();
    for (const pending of this.inFlight) pending.abort();
    this.queue.length = 0;
  }

  run<T>(
    call: MessageCall,
    fn: () => T,
    inputParameters: (result: T) => KeyValue[],
    anchor: (result: T) => Anchor | undefined,
  ): T {
    if (this.scoped) return fn();
    const group = this.newGroup();
    this.scoped = group;
    let result: T;
    try {
      result = fn();
    } finally {
      this.scoped = undefined;
    }
    const message = { call, inputParameters: inputParameters(result) };
    if (group.items.length > 0) {
      group.message = message;
      group.items.push({ kind: 'message', ...message });
      this.schedule(group);
      return result;
    }
    // Nothing committed yet: `fn` ran inside an outer transaction ($batch changeset, activity
    // generator). The message joins the commit that changes its anchor row; a rollback drops it.
    const row = anchor(result);
    if (row) {
      const since = Date.now();
      this.awaiting = this.awaiting.filter((waiting) => since - waiting.since < AWAIT_COMMIT_MS);
      this.awaiting.push({ anchor: row, message, since });
    }
    return result;
  }

  private newGroup(): Group {
    return {
      correlationId: randomUUID(),
      createdOn: this.options.now(),
      items: [],
      message: undefined,
      trailing: [],
    };
  }

  private onChange(event: ChangeEvent): void {
    if (this.stopped || INTERNAL_TABLES.has(event.entity)) return;
    if (this.scoped) {
      this.scoped.items.push({ kind: 'change', event });
      return;
    }
    let group = this.open;
    if (!group) {
      const opened = this.newGroup();
      group = opened;
      this.open = opened;
      // Everything one commit announces arrives synchronously: the group ends with this task.
      queueMicrotask(() => {
        if (this.open === opened) this.open = undefined;
        for (const message of opened.trailing) opened.items.push({ kind: 'message', ...message });
        this.schedule(opened);
      });
    }
    group.items.push({ kind: 'change', event });
    const index = this.awaiting.findIndex(
      (waiting) => waiting.anchor.entity === event.entity && waiting.anchor.id === event.id,
    );
    const waiting = index >= 0 ? this.awaiting.splice(index, 1)[0] : undefined;
    if (waiting) {
      group.message ??= waiting.message;
      group.trailing.push(waiting.message);
    }
  }

  /** Matching and delivery happen after the request has been answered. */
  private schedule(group: Group): void {
    if (group.items.length === 0) return;
    const immediate = setImmediate(() => {
      this.immediates.delete(immediate);
      if (this.stopped) return;
      try {
        this.process(group);
      } catch (error) {
        this.logger.error({ err: error }, 'webhook matching failed');
      }
    });
    this.immediates.add(immediate);
  }

  private process(group: Group): void {
    const steps = this.activeSteps();
    if (steps.length === 0) return;
    const changed = new Map<string, string>();
    for (const item of group.items) {
      if (item.kind === 'change' && !changed.has(item.event.entity))
        changed.set(item.event.entity, OPERATION_MESSAGE[item.event.operation]);
    }
    for (const item of group.items) {
      const messageName = item.kind === 'change' ? OPERATION_MESSAGE[item.event.operation] : item.call.name;
      const entityName = item.kind === 'change' ? item.event.entity : item.call.entity;
      for (const step of steps) {
        if (step.message !== messageName) continue;
        if (step.entity !== undefined && step.entity !== entityName) continue;
        if (
          item.kind === 'change' &&
          item.event.operation === 'update' &&
          step.filteringAttributes.length > 0 &&
          !item.event.changedColumns.some((column) => step.filteringAttributes.includes(column))
        )
          continue;
        const delivery = this.prepare(group, item, step, [...changed]);
        if (delivery) this.enqueue(delivery);
      }
    }
  }

  /** Enabled, asynchronous post-operation steps whose handler is a webhook endpoint. */
  private activeSteps(): Step[] {
    const { store } = this;
    const steps: Step[] = [];
    const images = this.stepImages();
    for (const row of store.rows('sdkmessageprocessingstep')) {
      const v = row.values;
      if (v['statecode'] !== 0 || v['stage'] !== 40 || v['mode'] !== 1) continue;
      const handler = v['eventhandler'];
      const messageRef = v['sdkmessageid'];
      if (!isEntityRef(handler) || handler.logicalName !== 'serviceendpoint' || !isEntityRef(messageRef))
        continue;
      const endpoint = store.get('serviceendpoint', handler.id);
      const message = store.get('sdkmessage', messageRef.id)?.values['name'];
      if (!endpoint || endpoint.values['contract'] !== WEBHOOK_CONTRACT || typeof message !== 'string')
        continue;
      const filterRef = v['sdkmessagefilterid'];
      const filter = isEntityRef(filterRef) ? store.get('sdkmessagefilter', filterRef.id) : undefined;
      const table = filter?.values['primaryobjecttypecode'];
      const attributes = v['filteringattributes'];
      steps.push({
        id: row.id,
        name: typeof v['name'] === 'string' ? v['name'] : '',
        message,
        entity: typeof table === 'string' ? table : undefined,
        filteringAttributes: typeof attributes === 'string' ? splitAttributes(attributes) : [],
        asyncAutoDelete: v['asyncautodelete'] === true,
        endpoint,
        images: images.get(row.id) ?? [],
      });
    }
    return steps;
  }

  /** The registered images by step id (in the order they were registered). */
  private stepImages(): Map<string, StepImage[]> {
    const byStep = new Map<string, StepImage[]>();
    const rows = [...this.store.rows('sdkmessageprocessingstepimage')].sort((a, b) => a.version - b.version);
    for (const row of rows) {
      const v = row.values;
      const step = v['sdkmessageprocessingstepid'];
      const alias = v['entityalias'];
      const type = v['imagetype'];
      if (!isEntityRef(step) || typeof alias !== 'string' || typeof type !== 'number') continue;
      const attributes = v['attributes'];
      const list = byStep.get(step.id) ?? [];
      list.push({ alias, type, columns: typeof attributes === 'string' ? splitAttributes(attributes) : [] });
      byStep.set(step.id, list);
    }
    return byStep;
  }

  private prepare(
    group: Group,
    item: Item,
    step: Step,
    changed: Array<[string, string]>,
  ): Delivery | undefined {
    const { store } = this;
    const metadata = store.metadata;
    const userId = item.kind === 'change' ? item.event.userId : item.call.userId;
    const facts = this.organization();
    const user = store.get('systemuser', userId);
    const businessUnit = user?.values['businessunitid'];
    const operation: OperationInfo = {
      businessUnitId: isEntityRef(businessUnit) ? businessUnit.id : EMPTY_GUID,
      correlationId: group.correlationId,
      depth: 1,
      userId,
      operationCreatedOn: group.createdOn,
      operationId: randomUUID(),
      organizationId: facts.id,
      organizationName: facts.name,
      stepId: step.id,
    };

    let execution: ExecutionInfo;
    if (item.kind === 'message') {
      execution = {
        messageName: item.call.name,
        primaryEntityName: item.call.entity,
        primaryEntityId: item.call.primaryEntityId,
        inputParameters: item.inputParameters,
        outputParameters: [],
        preEntityImages: [],
        postEntityImages: [],
        sharedVariables: [],
        stage: 40,
      };
    } else {
      execution = this.changeExecution(item.event, step.images);
    }
    const parentExecution: ExecutionInfo = group.message
      ? {
          messageName: group.message.call.name,
          primaryEntityName: group.message.call.entity,
          primaryEntityId: group.message.call.primaryEntityId,
          inputParameters: group.message.inputParameters,
          outputParameters: [],
          preEntityImages: [],
          postEntityImages: [],
          sharedVariables: [changedEntityTypes(changed)],
          stage: 30,
        }
      : {
          ...execution,
          inputParameters: [
            ...this.parentInputs(item, metadata),
            ...(execution.messageName === 'Delete'
              ? []
              : [{ key: 'SuppressDuplicateDetection', value: false }]),
          ],
          outputParameters: [],
          preEntityImages: [],
          postEntityImages: [],
          sharedVariables: [changedEntityTypes(changed)],
          stage: 30,
        };
    const parent = executionContext(parentExecution, operation, null);
    const context = executionContext(execution, operation, parent);
    const { body, sizeExceeded } = webhookBody(context, this.maxMessageBytes);

    const endpoint = step.endpoint.values;
    const urlText = endpoint['url'];
    if (typeof urlText !== 'string') return undefined;
    let url: URL;
    try {
      url = new URL(urlText);
    } catch {
      return undefined;
    }
    const headers: Record<string, string> = {
      'x-ms-dynamics-organization': this.options.organizationHost(),
      'x-ms-dynamics-entity-name': execution.primaryEntityName,
      'x-ms-dynamics-request-name': execution.messageName,
      'x-ms-correlation-request-id': group.correlationId,
      'Content-Type': 'application/json',
    };
    if (sizeExceeded) headers['x-ms-dynamics-msg-size-exceeded'] = 'true';
    applyAuth(url, headers, endpoint['authtype'], endpoint['authvalue']);
    return {
      step,
      url,
      headers,
      body,
      operationId: operation.operationId,
      correlationId: group.correlationId,
      messageName: execution.messageName,
      entity: execution.primaryEntityName,
      userId,
      createdOn: group.createdOn,
    };
  }

  /**
   * The context of a committed change for one step: its Target, and the step's images of the row
   * before (`PreEntityImages`: Update, Delete) and after (`PostEntityImages`: Create, Update) this
   * change, then the `AsynchronousStepPrimaryName` image every async step gets.
   */
  private changeExecution(event: ChangeEvent, images: readonly StepImage[]): ExecutionInfo {
    const metadata = this.store.metadata;
    const messageName = OPERATION_MESSAGE[event.operation];
    const imagesOf = (row: StoredRow | undefined, types: readonly number[]): KeyValue[] =>
      row
        ? images
            .filter((image) => types.includes(image.type))
            .map((image) => entityImage(metadata, row, event.entity, image.alias, image.columns))
        : [];
    const base = {
      messageName,
      primaryEntityName: event.entity,
      primaryEntityId: event.id,
      sharedVariables: [],
      stage: 40,
      preEntityImages:
        event.operation === 'create' ? [] : imagesOf(event.before, [ImageType.pre, ImageType.both]),
    };
    if (event.operation === 'delete' || !event.after) {
      return {
        ...base,
        inputParameters: [{ key: 'Target', value: targetReference(event.entity, event.id) }],
        outputParameters: [],
        postEntityImages: [],
      };
    }
    const target =
      event.operation === 'create'
        ? createTarget(metadata, event.after, event.entity)
        : updateTarget(metadata, event.after, event.entity, event.changedColumns, true);
    return {
      ...base,
      inputParameters: [{ key: 'Target', value: target }],
      outputParameters: event.operation === 'create' ? [{ key: 'id', value: event.id }] : [],
      postEntityImages: [
        ...imagesOf(event.after, [ImageType.post, ImageType.both]),
        primaryNameImage(metadata, event.after, event.entity),
      ],
    };
  }

  /** What the request itself carried (the main operation's Target). */
  private parentInputs(item: Item, metadata: Store['metadata']): KeyValue[] {
    if (item.kind !== 'change') return item.inputParameters;
    const { event } = item;
    if (event.operation === 'delete' || !event.after)
      return [{ key: 'Target', value: targetReference(event.entity, event.id) }];
    const target =
      event.operation === 'create'
        ? createTarget(metadata, event.after, event.entity)
        : updateTarget(metadata, event.after, event.entity, event.changedColumns, false);
    return [{ key: 'Target', value: target }];
  }

  private organization(): { id: string; name: string } {
    for (const row of this.store.rows('organization')) {
      const name = row.values['name'];
      return { id: row.id, name: typeof name === 'string' ? name : '' };
    }
    return { id: EMPTY_GUID, name: '' };
  }

  private enqueue(delivery: Delivery): void {
    this.queue.push(delivery);
    this.pump();
  }

  private pump(): void {
    while (!this.stopped && this.running < this.concurrency && this.queue.length > 0) {
      const delivery = this.queue.shift();
      if (!delivery) break;
      this.running += 1;
      void this.deliver(delivery).finally(() => {
        this.running -= 1;
        this.pump();
      });
    }
  }

  private async deliver(delivery: Delivery): Promise<void> {
    const startedOn = this.options.now();
    let attempts = 1;
    let result = await this.attempt(delivery);
    if (result.kind === 'status' && RETRIED_STATUSES.has(result.status) && !this.stopped) {
      await this.pause(this.retryDelayMs);
      if (this.stopped) return;
      attempts = 2;
      result = await this.attempt(delivery);
    }
    if (this.stopped) return;
    const ok = result.kind === 'status' && result.status >= 200 && result.status < 300;
    this.logger.debug(
      {
        url: delivery.url.origin + delivery.url.pathname,
        message: delivery.messageName,
        entity: delivery.entity,
        attempts,
        ...(result.kind === 'status' ? { status: result.status } : { error: result.message }),
      },
      ok ? 'webhook delivered' : 'webhook delivery failed',
    );
    if (ok && delivery.step.asyncAutoDelete) return;
    this.record(delivery, result, ok, attempts, startedOn);
  }

  private attempt(delivery: Delivery): Promise<PostResult> {
    const pending = postWebhook(delivery.url, delivery.body, delivery.headers, {
      timeoutMs: this.timeoutMs,
      ca: this.ca,
      trustLoopback: this.trustLoopback,
    });
    this.inFlight.add(pending);
    return pending.result.finally(() => this.inFlight.delete(pending));
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
      timer.unref();
      if (this.stopped) resolve();
    });
  }

  /** The system job of a delivery: Failed (31), or Succeeded (30) when the step keeps its jobs. */
  private record(
    delivery: Delivery,
    result: PostResult,
    ok: boolean,
    attempts: number,
    startedOn: Date,
  ): void {
    const { store } = this;
    const user = store.get('systemuser', delivery.userId);
    const businessUnit = user?.values['businessunitid'];
    const organization = this.organization();
    const detail =
      result.kind === 'status'
        ? `The webhook endpoint returned HTTP status ${result.status} (${statusText(result.status)}).`
        : `The webhook request failed: ${result.message}`;
    const values: Record<string, Value | null> = {
      name: delivery.step.name,
      operationtype: 1,
      messagename: delivery.messageName,
      primaryentitytype: delivery.entity,
      correlationid: delivery.correlationId,
      startedon: toDataverseDateTime(startedOn),
      completedon: toDataverseDateTime(this.options.now()),
      retrycount: attempts - 1,
      owningextensionid: { id: delivery.step.id, logicalName: 'sdkmessageprocessingstep' },
      statecode: 3,
      statuscode: ok ? 30 : 31,
      ...(ok
        ? {}
        : {
            errorcode: -2147220970,
            message: `Webhook delivery to ${delivery.url.origin}${delivery.url.pathname} failed after ${attempts} attempt${attempts > 1 ? 's' : ''}. ${detail}`,
            friendlymessage: detail,
          }),
    };
    try {
      store.transaction(() =>
        store.insert('asyncoperation', values, {
          id: delivery.operationId,
          actor: {
            userId: delivery.userId,
            businessUnitId: isEntityRef(businessUnit) ? businessUnit.id : EMPTY_GUID,
            organizationId: organization.id,
          },
        }),
      );
    } catch (error) {
      this.logger.error({ err: error }, 'could not record the webhook system job');
    }
  }
}

/** WebhookKey → `?code=`, HttpHeader → headers, HttpQueryString → query parameters. */
function applyAuth(
  url: URL,
  headers: Record<string, string>,
  authtype: Value | undefined,
  authvalue: Value | undefined,
): void {
  if (typeof authvalue !== 'string' || authvalue === '') return;
  try {
    if (authtype === AuthType.webhookKey) url.searchParams.set('code', authvalue);
    else if (authtype === AuthType.httpHeader)
      for (const [name, value] of parseAuthSettings(authvalue)) headers[name] = value;
    else if (authtype === AuthType.httpQueryString)
      for (const [name, value] of parseAuthSettings(authvalue)) url.searchParams.set(name, value);
  } catch {
    // Registration validated the value; a row written otherwise is sent without auth.
  }
}

function statusText(status: number): string {
  const texts: Record<number, string> = {
    400: 'Bad Request',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Not Found',
    408: 'Request Timeout',
    429: 'Too Many Requests',
    500: 'Internal Server Error',
    502: 'Bad Gateway',
    503: 'Service Unavailable',
    504: 'Gateway Timeout',
  };
  return texts[status] ?? 'Unexpected status';
}
