import type { FieldPath } from '../text';
import { fit, textOf } from '../text';

/**
 * Shared by the F&O → Sales mappings. Their outputs have the shapes the Dataverse sinks of
 * `@mlc/connectors` take (`packages/connectors/src/dataverse/sinks.ts`): lookups as references
 * `{ id }` or `{ key: { column: value } }`, every allowed column present (an empty F&O value
 * becomes `null`, so a value cleared in F&O is cleared in Sales too).
 */

/** A reference to a Dataverse row: its id, or column values that name exactly one row. */
export type CrmRef = { id: string } | { key: Record<string, string> };

/** Text for a Dataverse column: `null` when empty, `value_too_long` beyond `max`. */
export function crmText(
  value: string | null | undefined,
  max: number,
  what: string,
  column: string,
  path: FieldPath,
): string | null {
  return (
    fit(textOf(value), {
      what,
      target: `Dynamics 365 Sales' ${column}`,
      max,
      path,
      remedy: 'shorten it in F&O, then sync again.',
    }) ?? null
  );
}

/** Dataverse column lengths of the account and contact address (`address1_*`). */
export const ADDRESS1_LENGTHS = {
  address1_line1: 250,
  address1_city: 80,
  address1_stateorprovince: 50,
  address1_postalcode: 20,
  address1_country: 80,
} as const;

export interface FnoAddressFields {
  AddressStreet?: string | null | undefined;
  AddressCity?: string | null | undefined;
  AddressZipCode?: string | null | undefined;
  AddressState?: string | null | undefined;
  AddressCountryRegionId?: string | null | undefined;
  DeliveryAddressStreet?: string | null | undefined;
  DeliveryAddressCity?: string | null | undefined;
  DeliveryAddressZipCode?: string | null | undefined;
  DeliveryAddressState?: string | null | undefined;
  DeliveryAddressCountryRegionId?: string | null | undefined;
}

export interface CrmAddress1 {
  address1_line1: string | null;
  address1_city: string | null;
  address1_stateorprovince: string | null;
  address1_postalcode: string | null;
  address1_country: string | null;
}

/**
 * `address1_*` of a customer: its delivery address (dual-write: DELIVERYADDRESS* → address1_*)
 * when it has one, else its primary address. The country is F&O's country/region id unless
 * `countryNames` names it (`{ DEU: 'Germany' }`).
 */
export function address1Of(
  row: FnoAddressFields,
  what: string,
  countryNames: Readonly<Record<string, string>> | undefined,
): CrmAddress1 {
  const delivery = [
    row.DeliveryAddressStreet,
    row.DeliveryAddressCity,
    row.DeliveryAddressZipCode,
    row.DeliveryAddressCountryRegionId,
  ].some((value) => textOf(value) !== undefined);
  const [prefix, address] = delivery
    ? [
        'DeliveryAddress',
        {
          street: row.DeliveryAddressStreet,
          city: row.DeliveryAddressCity,
          zip: row.DeliveryAddressZipCode,
          state: row.DeliveryAddressState,
          country: row.DeliveryAddressCountryRegionId,
        },
      ]
    : [
        'Address',
        {
          street: row.AddressStreet,
          city: row.AddressCity,
          zip: row.AddressZipCode,
          state: row.AddressState,
          country: row.AddressCountryRegionId,
        },
      ];
  const countryId = textOf(address.country);
  const country = countryId === undefined ? undefined : (countryNames?.[countryId] ?? countryId);
  const text = (value: string | null | undefined, column: keyof typeof ADDRESS1_LENGTHS, field: string) =>
    crmText(value, ADDRESS1_LENGTHS[column], `The ${prefix}${field} of ${what}`, column, [
      `${prefix}${field}`,
    ]);
  return {
    address1_line1: text(address.street, 'address1_line1', 'Street'),
    address1_city: text(address.city, 'address1_city', 'City'),
    address1_stateorprovince: text(address.state, 'address1_stateorprovince', 'State'),
    address1_postalcode: text(address.zip, 'address1_postalcode', 'ZipCode'),
    address1_country: text(country, 'address1_country', 'CountryRegionId'),
  };
}

/** The currency of a customer as a reference by ISO code, or undefined. */
export function currencyRef(code: string | null | undefined): CrmRef | undefined {
  const text = textOf(code);
  return text === undefined ? undefined : { key: { isocurrencycode: text.toUpperCase() } };
}
