import { Prng } from '../../core/random';

const SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** Persisted state of the auto-numbering: one counter per prefix and the suffix generator. */
export interface NumberingState {
  counters: Record<string, number>;
  rng: number;
}

/**
 * Auto-numbers like the platform's ordernumber/quotenumber: `ORD-01001-A1B2C3` (prefix, a
 * sequence starting at 01001, six random characters). The exact format is UNCONFIRMED.
 */
export class AutoNumbering {
  private readonly counters: Map<string, number>;
  private readonly rng: Prng;

  constructor(state: NumberingState) {
    this.counters = new Map(Object.entries(state.counters));
    this.rng = new Prng(state.rng);
  }

  static initial(seed: number): AutoNumbering {
    return new AutoNumbering({ counters: {}, rng: seed ^ 0x5eed_0001 });
  }

  next(prefix: string): string {
    const value = (this.counters.get(prefix) ?? 1000) + 1;
    this.counters.set(prefix, value);
    let suffix = '';
    for (let i = 0; i < 6; i++)
      suffix += SUFFIX_ALPHABET[Math.floor(this.rng.next() * SUFFIX_ALPHABET.length)];
    return `${prefix}-${String(value).padStart(5, '0')}-${suffix}`;
  }

  state(): NumberingState {
    return { counters: Object.fromEntries(this.counters), rng: this.rng.seedState };
  }
}
