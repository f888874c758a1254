import { opportunityclose, orderclose, quoteclose } from './tables/activities';
import {
  pricelevel,
  product,
  productpricelevel,
  transactioncurrency,
  uom,
  uomschedule,
} from './tables/catalog';
import { account, contact } from './tables/customers';
import {
  asyncoperation,
  businessunit,
  organization,
  sdkmessage,
  sdkmessagefilter,
  sdkmessageprocessingstep,
  sdkmessageprocessingstepimage,
  serviceendpoint,
  systemuser,
} from './tables/platform';
import {
  opportunity,
  opportunityproduct,
  quote,
  quotedetail,
  salesorder,
  salesorderdetail,
} from './tables/sales';
import {
  type AttributeDef,
  type CascadeDelete,
  type EntityDef,
  isLookup,
  type LookupAttributeDef,
  lookupPropertyName,
} from './types';

/** `customerid_account` on salesorder: one row's pointer to one parent table. */
export interface SingleNavigation {
  kind: 'single';
  name: string;
  relationship: string;
  attribute: LookupAttributeDef;
  target: EntityModel;
}

/** `order_details` on salesorder: the rows of another table whose lookup points here. */
export interface CollectionNavigation {
  kind: 'collection';
  name: string;
  relationship: string;
  child: EntityModel;
  childAttribute: LookupAttributeDef;
  cascadeDelete: CascadeDelete;
}

export type Navigation = SingleNavigation | CollectionNavigation;

/** One table's metadata with the look-up maps every request needs. */
export interface EntityModel {
  readonly def: EntityDef;
  /** Columns by logical name. */
  readonly attributes: ReadonlyMap<string, AttributeDef>;
  /** Columns by their Web API property name (`name`, `_customerid_value`), readable ones only. */
  readonly properties: ReadonlyMap<string, AttributeDef>;
  readonly navigations: ReadonlyMap<string, Navigation>;
  /** `Microsoft.Dynamics.CRM.account`, the type name error messages use. */
  readonly typeName: string;
}

export class Metadata {
  private readonly byLogicalName = new Map<string, EntityModel>();
  private readonly bySetName = new Map<string, EntityModel>();

  constructor(definitions: readonly EntityDef[]) {
    const navigations = new Map<string, Map<string, Navigation>>();
    for (const def of definitions) {
      const attributes = new Map(def.attributes.map((a) => [a.logicalName, a]));
      const properties = new Map<string, AttributeDef>();
      for (const attribute of def.attributes) {
        if (!attribute.validForRead) continue;
        properties.set(
          isLookup(attribute) ? lookupPropertyName(attribute.logicalName) : attribute.logicalName,
          attribute,
        );
      }
      const navs = new Map<string, Navigation>();
      navigations.set(def.logicalName, navs);
      const model: EntityModel = {
        def,
        attributes,
        properties,
        navigations: navs,
        typeName: `Microsoft.Dynamics.CRM.${def.logicalName}`,
      };
      this.byLogicalName.set(def.logicalName, model);
      this.bySetName.set(def.entitySetName, model);
    }
    for (const model of this.byLogicalName.values()) {
      for (const attribute of model.def.attributes) {
        if (!isLookup(attribute)) continue;
        for (const target of attribute.targets) {
          const targetModel = this.entity(target.entity);
          navigations.get(model.def.logicalName)?.set(target.navigation, {
            kind: 'single',
            name: target.navigation,
            relationship: target.relationship,
            attribute,
            target: targetModel,
          });
          navigations.get(target.entity)?.set(target.relationship, {
            kind: 'collection',
            name: target.relationship,
            relationship: target.relationship,
            child: model,
            childAttribute: attribute,
            cascadeDelete: target.cascadeDelete,
          });
        }
      }
    }
  }

  entities(): EntityModel[] {
    return [...this.byLogicalName.values()];
  }

  /** A table known to be defined (internal callers); throws otherwise. */
  entity(logicalName: string): EntityModel {
    const model = this.byLogicalName.get(logicalName);
    if (!model) throw new Error(`Unknown table '${logicalName}'`);
    return model;
  }

  findEntity(logicalName: string): EntityModel | undefined {
    return this.byLogicalName.get(logicalName);
  }

  findEntitySet(entitySetName: string): EntityModel | undefined {
    return this.bySetName.get(entitySetName);
  }

  /** Collection navigations pointing at a table: what a delete of one of its rows must visit. */
  referencesTo(logicalName: string): CollectionNavigation[] {
    const navs = this.byLogicalName.get(logicalName)?.navigations.values() ?? [];
    return [...navs].filter((n): n is CollectionNavigation => n.kind === 'collection');
  }
}

export const TABLES: readonly EntityDef[] = [
  account,
  contact,
  opportunity,
  opportunityproduct,
  quote,
  quotedetail,
  salesorder,
  salesorderdetail,
  product,
  pricelevel,
  productpricelevel,
  uom,
  uomschedule,
  transactioncurrency,
  systemuser,
  businessunit,
  organization,
  serviceendpoint,
  sdkmessage,
  sdkmessagefilter,
  sdkmessageprocessingstep,
  sdkmessageprocessingstepimage,
  asyncoperation,
  opportunityclose,
  quoteclose,
  orderclose,
];

/** The metadata of the simulated org (static; alternate keys live in the store). */
export const metadata = new Metadata(TABLES);
