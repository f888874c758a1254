import {
  type CreateSalesOrderRecord,
  createIsFindable,
  createSalesOrder,
  type DataverseCustomer,
  dataverseConnector,
  type EnsureCustomerRecord,
  type EnsuredCustomer,
  ensureCustomer,
  isConnectorError,
  type OpportunityWithProducts,
  type OrderWithLines,
  readOpportunityWithProducts,
  readOrderWithLines,
  rowVersionFromEtag,
  writeStream,
} from '@mlc/connectors';
import {
  contentHash,
  dealKeyOf,
  type FnoCustomerPayload,
  type MappedSalesOrder,
  type ReleasedItem,
  type Result,
  type RoutingSettingsInput,
  resolveLegalEntity,
  toFnoCustomer,
  toFnoSalesOrder,
} from '@mlc/mappings';
import { FlowError } from '../engine/errors';
import { defineFlow, type StepContext } from '../engine/flow';
import {
  clearCreateIntent,
  hasCreateIntent,
  noteCreateIntent,
  recoverInterruptedCreate,
} from './customer-create-intent';
import { rememberCreatedCustomer } from './customer-echo';
import { updateDealOrder } from './order-update';
import type { SyncRuntime } from './runtime';

/**
 * Sales → F&O, the primary flow: a CRM sales order in a trigger state, or a won opportunity,
 * becomes an F&O customer (found or created) and one F&O sales order with all its lines, exactly
 * once, in the legal entity its customer routes to.
 *
 * Registered twice: on `salesorder` (Create, Update, delta) and on `opportunity` (Win, delta).
 * A won opportunity and the CRM order later generated from it share the deal key `OPP-<id>`
 * (`dealKeyOf`), which is the F&O order's `CustomersOrderReference`: whichever comes second finds
 * the F&O order of the first and links to it; runs of one deal hold the deal's lock.
 */

type Detail =
  | { kind: 'order'; data: OrderWithLines }
  | { kind: 'opportunity'; data: OpportunityWithProducts };

interface DealState {
  detail?: Detail;
  customer?: DataverseCustomer;
  dealKey?: string;
  dataAreaId?: string;
  customerAccount?: string;
  items?: Map<string, ReleasedItem>;
  mapped?: MappedSalesOrder;
  salesOrderNumber?: string;
  /** Nothing changed since the last sync: the write-backs were done then. */
  unchanged?: boolean;
}

type Ctx = StepContext<DealState, SyncRuntime>;

const STATE_NAMES: Record<number, string> = {
  0: 'Active',
  1: 'Submitted',
  2: 'Canceled',
  3: 'Fulfilled',
  4: 'Invoiced',
};

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`flow state: ${what} missing (step order)`);
  return value;
}

function unwrap<T>(result: Result<T>): T {
  if (result.ok) return result.value;
  throw result.error;
}

function detailOf(ctx: Ctx): Detail {
  return need(ctx.state.detail, 'detail');
}

async function readSource(ctx: Ctx, kind: Detail['kind']) {
  const { sales } = ctx.runtime;
  const id = ctx.record.sourceId ?? '';
  try {
    ctx.state.detail =
      kind === 'order'
        ? { kind, data: await readOrderWithLines(sales.ctx, sales.config, id) }
        : { kind, data: await readOpportunityWithProducts(sales.ctx, sales.config, id) };
  } catch (error) {
    if (isConnectorError(error) && error.code === 'not_found') {
      ctx.skip(
        `The CRM ${kind === 'order' ? 'order' : 'opportunity'} ${id} no longer exists (deleted in Dynamics 365 Sales).`,
      );
    }
    throw error;
  }
  const detail = ctx.state.detail;
  const header = detail.kind === 'order' ? detail.data.order : detail.data.opportunity;
  const lines = detail.kind === 'order' ? detail.data.lines : detail.data.products;
  const label =
    detail.kind === 'order'
      ? (detail.data.order.ordernumber ?? null)
      : (detail.data.opportunity.name ?? null);
  ctx.describe({ label });
  // The header row's version as read (its etag `W/"<versionnumber>"`): a webhook about a change of
  // this version or an older one, queued while this run was going, needs no run of its own.
  const sourceVersion = rowVersionFromEtag(detail.data.etag);
  return {
    ...(sourceVersion === undefined ? {} : { sourceVersion }),
    input: { table: kind === 'order' ? 'salesorder' : 'opportunity', id },
    output: {
      label,
      statecode: header.statecode,
      modifiedon: header.modifiedon ?? null,
      statuscode: header.statuscode,
      customer: detail.data.customer
        ? { table: detail.data.customer.table, id: detail.data.customer.id }
        : null,
      currency: detail.data.currencyCode,
      lines: lines.length,
      etag: detail.data.etag,
    },
  };
}

