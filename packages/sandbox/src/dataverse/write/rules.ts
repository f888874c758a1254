import { errors } from '../errors';
import type { EntityModel } from '../metadata/registry';
import { isEntityRef, type StoredRow, type Value } from '../store/types';
import type { WriteContext } from './context';
import { LINE_PARENTS } from './derive';

type Changes = Map<string, Value | null>;

const STATE_COLUMNS = new Set(['statecode', 'statuscode']);

/**
 * The sales state rules: won/lost opportunities, non-draft quotes and non-Active orders are
 * read-only (only a state change — reactivation, submit, cancel… — is accepted), their product
 * lines too; an opportunity is won or lost through WinOpportunity/LoseOpportunity, not PATCH.
 * Wording is UNCONFIRMED (see the package README).
 */
const EDITABLE_STATE: Readonly<Record<string, { state: number; label: string }>> = {
  salesorder: { state: 0, label: 'Active' },
  quote: { state: 0, label: 'Draft' },
  opportunity: { state: 0, label: 'Open' },
};

/**
 * Products created through the API start in Draft (statecode 2, statuscode 0): Microsoft Learn
 * ("Publish, revise, revert, retire, and activate products") says a new product is Draft unless
 * `Organization.CreateProductsWithoutParentInActiveState` is 1, which is 0 on a fresh installation
 * (1 only on upgraded ones). A create that sets statecode/statuscode keeps them (UNCONFIRMED that
 * Dataverse accepts a state on create for products). Publishing a product without a family is
 * SetState, i.e. `PATCH products(<id>)` `{statecode: 0, statuscode: 1}`.
 */
const DRAFT_ON_CREATE: Readonly<Record<string, { statecode: number; statuscode: number }>> = {
  product: { statecode: 2, statuscode: 0 },
};

/** Fills statecode from statuscode (or the reverse) and checks the pair belongs together. */
export function normalizeState(model: EntityModel, current: StoredRow | undefined, changes: Changes): void {
  const state = model.attributes.get('statecode');
  const status = model.attributes.get('statuscode');
  if (state?.type !== 'State' || status?.type !== 'Status') return;
  const draft = DRAFT_ON_CREATE[model.def.logicalName];
  if (!current && draft && !changes.has('statecode') && !changes.has('statuscode')) {
    changes.set('statecode', draft.statecode);
    changes.set('statuscode', draft.statuscode);
  }
  const newState = changes.get('statecode');
  const newStatus = changes.get('statuscode');
  if (newState === null || newStatus === null) {
    throw errors.invalidArgument(`The statecode and statuscode of ${model.def.logicalName} cannot be null.`);
  }
  if (typeof newState === 'number' && newStatus === undefined) {
    const option = state.options.find((o) => o.value === newState);
    if (option) changes.set('statuscode', option.defaultStatus);
  } else if (typeof newStatus === 'number' && newState === undefined) {
    const currentState = current?.values['statecode'] ?? 0;
    const option = status.options.find((o) => o.value === newStatus);
    if (option && option.state !== currentState) changes.set('statecode', option.state);
  }
  const finalState = changes.get('statecode') ?? current?.values['statecode'] ?? 0;
  const finalStatus = changes.get('statuscode') ?? current?.values['statuscode'];
  if (typeof finalStatus !== 'number') return;
  const statusOption = status.options.find((o) => o.value === finalStatus);
  if (statusOption && statusOption.state !== finalState) {
    const stateLabel = state.options.find((o) => o.value === finalState)?.label ?? String(finalState);
    throw errors.invalidArgument(
      `${finalStatus} is not a valid status code for state code ${model.def.schemaName}State.${stateLabel} on ${model.def.logicalName} with Id ${current?.id ?? '00000000-0000-0000-0000-000000000000'}.`,
    );
  }
}

export function checkCreate(context: WriteContext, model: EntityModel, changes: Changes): void {
  checkParentEditable(context, model, changes.get(LINE_PARENTS[model.def.logicalName] ?? ''), 'added to');
  if (model.def.logicalName === 'opportunity') {
    const state = changes.get('statecode');
    if (state === 1 || state === 2) throw closeThroughMessage();
  }
}

export function checkUpdate(
  context: WriteContext,
  model: EntityModel,
  current: StoredRow,
  changes: Changes,
): void {
  const entity = model.def.logicalName;
  const rule = EDITABLE_STATE[entity];
  if (rule) {
    const currentState = current.values['statecode'];
    const newState = changes.get('statecode');
    const nonStateChange = [...changes.keys()].some((name) => !STATE_COLUMNS.has(name));
    if (entity === 'opportunity' && currentState === 0 && (newState === 1 || newState === 2))
      throw closeThroughMessage();
    if (currentState !== rule.state && nonStateChange) {
      throw errors.invalidArgument(
        `The ${entity} with Id ${current.id} cannot be modified because it is not in the ${rule.label} state (statecode ${String(currentState)}). Only its state can be changed.`,
      );
    }
  }
  const parentColumn = LINE_PARENTS[entity];
  if (parentColumn) {
    checkParentEditable(context, model, current.values[parentColumn], 'changed on');
    if (changes.has(parentColumn)) checkParentEditable(context, model, changes.get(parentColumn), 'moved to');
  }
}

export function checkDelete(context: WriteContext, model: EntityModel, current: StoredRow): void {
  const parentColumn = LINE_PARENTS[model.def.logicalName];
  if (parentColumn) checkParentEditable(context, model, current.values[parentColumn], 'removed from');
}

function checkParentEditable(
  context: WriteContext,
  model: EntityModel,
  parentRef: Value | null | undefined,
  verb: string,
): void {
  if (!isEntityRef(parentRef)) return;
  const rule = EDITABLE_STATE[parentRef.logicalName];
  const parent = context.store.get(parentRef.logicalName, parentRef.id);
  if (!rule || !parent || parent.values['statecode'] === rule.state) return;
  throw errors.invalidArgument(
    `A ${model.def.logicalName} cannot be ${verb} the ${parentRef.logicalName} with Id ${parent.id} because it is not in the ${rule.label} state.`,
  );
}

function closeThroughMessage() {
  return errors.invalidArgument(
    'An opportunity cannot be closed by setting its statecode. Use the WinOpportunity or LoseOpportunity message.',
  );
}
