import { z } from 'zod';

/** What a rep does in one step of the activity generator. */
export const ACTIVITY_KINDS = ['accounts', 'contacts', 'opportunities', 'wins', 'orders'] as const;
export type ActivityKind = (typeof ACTIVITY_KINDS)[number];

export type ActivityMix = Record<ActivityKind, number>;

/** Relative weights when no mix is given. */
export const DEFAULT_MIX: Readonly<ActivityMix> = Object.freeze({
  accounts: 2,
  contacts: 3,
  opportunities: 3,
  wins: 2,
  orders: 2,
});

const weight = z.number().min(0).max(1000);

/**
 * Body of `PUT /_sandbox/activity` on the Dataverse port. `mix` holds relative weights; kinds it
 * omits weigh 0 (without `mix`, `DEFAULT_MIX`). `seed` defaults to the org's seed number;
 * `maxActions` stops the generator after that many steps.
 */
export const activityInputSchema = z.strictObject({
  ratePerMinute: z.number().positive().max(60_000),
  mix: z
    .strictObject({
      accounts: weight.optional(),
      contacts: weight.optional(),
      opportunities: weight.optional(),
      wins: weight.optional(),
      orders: weight.optional(),
    })
    .refine((mix) => Object.values(mix).some((value) => value !== undefined && value > 0), {
      message: 'at least one kind of activity needs a weight above 0',
    })
    .optional(),
  seed: z.number().int().min(0).max(4_294_967_295).optional(),
  maxActions: z.number().int().min(1).max(10_000_000).optional(),
});

export type ActivityInput = z.output<typeof activityInputSchema>;

export function resolveMix(input: ActivityInput['mix']): ActivityMix {
  if (!input) return { ...DEFAULT_MIX };
  return {
    accounts: input.accounts ?? 0,
    contacts: input.contacts ?? 0,
    opportunities: input.opportunities ?? 0,
    wins: input.wins ?? 0,
    orders: input.orders ?? 0,
  };
}
