import { createIsFindable, type EnsureCustomerRecord, findCustomersByName } from '@mlc/connectors';
import { z } from 'zod';
import { FlowError } from '../engine/errors';
import type { SyncRuntime } from './runtime';

/**
 * Exactly once for customers that F&O numbers. When the customer we are about to create could not
 * be looked up again by a key of ours (no manual account number, no reference field), a worker
 * killed between F&O's create and the key-map link would create it a second time on the next run.
 * So the intent is stored first (a cursor per legal entity and CRM record, durable before the
 * request leaves), cleared once the link is stored; a run that finds an intent left behind looks
 * for the customer by its exact name among the customers no CRM record is linked to and that
 * existed before the intent (noted with it), and takes it when there is exactly one.
 */

const intentSchema = z.object({
  at: z.string(),
  name: z.string(),
  account: z.string().nullable().default(null),
  /** Accounts of the customers of that name when the intent was noted: not the one being created. */
  existing: z.array(z.string()).default([]),
});
const PREFIX = 'customer-create/';
const streamOf = (dataAreaId: string, crmId: string) => `${PREFIX}${dataAreaId}/${crmId}`;

/** A customer create begun and not yet linked: its legal entity, name and account when known up front. */
export interface OpenCreate {
  dataAreaId: string;
  crmId: string;
  name: string;
  account: string | null;
}

function nameOf(record: EnsureCustomerRecord): string {
  return record.partyType === 'Person'
    ? [record.personFirstName, record.personLastName].filter(Boolean).join(' ')
    : (record.organizationName ?? '');
}

/**
 * The F&O account of a customer an interrupted earlier run created, if an intent was left and
 * exactly one unlinked customer of that legal entity has the name; undefined when nothing was left
 * behind (create it). Several candidates: a person must choose.
 */
export async function recoverInterruptedCreate(
  runtime: SyncRuntime,
  dataAreaId: string,
  crmId: string,
  record: EnsureCustomerRecord,
): Promise<string | undefined> {
  const intent = await runtime.cursors.get(
    runtime.connectionId,
    'fno',
    streamOf(dataAreaId, crmId),
    intentSchema,
  );
  if (!intent) return undefined;
  const before = new Set(intent.existing);
  const candidates = (await sameNamed(runtime, dataAreaId, record)).filter((account) => !before.has(account));
  const unlinked: string[] = [];
  for (const account of candidates) {
    const linked = await runtime.keyMap.crmIdOf({
      connectionId: runtime.connectionId,
      kind: 'customer',
      dataAreaId,
      fnoKey: account,
    });
    if (!linked) unlinked.push(account);
  }
  if (unlinked.length > 1) {
    throw new FlowError(
      'ambiguous_customer',
      `A create of customer "${intent.name}" in ${dataAreaId} was interrupted at ${intent.at}, and ${unlinked.length} customers of that name are not linked to a CRM record (${unlinked.join(', ')}).`,
      {
        remedy: `In F&O (Accounts receivable > Customers, company ${dataAreaId}) keep the right one and block or rename the others, or set the CRM account number to the right customer account; then replay.`,
      },
    );
  }
  return unlinked[0];
}

/** The accounts of the customers of the legal entity with the record's exact name. */
function sameNamed(
  runtime: SyncRuntime,
  dataAreaId: string,
  record: EnsureCustomerRecord,
): Promise<string[]> {
  return findCustomersByName(
    runtime.fno.ctx,
    runtime.fno.config,
    dataAreaId,
    record.partyType === 'Person'
      ? {
          partyType: 'Person',
          firstName: record.personFirstName ?? '',
          lastName: record.personLastName ?? '',
        }
      : { partyType: 'Organization', organizationName: record.organizationName ?? '' },
  );
}

/**
 * Stores the intent to create this customer (before any request that may create it is sent). The
 * F&O → Sales customer refresh leaves a customer of an open create alone: it is the order run's.
 * When the customer could not be found again by a key of ours, the customers that already have its
 * name are noted with it (one read): a recovery never takes one of those for the one it created.
 */
export async function noteCreateIntent(
  runtime: SyncRuntime,
  dataAreaId: string,
  crmId: string,
  record: EnsureCustomerRecord,
): Promise<void> {
  const manual = runtime.fno.config.legalEntitySettings[dataAreaId]?.customerAccounts === 'manual';
  const existing = createIsFindable(runtime.fno.config, record)
    ? []
    : await sameNamed(runtime, dataAreaId, record);
  await runtime.cursors.save(runtime.connectionId, 'fno', streamOf(dataAreaId, crmId), {
    at: new Date().toISOString(),
    name: nameOf(record),
    account: manual && record.accountNumber ? record.accountNumber : null,
    existing,
  });
}

/** Whether a create of this customer was begun by an earlier run (and is not linked yet). */
export async function hasCreateIntent(
  runtime: SyncRuntime,
  dataAreaId: string,
  crmId: string,
): Promise<boolean> {
  return (
    (await runtime.cursors.get(runtime.connectionId, 'fno', streamOf(dataAreaId, crmId), intentSchema)) !==
    undefined
  );
}

/** The creates begun and not linked yet, for the customers refresh. */
export async function openCreates(
  runtime: Pick<SyncRuntime, 'connectionId' | 'cursors'>,
): Promise<OpenCreate[]> {
  const stored = await runtime.cursors.list(runtime.connectionId, 'fno', PREFIX);
  const out: OpenCreate[] = [];
  for (const [stream, value] of stored) {
    const parsed = intentSchema.safeParse(value);
    const [dataAreaId = '', crmId = ''] = stream.slice(PREFIX.length).split('/');
    if (parsed.success) out.push({ dataAreaId, crmId, name: parsed.data.name, account: parsed.data.account });
  }
  return out;
}

/** The customer is linked: the intent is done. */
export async function clearCreateIntent(
  runtime: SyncRuntime,
  dataAreaId: string,
  crmId: string,
): Promise<void> {
  await runtime.cursors.forget(runtime.connectionId, 'fno', streamOf(dataAreaId, crmId));
}