async function checkTrigger(ctx: Ctx) {
  const detail = detailOf(ctx);
  if (detail.kind === 'opportunity') {
    const state = detail.data.opportunity.statecode;
    if (state !== 1)
      ctx.skip(
        `The opportunity is not won (state ${state ?? 'unknown'}): only won opportunities become F&O orders.`,
      );
    if (detail.data.products.length === 0) {
      throw new FlowError(
        'missing_lines',
        'The won opportunity has no products: an F&O order needs at least one line.',
        {
          remedy: 'Add the products to the opportunity in Dynamics 365 Sales, then replay.',
        },
      );
    }
  } else {
    const state = detail.data.order.statecode ?? -1;
    const wanted = ctx.runtime.settings.orders.states;
    if (!wanted.includes(state)) {
      ctx.skip(
        `The order is ${STATE_NAMES[state] ?? `in state ${state}`}; this connection sends orders that are ${wanted
          .map((value) => STATE_NAMES[value] ?? value)
          .join(' or ')}.`,
      );
    }
    if (detail.data.lines.length === 0) {
      ctx.skip('The order has no lines yet: it is sent to F&O once it has some.');
    }
  }
  const dealKey = unwrap(
    dealKeyOf(
      detail.kind === 'order' ? { order: detail.data.order } : { opportunity: detail.data.opportunity },
    ),
  );
  ctx.state.dealKey = dealKey;
  ctx.describe({ dealKey });
  return { output: { dealKey } };
}

async function routeCustomer(ctx: Ctx) {
  const detail = detailOf(ctx);
  const customer = detail.data.customer;
  if (!customer) {
    throw new FlowError('missing_customer', `The CRM ${detail.kind} has no customer.`, {
      remedy: 'Set the customer (an account or a contact) in Dynamics 365 Sales, then replay.',
    });
  }
  ctx.state.customer = customer;
  const { legalEntities } = ctx.runtime.settings;
  const route = unwrap(
    resolveLegalEntity(customer, {
      defaultLegalEntity: legalEntities.default,
      // Checked by the mapping's routing schema (a rule on an unsupported field is a clear error).
      rules: legalEntities.rules.map((rule) => ({
        field: rule.field,
        equals: rule.equals,
        legalEntity: rule.dataAreaId,
      })) as RoutingSettingsInput['rules'],
    }),
  );
  if (!legalEntities.settings[route.dataAreaId]) {
    throw new FlowError(
      'legal_entity_not_configured',
      `The customer routes to legal entity ${route.dataAreaId}, which this connection has no settings for (customer group, currency).`,
      { remedy: `Add ${route.dataAreaId} to the connection's legal entities, then replay.` },
    );
  }
  ctx.state.dataAreaId = route.dataAreaId;
  ctx.describe({ targetDataAreaId: route.dataAreaId });
  return { input: { customer: { table: customer.table, id: customer.id } }, output: route };
}

