import { Prng } from '../../core/random';
import { EMPTY_DATE } from '../metadata/define';
import { entity } from '../metadata/entities';
import type { Value } from '../metadata/types';
import { searchName } from '../search-name';
import { type SequenceName, type SequencesState, SHARED_SCOPE } from '../store/numbering';
import { compactValues, FnoStore } from '../store/store';
import { canonicalKey, type Row } from '../store/table';
import { round2, toDateOnly, toUtcDateTime } from '../wire';
import {
  CURRENCIES,
  CUSTOMER_GROUPS,
  LEGAL_ENTITY_PROFILES,
  type LegalEntityProfile,
  ORGANIZATION_CORES,
  ORGANIZATION_PREFIXES,
  PRODUCT_FAMILIES,
  SERVICES,
  UNITS,
} from './names';

export const DEFAULT_SEED = 20250601;
/** Released products per legal entity by default. */
export const DEFAULT_PRODUCTS = 2_000;
export const MAX_PRODUCTS = 100_000;

/** The first `CATALOGUE_SIZE` item numbers are the Sales catalogue's (`IE-10001`…); the rest `BULK-000001`…. */
const CATALOGUE_SIZE = 2_000;

/** Whether callers may supply their own numbers, per legal entity and sequence. */
export type ManualNumbers = Record<string, Partial<Record<'CustomerAccount' | 'SalesOrderNumber', boolean>>>;

/** usmf accepts manual customer accounts and order numbers; demf assigns both (configurable). */
export const DEFAULT_MANUAL_NUMBERS: ManualNumbers = {
  usmf: { CustomerAccount: true, SalesOrderNumber: true },
  demf: { CustomerAccount: false, SalesOrderNumber: false },
};

export interface SeedOptions {
  seed: number;
  /** Released products per legal entity (at most 100,000). */
  products: number;
  manualNumbers?: ManualNumbers;
}

/**
 * Item numbers shared with the Sales seed: the Dataverse seed numbers its catalogue `IE-10001`,
 * `IE-10002`, … and its bulk products `BULK-000001`, …; the ERP uses the same numbers as item and
 * product numbers, so the catalogue overlaps.
 */
export function itemNumber(index: number): string {
  return index < CATALOGUE_SIZE
    ? `IE-${10_001 + index}`
    : `BULK-${String(index - CATALOGUE_SIZE + 1).padStart(6, '0')}`;
}

/** Catalogue items released in only one legal entity (every 25th, two phases); bulk items are in both. */
export function isReleasedIn(index: number, legalEntity: string): boolean {
  if (index >= CATALOGUE_SIZE) return true;
  if (index % 25 === 7) return legalEntity === 'usmf';
  if (index % 25 === 19) return legalEntity === 'demf';
  return true;
}

/** Well-known rows of every seed, for tests and demos. */
export const SEED_FACTS = {
  legalEntities: ['demf', 'usmf'],
  /** Released in usmf only. */
  usmfOnlyItem: itemNumber(7),
  /** Released in demf only. */
  demfOnlyItem: itemNumber(19),
  /** Released in both. */
  commonItem: itemNumber(0),
} as const;

/** The instant the seed's dates are relative to (never the wall clock). */
const EPOCH = Date.UTC(2025, 5, 1, 8, 0, 0);
const DAY = 86_400_000;
const MAX_UTC = '2154-12-31T23:59:59Z';

const SEEDED_CUSTOMERS = 60;
/** Customers whose account numbers are those of Sales accounts (`ACC-10001`…), per legal entity. */
const MATCHING_CUSTOMERS = 30;
const SEEDED_ORDERS = 60;

type Values = Record<string, Value>;

interface ProductInfo {
  index: number;
  item: string;
  name: string;
  group: string;
  unit: string;
  price: number;
  service: boolean;
  weight: number;
}

interface CustomerInfo {
  account: string;
  name: string;
  group: string;
  legalEntity: LegalEntityProfile;
  address: { street: string; city: string; state: string; zip: string };
}

