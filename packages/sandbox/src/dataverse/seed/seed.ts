import type { SandboxApp } from '../../core/contracts';
import { Prng } from '../../core/random';
import type { Metadata } from '../metadata/registry';
import { Store } from '../store/store';
import type { Actor, EntityRef, Value } from '../store/types';
import { toDataverseDate, toDataverseDateTime } from '../time';
import { fullName, headerTotals, lineAmounts, round2 } from '../write/computed';
import { applicationUserId, nameBasedGuid } from './app-users';
import {
  ACCOUNT_CORES,
  ACCOUNT_PREFIXES,
  COUNTRIES,
  type CountryProfile,
  FILTERED_TABLES,
  FIRST_NAMES,
  INDUSTRIES,
  JOB_TITLES,
  LAST_NAMES,
  OPPORTUNITY_TOPICS,
  ORGANIZATION_NAME,
  PRODUCT_FAMILIES,
  SALES_USERS,
  SDK_MESSAGES,
  SERVICE_PRODUCTS,
} from './names';

export const DEFAULT_SEED = 20250601;

export interface SeedOptions {
  seed: number;
  apps: readonly SandboxApp[];
  /** Extra bulk products (`BULK-000001`…) on top of the catalogue, e.g. 100,000 for load tests. */
  extraProducts?: number;
  /** How many accounts/contacts/products; defaults give a few hundred of each. */
  size?: Partial<SeedSize>;
}

export interface SeedSize {
  accounts: number;
  contacts: number;
  opportunities: number;
  quotes: number;
  standaloneOrders: number;
}

const DEFAULT_SIZE: SeedSize = {
  accounts: 300,
  contacts: 400,
  opportunities: 150,
  quotes: 40,
  standaloneOrders: 45,
};

/** The instant the seed's dates are relative to (dates never depend on the wall clock). */
const EPOCH = Date.UTC(2025, 5, 1, 8, 0, 0);
const DAY = 86_400_000;

type Values = Record<string, Value | null>;

/** Well-known ids of the seed, for the service (WhoAmI, defaults) and for tests. */
export interface SeedFacts {
  organizationId: string;
  businessUnitId: string;
  adminUserId: string;
  baseCurrencyId: string;
}

/** The org id etc. are derived from the seed number, not drawn, so they are known up front. */
export function seedFacts(seed: number): SeedFacts {
  return {
    organizationId: nameBasedGuid(`organization:${seed}`),
    businessUnitId: nameBasedGuid(`businessunit:${seed}`),
    adminUserId: nameBasedGuid(`systemuser-admin:${seed}`),
    baseCurrencyId: nameBasedGuid(`transactioncurrency-usd:${seed}`),
  };
}

/**
 * Builds the deterministic seed of the simulated org into a new store: same seed number, same
 * rows, ids, numbers and dates. Row versions start at 1; the change logs start empty (the
 * change-log floor is the last seed version).
 */
export function buildSeed(metadata: Metadata, now: () => Date, options: SeedOptions): Store {
  const store = Store.empty(metadata, now, options.seed);
  const writer = new SeedWriter(store, new Prng(options.seed), seedFacts(options.seed));
  writer.run({ ...DEFAULT_SIZE, ...options.size }, options.extraProducts ?? 0);
  writer.applicationUsers(options.apps);
  for (const table of store.allTables()) table.changes.length = 0;
  store.changeLogFloor = store.version;
  return store;
}

interface Catalogue {
  currencies: Record<'USD' | 'EUR', EntityRef>;
  exchangeRates: Record<'USD' | 'EUR', number>;
  priceLists: Record<'USD' | 'EUR', EntityRef>;
  schedule: EntityRef;
  each: EntityRef;
  products: Array<{ ref: EntityRef; name: string; number: string; price: number; active: boolean }>;
}

interface AccountInfo {
  ref: EntityRef;
  name: string;
  country: CountryProfile;
  city: readonly [string, string, string];
  street: string;
}

class SeedWriter {
  readonly actor: Actor;
  private users: EntityRef[] = [];

  constructor(
    private readonly store: Store,
    private readonly rng: Prng,
    private readonly facts: SeedFacts,
  ) {
    this.actor = {
      userId: facts.adminUserId,
      businessUnitId: facts.businessUnitId,
      organizationId: facts.organizationId,
    };
  }

