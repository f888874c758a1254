import type { EntityModel } from '../metadata/registry';
import { isEntityRef, type StoredRow, type Value } from '../store/types';
import { deriveRegistration } from '../webhooks/registration';
import { fullName, lineAmounts } from './computed';
import type { WriteContext } from './context';

/** Product line tables and the lookup to their header. */
export const LINE_PARENTS: Readonly<Record<string, string>> = {
  salesorderdetail: 'salesorderid',
  quotedetail: 'quoteid',
  opportunityproduct: 'opportunityid',
};

type Changes = Map<string, Value | null>;

/**
 * Fills the columns the platform derives on create/update: full names, currency and exchange
 * rate, line defaults (unit, price from the header's price list, product number) and line amounts.
 * `current` is the stored row on update, undefined on create. Mutates `changes`.
 */
export function deriveColumns(
  context: WriteContext,
  model: EntityModel,
  current: StoredRow | undefined,
  changes: Changes,
): void {
  const entity = model.def.logicalName;
  const get = (name: string): Value | null =>
    changes.has(name) ? (changes.get(name) ?? null) : (current?.values[name] ?? null);

  if (
    (entity === 'contact' || entity === 'systemuser') &&
    (changes.has('firstname') || changes.has('lastname'))
  ) {
    changes.set('fullname', fullName(get('firstname'), get('lastname')));
  }
  if (entity === 'productpricelevel' && changes.has('productid')) {
    const product = refRow(context, get('productid'));
    changes.set('productidname', typeof product?.values['name'] === 'string' ? product.values['name'] : null);
  }

  const parentColumn = LINE_PARENTS[entity];
  const parent = parentColumn ? refRow(context, get(parentColumn)) : undefined;

  if (model.attributes.has('transactioncurrencyid') && entity !== 'pricelevel') {
    if (!current && get('transactioncurrencyid') === null) {
      const inherited =
        parent?.values['transactioncurrencyid'] ??
        (entity === 'productpricelevel'
          ? refRow(context, get('pricelevelid'))?.values['transactioncurrencyid']
          : undefined);
      changes.set(
        'transactioncurrencyid',
        isEntityRef(inherited)
          ? inherited
          : { id: context.baseCurrencyId, logicalName: 'transactioncurrency' },
      );
    }
    if (changes.has('transactioncurrencyid') && model.attributes.has('exchangerate')) {
      const rate = refRow(context, get('transactioncurrencyid'))?.values['exchangerate'];
      changes.set('exchangerate', typeof rate === 'number' ? rate : null);
    }
  }

  if (parentColumn) deriveLine(context, entity, parent, current, changes, get);
  deriveRegistration(context, model, current, changes);
}

function deriveLine(
  context: WriteContext,
  entity: string,
  parent: StoredRow | undefined,
  current: StoredRow | undefined,
  changes: Changes,
  get: (name: string) => Value | null,
): void {
  const product = refRow(context, get('productid'));
  if (!current) {
    if (!changes.has('isproductoverridden'))
      changes.set('isproductoverridden', !product && get('productdescription') !== null);
    if (!changes.has('ispriceoverridden')) changes.set('ispriceoverridden', false);
  }
  if (changes.has('productid')) {
    if (product && get('uomid') === null && isEntityRef(product.values['defaultuomid'])) {
      changes.set('uomid', product.values['defaultuomid']);
    }
    if (entity === 'salesorderdetail') {
      const number = product?.values['productnumber'];
      changes.set('productnumber', typeof number === 'string' ? number : null);
    }
  }
  const priceInputsChanged =
    changes.has('productid') || changes.has('uomid') || changes.has('ispriceoverridden');
  if (product && get('ispriceoverridden') !== true && priceInputsChanged && !changes.has('priceperunit')) {
    changes.set('priceperunit', listPrice(context, parent, product, get('uomid')));
  }
  const amountInputs = ['quantity', 'priceperunit', 'manualdiscountamount', 'tax'];
  if (!current || amountInputs.some((name) => changes.has(name))) {
    const amounts = lineAmounts({
      quantity: get('quantity'),
      priceperunit: get('priceperunit'),
      manualdiscountamount: get('manualdiscountamount'),
      tax: get('tax'),
    });
    changes.set('baseamount', amounts.baseamount);
    changes.set('extendedamount', amounts.extendedamount);
  }
}

/** The price of a product on the header's price list for a unit, else the product's list price. */
function listPrice(
  context: WriteContext,
  parent: StoredRow | undefined,
  product: StoredRow,
  uom: Value | null,
): number | null {
  const priceList = parent?.values['pricelevelid'];
  if (isEntityRef(priceList)) {
    for (const item of context.store.rows('productpricelevel')) {
      const v = item.values;
      if (!isEntityRef(v['pricelevelid']) || v['pricelevelid'].id !== priceList.id) continue;
      if (!isEntityRef(v['productid']) || v['productid'].id !== product.id) continue;
      if (isEntityRef(uom) && isEntityRef(v['uomid']) && v['uomid'].id !== uom.id) continue;
      if (typeof v['amount'] === 'number') return v['amount'];
    }
  }
  const price = product.values['price'];
  return typeof price === 'number' ? price : null;
}

function refRow(context: WriteContext, value: Value | null | undefined): StoredRow | undefined {
  return isEntityRef(value) ? context.store.get(value.logicalName, value.id) : undefined;
}