/** Builds the deterministic seed: same seed number and size, same rows, numbers and RecIds. */
export function buildSeed(options: SeedOptions): FnoStore {
  const products = Math.min(Math.max(0, Math.floor(options.products)), MAX_PRODUCTS);
  const store = FnoStore.empty({ seed: options.seed, products }, initialSequences(options.manualNumbers));
  new SeedWriter(store, options.seed).run(products);
  for (const table of store.allTables()) table.dirty = true;
  return store;
}

function initialSequences(manual: ManualNumbers = DEFAULT_MANUAL_NUMBERS): SequencesState {
  const state: SequencesState = {
    [SHARED_SCOPE]: { PartyNumber: { code: 'Glob_Party', format: '#########', next: 1, manual: false } },
  };
  for (const profile of LEGAL_ENTITY_PROFILES) {
    const code = profile.id.toUpperCase();
    state[profile.id] = {
      CustomerAccount: {
        code: `${code}_CustAcc`,
        format: `${profile.customerPrefix}#####`,
        next: 1,
        manual: manual[profile.id]?.CustomerAccount ?? false,
      },
      SalesOrderNumber: {
        code: `${code}_SalesId`,
        format: '######',
        next: 1,
        manual: manual[profile.id]?.SalesOrderNumber ?? false,
      },
      InventoryLotId: { code: `${code}_InventTransId`, format: '######', next: 1, manual: false },
    };
  }
  return state;
}

class SeedWriter {
  private readonly pending = new Map<string, Row[]>();

  constructor(
    private readonly store: FnoStore,
    private readonly seed: number,
  ) {}

  run(productCount: number): void {
    this.referenceData();
    const products = this.products(productCount);
    for (const profile of LEGAL_ENTITY_PROFILES) {
      const released = products.filter((product) => isReleasedIn(product.index, profile.id));
      this.releasedProducts(profile, released);
      const customers = this.customers(profile);
      this.agreements(profile, released, customers);
      this.orders(profile, released, customers);
    }
    for (const [entitySet, rows] of this.pending) this.store.table(entitySet).load(rows);
  }

  private put(entitySet: string, values: Values): Row {
    const def = entity(entitySet);
    for (const name of Object.keys(values)) {
      if (!def.property(name)) throw new Error(`seed: ${entitySet} has no property ${name}`);
    }
    const compact = compactValues(def, values);
    const row: Row = {
      key: canonicalKey(def, compact),
      values: compact,
      recId: this.store.takeRecId(),
      version: 1,
    };
    let rows = this.pending.get(entitySet);
    if (!rows) {
      rows = [];
      this.pending.set(entitySet, rows);
    }
    rows.push(row);
    return row;
  }

  private number(legalEntity: string, name: SequenceName): string {
    return this.store.sequences.next(legalEntity, name);
  }