function toEnsureRecord(
  payload: FnoCustomerPayload,
  customer: DataverseCustomer,
  linked: string | undefined,
): EnsureCustomerRecord {
  const accountNumber =
    customer.table === 'account' ? customer.row.accountnumber?.trim() || undefined : undefined;
  const address = {
    ...(payload.AddressStreet ? { street: payload.AddressStreet } : {}),
    ...(payload.AddressCity ? { city: payload.AddressCity } : {}),
    ...(payload.AddressZipCode ? { zipCode: payload.AddressZipCode } : {}),
    ...(payload.AddressState ? { state: payload.AddressState } : {}),
    ...(payload.AddressCountryRegionId ? { countryRegionId: payload.AddressCountryRegionId } : {}),
  };
  const email =
    payload.PrimaryContactEmail && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(payload.PrimaryContactEmail)
      ? payload.PrimaryContactEmail
      : undefined;
  return {
    legalEntity: payload.dataAreaId,
    ...(linked ? { customerAccount: linked } : {}),
    ...(accountNumber ? { accountNumber } : {}),
    crmReference: customer.id,
    partyType: payload.PartyType,
    ...(payload.OrganizationName ? { organizationName: payload.OrganizationName } : {}),
    ...(payload.PersonFirstName ? { personFirstName: payload.PersonFirstName } : {}),
    ...(payload.PersonLastName ? { personLastName: payload.PersonLastName } : {}),
    customerGroupId: payload.CustomerGroupId,
    currencyCode: payload.SalesCurrencyCode,
    ...(payload.PaymentTerms ? { paymentTerms: payload.PaymentTerms } : {}),
    languageId: payload.LanguageId,
    ...(Object.keys(address).length > 0 ? { address } : {}),
    ...(email ? { email } : {}),
    ...(payload.PrimaryContactPhone ? { phone: payload.PrimaryContactPhone } : {}),
  };
}

async function alignCustomer(ctx: Ctx) {
  const customer = need(ctx.state.customer, 'customer');
  const dataAreaId = need(ctx.state.dataAreaId, 'dataAreaId');
  const { runtime } = ctx;
  const le = need(runtime.settings.legalEntities.settings[dataAreaId], 'legal entity settings');
  const linkOf = () =>
    runtime.keyMap.fnoKeyOf({
      connectionId: runtime.connectionId,
      kind: 'customer',
      crmId: customer.id,
      dataAreaId,
    });
  const known = await linkOf();
  if (known && trustsLink(ctx)) {
    // Linked by an earlier sync: the F&O customer is not read again (ensureCustomer only finds or
    // creates, it never changes a customer). Should it have been deleted in F&O, F&O refuses the
    // order and the replay of the record checks the customer again.
    ctx.state.customerAccount = known;
    return {
      input: { customer: { table: customer.table, id: customer.id }, dataAreaId, linkedBefore: known },
      output: { customerAccount: known, outcome: 'linked', note: 'linked in the key map: not read from F&O' },
    };
  }
  // Two orders of one new customer must not both create it: held until the link is stored.
  const lockKey = `customer:${runtime.connectionId}:${customer.id}:${dataAreaId}`;
  await ctx.lock(lockKey);
  const linked = await linkOf();
  const payload = unwrap(
    toFnoCustomer(customer, {
      dataAreaId,
      customerGroup: le.customerGroupId,
      currency: le.currencyCode,
      customerAccounts: le.customerAccounts,
      ...(le.languageId ? { languageId: le.languageId } : {}),
    }),
  );
  const record = toEnsureRecord(payload, customer, linked);
  const ensured = await ensureOnce(runtime, dataAreaId, customer.id, record);
  const link = await runtime.keyMap.link({
    connectionId: runtime.connectionId,
    kind: 'customer',
    crmEntity: customer.table,
    crmId: customer.id,
    dataAreaId,
    fnoKey: ensured.customerAccount,
  });
  if (ensured.intent) await clearCreateIntent(runtime, dataAreaId, customer.id);
  await ctx.unlock(lockKey);
  if (link.status === 'conflict') {
    throw new FlowError('key_conflict', link.message, {
      remedy:
        'Two CRM records point at one F&O customer: correct the account numbers in Dynamics 365 Sales, or unlink the wrong pair in the portal, then replay.',
    });
  }
  ctx.state.customerAccount = ensured.customerAccount;
  // A customer we created (now, or in a run that was interrupted after F&O created it).
  const echo =
    ensured.outcome === 'created' || ensured.intent
      ? await rememberCreatedCustomer(runtime, ctx.records, ctx.correlationId, {
          dataAreaId,
          customerAccount: ensured.customerAccount,
          crm: { table: customer.table, id: customer.id },
        })
      : undefined;
  return {
    input: { customer: { table: customer.table, id: customer.id }, dataAreaId, linkedBefore: linked ?? null },
    output: {
      customerAccount: ensured.customerAccount,
      outcome: ensured.outcome,
      keyMap: link.status,
      ...(echo ? { echo: `F&O → Sales: ${echo}` } : {}),
    },
  };
}

