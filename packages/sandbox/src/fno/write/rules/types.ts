import { NumberSequenceExhaustedError, type SequenceName } from '../../store/numbering';
import type { Row } from '../../store/table';
import { fail, Infolog, str, type Values, type WriteContext } from '../context';

/**
 * The business logic of one entity, in the order F&O runs it (fno.md §5): defaulting (InitValue,
 * DefaultRow), validateField/validateWrite, then after-write effects such as order totals.
 */
export interface EntityRules {
  /** Table name of the main data source, for `validateWrite failed on data source 'X (X)'`. */
  dataSource: string;
  /** `<key label>: <key>, <description>` as in the duplicate-key message. */
  title(values: Values): string;
  /** Defaults and validation of a create; returns the complete values to insert. */
  create?(ctx: WriteContext, provided: Values): Values;
  /** Validation of an update; `merged` is the row with the provided values applied. */
  update?(ctx: WriteContext, row: Row, merged: Values, provided: Values): Values;
  /** Delete restrictions and cascades. */
  beforeDelete?(ctx: WriteContext, row: Row): void;
  /** Effects on other rows once this one is written or deleted (e.g. header totals). */
  afterWrite?(ctx: WriteContext, values: Values): void;
}

/**
 * A number from the legal entity's sequence when the field is empty; a supplied number only when
 * the sequence allows manual numbers.
 */
export function assignNumber(
  ctx: WriteContext,
  values: Values,
  field: string,
  sequence: SequenceName,
  label: string,
): void {
  const { sequences } = ctx.store;
  const supplied = str(values, field).trim();
  if (supplied) {
    if (!sequences.allowsManual(ctx.legalEntity, sequence)) {
      const code = sequences.get(ctx.legalEntity, sequence).code;
      // UNCONFIRMED wording of F&O's refusal of a manual number.
      fail(ctx, [
        {
          level: 'Error',
          text: `Number sequence ${code} does not allow the ${label} '${supplied}' to be set manually`,
        },
      ]);
    }
    sequences.noteManual(ctx.legalEntity, sequence, supplied);
    values[field] = supplied;
    return;
  }
  try {
    values[field] = sequences.next(ctx.legalEntity, sequence);
  } catch (error) {
    if (!(error instanceof NumberSequenceExhaustedError)) throw error;
    const code = sequences.get(ctx.legalEntity, sequence).code;
    fail(ctx, [{ level: 'Error', text: `Number sequence ${code} has been exceeded` }]);
  }
}

/** Runs required-field checks (validateWrite) and returns the log for further checks. */
export function requireFields(
  values: Values,
  fields: readonly (readonly [field: string, label: string])[],
): Infolog {
  const log = new Infolog();
  for (const [field, label] of fields) {
    if (str(values, field).trim() === '') log.mustBeFilled(label);
  }
  return log;
}
