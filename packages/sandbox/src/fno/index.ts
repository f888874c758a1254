export { FnoError, WriteFailedError } from './errors';
export { fnoFaultBodies } from './fault-bodies';
export type { FnoUser } from './http/types';
export { buildCsdl } from './metadata/csdl';
export { ENTITIES, entityBySet } from './metadata/entities';
export type { EntityDef, PropertyDef } from './metadata/types';
export {
  DEFAULT_MANUAL_NUMBERS,
  DEFAULT_PRODUCTS,
  DEFAULT_SEED,
  itemNumber,
  MAX_PRODUCTS,
  type ManualNumbers,
  SEED_FACTS,
} from './seed/seed';
export {
  createFnoService,
  DEFAULT_COLD_START_MS,
  DEFAULT_MAX_PAGE_SIZE,
  type FnoService,
  type FnoServiceOptions,
} from './service';
export type { ChangeListener, EntityChange } from './store/changes';
export {
  type GateRequest,
  RESOURCE_LIMIT_MESSAGE,
  type RequestGate,
  type ThrottleDecision,
} from './throttling/gate';
