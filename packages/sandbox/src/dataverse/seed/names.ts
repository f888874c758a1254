/** Word lists of the seed: a regional industrial-equipment distributor and its customers. */

export const ORGANIZATION_NAME = 'Kestrel Industrial Supply';

export interface CountryProfile {
  code: string;
  weight: number;
  currency: 'USD' | 'EUR';
  suffixes: readonly string[];
  cities: ReadonlyArray<readonly [city: string, region: string, postalCode: string]>;
  streets: readonly string[];
}

export const COUNTRIES: readonly CountryProfile[] = [
  {
    code: 'US',
    weight: 45,
    currency: 'USD',
    suffixes: ['Inc.', 'LLC', 'Corp.'],
    cities: [
      ['Chicago', 'IL', '60607'],
      ['Houston', 'TX', '77002'],
      ['Cleveland', 'OH', '44114'],
      ['Detroit', 'MI', '48226'],
      ['Pittsburgh', 'PA', '15222'],
      ['Milwaukee', 'WI', '53202'],
      ['Indianapolis', 'IN', '46204'],
      ['Charlotte', 'NC', '28202'],
    ],
    streets: ['Industrial Pkwy', 'Commerce Dr', 'Foundry St', 'Mill Rd', 'Harbor Ave'],
  },
  {
    code: 'DE',
    weight: 20,
    currency: 'EUR',
    suffixes: ['GmbH', 'AG', 'GmbH & Co. KG'],
    cities: [
      ['Stuttgart', 'BW', '70173'],
      ['München', 'BY', '80331'],
      ['Hamburg', 'HH', '20095'],
      ['Düsseldorf', 'NW', '40213'],
      ['Köln', 'NW', '50667'],
      ['Dortmund', 'NW', '44135'],
    ],
    streets: ['Industriestraße', 'Hafenweg', 'Gewerbepark', 'Werkstraße', 'Mühlenweg'],
  },
  {
    code: 'FR',
    weight: 8,
    currency: 'EUR',
    suffixes: ['SAS', 'SA'],
    cities: [
      ['Lyon', 'ARA', '69002'],
      ['Lille', 'HDF', '59000'],
      ['Toulouse', 'OCC', '31000'],
    ],
    streets: ["Rue de l'Industrie", 'Avenue des Forges', 'Quai du Port'],
  },
  {
    code: 'GB',
    weight: 10,
    currency: 'USD',
    suffixes: ['Ltd', 'plc'],
    cities: [
      ['Birmingham', 'WMD', 'B1 1AA'],
      ['Manchester', 'MAN', 'M1 1AE'],
      ['Sheffield', 'SHF', 'S1 2HE'],
    ],
    streets: ['Works Lane', 'Canal Street', 'Forge Road'],
  },
  {
    code: 'NL',
    weight: 7,
    currency: 'EUR',
    suffixes: ['B.V.'],
    cities: [
      ['Rotterdam', 'ZH', '3011 AA'],
      ['Eindhoven', 'NB', '5611 AB'],
    ],
    streets: ['Havenstraat', 'Industrieweg'],
  },
  {
    code: 'CA',
    weight: 10,
    currency: 'USD',
    suffixes: ['Inc.', 'Ltd.'],
    cities: [
      ['Toronto', 'ON', 'M5V 2T6'],
      ['Hamilton', 'ON', 'L8P 4R5'],
      ['Calgary', 'AB', 'T2P 1J9'],
    ],
    streets: ['Industrial Rd', 'Steelworks Ave', 'Rail Yard Way'],
  },
];

export const ACCOUNT_PREFIXES = [
  'Apex',
  'Summit',
  'Ironclad',
  'Keystone',
  'Granite',
  'Riverbend',
  'Northstar',
  'Bluewater',
  'Redline',
  'Silverline',
  'Cobalt',
  'Pioneer',
  'Heartland',
  'Lakeshore',
  'Titan',
  'Evergreen',
  'Frontier',
  'Meridian',
  'Vanguard',
  'Atlas',
] as const;