/**
 * The F&O customer for a CRM record, created at most once: a create is noted first (intent), so
 * that the customers refresh leaves the new customer to this run and a run after a crash between
 * F&O's create and the link finds it (by account number or reference field as usual, else by its
 * exact name among unlinked customers) instead of creating it again.
 */
async function ensureOnce(
  runtime: SyncRuntime,
  dataAreaId: string,
  crmId: string,
  record: EnsureCustomerRecord,
): Promise<Omit<EnsuredCustomer, 'outcome'> & { outcome: string; intent: boolean }> {
  const interrupted = await hasCreateIntent(runtime, dataAreaId, crmId);
  if (interrupted && !createIsFindable(runtime.fno.config, record)) {
    const found = await recoverInterruptedCreate(runtime, dataAreaId, crmId, record);
    if (found)
      return { dataAreaId, customerAccount: found, outcome: 'found_after_interrupted_create', intent: true };
  }
  if (!record.customerAccount && !interrupted) await noteCreateIntent(runtime, dataAreaId, crmId, record);
  const ensured = await ensureCustomer(runtime.fno.ctx, runtime.fno.config, record);
  return { ...ensured, intent: !record.customerAccount || interrupted };
}

/**
 * An ordinary run trusts the key map's links without reading F&O; a replay, and a run of a record
 * whose last run failed, check them (a person replays after fixing something, perhaps in F&O).
 */
function trustsLink(ctx: Ctx): boolean {
  return !ctx.replay && ctx.previousStatus !== 'failed';
}

async function writeBackAccountNumber(ctx: Ctx) {
  const customer = need(ctx.state.customer, 'customer');
  const customerAccount = need(ctx.state.customerAccount, 'customerAccount');
  if (customer.table !== 'account' || customer.row.accountnumber?.trim()) {
    return {
      output: {
        written: false,
        reason:
          customer.table === 'account'
            ? 'the account already has an account number'
            : 'contacts have no account number',
      },
    };
  }
  const { sales } = ctx.runtime;
  if (!('accountNumbers' in dataverseConnector.sinks)) {
    return { output: { written: false, reason: 'the connector has no account-number sink' } };
  }
  const [outcome] = await writeStream(dataverseConnector, 'accountNumbers', sales.ctx, sales.config, [
    { accountid: customer.id, accountnumber: customerAccount },
  ]);
  if (outcome && !outcome.ok) throw outcome.error;
  return { output: { written: true, accountid: customer.id, accountnumber: customerAccount } };
}

function productNumbersOf(detail: Detail): string[] {
  const lines = detail.kind === 'order' ? detail.data.lines : detail.data.products;
  const numbers: string[] = [];
  for (const line of lines as { isproductoverridden?: boolean | null; productnumber?: string | null }[]) {
    if (line.isproductoverridden === true) continue;
    const number = line.productnumber?.trim();
    if (number) numbers.push(number);
  }
  return numbers;
}