  run(size: SeedSize, extraProducts: number): void {
    const catalogue = this.platformAndCatalogue();
    if (extraProducts > 0) this.bulkProducts(extraProducts, catalogue.products.length);
    const accounts = this.accounts(size.accounts, catalogue);
    const contacts = this.contacts(size.contacts, accounts);
    this.sales(size, catalogue, accounts, contacts);
    this.sdkMessages();
  }

  /** Writes one row with the system columns the platform would have set. */
  put(entity: string, values: Values, daysAgo: number, id?: string, owner?: EntityRef): EntityRef {
    const model = this.store.metadata.entity(entity);
    const def = model.def;
    const rowId = id ?? this.rng.guid();
    const version = this.store.bumpVersion();
    const created = toDataverseDateTime(new Date(EPOCH - daysAgo * DAY - this.rng.int(0, 86_399) * 1000));
    const admin = { id: this.facts.adminUserId, logicalName: 'systemuser' };
    const row: Record<string, Value> = {};
    for (const [name, value] of Object.entries(values)) if (value !== null) row[name] = value;
    row[def.primaryIdAttribute] = rowId;
    row['createdon'] = created;
    row['modifiedon'] = created;
    row['createdby'] = admin;
    row['modifiedby'] = admin;
    row['versionnumber'] = version;
    if (def.ownership === 'UserOwned') {
      row['ownerid'] = owner ?? admin;
      row['owningbusinessunit'] = { id: this.facts.businessUnitId, logicalName: 'businessunit' };
    }
    if (def.ownership === 'OrganizationOwned') {
      row['organizationid'] = { id: this.facts.organizationId, logicalName: 'organization' };
    }
    const state = model.attributes.get('statecode');
    if (state?.type === 'State') {
      const stateValue = typeof row['statecode'] === 'number' ? row['statecode'] : 0;
      row['statecode'] = stateValue;
      const option = state.options.find((o) => o.value === stateValue);
      if (row['statuscode'] === undefined && option) row['statuscode'] = option.defaultStatus;
    }
    if (def.autoNumber && row[def.autoNumber.attribute] === undefined) {
      row[def.autoNumber.attribute] = this.store.nextAutoNumber(def.autoNumber.prefix);
    }
    this.store.load(entity, [{ id: rowId, version, values: row }]);
    return { id: rowId, logicalName: entity };
  }

  /** The application users of the apps that have one (the same rows `syncApplicationUsers` makes). */
  applicationUsers(apps: readonly SandboxApp[]): void {
    for (const app of apps) {
      if (!app.dataverseApplicationUser) continue;
      const clientId = app.clientId.toLowerCase();
      this.put(
        'systemuser',
        {
          fullname: `# ${app.displayName}`,
          firstname: '#',
          lastname: app.displayName,
          domainname: `${clientId}@sandbox.invalid`,
          applicationid: clientId,
          azureactivedirectoryobjectid: nameBasedGuid(`entra-service-principal:${clientId}`),
          isdisabled: false,
          accessmode: 4,
          businessunitid: { id: this.facts.businessUnitId, logicalName: 'businessunit' },
        },
        400,
        applicationUserId(clientId),
      );
    }
  }

