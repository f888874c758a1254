import { cadencesSchema, dataAreaIdSchema, legalEntityFormSchema, routingRuleSchema } from './schemas';
import type { SettingsInput } from './trpc';

/** The mapping settings as the form edits them (strings where people type numbers). */
export interface SettingsFormValue {
  defaultLegalEntity: string;
  rules: Array<{ field: string; equals: string; dataAreaId: string }>;
  entities: Array<{
    dataAreaId: string;
    customerGroupId: string;
    currencyCode: string;
    priceList: string;
    priceGroup: string;
  }>;
  defaultCustomerGroup: string;
  /** CustomersV3 property that receives the CRM id of customers we create; empty: none. */
  customerReferenceField: string;
  flows: { orders: boolean; products: boolean; prices: boolean; customers: boolean };
  cadences: { salesDeltaSeconds: string; fnoPollSeconds: string };
}

type Loose = Record<string, unknown>;
const obj = (value: unknown): Loose => (value && typeof value === 'object' ? (value as Loose) : {});
const str = (value: unknown, fallback = ''): string => (typeof value === 'string' ? value : fallback);
const bool = (value: unknown, fallback: boolean): boolean => (typeof value === 'boolean' ? value : fallback);

/** Stored (or sandbox default) settings → the form. Unknown keys stay in the `base` they came from. */
export function settingsToForm(settings: unknown, defaultLegalEntity: string): SettingsFormValue {
  const s = obj(settings);
  const le = obj(s['legalEntities']);
  const perEntity = obj(le['settings']);
  const flows = obj(s['flows']);
  const cadences = obj(s['cadences']);
  const def = str(le['default'], defaultLegalEntity || 'usmf');
  const entities = Object.entries(perEntity).map(([dataAreaId, value]) => ({
    dataAreaId,
    customerGroupId: str(obj(value)['customerGroupId']),
    currencyCode: str(obj(value)['currencyCode']),
    priceList: str(obj(value)['priceList']),
    priceGroup: str(obj(value)['priceGroup']),
  }));
  if (!entities.some((entity) => entity.dataAreaId === def))
    entities.unshift({
      dataAreaId: def,
      customerGroupId: str(s['defaultCustomerGroup']),
      currencyCode: '',
      priceList: '',
      priceGroup: '',
    });
  const rules = Array.isArray(le['rules'])
    ? le['rules'].map((rule) => ({
        field: str(obj(rule)['field']),
        equals: str(obj(rule)['equals']),
        dataAreaId: str(obj(rule)['dataAreaId']),
      }))
    : [];
  return {
    defaultLegalEntity: def,
    rules,
    entities,
    defaultCustomerGroup: str(s['defaultCustomerGroup']),
    customerReferenceField: str(obj(s['customers'])['referenceField']),
    flows: {
      orders: bool(flows['orders'], true),
      products: bool(flows['products'], true),
      prices: bool(flows['prices'], true),
      customers: bool(flows['customers'], true),
    },
    cadences: {
      salesDeltaSeconds: String(cadences['salesDeltaSeconds'] ?? 60),
      fnoPollSeconds: String(cadences['fnoPollSeconds'] ?? 300),
    },
  };
}

/**
 * Validates the form; on success the settings to send, merged over `base` so that what the form
 * does not show (order options, catalog, the sandbox CA, per-entity extras) is kept.
 */
export function formToSettings(
  form: SettingsFormValue,
  base: unknown,
): { ok: true; settings: SettingsInput } | { ok: false; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const def = dataAreaIdSchema.safeParse(form.defaultLegalEntity);
  if (!def.success) errors['defaultLegalEntity'] = def.error.issues[0]?.message ?? 'Invalid';
  const rules: Array<{ field: string; equals: string; dataAreaId: string }> = [];
  form.rules.forEach((rule, index) => {
    const parsed = routingRuleSchema.safeParse(rule);
    if (parsed.success) rules.push(parsed.data);
    else
      for (const issue of parsed.error.issues)
        errors[`rules.${index}.${String(issue.path[0])}`] ??= issue.message;
  });
  const baseObj = obj(base);
  const baseLe = obj(baseObj['legalEntities']);
  const basePer = obj(baseLe['settings']);
  const perEntity: Record<string, Loose> = {};
  form.entities.forEach((entity, index) => {
    const id = dataAreaIdSchema.safeParse(entity.dataAreaId);
    if (!id.success) errors[`entities.${index}.dataAreaId`] = id.error.issues[0]?.message ?? 'Invalid';
    const parsed = legalEntityFormSchema.safeParse(entity);
    if (!parsed.success)
      for (const issue of parsed.error.issues)
        errors[`entities.${index}.${String(issue.path[0])}`] ??= issue.message;
    if (id.success && parsed.success) {
      if (perEntity[id.data]) errors[`entities.${index}.dataAreaId`] = `${id.data} is listed twice.`;
      const merged: Loose = { ...obj(basePer[id.data]), ...parsed.data };
      // An emptied optional field is removed, not stored as "".
      for (const optional of ['priceList', 'priceGroup'] as const)
        if (parsed.data[optional] === '') delete merged[optional];
      perEntity[id.data] = merged;
    }
  });
  // Every legal entity an order can be routed to needs its settings (even while its rule has other errors).
  const routedTo = form.rules.flatMap((rule) => {
    const id = dataAreaIdSchema.safeParse(rule.dataAreaId);
    return id.success ? [id.data] : [];
  });
  const needed = new Set([def.success ? def.data : '', ...routedTo].filter(Boolean));
  const missing = [...needed].filter(
    (id) => !perEntity[id] && !form.entities.some((e) => e.dataAreaId.toLowerCase() === id),
  );
  if (missing.length > 0)
    errors['entities'] =
      `Add the customer group and currency of ${missing.join(', ')}: orders can be routed there.`;
  const cadences = cadencesSchema.safeParse(form.cadences);
  if (!cadences.success)
    for (const issue of cadences.error.issues) errors[`cadences.${String(issue.path[0])}`] ??= issue.message;
  if (form.defaultCustomerGroup.trim().length > 10) errors['defaultCustomerGroup'] = 'At most 10 characters.';
  const referenceField = form.customerReferenceField.trim();
  if (referenceField && !/^[A-Z][A-Za-z0-9_]*$/.test(referenceField))
    errors['customerReferenceField'] = 'A CustomersV3 property name, e.g. MlcCrmReference.';
  if (Object.keys(errors).length > 0 || !def.success || !cadences.success) return { ok: false, errors };
  const settings: Loose = {
    ...baseObj,
    legalEntities: { ...baseLe, default: def.data, rules, settings: perEntity },
    flows: { ...obj(baseObj['flows']), ...form.flows },
    cadences: { ...obj(baseObj['cadences']), ...cadences.data },
    customers: { ...obj(baseObj['customers']), referenceField: referenceField || null },
  };
  if (form.defaultCustomerGroup.trim()) settings['defaultCustomerGroup'] = form.defaultCustomerGroup.trim();
  else delete settings['defaultCustomerGroup'];
  return { ok: true, settings: settings as SettingsInput };
}
