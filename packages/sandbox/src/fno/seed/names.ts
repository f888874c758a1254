/** Word lists of the F&O seed: the ERP of Kestrel Industrial Supply, an industrial distributor. */

export interface LegalEntityProfile {
  id: string;
  name: string;
  currency: 'USD' | 'EUR';
  /** F&O country/region id (ISO 3166 alpha-3) and ISO code. */
  country: string;
  countryIso: string;
  language: string;
  /** Prefix of the customer account number sequence. */
  customerPrefix: string;
  /** Price factor against the USD list price. */
  priceFactor: number;
  salesTaxGroup: string;
  cities: ReadonlyArray<readonly [city: string, state: string, zip: string]>;
  streets: readonly string[];
  suffixes: readonly string[];
  address: readonly [street: string, city: string, state: string, zip: string];
}

export const LEGAL_ENTITY_PROFILES: readonly LegalEntityProfile[] = [
  {
    id: 'usmf',
    name: 'Kestrel Industrial Supply USA',
    currency: 'USD',
    country: 'USA',
    countryIso: 'US',
    language: 'en-us',
    customerPrefix: 'US-',
    priceFactor: 1,
    salesTaxGroup: 'AVATAX',
    cities: [
      ['Chicago', 'IL', '60607'],
      ['Houston', 'TX', '77002'],
      ['Cleveland', 'OH', '44114'],
      ['Detroit', 'MI', '48226'],
      ['Pittsburgh', 'PA', '15222'],
      ['Milwaukee', 'WI', '53202'],
      ['Charlotte', 'NC', '28202'],
    ],
    streets: ['Industrial Pkwy', 'Commerce Dr', 'Foundry St', 'Mill Rd', 'Harbor Ave'],
    suffixes: ['Inc.', 'LLC', 'Corp.'],
    address: ['1200 Lakeshore Dr', 'Chicago', 'IL', '60611'],
  },
  {
    id: 'demf',
    name: 'Kestrel Industrial Supply GmbH',
    currency: 'EUR',
    country: 'DEU',
    countryIso: 'DE',
    language: 'de',
    customerPrefix: 'DE-',
    priceFactor: 0.92,
    salesTaxGroup: 'DOM',
    cities: [
      ['Stuttgart', 'BW', '70173'],
      ['München', 'BY', '80331'],
      ['Hamburg', 'HH', '20095'],
      ['Düsseldorf', 'NW', '40213'],
      ['Dortmund', 'NW', '44135'],
    ],
    streets: ['Industriestraße', 'Hafenweg', 'Gewerbepark', 'Werkstraße'],
    suffixes: ['GmbH', 'AG', 'GmbH & Co. KG'],
    address: ['Hafenweg 12', 'Hamburg', 'HH', '20457'],
  },
];

export const CUSTOMER_GROUPS: readonly (readonly [id: string, description: string])[] = [
  ['10', 'Wholesale customers'],
  ['20', 'Major customers'],
  ['30', 'Retail customers'],
  ['80', 'Other customers'],
  ['90', 'Intercompany customers'],
];

export const CURRENCIES: readonly (readonly [code: string, name: string, symbol: string])[] = [
  ['CAD', 'Canadian dollar', '$'],
  ['CHF', 'Swiss franc', 'CHF'],
  ['EUR', 'Euro', '€'],
  ['GBP', 'British pound', '£'],
  ['USD', 'US dollar', '$'],
];

/** Units: symbol, description, class, decimals. */
export const UNITS: readonly (readonly [
  symbol: string,
  description: string,
  unitClass: string,
  decimals: number,
])[] = [
  ['box', 'Box', 'Quantity', 0],
  ['cm', 'Centimeter', 'Length', 2],
  ['dz', 'Dozen', 'Quantity', 0],
  ['ea', 'Each', 'Quantity', 0],
  ['ft', 'Foot', 'Length', 2],
  ['g', 'Gram', 'Mass', 2],
  ['h', 'Hour', 'Time', 2],
  ['kg', 'Kilogram', 'Mass', 3],
  ['lb', 'Pound', 'Mass', 3],
  ['m', 'Meter', 'Length', 2],
  ['pcs', 'Pieces', 'Quantity', 0],
];

export const ORGANIZATION_PREFIXES = [
  'Allied',
  'Summit',
  'Northgate',
  'Ironwood',
  'Bluewater',
  'Redstone',
  'Granite',
  'Pioneer',
  'Keystone',
  'Silverline',
  'Harbor',
  'Evergreen',
] as const;

export const ORGANIZATION_CORES = [
  'Fabrication',
  'Machining',
  'Packaging',
  'Foods',
  'Plastics',
  'Metalworks',
  'Chemicals',
  'Logistics',
  'Paper Mills',
  'Automotive Parts',
] as const;

export interface ProductFamily {
  name: string;
  code: string;
  group: string;
  basePrice: number;
  unit: string;
  weight: number;
}

/** Families the catalogue is drawn from; a product is `<family> <code>-<size>`. */
export const PRODUCT_FAMILIES: readonly ProductFamily[] = [
  { name: 'Hydraulic Gear Pump', code: 'HGP', group: 'Pumps', basePrice: 640, unit: 'ea', weight: 18 },
  { name: 'Centrifugal Pump', code: 'CP', group: 'Pumps', basePrice: 1450, unit: 'ea', weight: 62 },
  {
    name: 'Deep Groove Ball Bearing',
    code: 'BB',
    group: 'Bearings',
    basePrice: 24,
    unit: 'pcs',
    weight: 0.4,
  },
  {
    name: 'Spherical Roller Bearing',
    code: 'SRB',
    group: 'Bearings',
    basePrice: 310,
    unit: 'pcs',
    weight: 3.2,
  },
  { name: 'Conveyor Belt', code: 'CB', group: 'Conveying', basePrice: 85, unit: 'm', weight: 9 },
  { name: 'Gate Valve', code: 'GV', group: 'Valves', basePrice: 410, unit: 'ea', weight: 14 },
  { name: 'Ball Valve', code: 'BV', group: 'Valves', basePrice: 120, unit: 'ea', weight: 2.1 },
  { name: 'Helical Gearbox', code: 'HG', group: 'Drives', basePrice: 2200, unit: 'ea', weight: 95 },
  { name: 'AC Induction Motor', code: 'ACM', group: 'Drives', basePrice: 890, unit: 'ea', weight: 48 },
  { name: 'Hydraulic Return Filter', code: 'HF', group: 'Filters', basePrice: 65, unit: 'box', weight: 1.1 },
  { name: 'Pneumatic Cylinder', code: 'PC', group: 'Pneumatics', basePrice: 145, unit: 'ea', weight: 1.8 },
  { name: 'Industrial Hose Assembly', code: 'IH', group: 'Hoses', basePrice: 58, unit: 'ea', weight: 2.5 },
  { name: 'Pressure Gauge', code: 'PG', group: 'Instruments', basePrice: 36, unit: 'ea', weight: 0.3 },
  { name: 'Roller Drive Chain', code: 'DC', group: 'Conveying', basePrice: 72, unit: 'm', weight: 4 },
  { name: 'Proximity Sensor', code: 'PS', group: 'Instruments', basePrice: 39, unit: 'pcs', weight: 0.1 },
  { name: 'Lubricating Grease', code: 'LG', group: 'Consumables', basePrice: 14, unit: 'kg', weight: 1 },
];

export const SERVICES: readonly (readonly [name: string, price: number])[] = [
  ['Installation Service', 950],
  ['Annual Maintenance Contract', 4800],
  ['On-site Repair', 135],
];