  private platformAndCatalogue(): Catalogue {
    const f = this.facts;
    const businessUnit = this.put(
      'businessunit',
      {
        name: ORGANIZATION_NAME,
        divisionname: 'Sales',
        websiteurl: 'https://kestrel-industrial.example',
        isdisabled: false,
      },
      900,
      f.businessUnitId,
    );
    const usd = this.put(
      'transactioncurrency',
      {
        currencyname: 'US Dollar',
        isocurrencycode: 'USD',
        currencysymbol: '$',
        exchangerate: 1,
        currencyprecision: 2,
      },
      900,
      f.baseCurrencyId,
    );
    const eur = this.put(
      'transactioncurrency',
      {
        currencyname: 'Euro',
        isocurrencycode: 'EUR',
        currencysymbol: '€',
        exchangerate: 0.92,
        currencyprecision: 2,
      },
      900,
    );
    this.put(
      'organization',
      { name: ORGANIZATION_NAME, basecurrencyid: usd, expirechangetrackingindays: 7, languagecode: 1033 },
      900,
      f.organizationId,
    );
    for (const [index, [first, last, title]] of SALES_USERS.entries()) {
      const user = this.put(
        'systemuser',
        {
          firstname: first,
          lastname: last,
          fullname: `${first} ${last}`,
          domainname: `${first.toLowerCase()}.${last.toLowerCase()}@kestrel-industrial.example`,
          internalemailaddress: `${first.toLowerCase()}.${last.toLowerCase()}@kestrel-industrial.example`,
          title,
          azureactivedirectoryobjectid: nameBasedGuid(
            `entra-user:${first.toLowerCase()}.${last.toLowerCase()}`,
          ),
          isdisabled: false,
          accessmode: 0,
          businessunitid: businessUnit,
        },
        800,
        index === 0 ? f.adminUserId : undefined,
      );
      if (index > 0) this.users.push(user);
    }

    const schedule = this.put('uomschedule', { name: 'Default Unit', baseuomname: 'Each' }, 800);
    const each = this.put(
      'uom',
      { name: 'Each', uomscheduleid: schedule, quantity: 1, isschedulebaseuom: true },
      800,
    );
    for (const [name, quantity] of [
      ['Box of 10', 10],
      ['Case of 24', 24],
      ['Pallet', 480],
    ] as const) {
      this.put(
        'uom',
        { name, uomscheduleid: schedule, baseuom: each, quantity, isschedulebaseuom: false },
        800,
      );
    }
    const priceLists = {
      USD: this.put(
        'pricelevel',
        { name: 'Standard Price List (USD)', transactioncurrencyid: usd, begindate: '2024-01-01' },
        700,
      ),
      EUR: this.put(
        'pricelevel',
        { name: 'Standard Price List (EUR)', transactioncurrencyid: eur, begindate: '2024-01-01' },
        700,
      ),
    };
    const catalogue: Catalogue = {
      currencies: { USD: usd, EUR: eur },
      exchangeRates: { USD: 1, EUR: 0.92 },
      priceLists,
      schedule,
      each,
      products: [],
    };
    this.catalogueProducts(catalogue);
    return catalogue;
  }

  private catalogueProducts(catalogue: Catalogue): void {
    let sequence = 10001;
    const add = (
      name: string,
      price: number,
      family: string,
      type: number,
      weight: number,
      vendor?: string,
    ) => {
      const number = `IE-${sequence++}`;
      const retired = this.rng.chance(0.03);
      const ref = this.put(
        'product',
        {
          name,
          productnumber: number,
          description: `${family} — stocked by ${ORGANIZATION_NAME}.`,
          defaultuomscheduleid: catalogue.schedule,
          defaultuomid: catalogue.each,
          pricelevelid: catalogue.priceLists.USD,
          transactioncurrencyid: catalogue.currencies.USD,
          price,
          standardcost: round2(price * 0.6),
          currentcost: round2(price * 0.62),
          quantitydecimal: 2,
          productstructure: 1,
          producttypecode: type,
          stockweight: weight,
          quantityonhand: type === 1 ? this.rng.int(0, 400) : null,
          vendorname: vendor ?? null,
          vendorpartnumber: vendor
            ? `${vendor.slice(0, 3).toUpperCase()}-${this.rng.int(10000, 99999)}`
            : null,
          isstockitem: type === 1,
          statecode: retired ? 1 : 0,
          statuscode: retired ? 2 : 1,
        },
        600 - sequence / 10,
      );
      catalogue.products.push({ ref, name, number, price, active: !retired });
      for (const currency of ['USD', 'EUR'] as const) {
        this.put(
          'productpricelevel',
          {
            productidname: name,
            pricelevelid: catalogue.priceLists[currency],
            productid: ref,
            uomid: catalogue.each,
            uomscheduleid: catalogue.schedule,
            amount: round2(price * catalogue.exchangeRates[currency]),
            pricingmethodcode: 1,
            quantitysellingcode: 1,
            transactioncurrencyid: catalogue.currencies[currency],
            exchangerate: catalogue.exchangeRates[currency],
          },
          590,
        );
      }
    };
    for (const family of PRODUCT_FAMILIES) {
      for (const size of family.sizes) {
        for (const variant of ['', '-HD', '-SS']) {
          if (variant && !this.rng.chance(variant === '-HD' ? 0.9 : 0.5)) continue;
          const factor =
            1 + family.sizes.indexOf(size) * 0.35 + (variant === '-HD' ? 0.25 : variant === '-SS' ? 0.6 : 0);
          const name = `${family.name} ${family.code}-${size}${variant}`;
          add(name, round2(family.basePrice * factor), family.name, 1, family.weight, family.vendor);
        }
      }
    }
    for (const service of SERVICE_PRODUCTS) add(service.name, service.price, 'Service', 3, 0);
  }