async function alignProducts(ctx: Ctx) {
  const detail = detailOf(ctx);
  const dataAreaId = need(ctx.state.dataAreaId, 'dataAreaId');
  const numbers = productNumbersOf(detail);
  const { runtime } = ctx;
  const resolved = await runtime.releasedItems.resolve(
    runtime.fno.ctx,
    runtime.fno.config,
    dataAreaId,
    numbers,
  );
  ctx.state.items = resolved.items;
  if (resolved.missing.length > 0) {
    // Checked here, before anything is written: an order that F&O would refuse line by line must
    // not leave a new customer behind in F&O.
    const products = resolved.missing.join(', ');
    const one = resolved.missing.length === 1;
    throw new FlowError(
      'product_not_released',
      `${one ? 'Product' : 'Products'} ${products} ${one ? 'is' : 'are'} not released in legal entity ${dataAreaId}: F&O cannot take ${one ? 'its line' : 'their lines'} of this ${detail.kind === 'order' ? 'order' : 'opportunity'}.`,
      {
        remedy: `Release ${products} to legal entity ${dataAreaId} in F&O (Product information management > Products > Release products), or replace ${one ? 'the line' : 'those lines'} in Dynamics 365 Sales, then replay the record.`,
      },
    );
  }
  return {
    input: { dataAreaId, products: [...new Set(numbers)] },
    output: {
      released: [...resolved.items.keys()],
      readFromFno: resolved.fetched,
      notReleased: resolved.missing,
    },
  };
}

async function mapOrder(ctx: Ctx) {
  const detail = detailOf(ctx);
  const dataAreaId = need(ctx.state.dataAreaId, 'dataAreaId');
  const le = need(ctx.runtime.settings.legalEntities.settings[dataAreaId], 'legal entity settings');
  // The customer is aligned in the write stage (after every check passed); its account goes into
  // the header there. Until then the header names the linked account, or a placeholder.
  const customer = need(ctx.state.customer, 'customer');
  const linked = await ctx.runtime.keyMap.fnoKeyOf({
    connectionId: ctx.runtime.connectionId,
    kind: 'customer',
    crmId: customer.id,
    dataAreaId,
  });
  const mapped = unwrap(
    toFnoSalesOrder(detail.data, {
      dataAreaId,
      customerAccount: linked ?? NEW_CUSTOMER,
      products: need(ctx.state.items, 'items'),
      currency: le.currencyCode,
      prices: ctx.runtime.settings.orders.prices,
      ...(le.writeInItem ? { writeInItem: le.writeInItem } : {}),
    }),
  );
  ctx.state.mapped = mapped;
  return { output: { header: mapped.header, lines: mapped.lines.map((line) => line.line) } };
}

const NEW_CUSTOMER = '(new customer)';

function dateOnly(value: string | undefined): string | undefined {
  return value ? value.slice(0, 10) : undefined;
}

function toCreateRecord(mapped: MappedSalesOrder): CreateSalesOrderRecord {
  const { header } = mapped;
  const shipping = dateOnly(header.RequestedShippingDate);
  return {
    legalEntity: header.dataAreaId,
    crmOrderNumber: header.CustomersOrderReference,
    customerAccount: header.OrderingCustomerAccountNumber,
    currencyCode: header.CurrencyCode,
    ...(shipping ? { requestedShippingDate: shipping } : {}),
    ...(header.DeliveryAddressStreet || header.DeliveryAddressCity || header.DeliveryAddressCountryRegionId
      ? {
          deliveryAddress: {
            ...(header.DeliveryAddressStreet ? { street: header.DeliveryAddressStreet } : {}),
            ...(header.DeliveryAddressCity ? { city: header.DeliveryAddressCity } : {}),
            ...(header.DeliveryAddressZipCode ? { zipCode: header.DeliveryAddressZipCode } : {}),
            ...(header.DeliveryAddressCountryRegionId
              ? { countryRegionId: header.DeliveryAddressCountryRegionId }
              : {}),
          },
        }
      : {}),
    lines: mapped.lines.map(({ line }) => {
      const lineShipping = dateOnly(line.RequestedShippingDate);
      return {
        itemNumber: line.ItemNumber,
        quantity: line.OrderedSalesQuantity,
        ...(line.SalesUnitSymbol ? { salesUnitSymbol: line.SalesUnitSymbol } : {}),
        ...(line.SalesPrice === undefined ? {} : { salesPrice: line.SalesPrice }),
        ...(line.LineDiscountAmount === undefined ? {} : { lineDiscountAmount: line.LineDiscountAmount }),
        ...(line.LineDescription ? { lineDescription: line.LineDescription } : {}),
        ...(lineShipping ? { requestedShippingDate: lineShipping } : {}),
      };
    }),
  };
}