  private referenceData(): void {
    for (const [code, name, symbol] of CURRENCIES) {
      this.put('Currencies', {
        CurrencyCode: code,
        Name: name,
        Symbol: symbol,
        GeneralRoundingRule: 0.01,
        PriceRoundingRule: 0.01,
      });
    }
    for (const [symbol, description, unitClass, decimals] of UNITS) {
      this.put('UnitsOfMeasure', {
        UnitSymbol: symbol,
        UnitDescription: description,
        UnitClass: unitClass,
        DecimalPrecision: decimals,
        SystemOfUnits: symbol === 'lb' || symbol === 'ft' ? 'UnitedStates' : 'Metric',
        IsBaseUnit: symbol === 'ea' || symbol === 'kg' || symbol === 'm' || symbol === 'h' ? 'Yes' : 'No',
        IsSystemUnit: 'Yes',
      });
    }
    for (const profile of LEGAL_ENTITY_PROFILES) {
      const [street, city, state, zip] = profile.address;
      this.put('LegalEntities', {
        LegalEntityId: profile.id.toUpperCase(),
        Name: profile.name,
        NameAlias: profile.name.split(' ')[0]?.toUpperCase() ?? '',
        CompanyName: profile.name,
        LanguageId: profile.language,
        PartyNumber: this.number(SHARED_SCOPE, 'PartyNumber'),
        AddressStreet: street,
        AddressCity: city,
        AddressState: state,
        AddressZipCode: zip,
        AddressCountryRegionId: profile.country,
        AddressCountryRegionISOCode: profile.countryIso,
        AddressValidFrom: toUtcDateTime(new Date(EPOCH - 900 * DAY)),
        AddressValidTo: MAX_UTC,
        FullPrimaryAddress: `${street}\n${zip} ${city} ${state}\n${profile.country}`,
        CompanyCountry: profile.country,
      });
      for (const [id, description] of CUSTOMER_GROUPS) {
        this.put('CustomerGroups', {
          dataAreaId: profile.id,
          CustomerGroupId: id,
          Description: description,
          PaymentTermId: 'Net30',
          CustomerAccountNumberSequence: `${profile.id.toUpperCase()}_CustAcc`,
          IsSalesTaxIncludedInPrice: 'No',
        });
      }
    }
  }

  private products(count: number): ProductInfo[] {
    const catalogue = new Prng(this.seed);
    const bulk = new Prng(this.seed ^ 0x5eed_b01c);
    const products: ProductInfo[] = [];
    for (let index = 0; index < count; index++) {
      const item = itemNumber(index);
      let product: ProductInfo;
      if (index >= CATALOGUE_SIZE) {
        const price = round2(5 + bulk.next() * 995);
        const serial = item.slice('BULK-'.length);
        product = {
          index,
          item,
          name: `Spare Part ${serial}`,
          group: 'Spares',
          unit: 'ea',
          price,
          service: false,
          weight: 1,
        };
      } else if (index % 97 === 50) {
        const [name, price] = catalogue.pick(SERVICES);
        product = { index, item, name, group: 'Services', unit: 'h', price, service: true, weight: 0 };
      } else {
        const family = catalogue.pick(PRODUCT_FAMILIES);
        const size = catalogue.int(1, 40) * 5;
        const heavyDuty = catalogue.chance(0.3);
        const factor = 1 + size / 100 + (heavyDuty ? 0.25 : 0);
        product = {
          index,
          item,
          name: `${family.name} ${family.code}-${size}${heavyDuty ? '-HD' : ''}`,
          group: family.group,
          unit: family.unit,
          price: round2(family.basePrice * factor),
          service: false,
          weight: round2(family.weight * factor),
        };
      }
      products.push(product);
      this.put('ProductsV2', {
        ProductNumber: item,
        ProductName: product.name,
        ProductSearchName: searchName(product.name),
        ProductDescription: product.service ? `${product.name} by Kestrel field service` : product.name,
        ProductType: product.service ? 'Service' : 'Item',
        ProductSubType: 'Product',
        StorageDimensionGroupName: product.service ? '' : 'SiteWH',
        TrackingDimensionGroupName: 'None',
        RetailProductCategoryName: product.group,
      });
    }
    return products;
  }