  bulkProducts(count: number, offset: number): void {
    const f = this.facts;
    const each = this.store.rows('uom').next().value;
    const schedule = this.store.rows('uomschedule').next().value;
    const stamp = toDataverseDateTime(new Date(EPOCH - 30 * DAY));
    const admin = { id: f.adminUserId, logicalName: 'systemuser' };
    const organization = { id: f.organizationId, logicalName: 'organization' };
    const rows = [];
    for (let i = 1; i <= count; i++) {
      const id = this.rng.guid();
      const version = this.store.bumpVersion();
      const price = round2(5 + this.rng.next() * 995);
      const values: Record<string, Value> = {
        productid: id,
        name: `Spare Part ${String(offset + i).padStart(6, '0')}`,
        productnumber: `BULK-${String(offset + i).padStart(6, '0')}`,
        price,
        standardcost: round2(price * 0.6),
        quantitydecimal: 0,
        productstructure: 1,
        producttypecode: 1,
        statecode: 0,
        statuscode: 1,
        createdon: stamp,
        modifiedon: stamp,
        createdby: admin,
        modifiedby: admin,
        versionnumber: version,
        organizationid: organization,
      };
      if (each) values['defaultuomid'] = { id: each.id, logicalName: 'uom' };
      if (schedule) values['defaultuomscheduleid'] = { id: schedule.id, logicalName: 'uomschedule' };
      rows.push({ id, version, values });
    }
    this.store.load('product', rows);
  }

  private accounts(count: number, catalogue: Catalogue): AccountInfo[] {
    const accounts: AccountInfo[] = [];
    const used = new Set<string>();
    const totalWeight = COUNTRIES.reduce((sum, c) => sum + c.weight, 0);
    for (let i = 0; i < count; i++) {
      const country = weightedCountry(this.rng.next() * totalWeight);
      let name = `${this.rng.pick(ACCOUNT_PREFIXES)} ${this.rng.pick(ACCOUNT_CORES)} ${this.rng.pick(country.suffixes)}`;
      if (used.has(name)) name = `${name.replace(/ [^ ]+$/, '')} ${i} ${this.rng.pick(country.suffixes)}`;
      used.add(name);
      const city = this.rng.pick(country.cities);
      const street = `${this.rng.int(1, 2400)} ${this.rng.pick(country.streets)}`;
      const domain = name
        .toLowerCase()
        .normalize('NFD')
        .replace(/[^a-z0-9]+/g, '')
        .slice(0, 24);
      const ref = this.put(
        'account',
        {
          name,
          accountnumber: this.rng.chance(0.65) ? `ACC-${10001 + i}` : null,
          telephone1: `+${country.code === 'US' || country.code === 'CA' ? '1' : '49'} ${this.rng.int(200, 999)} ${this.rng.int(100, 999)} ${this.rng.int(1000, 9999)}`,
          emailaddress1: `purchasing@${domain}.example`,
          websiteurl: `https://www.${domain}.example`,
          address1_line1: street,
          address1_city: city[0],
          address1_stateorprovince: city[1],
          address1_postalcode: city[2],
          address1_country: country.code,
          revenue: this.rng.int(2, 900) * 100_000,
          numberofemployees: this.rng.int(20, 5000),
          industrycode: this.rng.pick(INDUSTRIES),
          customertypecode: this.rng.chance(0.85) ? 3 : 8,
          accountcategorycode: this.rng.chance(0.2) ? 1 : 2,
          paymenttermscode: this.rng.int(1, 4),
          creditlimit: this.rng.int(1, 50) * 10_000,
          creditonhold: this.rng.chance(0.05),
          defaultpricelevelid: catalogue.priceLists[country.currency],
          transactioncurrencyid: catalogue.currencies[country.currency],
          exchangerate: catalogue.exchangeRates[country.currency],
          statecode: this.rng.chance(0.04) ? 1 : 0,
        },
        this.rng.int(60, 540),
        undefined,
        this.rng.pick(this.users),
      );
      accounts.push({ ref, name, country, city, street });
    }
    return accounts;
  }