/** The CRM row the deal's F&O order is linked to in the key map: the opportunity of an `OPP-` deal, else the order. */
function dealRoot(ctx: Ctx): { crmEntity: 'opportunity' | 'salesorder'; crmId: string } {
  const detail = detailOf(ctx);
  if (detail.kind === 'opportunity')
    return { crmEntity: 'opportunity', crmId: detail.data.opportunity.opportunityid };
  const opportunity = detail.data.order.opportunityid;
  return opportunity
    ? { crmEntity: 'opportunity', crmId: opportunity.id }
    : { crmEntity: 'salesorder', crmId: detail.data.order.salesorderid };
}

async function writeOrder(ctx: Ctx) {
  const draft = need(ctx.state.mapped, 'mapped');
  const mapped: MappedSalesOrder = {
    ...draft,
    header: {
      ...draft.header,
      OrderingCustomerAccountNumber: need(ctx.state.customerAccount, 'customerAccount'),
    },
  };
  const hash = contentHash({ header: mapped.header, lines: mapped.lines });
  const dataAreaId = need(ctx.state.dataAreaId, 'dataAreaId');
  const dealKey = need(ctx.state.dealKey, 'dealKey');
  const { runtime, record } = ctx;
  await ctx.lock(`deal:${runtime.connectionId}:${dataAreaId}:${dealKey.toLowerCase()}`);
  const root = dealRoot(ctx);

  const linked = await runtime.keyMap.fnoKeyOf({
    connectionId: runtime.connectionId,
    kind: 'sales_order',
    crmId: root.crmId,
    dataAreaId,
  });
  if (linked && record.contentHash === hash && record.targetKey === linked) {
    ctx.state.salesOrderNumber = linked;
    ctx.state.unchanged = true;
    ctx.complete({ targetKey: linked, targetDataAreaId: dataAreaId, contentHash: hash });
    return {
      output: {
        salesOrderNumber: linked,
        outcome: 'unchanged',
        note: 'nothing changed since the last sync: nothing written',
      },
    };
  }

  if (linked) {
    // The deal has its F&O order (an earlier sync of this record, or the won opportunity this CRM
    // order was generated from): bring it in line while F&O has not progressed it.
    const updated = await updateDealOrder(
      runtime.fno.ctx,
      runtime.fno.config,
      { legalEntity: dataAreaId, salesOrderNumber: linked },
      mapped,
    );
    ctx.state.salesOrderNumber = updated.salesOrderNumber;
    if (updated.outcome === 'progressed') ctx.skip(updated.reason, { salesOrderNumber: linked });
    ctx.complete({ targetKey: updated.salesOrderNumber, targetDataAreaId: dataAreaId, contentHash: hash });
    return {
      input: { dealKey, dataAreaId, linkedBefore: linked, contentHash: hash },
      output: { salesOrderNumber: updated.salesOrderNumber, outcome: updated.outcome, changes: updated.diff },
    };
  }

  const knownNew = await isKnownNew(ctx, root, dealKey);
  const created = await createSalesOrder(runtime.fno.ctx, runtime.fno.config, toCreateRecord(mapped), {
    knownNew,
  });
  const link = await runtime.keyMap.link({
    connectionId: runtime.connectionId,
    kind: 'sales_order',
    crmEntity: root.crmEntity,
    crmId: root.crmId,
    dataAreaId,
    fnoKey: created.salesOrderNumber,
  });
  if (link.status === 'conflict') {
    throw new FlowError('key_conflict', link.message, {
      remedy:
        'The CRM deal is linked to another F&O order: check both orders in F&O, cancel the wrong one, then replay.',
    });
  }
  ctx.state.salesOrderNumber = created.salesOrderNumber;
  ctx.complete({ targetKey: created.salesOrderNumber, targetDataAreaId: dataAreaId, contentHash: hash });
  return {
    input: { dealKey, dataAreaId, linkedBefore: linked ?? null, contentHash: hash },
    output: {
      salesOrderNumber: created.salesOrderNumber,
      outcome: created.outcome,
      lines: created.lines.length,
      lookedUpFirst: !knownNew,
      ...(created.outcome === 'found'
        ? { note: 'the F&O order of this deal already existed: linked to it, no second order created' }
        : {}),
    },
  };
}