export const ACCOUNT_CORES = [
  'Fabrication',
  'Machining',
  'Manufacturing',
  'Logistics',
  'Packaging',
  'Foods',
  'Plastics',
  'Metalworks',
  'Energy',
  'Mining',
  'Automotive',
  'Construction',
  'Paper',
  'Chemicals',
  'Textiles',
] as const;

/** Industries the distributor sells into (account.industrycode values). */
export const INDUSTRIES = [12, 10, 17, 24, 30, 31, 15, 28] as const;

export const FIRST_NAMES = [
  'James',
  'Maria',
  'Robert',
  'Linda',
  'Michael',
  'Sarah',
  'David',
  'Emily',
  'Jürgen',
  'Anna',
  'Klaus',
  'Sophie',
  'Pierre',
  'Camille',
  'Oliver',
  'Amelia',
  'Daan',
  'Emma',
  'Liam',
  'Chloé',
  'Noah',
  'Priya',
  'Wei',
  'Fatima',
] as const;

export const LAST_NAMES = [
  'Smith',
  'Johnson',
  'Williams',
  'Brown',
  'Miller',
  'Davis',
  'Müller',
  'Schmidt',
  'Schneider',
  'Fischer',
  'Weber',
  'Dubois',
  'Moreau',
  'Taylor',
  'Wilson',
  "O'Brien",
  'de Vries',
  'Jansen',
  'Tremblay',
  'Gagnon',
  'Patel',
  'Chen',
  'Nguyen',
  'Okafor',
] as const;

export const JOB_TITLES = [
  'Purchasing Manager',
  'Plant Manager',
  'Maintenance Supervisor',
  'Procurement Specialist',
  'Operations Director',
  'Chief Engineer',
  'Buyer',
  'Facilities Manager',
] as const;

export interface ProductFamily {
  name: string;
  code: string;
  basePrice: number;
  sizes: readonly number[];
  vendor: string;
  weight: number;
}

