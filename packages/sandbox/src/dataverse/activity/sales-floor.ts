import { Prng } from '../../core/random';
import type { ServiceState } from '../http/scope';
import {
  ACCOUNT_CORES,
  ACCOUNT_PREFIXES,
  COUNTRIES,
  type CountryProfile,
  FIRST_NAMES,
  INDUSTRIES,
  JOB_TITLES,
  LAST_NAMES,
  OPPORTUNITY_TOPICS,
} from '../seed/names';
import type { Store } from '../store/store';
import { type Actor, type EntityRef, isEntityRef, type StoredRow } from '../store/types';
import { toDataverseDate } from '../time';
import type { WriteContext } from '../write/context';
import type { JsonRecord, JsonValue } from '../write/payload';
import { RecordWriter } from '../write/writer';
import type { SalesMessages } from './sales-messages';
import type { ActivityKind } from './settings';

const DAY = 86_400_000;
const ORDER_SUBJECTS = [
  'Replenishment order',
  'Spare parts order',
  'Maintenance kit order',
  'Plant shutdown order',
  'Stock order',
] as const;

/** What one step wrote. */
export interface StepOutcome {
  kind: ActivityKind;
  /** The main row of the step (the account, the opportunity, the order…). */
  entity: string;
  id: string;
  name: string;
  /** Rows created per table. */
  created: Record<string, number>;
  won: number;
  submitted: number;
  /** The seeded sales rep the rows are attributed to. */
  userId: string;
}

type Currency = 'USD' | 'EUR';

/** Look-ups of one store, made once (the store is replaced as a whole on reset/reseed). */
interface Catalogue {
  store: Store;
  reps: Actor[];
  currencies: Record<Currency, EntityRef>;
  priceLists: Record<Currency, EntityRef | undefined>;
  /** Active products on the USD price list, by product number. */
  products: EntityRef[];
  accountNames: Set<string>;
  nextAccountNumber: number;
  /** Opportunities this generator opened and has not won yet. */
  opened: string[];
}

interface Step {
  context: WriteContext;
  catalogue: Catalogue;
  outcome: StepOutcome;
}

/**
 * What sales reps do, one step at a time, with every choice drawn from one seeded generator: the
 * same seed on the same data gives the same rows (ids included). Rows are written as the Web API
 * writes them (`RecordWriter` with request-shaped bodies, one `store.transaction` per request a
 * rep's client would send), so derived columns, change tracking and webhooks see them as API writes;
 * they are created by, and owned by, one of the seeded sales users.
 */
export class SalesFloor {
  private readonly rng: Prng;
  private catalogue: Catalogue | undefined;

  constructor(
    seed: number,
    private readonly sales: SalesMessages,
    private readonly now: () => Date,
  ) {
    this.rng = new Prng(seed);
  }

  pickKind(mix: Readonly<Record<ActivityKind, number>>): ActivityKind {
    const entries = Object.entries(mix) as Array<[ActivityKind, number]>;
    const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
    let roll = this.rng.next() * total;
    for (const [kind, weight] of entries) {
      roll -= weight;
      if (roll < 0 && weight > 0) return kind;
    }
    const last = entries.filter(([, weight]) => weight > 0).pop();
    return last ? last[0] : 'accounts';
  }

  step(state: ServiceState, kind: ActivityKind): StepOutcome {
    const catalogue = this.catalogueFor(state);
    const actor = this.rng.pick(catalogue.reps);
    const step: Step = {
      context: {
        store: state.store,
        keys: state.keys,
        actor,
        baseCurrencyId: state.facts.baseCurrencyId,
      },
      catalogue,
      outcome: {
        kind,
        entity: '',
        id: '',
        name: '',
        created: {},
        won: 0,
        submitted: 0,
        userId: actor.userId,
      },
    };
    switch (kind) {
      case 'accounts':
        this.account(step);
        break;
      case 'contacts':
        this.contact(step);
        break;
      case 'opportunities':
        this.opportunity(step);
        break;
      case 'wins':
        this.win(step);
        break;
      case 'orders':
        this.order(step);
        break;
    }
    return step.outcome;
  }

