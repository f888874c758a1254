import { type FieldPath, fail, textOf } from './text';

/**
 * Countries. Dynamics 365 Sales keeps the country of an address as free text (`address1_country`:
 * "DE", "Germany", "Deutschland"); F&O keeps a country/region id (`AddressCountryRegionId`, in the
 * standard setup the ISO 3166 alpha-3 code: `DEU`, `USA`). Sales → F&O looks the text up
 * (case-insensitive, trimmed) in the connection's map first, then in the built-in table of ISO
 * alpha-2 codes and English names; a three-letter value is taken as the F&O id itself.
 */

/** CRM country text (any case) → F&O country/region id. */
export type CountryMap = Readonly<Record<string, string>>;

const BUILT_IN: Readonly<Record<string, string>> = {
  at: 'AUT',
  austria: 'AUT',
  au: 'AUS',
  australia: 'AUS',
  be: 'BEL',
  belgium: 'BEL',
  br: 'BRA',
  brazil: 'BRA',
  ca: 'CAN',
  canada: 'CAN',
  ch: 'CHE',
  switzerland: 'CHE',
  cn: 'CHN',
  china: 'CHN',
  cz: 'CZE',
  czechia: 'CZE',
  'czech republic': 'CZE',
  de: 'DEU',
  germany: 'DEU',
  deutschland: 'DEU',
  dk: 'DNK',
  denmark: 'DNK',
  es: 'ESP',
  spain: 'ESP',
  fi: 'FIN',
  finland: 'FIN',
  fr: 'FRA',
  france: 'FRA',
  gb: 'GBR',
  uk: 'GBR',
  'united kingdom': 'GBR',
  'great britain': 'GBR',
  ie: 'IRL',
  ireland: 'IRL',
  in: 'IND',
  india: 'IND',
  it: 'ITA',
  italy: 'ITA',
  jp: 'JPN',
  japan: 'JPN',
  mx: 'MEX',
  mexico: 'MEX',
  nl: 'NLD',
  netherlands: 'NLD',
  'the netherlands': 'NLD',
  no: 'NOR',
  norway: 'NOR',
  pl: 'POL',
  poland: 'POL',
  pt: 'PRT',
  portugal: 'PRT',
  se: 'SWE',
  sweden: 'SWE',
  us: 'USA',
  'united states': 'USA',
  'united states of america': 'USA',
};

const key = (value: string) => value.trim().toLowerCase();

/** The F&O country/region id of a CRM country text; `undefined` for none; `unmapped_value` when unknown. */
export function countryRegionIdOf(
  value: string | null | undefined,
  countries: CountryMap | undefined,
  what: string,
  path: FieldPath,
): string | undefined {
  const text = textOf(value);
  if (text === undefined) return undefined;
  for (const [name, id] of Object.entries(countries ?? {})) if (key(name) === key(text)) return id;
  const builtIn = BUILT_IN[key(text)];
  if (builtIn !== undefined) return builtIn;
  if (/^[A-Za-z]{3}$/.test(text)) return text.toUpperCase();
  return fail(
    'unmapped_value',
    `${what} has the country '${text}', which has no F&O country/region: write the country as an ISO code ` +
      `(e.g. 'DE' or 'DEU') in Dynamics 365 Sales, or add '${text}' to the connection's country map.`,
    path,
  );
}
