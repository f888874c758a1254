import { connectionSettingsSchema } from '@mlc/db/settings';
import { describe, expect, it } from 'vitest';
import { formToSettings, settingsToForm } from './settings-model';

const stored = connectionSettingsSchema.parse({
  legalEntities: {
    default: 'usmf',
    rules: [{ field: 'address1_country', equals: 'Germany', dataAreaId: 'demf' }],
    settings: {
      usmf: { customerGroupId: '10', currencyCode: 'USD', priceList: 'Standard Price List (USD)' },
      demf: { customerGroupId: '20', currencyCode: 'EUR' },
    },
  },
  flows: { products: false },
  cadences: { salesDeltaSeconds: 10 },
  sandbox: { caPem: '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----' },
});

describe('the mapping settings form', () => {
  it('round-trips stored settings, keeping what the form does not show', () => {
    const form = settingsToForm(stored, 'usmf');
    expect(form.rules).toEqual([{ field: 'address1_country', equals: 'Germany', dataAreaId: 'demf' }]);
    expect(form.entities.map((e) => e.dataAreaId)).toEqual(['usmf', 'demf']);
    expect(form.flows).toEqual({ orders: true, products: false, prices: true, customers: true });
    expect(form.cadences).toEqual({ salesDeltaSeconds: '10', fnoPollSeconds: '300' });

    const result = formToSettings({ ...form, cadences: { ...form.cadences, fnoPollSeconds: '600' } }, stored);
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    const settings = connectionSettingsSchema.parse(result.settings);
    expect(settings.cadences).toEqual({ salesDeltaSeconds: 10, fnoPollSeconds: 600 });
    expect(settings.sandbox?.caPem).toContain('BEGIN CERTIFICATE');
    expect(settings.legalEntities.settings['usmf']?.priceList).toBe('Standard Price List (USD)');
    expect(settings.orders).toEqual(stored.orders);
  });

  it('edits the price list and the trade-agreement price group of a legal entity; emptied, they are removed', () => {
    const form = settingsToForm(stored, 'usmf');
    expect(form.entities[0]).toMatchObject({ priceList: 'Standard Price List (USD)', priceGroup: '' });
    const withGroup = formToSettings(
      { ...form, entities: form.entities.map((e, i) => (i === 0 ? { ...e, priceGroup: ' 20 ' } : e)) },
      stored,
    );
    if (!withGroup.ok) throw new Error(JSON.stringify(withGroup.errors));
    const usmf = connectionSettingsSchema.parse(withGroup.settings).legalEntities.settings['usmf'];
    expect(usmf).toMatchObject({ priceList: 'Standard Price List (USD)', priceGroup: '20' });

    const cleared = formToSettings(
      {
        ...form,
        entities: form.entities.map((e, i) => (i === 0 ? { ...e, priceList: '', priceGroup: '' } : e)),
      },
      withGroup.settings,
    );
    if (!cleared.ok) throw new Error(JSON.stringify(cleared.errors));
    const after = connectionSettingsSchema.parse(cleared.settings).legalEntities.settings['usmf'];
    expect(after?.priceList).toBeUndefined();
    expect(after?.priceGroup).toBeUndefined();
  });

  it('sets the F&O customer reference field, refusing what is not a property name', () => {
    const form = settingsToForm(stored, 'usmf');
    expect(form.customerReferenceField).toBe('');
    const set = formToSettings({ ...form, customerReferenceField: 'MlcCrmReference' }, stored);
    if (!set.ok) throw new Error(JSON.stringify(set.errors));
    expect(connectionSettingsSchema.parse(set.settings).customers.referenceField).toBe('MlcCrmReference');
    const wrong = formToSettings({ ...form, customerReferenceField: 'crm id' }, stored);
    expect(wrong.ok ? {} : wrong.errors).toHaveProperty('customerReferenceField');
  });

  it('names each wrong field, and a routed legal entity without settings', () => {
    const form = settingsToForm({}, 'usmf');
    const result = formToSettings(
      {
        ...form,
        rules: [{ field: 'Country!', equals: '', dataAreaId: 'demf' }],
        entities: [
          { dataAreaId: 'usmf', customerGroupId: '', currencyCode: 'dollars', priceList: '', priceGroup: '' },
        ],
        cadences: { salesDeltaSeconds: '5', fnoPollSeconds: 'soon' },
      },
      {},
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(Object.keys(result.errors).sort()).toEqual([
      'cadences.fnoPollSeconds',
      'cadences.salesDeltaSeconds',
      'entities',
      'entities.0.currencyCode',
      'entities.0.customerGroupId',
      'rules.0.equals',
      'rules.0.field',
    ]);
    expect(result.errors['entities']).toContain('demf');
    expect(result.errors['cadences.salesDeltaSeconds']).toBe('At least 10 seconds.');
  });
});
