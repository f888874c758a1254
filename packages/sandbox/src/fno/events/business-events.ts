import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@mlc/logger';
import { readIfExists, writeFileAtomic } from '../../host/files';
import { ControlError } from '../control-error';
import { CATALOG, type CatalogEvent, catalogEvent, type RaisedEvent, schemaSample } from './catalog';
import { type AttemptResult, endpointUrlProblem, postJson } from './delivery';
import { bracedGuid, buildPayload, iso8601Ticks, wcfDate } from './envelope';
import {
  type ActivationInput,
  type ActivationRecord,
  type BusinessEventsParameters,
  type BusinessEventsState,
  businessEventsStateSchema,
  DEFAULT_PARAMETERS,
  type EndpointInput,
  type EndpointRecord,
  type ErrorRecord,
  type EventFaults,
  NO_EVENT_FAULTS,
} from './settings';

/** Control numbers look like RecIds (fno.md §7: `5637611083`); they start here and never go back. */
const FIRST_CONTROL_NUMBER = 5_637_145_326;
/** Delivered events remembered for `GET /_sandbox/business-events/deliveries`. */
const RECENT_DELIVERIES = 200;

export interface BusinessEventsOptions {
  /** The sandbox state directory; the configuration is kept in `<stateDir>/fno/business-events.json`. */
  stateDir: string;
  logger: Logger;
  now: () => Date;
  /** Start values of the parameters (retries, wait, timeout, endpoints per event). */
  parameters?: Partial<BusinessEventsParameters>;
  /**
   * Extra CA certificates (PEM) trusted for https receivers, next to Node's roots. Default: the
   * sandbox CA (`<stateDir>/tls/ca.pem`) when it exists, so receivers with a sandbox-issued
   * certificate work.
   */
  caPem?: string;
  /** Randomness of the control-number gaps and of the delivery faults (tests pin it). */
  random?: () => number;
  /** Whether a legal entity exists (activations name one, or none for all). */
  isLegalEntity: (dataAreaId: string) => boolean;
}

/** One queued POST of an event to an endpoint. */
interface Delivery {
  endpointId: number;
  businessEventId: string;
  legalEntity: string;
  eventId: string;
  controlNumber: number;
  payload: string;
  /** The second copy the duplicate fault sends. */
  duplicate: boolean;
  /** Reorder fault: the next delivery to this endpoint goes first. */
  deferred: boolean;
}

interface EndpointQueue {
  items: Delivery[];
  running: boolean;
  wake: (() => void) | undefined;
}

export interface DeliveryRecord {
  at: string;
  endpointId: number;
  businessEventId: string;
  legalEntity: string;
  eventId: string;
  controlNumber: number;
  delivered: boolean;
  attempts: number;
  duplicate: boolean;
  status: number | null;
  error: string | null;
}

export interface EndpointView {
  id: number;
  name: string;
  type: 'HTTPS';
  url: string;
  authHeaderName: string | null;
  createdAt: string;
  activations: ActivationRecord[];
  pending: number;
}

export interface ResendResult {
  delivered: boolean;
  attempts: number;
  endpointId: number;
  status: number | null;
  error: string | null;
}

/**
 * F&O business events: the catalog, HTTPS endpoints with per-event activations (legal entity or
 * all), a test message on activation, delivery after the commit with retries and a timeout, the
 * error log with resend, and at-least-once faults (duplicates, reordering).
 *
 * Every event that matches an activation gets one control number (increasing, with gaps) and one
 * upper-case EventId, and is POSTed to each matching endpoint once. Deliveries to one endpoint go
 * one at a time in order; a failing event is retried `retryCount` times `retryWaitMs` apart before
 * the next one goes, then lands in the error log.
 */
export class BusinessEvents {
  private readonly file: string;
  private readonly random: () => number;
  private parameters: BusinessEventsParameters;
  private readonly startParameters: BusinessEventsParameters;
  private faults: EventFaults = NO_EVENT_FAULTS;
  private state: BusinessEventsState = emptyState(FIRST_CONTROL_NUMBER);
  private dirty = false;
  private readonly queues = new Map<number, EndpointQueue>();
  private readonly recent: DeliveryRecord[] = [];
  private stopper = new AbortController();
  private sandboxCa: string | undefined;