  private account(step: Step): void {
    const { catalogue } = step;
    const country = this.country();
    const base = `${this.rng.pick(ACCOUNT_PREFIXES)} ${this.rng.pick(ACCOUNT_CORES)}`;
    const suffix = this.rng.pick(country.suffixes);
    let name = `${base} ${suffix}`;
    for (let n = 2; catalogue.accountNames.has(name); n++) name = `${base} ${n} ${suffix}`;
    const [city, region, postalCode] = this.rng.pick(country.cities);
    const domain = slug(name).slice(0, 24);
    const phonePrefix = country.code === 'US' || country.code === 'CA' ? '1' : '49';
    const row = this.create(step, 'account', {
      name,
      accountnumber: this.rng.chance(0.65) ? `ACC-${catalogue.nextAccountNumber++}` : undefined,
      telephone1: `+${phonePrefix} ${this.rng.int(200, 999)} ${this.rng.int(100, 999)} ${this.rng.int(1000, 9999)}`,
      emailaddress1: `purchasing@${domain}.example`,
      websiteurl: `https://www.${domain}.example`,
      address1_line1: `${this.rng.int(1, 2400)} ${this.rng.pick(country.streets)}`,
      address1_city: city,
      address1_stateorprovince: region,
      address1_postalcode: postalCode,
      address1_country: country.code,
      revenue: this.rng.int(2, 900) * 100_000,
      numberofemployees: this.rng.int(20, 5000),
      industrycode: this.rng.pick(INDUSTRIES),
      customertypecode: this.rng.chance(0.7) ? 3 : 8,
      accountcategorycode: 2,
      paymenttermscode: this.rng.int(1, 4),
      creditlimit: this.rng.int(1, 50) * 10_000,
      'transactioncurrencyid@odata.bind': bind(
        'transactioncurrencies',
        catalogue.currencies[country.currency],
      ),
      'defaultpricelevelid@odata.bind': bind('pricelevels', catalogue.priceLists[country.currency]),
    });
    catalogue.accountNames.add(name);
    this.main(step, 'account', row, name);
  }

  private contact(step: Step): void {
    const account = this.rng.chance(0.85) ? this.active(step, 'account') : undefined;
    const firstname = this.rng.pick(FIRST_NAMES);
    const lastname = this.rng.pick(LAST_NAMES);
    const domain = account ? slug(text(account, 'name')).slice(0, 24) : 'mail';
    const row = this.create(step, 'contact', {
      firstname,
      lastname,
      jobtitle: this.rng.pick(JOB_TITLES),
      emailaddress1: `${slug(`${firstname}.${lastname}`, true)}${this.rng.int(1, 999)}@${domain}.example`,
      telephone1: `+1 555 ${String(this.rng.int(0, 9_999_999)).padStart(7, '0')}`,
      address1_city: account ? text(account, 'address1_city') || undefined : undefined,
      address1_country: account ? text(account, 'address1_country') || undefined : undefined,
      preferredcontactmethodcode: this.rng.int(1, 3),
      'parentcustomerid_account@odata.bind': account ? bind('accounts', account) : undefined,
    });
    this.main(step, 'contact', row, `${firstname} ${lastname}`);
  }

  private opportunity(step: Step): void {
    const { catalogue } = step;
    const contact = this.rng.chance(0.2) ? this.active(step, 'contact') : undefined;
    const account = contact ? undefined : this.active(step, 'account');
    if (!contact && !account) {
      this.account(step);
      return;
    }
    const currency = this.currencyOf(catalogue, account);
    const customerName = account ? text(account, 'name') : text(contact, 'fullname');
    const name = `${this.rng.pick(OPPORTUNITY_TOPICS)} — ${customerName}`;
    const row = this.create(step, 'opportunity', {
      name,
      ...(account
        ? {
            'customerid_account@odata.bind': bind('accounts', account),
            'parentaccountid@odata.bind': bind('accounts', account),
          }
        : {
            'customerid_contact@odata.bind': bind('contacts', contact),
            'parentcontactid@odata.bind': bind('contacts', contact),
          }),
      'pricelevelid@odata.bind': bind('pricelevels', catalogue.priceLists[currency]),
      'transactioncurrencyid@odata.bind': bind('transactioncurrencies', catalogue.currencies[currency]),
      estimatedclosedate: this.date(this.rng.int(14, 120)),
      closeprobability: this.rng.pick([10, 25, 50, 75]),
      isrevenuesystemcalculated: true,
      salesstagecode: this.rng.int(0, 2),
      opportunityratingcode: this.rng.int(1, 3),
    });
    this.lines(step, 'opportunityproduct', 'opportunityid@odata.bind', `/opportunities(${row.id})`, 4);
    catalogue.opened.push(row.id);
    this.main(step, 'opportunity', row, name);
  }

