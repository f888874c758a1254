import { type EnsureCustomerRecord, type FnoConfig, findCustomersByName } from '@mlc/connectors';
import { z } from 'zod';
import { FlowError } from '../engine/errors';
import type { SyncRuntime } from './runtime';

/**
 * Exactly once for customers that F&O numbers. When the customer we are about to create could not
 * be looked up again by a key of ours (no manual account number, no reference field), a worker
 * killed between F&O's create and the key-map link would create it a second time on the next run.
 * So the intent is stored first (a cursor per legal entity and CRM record, durable before the
 * request leaves), cleared once the link is stored; a run that finds an intent left behind looks
 * for the customer by its exact name among the customers no CRM record is linked to, and takes it
 * when there is exactly one.
 */

const intentSchema = z.object({ at: z.string(), name: z.string() });
const streamOf = (dataAreaId: string, crmId: string) => `customer-create/${dataAreaId}/${crmId}`;

/** Whether a create could not be found again by account number or reference field. */
export function createIsUnfindable(
  record: EnsureCustomerRecord,
  config: FnoConfig,
  dataAreaId: string,
): boolean {
  if (record.customerAccount) return false;
  const manual =
    config.legalEntitySettings[dataAreaId]?.customerAccounts === 'manual' && Boolean(record.accountNumber);
  const referenced = Boolean(config.customerReferenceField && record.crmReference);
  return !manual && !referenced;
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
  const candidates = await findCustomersByName(
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

/** Stores the intent to create this customer (before the request is sent). */
export async function noteCreateIntent(
  runtime: SyncRuntime,
  dataAreaId: string,
  crmId: string,
  record: EnsureCustomerRecord,
): Promise<void> {
  await runtime.cursors.save(runtime.connectionId, 'fno', streamOf(dataAreaId, crmId), {
    at: new Date().toISOString(),
    name: nameOf(record),
  });
}

/** The customer is linked: the intent is done. */
export async function clearCreateIntent(
  runtime: SyncRuntime,
  dataAreaId: string,
  crmId: string,
): Promise<void> {
  await runtime.cursors.forget(runtime.connectionId, 'fno', streamOf(dataAreaId, crmId));
}