  constructor(private readonly options: BusinessEventsOptions) {
    this.file = path.join(options.stateDir, 'fno', 'business-events.json');
    this.random = options.random ?? Math.random;
    this.startParameters = { ...DEFAULT_PARAMETERS, ...options.parameters };
    this.parameters = { ...this.startParameters };
  }

  /** Reads the endpoints, activations, error log and control number from disk. */
  async load(): Promise<void> {
    const text = await readIfExists(this.file);
    if (text === undefined) return;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new Error(`${this.file}: not JSON; delete it to start without business event endpoints`, {
        cause: error,
      });
    }
    const parsed = businessEventsStateSchema.safeParse(json);
    if (!parsed.success) {
      throw new Error(`${this.file}: unexpected content (${parsed.error.issues[0]?.message ?? 'invalid'})`);
    }
    this.state = parsed.data;
  }

  async save(): Promise<void> {
    if (!this.dirty) return;
    this.dirty = false;
    try {
      await writeFileAtomic(this.file, `${JSON.stringify(this.state)}\n`);
    } catch (error) {
      this.dirty = true;
      throw error;
    }
  }

  /**
   * Back to no endpoints, activations or errors (the configuration lives in the F&O database that
   * `reset()` rebuilds); pending deliveries are dropped. Control numbers keep increasing.
   */
  reset(): void {
    this.stop();
    this.state = emptyState(this.state.nextControlNumber);
    this.parameters = { ...this.startParameters };
    this.faults = NO_EVENT_FAULTS;
    this.recent.length = 0;
    this.dirty = true;
  }

  /** Stops every delivery (in-flight requests are aborted, queues dropped). */
  stop(): void {
    this.stopper.abort();
    this.stopper = new AbortController();
    for (const queue of this.queues.values()) queue.wake?.();
    this.queues.clear();
  }

  catalog(): Array<CatalogEvent & { schema: Record<string, unknown> }> {
    return CATALOG.map((event) => ({ ...event, schema: schemaSample(event) }));
  }

  getParameters(): BusinessEventsParameters {
    return { ...this.parameters };
  }

  setParameters(parameters: BusinessEventsParameters): BusinessEventsParameters {
    this.parameters = { ...parameters };
    return this.getParameters();
  }

  getStartParameters(): BusinessEventsParameters {
    return { ...this.startParameters };
  }

  getFaults(): EventFaults {
    return { ...this.faults };
  }

  setFaults(faults: EventFaults): EventFaults {
    this.faults = { ...faults };
    return this.getFaults();
  }

  endpoints(): EndpointView[] {
    return this.state.endpoints.map((endpoint) => this.view(endpoint));
  }

  /** Registers an endpoint and activates its events, each after a successful test message. */
  async createEndpoint(input: EndpointInput, initiatingUser: string): Promise<EndpointView> {
    const { activations } = input;
    const problem = endpointUrlProblem(input.url);
    if (problem) throw new ControlError(400, 'invalid_endpoint', `invalid endpoint URL: ${problem}`);
    const name = input.name ?? `Endpoint ${this.state.nextId}`;
    if (this.state.endpoints.some((endpoint) => endpoint.name.toLowerCase() === name.toLowerCase())) {
      throw new ControlError(409, 'endpoint_exists', `an endpoint named '${name}' already exists`);
    }
    const endpoint: EndpointRecord = {
      id: this.takeId(),
      name,
      url: input.url,
      authHeaderName: input.authHeaderName ?? '',
      authHeaderValue: input.authHeaderValue ?? '',
      createdAt: this.options.now().toISOString(),
    };
    const wanted: ActivationInput[] = [];
    for (const input of activations) {
      const activation = this.checkActivation(endpoint.id, input);
      const twice = wanted.some(
        (other) =>
          other.businessEventId === activation.businessEventId &&
          other.legalEntity === activation.legalEntity,
      );
      if (!twice) wanted.push(activation);
    }
    for (const activation of wanted) {
      await this.sendTestMessage(
        endpoint,
        activation.businessEventId,
        activation.legalEntity,
        initiatingUser,
      );
    }
    this.state.endpoints.push(endpoint);
    for (const activation of wanted) this.addActivation(endpoint.id, activation);
    this.dirty = true;
    this.options.logger.info({ endpoint: endpoint.name, url: endpoint.url }, 'business event endpoint added');
    return this.view(endpoint);
  }

  /** Activates one event for an endpoint (legal entity or all) after a successful test message. */
  async activate(
    endpointId: number,
    input: ActivationInput,
    initiatingUser: string,
  ): Promise<ActivationRecord> {
    const endpoint = this.endpoint(endpointId);
    const activation = this.checkActivation(endpointId, input);
    await this.sendTestMessage(endpoint, activation.businessEventId, activation.legalEntity, initiatingUser);
    const record = this.addActivation(endpointId, activation);
    this.dirty = true;
    return record;
  }

  deactivate(endpointId: number, activationId: number): void {
    const before = this.state.activations.length;
    this.state.activations = this.state.activations.filter(
      (activation) => !(activation.id === activationId && activation.endpointId === endpointId),
    );
    if (this.state.activations.length === before) {
      throw new ControlError(404, 'not_found', `no activation ${activationId} on endpoint ${endpointId}`);
    }
    this.dirty = true;
  }

  /** Deletes an endpoint with its activations; its pending deliveries are dropped. */
  deleteEndpoint(endpointId: number): void {
    this.endpoint(endpointId);
    this.state.endpoints = this.state.endpoints.filter((endpoint) => endpoint.id !== endpointId);
    this.state.activations = this.state.activations.filter(
      (activation) => activation.endpointId !== endpointId,
    );
    const queue = this.queues.get(endpointId);
    if (queue) {
      queue.items.length = 0;
      queue.wake?.();
    }
    this.dirty = true;
  }

  deleteAllEndpoints(): void {
    for (const endpoint of [...this.state.endpoints]) this.deleteEndpoint(endpoint.id);
  }

  errors(): Array<Omit<ErrorRecord, 'payload'> & { payload: unknown }> {
    return this.state.errors.map((entry) => ({ ...entry, payload: JSON.parse(entry.payload) as unknown }));
  }

  deliveries(): DeliveryRecord[] {
    return [...this.recent];
  }

  /**
   * Resend from the error log: the retries run again, to the endpoint the event failed on or, when
   * that one was deleted and replaced, the endpoint now holding its name. Delivered → the entry
   * leaves the log.
   */
  async resend(errorId: number): Promise<ResendResult> {
    const entry = this.state.errors.find((candidate) => candidate.id === errorId);
    if (!entry) throw new ControlError(404, 'not_found', `no business event error ${errorId}`);
    const endpoint =
      this.state.endpoints.find((candidate) => candidate.id === entry.endpointId) ??
      this.state.endpoints.find(
        (candidate) => candidate.name.toLowerCase() === entry.endpointName.toLowerCase(),
      );
    if (!endpoint) {
      throw new ControlError(
        409,
        'endpoint_not_found',
        `endpoint '${entry.endpointName}' no longer exists; create it again to resend`,
      );
    }
    const delivery: Delivery = {
      endpointId: endpoint.id,
      businessEventId: entry.businessEventId,
      legalEntity: entry.legalEntity,
      eventId: entry.eventId,
      controlNumber: entry.controlNumber,
      payload: entry.payload,
      duplicate: false,
      deferred: false,
    };
    const { result, attempts } = await this.deliverWithRetries(delivery, this.stopper.signal);
    const now = this.options.now().toISOString();
    if (result.ok) {
      this.state.errors = this.state.errors.filter((candidate) => candidate.id !== errorId);
    } else {
      entry.attempts += attempts;
      entry.lastAttemptAt = now;
      entry.lastError = result.error ?? 'failed';
      entry.lastStatus = result.status ?? null;
    }
    this.dirty = true;
    return {
      delivered: result.ok,
      attempts,
      endpointId: endpoint.id,
      status: result.status ?? null,
      error: result.ok ? null : (result.error ?? 'failed'),
    };
  }

  /**
   * Called with the events of one committed transaction: every event some activation wants gets
   * its control number and id and is queued for each matching endpoint.
   */
  raise(events: readonly RaisedEvent[], initiatingUser: string): void {
    const at = this.options.now();
    for (const event of events) {
      const endpointIds = new Set(
        this.state.activations
          .filter(
            (activation) =>
              activation.businessEventId === event.businessEventId &&
              (activation.legalEntity === '' || activation.legalEntity === event.legalEntity.toLowerCase()),
          )
          .map((activation) => activation.endpointId),
      );
      if (endpointIds.size === 0) continue;
      const definition = catalogEvent(event.businessEventId);
      const controlNumber = this.takeControlNumber();
      const eventId = randomUUID().toUpperCase();
      const payload = JSON.stringify(
        buildPayload(
          {
            businessEventId: event.businessEventId,
            legalEntity: event.legalEntity,
            controlNumber,
            eventId,
            at,
            initiatingUser,
            majorVersion: definition?.majorVersion ?? 0,
            minorVersion: definition?.minorVersion ?? 0,
          },
          event.fields,
        ),
      );
      for (const endpointId of endpointIds) {
        this.enqueue({
          endpointId,
          businessEventId: event.businessEventId,
          legalEntity: event.legalEntity,
          eventId,
          controlNumber,
          payload,
          duplicate: false,
          deferred: this.hits(this.faults.reorderRate),
        });
      }
    }
  }

  private view(endpoint: EndpointRecord): EndpointView {
    return {
      id: endpoint.id,
      name: endpoint.name,
      type: 'HTTPS',
      url: endpoint.url,
      authHeaderName: endpoint.authHeaderName || null,
      createdAt: endpoint.createdAt,
      activations: this.state.activations.filter((activation) => activation.endpointId === endpoint.id),
      pending: this.queues.get(endpoint.id)?.items.length ?? 0,
    };
  }

  private endpoint(endpointId: number): EndpointRecord {
    const endpoint = this.state.endpoints.find((candidate) => candidate.id === endpointId);
    if (!endpoint) throw new ControlError(404, 'not_found', `no business event endpoint ${endpointId}`);
    return endpoint;
  }

  private checkActivation(endpointId: number, input: ActivationInput): ActivationInput {
    const event = catalogEvent(input.businessEventId);
    if (!event) {
      throw new ControlError(
        400,
        'unknown_business_event',
        `'${input.businessEventId}' is not in the business event catalog (GET /_sandbox/business-events/catalog)`,
      );
    }
    const legalEntity = input.legalEntity.trim().toLowerCase();
    if (legalEntity !== '' && !this.options.isLegalEntity(legalEntity)) {
      throw new ControlError(
        400,
        'unknown_legal_entity',
        `legal entity '${input.legalEntity}' does not exist`,
      );
    }
    const activation = { businessEventId: event.businessEventId, legalEntity };
    const same = this.state.activations.filter(
      (existing) =>
        existing.businessEventId === activation.businessEventId &&
        existing.legalEntity === activation.legalEntity,
    );
    if (same.some((existing) => existing.endpointId === endpointId)) {
      throw new ControlError(
        409,
        'already_active',
        `${activation.businessEventId} is already active for this endpoint in ${legalEntity || 'all legal entities'}`,
      );
    }
    if (same.length >= this.parameters.endpointsPerEvent) {
      throw new ControlError(
        409,
        'too_many_endpoints',
        `${activation.businessEventId} already has ${same.length} endpoints in ${legalEntity || 'all legal entities'} (the limit is ${this.parameters.endpointsPerEvent})`,
      );
    }
    return activation;
  }

  private addActivation(endpointId: number, activation: ActivationInput): ActivationRecord {
    const record: ActivationRecord = {
      id: this.takeId(),
      endpointId,
      businessEventId: activation.businessEventId,
      legalEntity: activation.legalEntity,
      activatedAt: this.options.now().toISOString(),
    };
    this.state.activations.push(record);
    return record;
  }

  /**
   * The message sent when an event is activated, to validate the endpoint (fno.md §7). Its content
   * is UNCONFIRMED: the event's "Download schema" payload with the event id, legal entity, time and
   * user filled in, and an empty `EventId` (a receiver can tell it from a real event).
   */
  private async sendTestMessage(
    endpoint: EndpointRecord,
    businessEventId: string,
    legalEntity: string,
    initiatingUser: string,
  ): Promise<void> {
    const event = catalogEvent(businessEventId);
    if (!event) return;
    const at = this.options.now();
    const payload = {
      ...schemaSample(event),
      BusinessEventId: event.businessEventId,
      BusinessEventLegalEntity: legalEntity,
      EventTime: wcfDate(Math.floor(at.getTime() / 1000) * 1000),
      EventTimeIso8601: iso8601Ticks(at),
      InitiatingUserAADObjectId: bracedGuid(initiatingUser),
      MajorVersion: event.majorVersion,
      MinorVersion: event.minorVersion,
      ParentContextRecordSubjects: [],
    };
    const result = await this.attempt(endpoint, JSON.stringify(payload), this.stopper.signal);
    if (!result.ok) {
      throw new ControlError(
        502,
        'endpoint_test_failed',
        `the test message to ${endpoint.url} failed (${result.error ?? 'no answer'}); the event was not activated`,
        { status: result.status ?? null },
      );
    }
  }

  private enqueue(delivery: Delivery): void {
    let queue = this.queues.get(delivery.endpointId);
    if (!queue) {
      queue = { items: [], running: false, wake: undefined };
      this.queues.set(delivery.endpointId, queue);
    }
    queue.items.push(delivery);
    queue.wake?.();
    // After the commit, outside the transaction that raised the event.
    setImmediate(() => void this.pump(delivery.endpointId));
  }

  private async pump(endpointId: number): Promise<void> {
    const queue = this.queues.get(endpointId);
    if (!queue || queue.running) return;
    queue.running = true;
    const signal = this.stopper.signal;
    try {
      while (queue.items.length > 0 && !signal.aborted) {
        const head = queue.items[0] as Delivery;
        let next: Delivery | undefined;
        if (head.deferred) {
          head.deferred = false;
          if (queue.items.length < 2) await this.waitForNext(queue, signal);
          // The delivery behind the held one goes first.
          if (queue.items.length >= 2 && queue.items[0] === head) next = queue.items.splice(1, 1)[0];
        }
        next ??= queue.items.shift();
        if (!next) break;
        await this.deliverQueued(next, signal);
      }
    } catch (error) {
      this.options.logger.error({ err: error, endpointId }, 'business event delivery failed');
    } finally {
      queue.running = false;
    }
  }

  private async waitForNext(queue: EndpointQueue, signal: AbortSignal): Promise<void> {
    const windowMs = this.faults.reorderWindowMs;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        queue.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, windowMs);
      queue.wake = done;
      if (signal.aborted) done();
    });
  }

  private async deliverQueued(delivery: Delivery, signal: AbortSignal): Promise<void> {
    const { result, attempts } = await this.deliverWithRetries(delivery, signal);
    if (signal.aborted) return;
    const endpoint = this.state.endpoints.find((candidate) => candidate.id === delivery.endpointId);
    if (result.ok) {
      if (!delivery.duplicate && this.hits(this.faults.duplicateRate)) {
        this.enqueue({ ...delivery, duplicate: true, deferred: false });
      }
      return;
    }
    if (!endpoint) return;
    const now = this.options.now().toISOString();
    this.state.errors.push({
      id: this.takeId(),
      endpointId: endpoint.id,
      endpointName: endpoint.name,
      businessEventId: delivery.businessEventId,
      legalEntity: delivery.legalEntity,
      eventId: delivery.eventId,
      controlNumber: delivery.controlNumber,
      payload: delivery.payload,
      attempts,
      firstFailedAt: now,
      lastAttemptAt: now,
      lastError: result.error ?? 'failed',
      lastStatus: result.status ?? null,
    });
    this.dirty = true;
    this.options.logger.warn(
      {
        endpoint: endpoint.name,
        businessEventId: delivery.businessEventId,
        eventId: delivery.eventId,
        error: result.error,
      },
      'business event moved to the error log',
    );
  }

  /** The first attempt and up to `retryCount` retries, `retryWaitMs` apart. */
  private async deliverWithRetries(
    delivery: Delivery,
    signal: AbortSignal,
  ): Promise<{ result: AttemptResult; attempts: number }> {
    let attempts = 0;
    let result: AttemptResult = { ok: false, error: 'not sent' };
    for (;;) {
      const endpoint = this.state.endpoints.find((candidate) => candidate.id === delivery.endpointId);
      if (!endpoint) return { result: { ok: false, error: 'endpoint deleted' }, attempts };
      attempts += 1;
      result = await this.attempt(endpoint, delivery.payload, signal);
      this.remember(delivery, result, attempts);
      if (result.ok || attempts > this.parameters.retryCount || signal.aborted) break;
      try {
        await sleep(this.parameters.retryWaitMs, undefined, { signal });
      } catch {
        break;
      }
    }
    return { result, attempts };
  }

  private async attempt(
    endpoint: EndpointRecord,
    payload: string,
    signal: AbortSignal,
  ): Promise<AttemptResult> {
    const headers: Record<string, string> = {};
    if (endpoint.authHeaderName) headers[endpoint.authHeaderName] = endpoint.authHeaderValue;
    return postJson(endpoint.url, payload, {
      headers,
      timeoutMs: this.parameters.timeoutMs,
      caPem: endpoint.url.startsWith('https:') ? await this.trustedCa() : undefined,
      signal,
    });
  }

  private async trustedCa(): Promise<string | undefined> {
    if (this.options.caPem !== undefined) return this.options.caPem;
    // Read once it exists (the host makes the CA after the service was created).
    this.sandboxCa ??= await readIfExists(path.join(this.options.stateDir, 'tls', 'ca.pem')).catch(
      () => undefined,
    );
    return this.sandboxCa;
  }

  private remember(delivery: Delivery, result: AttemptResult, attempts: number): void {
    this.recent.push({
      at: this.options.now().toISOString(),
      endpointId: delivery.endpointId,
      businessEventId: delivery.businessEventId,
      legalEntity: delivery.legalEntity,
      eventId: delivery.eventId,
      controlNumber: delivery.controlNumber,
      delivered: result.ok,
      attempts,
      duplicate: delivery.duplicate,
      status: result.status ?? null,
      error: result.ok ? null : (result.error ?? 'failed'),
    });
    if (this.recent.length > RECENT_DELIVERIES) this.recent.splice(0, this.recent.length - RECENT_DELIVERIES);
  }

  private takeId(): number {
    const id = this.state.nextId;
    this.state.nextId += 1;
    this.dirty = true;
    return id;
  }

  /** Increasing, with gaps of up to three numbers (other events' commit-log rows take them). */
  private takeControlNumber(): number {
    const number = this.state.nextControlNumber;
    this.state.nextControlNumber += 1 + Math.floor(this.random() * 4);
    this.dirty = true;
    return number;
  }

  private hits(probability: number): boolean {
    if (probability <= 0) return false;
    if (probability >= 1) return true;
    return this.random() < probability;
  }
}

function emptyState(nextControlNumber: number): BusinessEventsState {
  return { version: 1, nextId: 1, nextControlNumber, endpoints: [], activations: [], errors: [] };
}
