import { customerRules } from './customers';
import {
  customerGroupRules,
  genericRules,
  productRules,
  releasedProductRules,
  salesPriceAgreementRules,
} from './reference';
import { salesLineRules } from './sales-lines';
import { salesOrderRules } from './sales-orders';
import type { EntityRules } from './types';

const RULES: Record<string, EntityRules> = {
  CustomersV3: customerRules,
  CustomerGroups: customerGroupRules,
  SalesOrderHeadersV2: salesOrderRules,
  SalesOrderLines: salesLineRules,
  ReleasedProductsV2: releasedProductRules,
  ProductsV2: productRules,
  SalesPriceAgreements: salesPriceAgreementRules,
  LegalEntities: genericRules('CompanyInfo', 'Company', 'LegalEntityId', 'Name'),
  UnitsOfMeasure: genericRules('UnitOfMeasure', 'Unit', 'UnitSymbol', 'UnitDescription'),
  Currencies: genericRules('Currency', 'Currency', 'CurrencyCode', 'Name'),
};

export function rulesFor(entitySet: string): EntityRules {
  const rules = RULES[entitySet];
  if (!rules) throw new Error(`no write rules for ${entitySet}`);
  return rules;
}

export type { EntityRules } from './types';
