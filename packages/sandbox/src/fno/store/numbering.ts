import { z } from 'zod';

/**
 * The number sequences the simulator assigns from, per legal entity; `PartyNumber` is shared (the
 * global address book) and kept under the legal entity `SHARED_SCOPE`.
 */
export const SEQUENCE_NAMES = [
  'CustomerAccount',
  'SalesOrderNumber',
  'InventoryLotId',
  'PartyNumber',
] as const;
export const SHARED_SCOPE = '';
export type SequenceName = (typeof SEQUENCE_NAMES)[number];

export const sequenceStateSchema = z.object({
  /** Number sequence code, shown in messages (e.g. `USMF_CustAcc`). */
  code: z.string().min(1),
  /** AX format: a run of `#` is replaced by the zero-padded number, e.g. `US-#####`. */
  format: z.string().regex(/#+/),
  next: z.number().int().min(1),
  /** "Manual" on the number sequence: callers may supply their own numbers. */
  manual: z.boolean(),
});

export type SequenceState = z.infer<typeof sequenceStateSchema>;

/** All sequences: legal entity → sequence name → state. */
export type SequencesState = Record<string, Partial<Record<SequenceName, SequenceState>>>;

/** Formats `value` into an AX number-sequence format (`US-#####`, 5 → `US-00005`). */
export function formatNumber(format: string, value: number): string {
  return format.replace(/#+/, (run) => String(value).padStart(run.length, '0'));
}

export class NumberSequenceExhaustedError extends Error {
  override readonly name = 'NumberSequenceExhaustedError';
}

/**
 * Continuous-enough number sequences: numbers are never given back, so a rolled-back transaction
 * leaves a gap, as in F&O (non-continuous sequences).
 */
export class NumberSequences {
  constructor(private readonly state: SequencesState) {}

  /** A deep copy, for persistence. */
  snapshot(): SequencesState {
    return structuredClone(this.state);
  }

  get(legalEntity: string, name: SequenceName): Readonly<SequenceState> {
    const sequence = this.state[legalEntity]?.[name];
    if (!sequence) throw new Error(`no number sequence ${name} in ${legalEntity}`);
    return sequence;
  }

  allowsManual(legalEntity: string, name: SequenceName): boolean {
    return this.get(legalEntity, name).manual;
  }

  next(legalEntity: string, name: SequenceName): string {
    const sequence = this.state[legalEntity]?.[name];
    if (!sequence) throw new Error(`no number sequence ${name} in ${legalEntity}`);
    const digits = /#+/.exec(sequence.format)?.[0].length ?? 0;
    if (String(sequence.next).length > digits) {
      throw new NumberSequenceExhaustedError(`number sequence ${sequence.code} is exhausted`);
    }
    const value = formatNumber(sequence.format, sequence.next);
    sequence.next += 1;
    return value;
  }

  /** Moves `next` past a manually supplied number that fits the format, so it is never handed out. */
  noteManual(legalEntity: string, name: SequenceName, value: string): void {
    const sequence = this.state[legalEntity]?.[name];
    if (!sequence) return;
    const [prefix = '', suffix = ''] = sequence.format.split(/#+/);
    const digits = /#+/.exec(sequence.format)?.[0].length ?? 0;
    if (!value.startsWith(prefix) || !value.endsWith(suffix)) return;
    const middle = value.slice(prefix.length, value.length - suffix.length);
    if (middle.length !== digits || !/^\d+$/.test(middle)) return;
    sequence.next = Math.max(sequence.next, Number(middle) + 1);
  }
}