  private contacts(count: number, accounts: AccountInfo[]): EntityRef[] {
    const contacts: EntityRef[] = [];
    const primary = new Map<string, EntityRef>();
    for (let i = 0; i < count; i++) {
      const firstname = this.rng.pick(FIRST_NAMES);
      const lastname = this.rng.pick(LAST_NAMES);
      const account = this.rng.chance(0.8) ? this.rng.pick(accounts) : undefined;
      const local = `${firstname}.${lastname}`
        .toLowerCase()
        .normalize('NFD')
        .replace(/[^a-z.]+/g, '');
      const domain = account
        ? account.name
            .toLowerCase()
            .normalize('NFD')
            .replace(/[^a-z0-9]+/g, '')
            .slice(0, 24)
        : 'mail';
      const ref = this.put(
        'contact',
        {
          firstname,
          lastname,
          fullname: fullName(firstname, lastname),
          jobtitle: this.rng.pick(JOB_TITLES),
          emailaddress1: `${local}${i}@${domain}.example`,
          telephone1: `+1 555 ${String(this.rng.int(0, 9999999)).padStart(7, '0')}`,
          address1_city: account?.city[0] ?? null,
          address1_country: account?.country.code ?? null,
          parentcustomerid: account?.ref ?? null,
          preferredcontactmethodcode: this.rng.int(1, 3),
          donotemail: this.rng.chance(0.1),
          statecode: this.rng.chance(0.03) ? 1 : 0,
        },
        this.rng.int(30, 500),
      );
      contacts.push(ref);
      if (account && !primary.has(account.ref.id)) primary.set(account.ref.id, ref);
    }
    for (const [accountId, contact] of primary) {
      const row = this.store.get('account', accountId);
      if (row) this.store.load('account', [{ ...row, values: { ...row.values, primarycontactid: contact } }]);
    }
    return contacts;
  }

  private lines(
    catalogue: Catalogue,
    currency: 'USD' | 'EUR',
    count: number,
  ): Array<Record<string, Value | null>> {
    const lines: Array<Record<string, Value | null>> = [];
    const active = catalogue.products.filter((p) => p.active);
    for (let n = 1; n <= count; n++) {
      const product = this.rng.pick(active);
      const line: Record<string, Value | null> = {
        productid: product.ref,
        uomid: catalogue.each,
        quantity: this.rng.int(1, 40),
        priceperunit: round2(product.price * catalogue.exchangeRates[currency]),
        manualdiscountamount: this.rng.chance(0.2) ? this.rng.int(1, 20) * 10 : null,
        tax: null,
        ispriceoverridden: false,
        isproductoverridden: false,
        lineitemnumber: n,
        transactioncurrencyid: catalogue.currencies[currency],
        exchangerate: catalogue.exchangeRates[currency],
      };
      Object.assign(line, lineAmounts(line));
      lines.push(line);
    }
    return lines;
  }

