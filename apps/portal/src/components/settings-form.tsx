'use client';

import { useId } from 'react';
import type { SettingsFormValue } from '../lib/settings-model';
import { Field } from './ui';

const FLOWS: Array<{ key: keyof SettingsFormValue['flows']; label: string; description: string }> = [
  {
    key: 'orders',
    label: 'Orders (Sales → F&O)',
    description:
      'Won opportunities and CRM sales orders become F&O customers and sales orders, exactly once.',
  },
  {
    key: 'products',
    label: 'Products (F&O → Sales)',
    description: 'Released products become Sales products.',
  },
  {
    key: 'prices',
    label: 'Prices (F&O → Sales)',
    description: 'Base sales prices fill the Sales price lists.',
  },
  {
    key: 'customers',
    label: 'Customers (F&O → Sales)',
    description: 'F&O customers become or update Sales accounts.',
  },
];

export function SettingsForm({
  value,
  onChange,
  errors,
  lockDefault = false,
}: {
  value: SettingsFormValue;
  onChange: (value: SettingsFormValue) => void;
  errors: Record<string, string>;
  /** The default legal entity is chosen on the F&O step of the wizard. */
  lockDefault?: boolean;
}) {
  const uid = useId();
  const update = (patch: Partial<SettingsFormValue>) => onChange({ ...value, ...patch });
  const setRule = (index: number, patch: Partial<SettingsFormValue['rules'][number]>) =>
    update({ rules: value.rules.map((rule, i) => (i === index ? { ...rule, ...patch } : rule)) });
  const setEntity = (index: number, patch: Partial<SettingsFormValue['entities'][number]>) =>
    update({ entities: value.entities.map((entity, i) => (i === index ? { ...entity, ...patch } : entity)) });

  return (
    <div className="form">
      <fieldset>
        <legend className="label">Legal-entity routing</legend>
        <p className="hint">
          Orders go to the default legal entity <strong>{value.defaultLegalEntity || '—'}</strong> unless the
          customer matches a rule below (first match wins).
        </p>
        {!lockDefault ? (
          <Field
            label="Default legal entity"
            name="defaultLegalEntity"
            value={value.defaultLegalEntity}
            onChange={(defaultLegalEntity) => update({ defaultLegalEntity })}
            error={errors['defaultLegalEntity']}
          />
        ) : null}
        {value.rules.length === 0 ? (
          <p className="hint">
            No rules: every order goes to {value.defaultLegalEntity || 'the default legal entity'}.
          </p>
        ) : (
          <ol className="stack" style={{ paddingLeft: '1.25rem' }} aria-label="Routing rules">
            {value.rules.map((rule, index) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: rules have no identity but their position
              <li key={index}>
                <div className="form-row">
                  <Field
                    label={`Rule ${index + 1}: when the account column`}
                    name={`rules.${index}.field`}
                    value={rule.field}
                    onChange={(field) => setRule(index, { field })}
                    error={errors[`rules.${index}.field`]}
                    placeholder="address1_country"
                  />
                  <Field
                    label="equals"
                    name={`rules.${index}.equals`}
                    value={rule.equals}
                    onChange={(equals) => setRule(index, { equals })}
                    error={errors[`rules.${index}.equals`]}
                    placeholder="Germany"
                  />
                  <Field
                    label="send to legal entity"
                    name={`rules.${index}.dataAreaId`}
                    value={rule.dataAreaId}
                    onChange={(dataAreaId) => setRule(index, { dataAreaId })}
                    error={errors[`rules.${index}.dataAreaId`]}
                    placeholder="demf"
                  />
                </div>
                <button
                  type="button"
                  className="btn btn-sm btn-link"
                  onClick={() => update({ rules: value.rules.filter((_, i) => i !== index) })}
                >
                  Remove rule {index + 1}
                </button>
              </li>
            ))}
          </ol>
        )}
        <button
          type="button"
          className="btn btn-sm"
          style={{ marginTop: '0.5rem' }}
          onClick={() =>
            update({ rules: [...value.rules, { field: 'address1_country', equals: '', dataAreaId: '' }] })
          }
        >
          Add a routing rule
        </button>
      </fieldset>

      <fieldset>
        <legend className="label">Legal entities</legend>
        <p className="hint">
          New F&amp;O customers get their legal entity&apos;s customer group and currency.
        </p>
        <Field
          label="Default customer group"
          name="defaultCustomerGroup"
          value={value.defaultCustomerGroup}
          onChange={(defaultCustomerGroup) => update({ defaultCustomerGroup })}
          error={errors['defaultCustomerGroup']}
          hint="Filled in for each legal entity you add."
          optional
        />
        <Field
          label="F&amp;O customer reference field"
          name="customerReferenceField"
          value={value.customerReferenceField}
          onChange={(customerReferenceField) => update({ customerReferenceField })}
          error={errors['customerReferenceField']}
          hint="A CustomersV3 text field that receives the CRM id of the customers we create. With customer accounts from F&amp;O's number sequence it is how a customer created just before a lost response or a crash is found again instead of created twice."
          optional
        />
        {errors['entities'] ? (
          <p className="field-error" role="alert">
            {errors['entities']}
          </p>
        ) : null}
        <ul className="stack" style={{ listStyle: 'none', padding: 0 }} aria-label="Legal entity settings">
          {value.entities.map((entity, index) => {
            const isDefault = entity.dataAreaId.toLowerCase() === value.defaultLegalEntity.toLowerCase();
            return (
              // biome-ignore lint/suspicious/noArrayIndexKey: the dataAreaId is being edited, the position is stable
              <li key={index}>
                <div className="form-row">
                  <Field
                    label={isDefault ? 'Legal entity (default)' : 'Legal entity'}
                    name={`entities.${index}.dataAreaId`}
                    value={entity.dataAreaId}
                    onChange={(dataAreaId) => setEntity(index, { dataAreaId })}
                    error={errors[`entities.${index}.dataAreaId`]}
                    readOnly={isDefault && lockDefault}
                  />
                  <Field
                    label="Customer group"
                    name={`entities.${index}.customerGroupId`}
                    value={entity.customerGroupId}
                    onChange={(customerGroupId) => setEntity(index, { customerGroupId })}
                    error={errors[`entities.${index}.customerGroupId`]}
                  />
                  <Field
                    label="Currency"
                    name={`entities.${index}.currencyCode`}
                    value={entity.currencyCode}
                    onChange={(currencyCode) => setEntity(index, { currencyCode })}
                    error={errors[`entities.${index}.currencyCode`]}
                    placeholder="USD"
                  />
                </div>
                <div className="form-row">
                  <Field
                    label="Sales price list (optional)"
                    name={`entities.${index}.priceList`}
                    value={entity.priceList}
                    onChange={(priceList) => setEntity(index, { priceList })}
                    error={errors[`entities.${index}.priceList`]}
                    placeholder="Standard Price List (USD)"
                  />
                  <Field
                    label="Price group for trade agreements (optional)"
                    name={`entities.${index}.priceGroup`}
                    value={entity.priceGroup}
                    onChange={(priceGroup) => setEntity(index, { priceGroup })}
                    error={errors[`entities.${index}.priceGroup`]}
                    placeholder="none: base sales prices"
                  />
                </div>
                {!isDefault ? (
                  <button
                    type="button"
                    className="btn btn-sm btn-link"
                    onClick={() => update({ entities: value.entities.filter((_, i) => i !== index) })}
                  >
                    Remove {entity.dataAreaId || 'this legal entity'}
                  </button>
                ) : null}
              </li>
            );
          })}
        </ul>
        <button
          type="button"
          className="btn btn-sm"
          style={{ marginTop: '0.5rem' }}
          onClick={() =>
            update({
              entities: [
                ...value.entities,
                {
                  dataAreaId: '',
                  customerGroupId: value.defaultCustomerGroup,
                  currencyCode: '',
                  priceList: '',
                  priceGroup: '',
                },
              ],
            })
          }
        >
          Add a legal entity
        </button>
      </fieldset>

      <fieldset>
        <legend className="label">Flows</legend>
        <div className="stack">
          {FLOWS.map((flow) => (
            <label key={flow.key} className="checkbox" htmlFor={`${uid}-${flow.key}`}>
              <input
                id={`${uid}-${flow.key}`}
                type="checkbox"
                checked={value.flows[flow.key]}
                onChange={(event) => update({ flows: { ...value.flows, [flow.key]: event.target.checked } })}
              />
              <span>
                <strong>{flow.label}</strong>
                <br />
                <span className="hint">{flow.description}</span>
              </span>
            </label>
          ))}
        </div>
      </fieldset>

      <fieldset>
        <legend className="label">Cadences</legend>
        <div className="form-row">
          <Field
            label="Sales change check (seconds)"
            name="cadences.salesDeltaSeconds"
            type="number"
            inputMode="numeric"
            min={10}
            max={86_400}
            value={value.cadences.salesDeltaSeconds}
            onChange={(salesDeltaSeconds) => update({ cadences: { ...value.cadences, salesDeltaSeconds } })}
            error={errors['cadences.salesDeltaSeconds']}
            hint="Reads what changed in Sales, in case a webhook was lost. 10 s to 1 day."
          />
          <Field
            label="F&O poll (seconds)"
            name="cadences.fnoPollSeconds"
            type="number"
            inputMode="numeric"
            min={30}
            max={86_400}
            value={value.cadences.fnoPollSeconds}
            onChange={(fnoPollSeconds) => update({ cadences: { ...value.cadences, fnoPollSeconds } })}
            error={errors['cadences.fnoPollSeconds']}
            hint="Reads released products, prices and customers. 30 s to 1 day."
          />
        </div>
      </fieldset>
    </div>
  );
}

export { formToSettings, type SettingsFormValue, settingsToForm } from '../lib/settings-model';
