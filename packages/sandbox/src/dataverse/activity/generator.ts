import type { Logger } from '@mlc/logger';
import type { ServiceState } from '../http/scope';
import { DEFAULT_SEED } from '../seed/seed';
import { SalesFloor, type StepOutcome } from './sales-floor';
import type { SalesMessages } from './sales-messages';
import {
  ACTIVITY_KINDS,
  type ActivityInput,
  type ActivityKind,
  type ActivityMix,
  resolveMix,
} from './settings';

/** Steps performed per timer tick at most (a late timer catches up over the next ticks). */
const MAX_STEPS_PER_TICK = 100;
const RECENT = 50;

export interface ActivityGeneratorOptions {
  /** The live data (undefined while loading); replaced on reset/reseed. */
  state: () => ServiceState | undefined;
  sales: SalesMessages;
  logger: Logger;
  now?: () => Date;
}

/** One step in `recent`. */
export interface ActivityStep {
  seq: number;
  kind: ActivityKind;
  entity: string;
  id: string;
  name: string;
  userId: string;
  at: string;
}

/** Body of `GET /_sandbox/activity`. */
export interface ActivityStatus {
  running: boolean;
  ratePerMinute: number | null;
  mix: ActivityMix | null;
  seed: number | null;
  maxActions: number | null;
  startedAt: string | null;
  stoppedAt: string | null;
  /** Steps performed since the last start. */
  actions: number;
  byKind: Record<ActivityKind, number>;
  /** Rows created per table. */
  created: Record<string, number>;
  won: number;
  submitted: number;
  errors: number;
  lastError: string | null;
  /** The last steps, newest last. */
  recent: ActivityStep[];
}

export interface ActivityGenerator {
  /** Starts (or restarts, counts from zero) at the given rate. */
  start(input: ActivityInput): ActivityStatus;
  stop(): ActivityStatus;
  status(): ActivityStatus;
}

interface Run {
  input: ActivityInput;
  mix: ActivityMix;
  seed: number;
  floor: SalesFloor;
  startedAt: number;
  timer: NodeJS.Timeout | undefined;
}

/**
 * The activity generator: at `ratePerMinute` steps a minute (the first at once), a seeded rep
 * creates an account or a contact, opens an opportunity with products, wins one, or takes an
 * order with lines (`SalesFloor`). Its timer is unref'd: it never keeps the process alive, and
 * the service stops it on close and reset.
 */
export function createActivityGenerator(options: ActivityGeneratorOptions): ActivityGenerator {
  const now = options.now ?? (() => new Date());
  let run: Run | undefined;
  let status = emptyStatus();

  const record = (outcome: StepOutcome, seq: number): void => {
    status.byKind[outcome.kind] += 1;
    for (const [entity, count] of Object.entries(outcome.created))
      status.created[entity] = (status.created[entity] ?? 0) + count;
    status.won += outcome.won;
    status.submitted += outcome.submitted;
    status.recent.push({
      seq,
      kind: outcome.kind,
      entity: outcome.entity,
      id: outcome.id,
      name: outcome.name,
      userId: outcome.userId,
      at: now().toISOString(),
    });
    if (status.recent.length > RECENT) status.recent.splice(0, status.recent.length - RECENT);
  };

  const halt = (): void => {
    if (run?.timer) clearInterval(run.timer);
    if (run) run.timer = undefined;
    if (status.running) {
      status.running = false;
      status.stoppedAt = now().toISOString();
    }
  };

  const tick = (current: Run): void => {
    if (run !== current || !current.timer) return;
    const state = options.state();
    if (!state) return;
    const elapsed = now().getTime() - current.startedAt;
    let due = 1 + Math.floor((elapsed * current.input.ratePerMinute) / 60_000);
    if (current.input.maxActions !== undefined) due = Math.min(due, current.input.maxActions);
    for (let n = 0; status.actions < due && n < MAX_STEPS_PER_TICK; n++) {
      status.actions += 1;
      const kind = current.floor.pickKind(current.mix);
      try {
        record(current.floor.step(state, kind), status.actions);
      } catch (error) {
        status.errors += 1;
        status.lastError = `${kind}: ${error instanceof Error ? error.message : String(error)}`;
        options.logger.warn({ err: error, kind }, 'activity generator step failed');
      }
    }
    if (current.input.maxActions !== undefined && status.actions >= current.input.maxActions) halt();
  };

  const snapshot = (): ActivityStatus => ({
    ...status,
    mix: status.mix ? { ...status.mix } : null,
    byKind: { ...status.byKind },
    created: { ...status.created },
    recent: status.recent.map((step) => ({ ...step })),
  });

  return {
    start(input: ActivityInput): ActivityStatus {
      halt();
      const mix = resolveMix(input.mix);
      const seed = input.seed ?? options.state()?.store.seed ?? DEFAULT_SEED;
      const startedAt = now().getTime();
      const current: Run = {
        input,
        mix,
        seed,
        floor: new SalesFloor(seed, options.sales, now),
        startedAt,
        timer: undefined,
      };
      run = current;
      status = {
        ...emptyStatus(),
        running: true,
        ratePerMinute: input.ratePerMinute,
        mix,
        seed,
        maxActions: input.maxActions ?? null,
        startedAt: new Date(startedAt).toISOString(),
      };
      const periodMs = Math.min(1000, Math.max(10, 60_000 / input.ratePerMinute));
      current.timer = setInterval(() => tick(current), periodMs);
      current.timer.unref();
      setImmediate(() => tick(current)).unref();
      options.logger.info({ ratePerMinute: input.ratePerMinute, mix, seed }, 'activity generator started');
      return snapshot();
    },

    stop(): ActivityStatus {
      const wasRunning = status.running;
      halt();
      if (wasRunning) options.logger.info({ actions: status.actions }, 'activity generator stopped');
      return snapshot();
    },

    status: snapshot,
  };
}

function emptyStatus(): ActivityStatus {
  return {
    running: false,
    ratePerMinute: null,
    mix: null,
    seed: null,
    maxActions: null,
    startedAt: null,
    stoppedAt: null,
    actions: 0,
    byKind: Object.fromEntries(ACTIVITY_KINDS.map((kind) => [kind, 0])) as Record<ActivityKind, number>,
    created: {},
    won: 0,
    submitted: 0,
    errors: 0,
    lastError: null,
    recent: [],
  };
}
