import type { RecordDetails, RecordsRepository, SyncDirection, SyncRecord } from '@mlc/db';
import type { Logger } from '@mlc/logger';

/**
 * The plugin model of the worker, after Power Platform's: a **flow** is a set of **steps**
 * registered on a **message** (Create, Update, Win, Delete, an F&O event) of an entity of a
 * system, run in stages (read → validate → map → write → after). The engine (`run.ts`) knows
 * nothing of Dataverse or F&O: it runs a flow's steps for one record, audits every step, and turns
 * what a step throws into the record's status. Systems and their flows are plugged in through the
 * flow registry (`flows/index.ts`); adding a third system adds flows, not engine code.
 */

export const STAGES = ['read', 'validate', 'map', 'write', 'after'] as const;
export type Stage = (typeof STAGES)[number];

/** What the audit trail keeps of a step: a summary of what it read/was given and what it produced. */
export interface StepResult {
  input?: unknown;
  output?: unknown;
  /**
   * The version of the source record this step read (a non-negative integer as a decimal string,
   * e.g. Dataverse's `versionnumber`). The engine keeps it in the step's audit event
   * (`output.sourceVersion`): a later trigger whose change is of this version or older is covered
   * by the run (`run.ts`), when the run ends synced or skipped.
   */
  sourceVersion?: string;
}

/** What every flow step gets. `S` is the flow's own state, passed from step to step. */
export interface StepContext<S, R> {
  /** The record as it was when this run began (status, previous content hash, target). */
  readonly record: SyncRecord;
  /** Its status before this run (`synced`, `failed`, … or `pending` for a first run). */
  readonly previousStatus: SyncRecord['status'];
  readonly state: S;
  /** Connection-scoped services of the flow's systems (connector contexts, settings, repositories). */
  readonly runtime: R;
  readonly correlationId: string;
  readonly message: string;
  readonly replay: boolean;
  readonly log: Logger;
  readonly records: RecordsRepository;
  /** Serialises this run with every other run holding the same key (across processes) until it ends. */
  lock(key: string): Promise<void>;
  /** Gives a lock taken with `lock` back before the run ends (once what it protects is committed). */
  unlock(key: string): Promise<void>;
  /**
   * What a person searches by (label), the deal, the legal entity: stored on the record with this
   * step's audit event, in the same statement, so it is committed before the next step begins.
   */
  describe(details: RecordDetails): void;
  /** Whether another sync record of this connection carries the deal key `dealKey` (see `describe`). */
  dealShared(dealKey: string): Promise<boolean>;
  /** Ends the run here, deliberately not applying the change; the reason is kept. */
  skip(reason: string, output?: unknown): never;
  /** The run wrote (or found) its target: the record becomes `synced` once every step is done. */
  complete(target: { targetKey: string; targetDataAreaId: string | null; contentHash: string | null }): void;
}

export interface StepDefinition<S, R> {
  stage: Stage;
  /** Stable, kebab-case: shown in the record's timeline (`align-customer`). */
  name: string;
  run(ctx: StepContext<S, R>): Promise<StepResult | undefined>;
}

export interface FlowTrigger {
  system: string;
  /** Entity of the source system (`salesorder`, `opportunity`, `ReleasedProductsV2`). */
  entity: string;
  messages: readonly string[];
}

export interface FlowDefinition<S, R> {
  /** `sales-order-to-fno`. */
  id: string;
  direction: SyncDirection;
  trigger: FlowTrigger;
  /** The sync record's natural key for a source id (stable before anything is read). */
  naturalKey(sourceId: string): string;
  initialState(): S;
  steps: readonly StepDefinition<S, R>[];
}

// biome-ignore lint/suspicious/noExplicitAny: a registry holds flows of every state type
export type AnyFlow<R = any> = FlowDefinition<any, R>;

export function defineFlow<S, R>(flow: FlowDefinition<S, R>): FlowDefinition<S, R> {
  const order = new Map(STAGES.map((stage, index) => [stage, index]));
  const stages = flow.steps.map((step) => order.get(step.stage) ?? -1);
  if (stages.some((stage, index) => index > 0 && stage < (stages[index - 1] ?? 0))) {
    throw new Error(`flow ${flow.id}: steps must be listed in stage order (${STAGES.join(' → ')})`);
  }
  const names = new Set(flow.steps.map((step) => step.name));
  if (names.size !== flow.steps.length) throw new Error(`flow ${flow.id}: step names must be unique`);
  return Object.freeze(flow);
}

/** Looks flows up by the message that triggers them. */
export class FlowRegistry<R> {
  readonly #flows: AnyFlow<R>[] = [];

  constructor(flows: readonly AnyFlow<R>[]) {
    for (const flow of flows) {
      if (this.#flows.some((known) => known.id === flow.id))
        throw new Error(`flow ${flow.id} registered twice`);
      this.#flows.push(flow);
    }
  }

  byId(id: string): AnyFlow<R> | undefined {
    return this.#flows.find((flow) => flow.id === id);
  }

  /** Flows registered on a message of an entity (`sales`, `salesorder`, `Update`). */
  on(system: string, entity: string, message: string): AnyFlow<R>[] {
    return this.#flows.filter(
      (flow) =>
        flow.trigger.system === system &&
        flow.trigger.entity === entity &&
        (flow.trigger.messages.includes(message) || flow.trigger.messages.includes('*')),
    );
  }

  all(): readonly AnyFlow<R>[] {
    return this.#flows;
  }
}