  private releasedProducts(profile: LegalEntityProfile, products: readonly ProductInfo[]): void {
    const priceDate = toDateOnly(new Date(EPOCH - 400 * DAY));
    for (const product of products) {
      const price = round2(product.price * profile.priceFactor);
      this.put('ReleasedProductsV2', {
        dataAreaId: profile.id,
        ItemNumber: product.item,
        ProductNumber: product.item,
        SearchName: searchName(product.name),
        ProductSearchName: searchName(product.name),
        ProductType: product.service ? 'Service' : 'Item',
        ProductSubType: 'Product',
        ProductGroupId: product.group,
        ItemModelGroupId: product.service ? 'SRV' : 'FIFO',
        StorageDimensionGroupName: product.service ? '' : 'SiteWH',
        TrackingDimensionGroupName: 'None',
        InventoryUnitSymbol: product.unit,
        PurchaseUnitSymbol: product.unit,
        SalesUnitSymbol: product.unit,
        BOMUnitSymbol: product.unit,
        SalesPrice: price,
        SalesPriceQuantity: 1,
        SalesPriceDate: priceDate,
        PurchasePrice: round2(price * 0.6),
        PurchasePriceQuantity: 1,
        UnitCost: round2(price * 0.62),
        UnitCostQuantity: 1,
        NetProductWeight: product.weight,
        SalesSalesTaxItemGroupCode: product.service ? 'SERVICE' : 'FULL',
        PurchaseSalesTaxItemGroupCode: product.service ? 'SERVICE' : 'FULL',
        IsSalesPriceAdjustmentAllowed: 'Yes',
        SalesPricingPrecision: 2,
        PurchasePricingPrecision: 2,
      });
    }
  }