  private sales(size: SeedSize, catalogue: Catalogue, accounts: AccountInfo[], contacts: EntityRef[]): void {
    const activeAccounts = accounts.filter(
      (a) => this.store.get('account', a.ref.id)?.values['statecode'] === 0,
    );
    const wonOpportunities: Array<{
      ref: EntityRef;
      name: string;
      customer: EntityRef;
      account: AccountInfo | undefined;
      currency: 'USD' | 'EUR';
      lines: Array<Record<string, Value | null>>;
      closed: string;
      owner: EntityRef;
    }> = [];
    const openOpportunities: typeof wonOpportunities = [];

    for (let i = 0; i < size.opportunities; i++) {
      const byContact = this.rng.chance(0.15);
      const account = byContact ? undefined : this.rng.pick(activeAccounts);
      const customer = account ? account.ref : this.rng.pick(contacts);
      const currency = account?.country.currency ?? 'USD';
      const roll = this.rng.next();
      const stateCode = roll < 0.6 ? 0 : roll < 0.9 ? 1 : 2;
      const statusCode =
        stateCode === 0
          ? this.rng.chance(0.85)
            ? 1
            : 2
          : stateCode === 1
            ? 3
            : this.rng.chance(0.5)
              ? 4
              : 5;
      const lines = this.lines(catalogue, currency, this.rng.int(1, 4));
      const estimated = round2(
        lines.reduce((s, l) => s + (typeof l['extendedamount'] === 'number' ? l['extendedamount'] : 0), 0),
      );
      const daysAgo = this.rng.int(5, 300);
      const closeDate = toDataverseDate(
        new Date(EPOCH + (stateCode === 0 ? this.rng.int(10, 120) : -this.rng.int(1, daysAgo)) * DAY),
      );
      const owner = this.rng.pick(this.users);
      const name = `${this.rng.pick(OPPORTUNITY_TOPICS)} — ${account?.name ?? 'direct'}`;
      const ref = this.put(
        'opportunity',
        {
          name,
          customerid: customer,
          parentaccountid: account?.ref ?? null,
          parentcontactid: account ? null : customer,
          pricelevelid: catalogue.priceLists[currency],
          transactioncurrencyid: catalogue.currencies[currency],
          exchangerate: catalogue.exchangeRates[currency],
          estimatedvalue: estimated,
          estimatedclosedate: closeDate,
          actualvalue: stateCode === 1 ? estimated : null,
          actualclosedate: stateCode === 0 ? null : closeDate,
          closeprobability: stateCode === 0 ? this.rng.pick([10, 25, 50, 75, 90]) : stateCode === 1 ? 100 : 0,
          isrevenuesystemcalculated: true,
          salesstagecode: stateCode === 0 ? this.rng.int(0, 2) : 3,
          opportunityratingcode: this.rng.int(1, 3),
          totallineitemamount: estimated,
          totalamount: estimated,
          statecode: stateCode,
          statuscode: statusCode,
        },
        daysAgo,
        undefined,
        owner,
      );
      for (const line of lines)
        this.put('opportunityproduct', { ...line, opportunityid: ref }, daysAgo, undefined, owner);
      const info = { ref, name, customer, account, currency, lines, closed: closeDate, owner };
      if (stateCode === 1) wonOpportunities.push(info);
      if (stateCode === 0) openOpportunities.push(info);
    }

    // Quotes: drafts and active quotes for open opportunities, won quotes for won ones.
    const quoteSources = [
      ...openOpportunities.slice(0, Math.ceil(size.quotes * 0.6)),
      ...wonOpportunities.slice(0, Math.floor(size.quotes * 0.4)),
    ];
    const wonQuotes = new Map<string, EntityRef>();
    for (const opportunity of quoteSources.slice(0, size.quotes)) {
      const won = wonOpportunities.includes(opportunity);
      const stateCode = won ? 2 : this.rng.chance(0.5) ? 0 : 1;
      const totals = headerTotals(
        {},
        opportunity.lines.map((l) => compact(l)),
      );
      const quote = this.put(
        'quote',
        {
          name: `Quote: ${opportunity.name}`,
          customerid: opportunity.customer,
          opportunityid: opportunity.ref,
          pricelevelid: catalogue.priceLists[opportunity.currency],
          transactioncurrencyid: catalogue.currencies[opportunity.currency],
          exchangerate: catalogue.exchangeRates[opportunity.currency],
          effectivefrom: '2025-05-01',
          effectiveto: '2025-08-31',
          revisionnumber: 0,
          ...totals,
          statecode: stateCode,
          statuscode: stateCode === 0 ? 1 : stateCode === 1 ? 3 : 4,
        },
        this.rng.int(2, 60),
        undefined,
        opportunity.owner,
      );
      for (const line of opportunity.lines)
        this.put('quotedetail', { ...line, quoteid: quote }, 30, undefined, opportunity.owner);
      if (won) wonQuotes.set(opportunity.ref.id, quote);
    }

    // Orders: one per won opportunity (from its quote when it has one), plus standalone orders.
    let writeInDone = false;
    const order = (
      customer: AccountInfo,
      currency: 'USD' | 'EUR',
      lines: Array<Record<string, Value | null>>,
      name: string,
      owner: EntityRef,
      extra: Values,
    ) => {
      const roll = this.rng.next();
      const stateCode = roll < 0.5 ? 0 : roll < 0.8 ? 1 : roll < 0.95 ? 3 : 2;
      const statusCode =
        stateCode === 0 ? (this.rng.chance(0.8) ? 1 : 2) : stateCode === 1 ? 3 : stateCode === 3 ? 100001 : 4;
      const orderLines = lines.map((l) => ({ ...l }));
      if (!writeInDone && stateCode === 0) {
        writeInDone = true;
        const writeIn: Record<string, Value | null> = {
          isproductoverridden: true,
          productdescription: 'On-site commissioning and start-up (write-in)',
          quantity: 1,
          priceperunit: 1250,
          ispriceoverridden: true,
          lineitemnumber: orderLines.length + 1,
          transactioncurrencyid: catalogue.currencies[currency],
          exchangerate: catalogue.exchangeRates[currency],
        };
        Object.assign(writeIn, lineAmounts(writeIn));
        orderLines.push(writeIn);
      }
      const daysAgo = this.rng.int(1, 90);
      const ref = this.put(
        'salesorder',
        {
          name,
          customerid: customer.ref,
          pricelevelid: catalogue.priceLists[currency],
          transactioncurrencyid: catalogue.currencies[currency],
          exchangerate: catalogue.exchangeRates[currency],
          requestdeliveryby: toDataverseDate(new Date(EPOCH + this.rng.int(7, 60) * DAY)),
          submitdate:
            stateCode === 0 ? null : toDataverseDate(new Date(EPOCH - this.rng.int(0, daysAgo) * DAY)),
          datefulfilled: stateCode === 3 ? toDataverseDate(new Date(EPOCH - this.rng.int(0, 5) * DAY)) : null,
          shipto_line1: customer.street,
          shipto_city: customer.city[0],
          shipto_postalcode: customer.city[2],
          shipto_country: customer.country.code,
          billto_line1: customer.street,
          billto_city: customer.city[0],
          billto_country: customer.country.code,
          paymenttermscode: this.rng.int(1, 4),
          ispricelocked: stateCode !== 0,
          willcall: false,
          freightamount: this.rng.chance(0.5) ? this.rng.int(5, 40) * 10 : null,
          ...extra,
          ...headerTotals(
            extra,
            orderLines.map((l) => compact(l)),
          ),
          statecode: stateCode,
          statuscode: statusCode,
        },
        daysAgo,
        undefined,
        owner,
      );
      for (const line of orderLines) {
        const product =
          typeof line['productid'] === 'object' && line['productid'] !== null ? line['productid'] : undefined;
        const number = product ? catalogue.products.find((p) => p.ref.id === product.id)?.number : undefined;
        this.put(
          'salesorderdetail',
          { ...line, productnumber: number ?? null, salesorderid: ref },
          daysAgo,
          undefined,
          owner,
        );
      }
    };

    for (const opportunity of wonOpportunities) {
      if (!opportunity.account) continue;
      const quote = wonQuotes.get(opportunity.ref.id);
      order(
        opportunity.account,
        opportunity.currency,
        opportunity.lines,
        opportunity.name.replace(/ — .*$/, ''),
        opportunity.owner,
        {
          opportunityid: opportunity.ref,
          quoteid: quote ?? null,
          ordercreationmethod: quote ? 776160001 : 776160000,
        },
      );
    }
    for (let i = 0; i < size.standaloneOrders; i++) {
      const account = this.rng.pick(activeAccounts);
      const currency = account.country.currency;
      order(
        account,
        currency,
        this.lines(catalogue, currency, this.rng.int(1, 5)),
        `Replenishment order ${i + 1}`,
        this.rng.pick(this.users),
        {
          ordercreationmethod: 776160000,
        },
      );
    }
  }