export const PRODUCT_FAMILIES: readonly ProductFamily[] = [
  {
    name: 'Hydraulic Gear Pump',
    code: 'HGP',
    basePrice: 640,
    sizes: [50, 100, 200, 350],
    vendor: 'Rexford Hydraulics',
    weight: 18,
  },
  {
    name: 'Centrifugal Pump',
    code: 'CP',
    basePrice: 1450,
    sizes: [80, 150, 250, 400],
    vendor: 'Grund Pumpenwerk',
    weight: 62,
  },
  {
    name: 'Deep Groove Ball Bearing',
    code: 'BB',
    basePrice: 24,
    sizes: [6204, 6205, 6206, 6308],
    vendor: 'Kessler Bearings',
    weight: 0.4,
  },
  {
    name: 'Spherical Roller Bearing',
    code: 'SRB',
    basePrice: 310,
    sizes: [22210, 22216, 22220],
    vendor: 'Kessler Bearings',
    weight: 3.2,
  },
  {
    name: 'Conveyor Belt (per metre)',
    code: 'CB',
    basePrice: 85,
    sizes: [500, 650, 800, 1000],
    vendor: 'Gatesworth Belting',
    weight: 9,
  },
  {
    name: 'Gate Valve',
    code: 'GV',
    basePrice: 410,
    sizes: [50, 80, 100, 150],
    vendor: 'Parkway Fluid Power',
    weight: 14,
  },
  {
    name: 'Ball Valve',
    code: 'BV',
    basePrice: 120,
    sizes: [15, 25, 40, 50],
    vendor: 'Parkway Fluid Power',
    weight: 2.1,
  },
  {
    name: 'Helical Gearbox',
    code: 'HG',
    basePrice: 2200,
    sizes: [10, 20, 40],
    vendor: 'Siebold Drives',
    weight: 95,
  },
  {
    name: 'AC Induction Motor',
    code: 'ACM',
    basePrice: 890,
    sizes: [4, 7, 11, 15, 22],
    vendor: 'Siebold Drives',
    weight: 48,
  },
  {
    name: 'Hydraulic Return Filter',
    code: 'HF',
    basePrice: 65,
    sizes: [10, 25, 40],
    vendor: 'Rexford Hydraulics',
    weight: 1.1,
  },
  {
    name: 'Rotary Screw Air Compressor',
    code: 'RSC',
    basePrice: 9800,
    sizes: [15, 22, 37],
    vendor: 'Emberton Controls',
    weight: 410,
  },
  {
    name: 'Pneumatic Cylinder',
    code: 'PC',
    basePrice: 145,
    sizes: [32, 50, 63, 80],
    vendor: 'Festing Pneumatik',
    weight: 1.8,
  },
  {
    name: 'Industrial Hose Assembly',
    code: 'IH',
    basePrice: 58,
    sizes: [12, 19, 25, 38],
    vendor: 'Parkway Fluid Power',
    weight: 2.5,
  },
  {
    name: 'Pressure Gauge',
    code: 'PG',
    basePrice: 36,
    sizes: [10, 16, 25, 40],
    vendor: 'Emberton Controls',
    weight: 0.3,
  },
  {
    name: 'Roller Drive Chain',
    code: 'DC',
    basePrice: 72,
    sizes: [40, 50, 60, 80],
    vendor: 'Gatesworth Belting',
    weight: 4,
  },
  {
    name: 'Flexible Jaw Coupling',
    code: 'FJC',
    basePrice: 48,
    sizes: [70, 90, 110],
    vendor: 'Siebold Drives',
    weight: 1.2,
  },
  {
    name: 'Proximity Sensor',
    code: 'PS',
    basePrice: 39,
    sizes: [8, 12, 18, 30],
    vendor: 'Emberton Controls',
    weight: 0.1,
  },
  {
    name: 'Variable Frequency Drive',
    code: 'VFD',
    basePrice: 1180,
    sizes: [4, 7, 11, 15, 22],
    vendor: 'Siebold Drives',
    weight: 12,
  },
  {
    name: 'Safety Harness Kit',
    code: 'SH',
    basePrice: 210,
    sizes: [1, 2, 3],
    vendor: 'Festing Pneumatik',
    weight: 2,
  },
  {
    name: 'Solenoid Valve',
    code: 'SV',
    basePrice: 95,
    sizes: [6, 10, 15, 20],
    vendor: 'Festing Pneumatik',
    weight: 0.6,
  },
];

export const SERVICE_PRODUCTS = [
  { name: 'Installation Service', code: 'SVC-INST', price: 950 },
  { name: 'Annual Maintenance Contract', code: 'SVC-AMC', price: 4800 },
  { name: 'On-site Repair (per hour)', code: 'SVC-HOUR', price: 135 },
] as const;

export const OPPORTUNITY_TOPICS = [
  'Conveyor line upgrade',
  'Pump replacement program',
  'Annual bearing supply',
  'Compressed air retrofit',
  'Hydraulic system overhaul',
  'Spare parts framework',
  'Plant expansion equipment',
  'Preventive maintenance kit',
  'Drive modernisation',
  'Valve standardisation',
] as const;

export const SALES_USERS = [
  ['Alex', 'Admin', 'System Administrator'],
  ['Dana', 'Whitfield', 'Sales Manager'],
  ['Marco', 'Rossi', 'Account Executive'],
  ['Lena', 'Hoffmann', 'Account Executive'],
  ['Priya', 'Natarajan', 'Inside Sales'],
  ['Tom', 'Becker', 'Inside Sales'],
  ['Grace', 'Okafor', 'Sales Operations'],
] as const;

export const SDK_MESSAGES = [
  'Create',
  'Update',
  'Delete',
  'Retrieve',
  'RetrieveMultiple',
  'SetState',
  'Assign',
  'Win',
  'Lose',
  'Associate',
  'Disassociate',
] as const;

/** Tables that get Create/Update/Delete/SetState message filters (webhook registration). */
export const FILTERED_TABLES = [
  'account',
  'contact',
  'opportunity',
  'opportunityproduct',
  'quote',
  'quotedetail',
  'salesorder',
  'salesorderdetail',
  'product',
  'pricelevel',
  'productpricelevel',
] as const;