/**
 * Whether no F&O order of this deal can exist yet, so that its create may skip the look-up by
 * customer reference (one F&O call): this is the first run of the record ever (a crashed or
 * retried run counts), triggered by the CRM order's own `Create` (so it was created after the
 * sync was enabled, not synced by anything before), the deal is the order alone (no opportunity,
 * no other record with the same deal key; checked under the deal's lock, after this run's
 * `describe`, so of two records sharing a key the second always sees the first), and no person
 * asked for a replay.
 */
async function isKnownNew(
  ctx: Ctx,
  root: { crmEntity: 'opportunity' | 'salesorder' },
  dealKey: string,
): Promise<boolean> {
  if (ctx.replay || ctx.message !== 'Create' || ctx.record.attempts !== 0) return false;
  if (root.crmEntity !== 'salesorder') return false;
  return !(await ctx.dealShared(dealKey));
}

async function writeBackOrderNumber(ctx: Ctx) {
  const detail = detailOf(ctx);
  const column = ctx.runtime.settings.orders.erpOrderNumberColumn;
  if (ctx.state.unchanged && ctx.previousStatus === 'synced') {
    return { output: { written: false, reason: 'unchanged since the last sync, which wrote it back' } };
  }
  if (detail.kind !== 'order' || !column) {
    return {
      output: {
        written: false,
        reason:
          detail.kind === 'order'
            ? 'write-back is off for this connection'
            : 'opportunities have no ERP order number column',
      },
    };
  }
  const salesOrderNumber = need(ctx.state.salesOrderNumber, 'salesOrderNumber');
  if (detail.data.order.statecode !== 0) {
    // Dataverse refuses updates of an order that is not Active (it is read-only once submitted).
    return {
      output: {
        written: false,
        reason: 'the CRM order is not Active, so Dataverse keeps it read-only',
        salesOrderNumber,
      },
    };
  }
  const { sales } = ctx.runtime;
  const [outcome] = await writeStream(dataverseConnector, 'orderErpNumbers', sales.ctx, sales.config, [
    { salesorderid: detail.data.order.salesorderid, erpOrderNumber: salesOrderNumber },
  ]);
  if (outcome && !outcome.ok) throw outcome.error;
  return { output: { written: true, column, salesOrderNumber } };
}

function flowFor(kind: Detail['kind']) {
  const entity = kind === 'order' ? 'salesorder' : 'opportunity';
  return defineFlow<DealState, SyncRuntime>({
    id: kind === 'order' ? 'sales-order-to-fno' : 'won-opportunity-to-fno',
    direction: 'sales_to_fno',
    trigger: {
      system: 'sales',
      entity,
      messages:
        kind === 'order' ? ['Create', 'Update', 'delta', 'replay'] : ['Win', 'Update', 'delta', 'replay'],
    },
    naturalKey: (sourceId) => sourceId.toLowerCase(),
    initialState: () => ({}),
    steps: [
      { stage: 'read', name: `read-${entity}`, run: (ctx) => readSource(ctx, kind) },
      { stage: 'validate', name: 'check-trigger', run: checkTrigger },
      { stage: 'validate', name: 'route-legal-entity', run: routeCustomer },
      { stage: 'validate', name: 'check-products-released', run: alignProducts },
      { stage: 'map', name: 'map-order', run: mapOrder },
      { stage: 'write', name: 'align-customer', run: alignCustomer },
      { stage: 'write', name: 'write-order', run: writeOrder },
      { stage: 'after', name: 'write-back-account-number', run: writeBackAccountNumber },
      { stage: 'after', name: 'write-back-order-number', run: writeBackOrderNumber },
    ],
  });
}

export const salesOrderToFno = flowFor('order');
export const wonOpportunityToFno = flowFor('opportunity');
