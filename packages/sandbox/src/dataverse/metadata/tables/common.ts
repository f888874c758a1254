import { picklist, state, status, text } from '../columns';
import type { AttributeDef } from '../types';

/** Columns several tables share. */

export const activeInactiveState = (): AttributeDef[] => [
  state([
    [0, 'Active', 1],
    [1, 'Inactive', 2],
  ]),
  status([
    [1, 'Active', 0],
    [2, 'Inactive', 1],
  ]),
];

export const address1 = (): AttributeDef[] => [
  text('address1_line1', 250, { display: 'Address 1: Street 1' }),
  text('address1_city', 80, { display: 'Address 1: City' }),
  text('address1_stateorprovince', 50, { display: 'Address 1: State/Province' }),
  text('address1_postalcode', 20, { display: 'Address 1: ZIP/Postal Code' }),
  text('address1_country', 80, { display: 'Address 1: Country/Region' }),
];

export const paymentTerms = (): AttributeDef =>
  picklist('paymenttermscode', [
    [1, 'Net 30'],
    [2, '2% 10, Net 30'],
    [3, 'Net 45'],
    [4, 'Net 60'],
  ]);