  private win(step: Step): void {
    const { catalogue, context } = step;
    const { store } = context;
    catalogue.opened = catalogue.opened.filter(
      (id) => store.get('opportunity', id)?.values['statecode'] === 0,
    );
    const candidates =
      catalogue.opened.length > 0
        ? catalogue.opened
        : [...store.rows('opportunity')].filter((r) => r.values['statecode'] === 0).map((r) => r.id);
    if (candidates.length === 0) {
      this.opportunity(step);
      return;
    }
    const id = this.rng.pick(candidates);
    this.sales.winOpportunity(
      context,
      { opportunityId: id, status: 3, subject: 'Won Opportunity' },
      this.now(),
    );
    catalogue.opened = catalogue.opened.filter((opened) => opened !== id);
    const row = store.get('opportunity', id);
    step.outcome.won += 1;
    if (row) this.main(step, 'opportunity', row, text(row, 'name'));
  }

  private order(step: Step): void {
    const { catalogue, context } = step;
    const contact = this.rng.chance(0.25) ? this.active(step, 'contact') : undefined;
    const account = contact ? undefined : this.active(step, 'account');
    if (!contact && !account) {
      this.account(step);
      return;
    }
    const currency = this.currencyOf(catalogue, account);
    const address = account ?? contact;
    const customerName = account ? text(account, 'name') : text(contact, 'fullname');
    const name = `${this.rng.pick(ORDER_SUBJECTS)} — ${customerName}`;
    const row = this.create(step, 'salesorder', {
      name,
      ...(account
        ? { 'customerid_account@odata.bind': bind('accounts', account) }
        : { 'customerid_contact@odata.bind': bind('contacts', contact) }),
      'pricelevelid@odata.bind': bind('pricelevels', catalogue.priceLists[currency]),
      'transactioncurrencyid@odata.bind': bind('transactioncurrencies', catalogue.currencies[currency]),
      requestdeliveryby: this.date(this.rng.int(7, 60)),
      shipto_line1: text(address, 'address1_line1') || undefined,
      shipto_city: text(address, 'address1_city') || undefined,
      shipto_postalcode: text(address, 'address1_postalcode') || undefined,
      shipto_country: text(address, 'address1_country') || undefined,
      billto_line1: text(address, 'address1_line1') || undefined,
      billto_city: text(address, 'address1_city') || undefined,
      billto_country: text(address, 'address1_country') || undefined,
      paymenttermscode: this.rng.int(1, 4),
      willcall: false,
      freightamount: this.rng.chance(0.4) ? this.rng.int(5, 40) * 10 : undefined,
    });
    this.lines(step, 'salesorderdetail', 'salesorderid@odata.bind', `/salesorders(${row.id})`, 5);
    if (this.rng.chance(0.4)) {
      const { store } = context;
      const model = store.metadata.entity('salesorder');
      store.transaction(() => {
        const current = store.get('salesorder', row.id);
        if (!current) return;
        new RecordWriter(context).update(model, current, {
          statecode: 1,
          statuscode: 3,
          submitdate: this.date(0),
        });
      });
      step.outcome.submitted += 1;
    }
    this.main(step, 'salesorder', row, name);
  }

  /** 1..max product lines, each its own request (as a rep adds them one by one). */
  private lines(step: Step, entity: string, parentBind: string, parent: string, max: number): void {
    const { products } = step.catalogue;
    if (products.length === 0) return;
    const count = this.rng.int(1, max);
    for (let i = 0; i < count; i++) {
      const product = this.rng.pick(products);
      this.create(step, entity, {
        [parentBind]: parent,
        'productid@odata.bind': bind('products', product),
        quantity: this.rng.int(1, 40),
      });
    }
  }

  private create(step: Step, entity: string, values: Record<string, JsonValue | undefined>): StoredRow {
    const { context, outcome } = step;
    const { store } = context;
    const model = store.metadata.entity(entity);
    const body: JsonRecord = {};
    for (const [name, value] of Object.entries(values)) if (value !== undefined) body[name] = value;
    const id = this.rng.guid();
    const row = store.transaction(() => new RecordWriter(context).create(model, body, { id }));
    outcome.created[entity] = (outcome.created[entity] ?? 0) + 1;
    return row;
  }

  private main(step: Step, entity: string, row: StoredRow, name: string): void {
    step.outcome.entity = entity;
    step.outcome.id = row.id;
    step.outcome.name = name;
  }

  /** An active row of `entity`, in the store's (deterministic) order. */
  private active(step: Step, entity: 'account' | 'contact'): StoredRow | undefined {
    const rows = [...step.context.store.rows(entity)].filter((r) => r.values['statecode'] === 0);
    return rows.length > 0 ? this.rng.pick(rows) : undefined;
  }