  private sdkMessages(): void {
    const messages = new Map<string, EntityRef>();
    for (const name of SDK_MESSAGES) {
      messages.set(
        name,
        this.put(
          'sdkmessage',
          {
            name,
            categoryname: name === 'Retrieve' || name === 'RetrieveMultiple' ? 'Read' : 'Write',
            isprivate: false,
          },
          900,
        ),
      );
    }
    for (const table of FILTERED_TABLES) {
      const names = [
        'Create',
        'Update',
        'Delete',
        'SetState',
        ...(table === 'opportunity' ? ['Win', 'Lose'] : []),
      ];
      for (const name of names) {
        const message = messages.get(name);
        if (!message) continue;
        this.put(
          'sdkmessagefilter',
          {
            name: `${name} of ${table}`,
            sdkmessageid: message,
            primaryobjecttypecode: table,
            secondaryobjecttypecode: 'none',
            iscustomprocessingstepallowed: true,
            availability: 0,
          },
          900,
        );
      }
    }
  }
}

function weightedCountry(pick: number): CountryProfile {
  let remaining = pick;
  for (const country of COUNTRIES) {
    remaining -= country.weight;
    if (remaining < 0) return country;
  }
  const last = COUNTRIES[COUNTRIES.length - 1];
  if (!last) throw new Error('no countries');
  return last;
}

function compact(values: Record<string, Value | null>): Record<string, Value> {
  const result: Record<string, Value> = {};
  for (const [key, value] of Object.entries(values)) if (value !== null) result[key] = value;
  return result;
}