  private customers(profile: LegalEntityProfile): CustomerInfo[] {
    const rng = new Prng(this.seed ^ hash(`customers:${profile.id}`));
    const customers: CustomerInfo[] = [];
    const accounts: string[] = [];
    for (let i = 0; i < SEEDED_CUSTOMERS; i++) accounts.push(this.number(profile.id, 'CustomerAccount'));
    // Accounts created by an earlier integration carry the Sales account number (`ACC-10001`…).
    const offset = profile.id === 'usmf' ? 10_001 : 10_004;
    const step = profile.id === 'usmf' ? 7 : 9;
    for (let i = 0; i < MATCHING_CUSTOMERS; i++) accounts.push(`ACC-${offset + i * step}`);

    for (const [i, account] of accounts.entries()) {
      const name = `${rng.pick(ORGANIZATION_PREFIXES)} ${rng.pick(ORGANIZATION_CORES)} ${rng.pick(profile.suffixes)}`;
      const [city, state, zip] = rng.pick(profile.cities);
      const street =
        profile.id === 'demf'
          ? `${rng.pick(profile.streets)} ${rng.int(1, 180)}`
          : `${rng.int(10, 9800)} ${rng.pick(profile.streets)}`;
      const group = rng.pick(['10', '10', '20', '30', '80'] as const);
      const domain = name
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '')
        .slice(0, 24);
      const created = EPOCH - rng.int(30, 900) * DAY;
      const onHold = rng.chance(0.05) ? rng.pick(['Invoice', 'All'] as const) : 'No';
      const full = `${street}\n${zip} ${city} ${state}\n${profile.country}`;
      const address = {
        Street: street,
        City: city,
        State: state,
        ZipCode: zip,
        CountryRegionId: profile.country,
        CountryRegionISOCode: profile.countryIso,
      };
      const values: Values = {
        dataAreaId: profile.id,
        CustomerAccount: account,
        PartyType: 'Organization',
        PartyNumber: this.number(SHARED_SCOPE, 'PartyNumber'),
        OrganizationName: name,
        NameAlias: searchName(name),
        CustomerGroupId: group,
        DiscountPriceGroupId: group === '10' || group === '20' ? group : '',
        SalesCurrencyCode: profile.currency,
        LanguageId: profile.language,
        PaymentTerms: rng.pick(['Net10', 'Net30', 'Net30', 'Net45'] as const),
        CreditLimit: rng.int(1, 50) * 10_000,
        CreditLimitIsMandatory: rng.chance(0.3) ? 'Yes' : 'No',
        OnHoldStatus: onHold,
        DeliveryTerms: profile.id === 'usmf' ? 'FOB' : 'EXW',
        DeliveryMode: rng.pick(['10', '20', '30'] as const),
        SalesTaxGroup: profile.salesTaxGroup,
        PrimaryContactEmail: `purchasing@${domain}.example`,
        PrimaryContactPhone:
          profile.id === 'usmf'
            ? `+1 312 555 ${String(1000 + i).slice(-4)}`
            : `+49 40 555 ${String(2000 + i).slice(-4)}`,
        AddressDescription: name,
        AddressLocationRoles: 'Business',
        AddressValidFrom: toUtcDateTime(new Date(created)),
        AddressValidTo: MAX_UTC,
        AddressRecordId: this.store.takeRecId(),
        FullPrimaryAddress: full,
        CredManCustomerSince: toDateOnly(new Date(created)),
      };
      for (const [suffix, value] of Object.entries(address)) {
        values[`Address${suffix}`] = value;
        values[`DeliveryAddress${suffix}`] = value;
      }
      values['DeliveryAddressDescription'] = name;
      values['DeliveryAddressValidFrom'] = values['AddressValidFrom'] ?? '';
      values['DeliveryAddressValidTo'] = MAX_UTC;
      this.put('CustomersV3', values);
      customers.push({ account, name, group, legalEntity: profile, address: { street, city, state, zip } });
    }
    return customers;
  }

  private agreements(
    profile: LegalEntityProfile,
    products: readonly ProductInfo[],
    customers: readonly CustomerInfo[],
  ): void {
    const rng = new Prng(this.seed ^ hash(`agreements:${profile.id}`));
    const from = toDateOnly(new Date(EPOCH - 180 * DAY));
    for (const product of products) {
      if (product.service || product.index >= CATALOGUE_SIZE || !rng.chance(0.06)) continue;
      const base = round2(product.price * profile.priceFactor);
      const common = {
        dataAreaId: profile.id,
        ItemNumber: product.item,
        ProductNumber: product.item,
        PriceCurrencyCode: profile.currency,
        QuantityUnitySymbol: product.unit,
        SalesPriceQuantity: 1,
        PriceApplicableFromDate: from,
        PriceApplicableToDate: EMPTY_DATE,
        WillSearchContinue: 'Yes',
      };
      const customer = rng.chance(0.5) ? rng.pick(customers) : undefined;
      const recId = this.store.nextRecId;
      this.put('SalesPriceAgreements', {
        ...common,
        RecordId: recId,
        ...(customer ? { CustomerAccountNumber: customer.account } : { PriceCustomerGroupCode: '20' }),
        Price: round2(base * (customer ? 0.9 : 0.95)),
        FromQuantity: 0,
        ToQuantity: 0,
      });
      if (rng.chance(0.4)) {
        const breakRecId = this.store.nextRecId;
        this.put('SalesPriceAgreements', {
          ...common,
          RecordId: breakRecId,
          PriceCustomerGroupCode: '10',
          Price: round2(base * 0.88),
          FromQuantity: 10,
          ToQuantity: 0,
        });
      }
    }
  }

  private orders(
    profile: LegalEntityProfile,
    products: readonly ProductInfo[],
    customers: readonly CustomerInfo[],
  ): void {
    const rng = new Prng(this.seed ^ hash(`orders:${profile.id}`));
    const catalogue = products.filter((product) => product.index < CATALOGUE_SIZE);
    if (catalogue.length === 0 || customers.length === 0) return;
    for (let i = 0; i < SEEDED_ORDERS; i++) {
      const customer = rng.pick(customers);
      const number = this.number(profile.id, 'SalesOrderNumber');
      const created = EPOCH - rng.int(1, 200) * DAY - rng.int(0, 86_399) * 1000;
      const requested = toDateOnly(new Date(created + rng.int(3, 30) * DAY));
      const state = rng.pick(['open', 'open', 'open', 'delivered', 'invoiced'] as const);
      const status = state === 'open' ? 'Backorder' : state === 'delivered' ? 'Delivered' : 'Invoiced';
      const processing = state === 'open' ? (rng.chance(0.5) ? 'Confirmed' : 'Active') : status;
      let total = 0;
      const lineCount = rng.int(1, 5);
      for (let line = 1; line <= lineCount; line++) {
        const product = rng.pick(catalogue);
        const quantity = product.service ? rng.int(1, 8) : rng.int(1, 40);
        const price = round2(product.price * profile.priceFactor);
        const amount = round2(quantity * price);
        total = round2(total + amount);
        this.put('SalesOrderLines', {
          dataAreaId: profile.id,
          InventoryLotId: this.number(profile.id, 'InventoryLotId'),
          SalesOrderNumber: number,
          LineCreationSequenceNumber: line,
          LineNumber: line,
          ItemNumber: product.item,
          LineDescription: product.name,
          OrderedSalesQuantity: quantity,
          SalesUnitSymbol: product.unit,
          SalesPrice: price,
          SalesPriceQuantity: 1,
          LineAmount: amount,
          CurrencyCode: profile.currency,
          SalesOrderLineStatus: status,
          ShippingSiteId: product.service ? '' : '1',
          ShippingWarehouseId: product.service ? '' : '11',
          RequestedShippingDate: requested,
          RequestedReceiptDate: requested,
          SalesTaxGroupCode: profile.salesTaxGroup,
          SalesTaxItemGroupCode: product.service ? 'SERVICE' : 'FULL',
          CalculateLineAmount: 'Yes',
          DeliveryAddressName: customer.name,
          DeliveryAddressStreet: customer.address.street,
          DeliveryAddressCity: customer.address.city,
          DeliveryAddressStateId: customer.address.state,
          DeliveryAddressZipCode: customer.address.zip,
          DeliveryAddressCountryRegionId: profile.country,
          DeliveryAddressCountryRegionISOCode: profile.countryIso,
        });
      }
      this.put('SalesOrderHeadersV2', {
        dataAreaId: profile.id,
        SalesOrderNumber: number,
        OrderingCustomerAccountNumber: customer.account,
        InvoiceCustomerAccountNumber: customer.account,
        CurrencyCode: profile.currency,
        LanguageId: profile.language,
        SalesOrderName: customer.name,
        CustomerRequisitionNumber: rng.chance(0.5) ? `PO-${rng.int(10_000, 99_999)}` : '',
        CustomersOrderReference: '',
        OrderCreationDateTime: toUtcDateTime(new Date(created)),
        RequestedShippingDate: requested,
        RequestedReceiptDate: requested,
        SalesOrderStatus: status,
        SalesOrderProcessingStatus: processing,
        SalesOrderPromisingMethod: 'None',
        DefaultShippingSiteId: '1',
        DefaultShippingWarehouseId: '11',
        DeliveryTermsCode: profile.id === 'usmf' ? 'FOB' : 'EXW',
        PaymentTermsName: 'Net30',
        PriceCustomerGroupCode: customer.group === '10' || customer.group === '20' ? customer.group : '',
        SalesTaxGroupCode: profile.salesTaxGroup,
        InventoryReservationMethod: 'Automatic',
        DeliveryAddressName: customer.name,
        DeliveryAddressStreet: customer.address.street,
        DeliveryAddressCity: customer.address.city,
        DeliveryAddressStateId: customer.address.state,
        DeliveryAddressZipCode: customer.address.zip,
        DeliveryAddressCountryRegionId: profile.country,
        DeliveryAddressCountryRegionISOCode: profile.countryIso,
        FormattedDelveryAddress: `${customer.address.street}\n${customer.address.zip} ${customer.address.city} ${customer.address.state}\n${profile.country}`,
        InvoiceAddressStreet: customer.address.street,
        InvoiceAddressCity: customer.address.city,
        InvoiceAddressStateId: customer.address.state,
        InvoiceAddressZipCode: customer.address.zip,
        InvoiceAddressCountryRegionId: profile.country,
        InvoiceAddressCountryRegionISOCode: profile.countryIso,
        OrderTotalAmount: total,
        AreTotalsCalculated: 'Yes',
      });
    }
  }
}

/** A stable 32-bit hash to derive independent PRNG streams from one seed. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