  private country(): CountryProfile {
    const total = COUNTRIES.reduce((sum, c) => sum + c.weight, 0);
    let roll = this.rng.next() * total;
    for (const country of COUNTRIES) {
      roll -= country.weight;
      if (roll < 0) return country;
    }
    return this.rng.pick(COUNTRIES);
  }

  private currencyOf(catalogue: Catalogue, account: StoredRow | undefined): Currency {
    const ref = account?.values['transactioncurrencyid'];
    return isEntityRef(ref) && ref.id === catalogue.currencies.EUR.id && catalogue.priceLists.EUR
      ? 'EUR'
      : 'USD';
  }

  private date(daysFromToday: number): string {
    return toDataverseDate(new Date(this.now().getTime() + daysFromToday * DAY));
  }

  private catalogueFor(state: ServiceState): Catalogue {
    if (this.catalogue?.store === state.store) return this.catalogue;
    const { store, facts } = state;
    const reps: Actor[] = [...store.rows('systemuser')]
      .filter(
        (user) =>
          user.id !== facts.adminUserId &&
          user.values['accessmode'] === 0 &&
          user.values['applicationid'] === undefined &&
          user.values['isdisabled'] !== true,
      )
      .sort((a, b) => text(a, 'fullname').localeCompare(text(b, 'fullname')) || a.id.localeCompare(b.id))
      .map((user) => {
        const unit = user.values['businessunitid'];
        return {
          userId: user.id,
          businessUnitId: isEntityRef(unit) ? unit.id : facts.businessUnitId,
          organizationId: facts.organizationId,
        };
      });
    if (reps.length === 0) {
      reps.push({
        userId: facts.adminUserId,
        businessUnitId: facts.businessUnitId,
        organizationId: facts.organizationId,
      });
    }
    const currencyRef = (code: Currency): EntityRef | undefined => {
      const row = [...store.rows('transactioncurrency')].find((r) => r.values['isocurrencycode'] === code);
      return row ? { id: row.id, logicalName: 'transactioncurrency' } : undefined;
    };
    const usd = currencyRef('USD') ?? { id: facts.baseCurrencyId, logicalName: 'transactioncurrency' };
    const eur = currencyRef('EUR') ?? usd;
    const priceList = (currency: EntityRef): EntityRef | undefined => {
      const row = [...store.rows('pricelevel')]
        .filter((r) => {
          const ref = r.values['transactioncurrencyid'];
          return isEntityRef(ref) && ref.id === currency.id && r.values['statecode'] !== 1;
        })
        .sort((a, b) => text(a, 'name').localeCompare(text(b, 'name')))[0];
      return row ? { id: row.id, logicalName: 'pricelevel' } : undefined;
    };
    const usdList = priceList(usd);
    const listed = new Set<string>();
    for (const item of store.rows('productpricelevel')) {
      const list = item.values['pricelevelid'];
      const product = item.values['productid'];
      if (isEntityRef(list) && list.id === usdList?.id && isEntityRef(product)) listed.add(product.id);
    }
    const products = [...listed]
      .map((id) => store.get('product', id))
      .filter((row): row is StoredRow => row !== undefined && row.values['statecode'] === 0)
      .sort((a, b) => text(a, 'productnumber').localeCompare(text(b, 'productnumber')))
      .map((row) => ({ id: row.id, logicalName: 'product' }));
    let highest = 10_000;
    const accountNames = new Set<string>();
    for (const account of store.rows('account')) {
      accountNames.add(text(account, 'name'));
      const number = /^ACC-(\d+)$/.exec(text(account, 'accountnumber'))?.[1];
      if (number) highest = Math.max(highest, Number(number));
    }
    this.catalogue = {
      store,
      reps,
      currencies: { USD: usd, EUR: eur },
      priceLists: { USD: usdList, EUR: priceList(eur) ?? usdList },
      products,
      accountNames,
      nextAccountNumber: highest + 1,
      opened: [],
    };
    return this.catalogue;
  }
}

function bind(set: string, ref: { id: string } | undefined): string | undefined {
  return ref ? `/${set}(${ref.id})` : undefined;
}

function text(row: StoredRow | undefined, column: string): string {
  const value = row?.values[column];
  return typeof value === 'string' ? value : '';
}

function slug(value: string, keepDots = false): string {
  return value
    .toLowerCase()
    .normalize('NFD')
    .replace(keepDots ? /[^a-z0-9.]+/g : /[^a-z0-9]+/g, '');
}
