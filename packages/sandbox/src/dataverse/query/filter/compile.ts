import { errors } from '../../errors';
import type { EntityModel, Metadata } from '../../metadata/registry';
import { type AttributeDef, type EdmType, edmTypeOf, isLookup } from '../../metadata/types';
import type { Store } from '../../store/store';
import { isEntityRef, type StoredRow, type Value } from '../../store/types';
import type { ComparisonOperator, FilterExpr, LiteralType } from './ast';

/** What a compiled filter needs besides the row: related rows (lookup paths) and the clock. */
export interface FilterContext {
  metadata: Metadata;
  store: Store;
  now: () => Date;
}

export type RowPredicate = (row: StoredRow) => boolean;

/** A normalised value: strings lower-cased (compares are case-insensitive), dates as epoch ms. */
type Comparable = string | number | boolean | null;

type NodeType = EdmType | 'Null';

interface Compiled {
  type: NodeType;
  /** Boolean nodes answer true, false or null (unknown), as SQL does. */
  get(row: StoredRow | undefined): Comparable;
}

const OPERATOR_KIND: Record<ComparisonOperator | 'and' | 'or', string> = {
  eq: 'Equal',
  ne: 'NotEqual',
  gt: 'GreaterThan',
  ge: 'GreaterThanOrEqual',
  lt: 'LessThan',
  le: 'LessThanOrEqual',
  and: 'And',
  or: 'Or',
};

/**
 * Checks a parsed `$filter` against a table (properties, types, functions) and turns it into a
 * predicate. Semantics follow the SQL the platform generates: a comparison with a null column is
 * unknown (so `ne` does not match nulls), `eq null` / `ne null` test for null, string compares
 * are case-insensitive.
 */
export function compileFilter(expr: FilterExpr, model: EntityModel, context: FilterContext): RowPredicate {
  const compiled = new FilterCompiler(context).compile(expr, model);
  if (compiled.type !== 'Edm.Boolean' && compiled.type !== 'Null') {
    throw errors.badRequest(`The $filter expression must evaluate to a single boolean value.`);
  }
  return (row) => compiled.get(row) === true;
}

class FilterCompiler {
  constructor(private readonly context: FilterContext) {}

  compile(expr: FilterExpr, model: EntityModel): Compiled {
    switch (expr.kind) {
      case 'literal':
        return constant(expr.type, literalComparable(expr.type, expr.value));
      case 'property':
        return this.property(expr.path, model);
      case 'compare':
        return this.comparison(
          expr.operator,
          this.compile(expr.left, model),
          this.compile(expr.right, model),
        );
      case 'logical': {
        const left = this.compile(expr.left, model);
        const right = this.compile(expr.right, model);
        for (const side of [left, right]) {
          if (side.type !== 'Edm.Boolean' && side.type !== 'Null') {
            throw incompatible(left.type, right.type, expr.operator);
          }
        }
        return expr.operator === 'and'
          ? bool((row) => kleeneAnd(asTri(left.get(row)), () => asTri(right.get(row))))
          : bool((row) => kleeneOr(asTri(left.get(row)), () => asTri(right.get(row))));
      }
      case 'not': {
        const operand = this.compile(expr.operand, model);
        if (operand.type !== 'Edm.Boolean' && operand.type !== 'Null') {
          throw errors.badRequest(
            `A unary operator with an incompatible type was detected. Found operand type '${operand.type}' for operator kind 'Not'.`,
          );
        }
        return bool((row) => {
          const value = asTri(operand.get(row));
          return value === null ? null : !value;
        });
      }
      case 'call':
        return this.call(expr, model);
      case 'array':
        throw errors.badRequest(
          `Syntax error at position ${expr.position}: a collection is only valid as a function parameter.`,
        );
    }
  }

  private property(path: readonly string[], model: EntityModel): Compiled {
    const [head, ...rest] = path;
    if (head === undefined) throw new Error('empty property path');
    if (rest.length === 0) {
      const attribute = model.properties.get(head);
      if (attribute) {
        const name = attribute.logicalName;
        return { type: edmTypeOf(attribute), get: (row) => toComparable(attribute, row?.values[name]) };
      }
    }
    const navigation = model.navigations.get(head);
    if (!navigation) throw errors.propertyNotFound(model.typeName, head);
    if (navigation.kind === 'collection') {
      const next = rest[0] ?? head;
      throw errors.badRequest(
        `The parent value for a property access of a property '${next}' is not a single value. Property access can only be applied to a single value.`,
      );
    }
    const lookupName = navigation.attribute.logicalName;
    const targetName = navigation.target.def.logicalName;
    const related = (row: StoredRow | undefined): StoredRow | undefined => {
      const ref = row?.values[lookupName];
      if (!isEntityRef(ref) || ref.logicalName !== targetName) return undefined;
      return this.context.store.get(targetName, ref.id);
    };
    if (rest.length === 0) {
      return { type: 'Edm.Guid', get: (row) => related(row)?.id ?? null };
    }
    const inner = this.property(rest, navigation.target);
    return { type: inner.type, get: (row) => inner.get(related(row)) };
  }

  private comparison(operator: ComparisonOperator, left: Compiled, right: Compiled): Compiled {
    if (!compatible(left.type, right.type)) throw incompatible(left.type, right.type, operator);
    if (left.type === 'Null' || right.type === 'Null') {
      const other = left.type === 'Null' ? right : left;
      if (operator === 'eq') return bool((row) => other.get(row) === null);
      if (operator === 'ne') return bool((row) => other.get(row) !== null);
      return bool(() => null);
    }
    return bool((row) => {
      const a = left.get(row);
      const b = right.get(row);
      if (a === null || b === null) return null;
      switch (operator) {
        case 'eq':
          return a === b;
        case 'ne':
          return a !== b;
        case 'gt':
          return a > b;
        case 'ge':
          return a >= b;
        case 'lt':
          return a < b;
        case 'le':
          return a <= b;
      }
    });
  }

  private call(expr: Extract<FilterExpr, { kind: 'call' }>, model: EntityModel): Compiled {
    const name = expr.name;
    if (name === 'contains' || name === 'startswith' || name === 'endswith') {
      const args = expr.args.map((a) => this.compile(a, model));
      const [subject, search] = args;
      if (
        args.length !== 2 ||
        !subject ||
        !search ||
        !isStringish(subject.type) ||
        !isStringish(search.type)
      ) {
        throw errors.badRequest(
          `No function signature for the function with name '${name}' matches the specified arguments. The function signatures considered are: ${name}(Edm.String Nullable=true, Edm.String Nullable=true).`,
        );
      }
      return bool((row) => {
        const a = subject.get(row);
        const b = search.get(row);
        if (typeof a !== 'string' || typeof b !== 'string') return null;
        if (name === 'contains') return a.includes(b);
        return name === 'startswith' ? a.startsWith(b) : a.endsWith(b);
      });
    }
    const crmPrefix = 'Microsoft.Dynamics.CRM.';
    if (name.startsWith(crmPrefix)) return this.queryFunction(name.slice(crmPrefix.length), expr, model);
    throw errors.badRequest(
      `An unknown function with name '${name}' was found. This may also be a function import or a key lookup on a navigation property, which is not allowed.`,
    );
  }

  /** The `Microsoft.Dynamics.CRM.<Fn>(PropertyName='x',PropertyValue(s)=…)` query functions. */
  private queryFunction(
    fn: string,
    expr: Extract<FilterExpr, { kind: 'call' }>,
    model: EntityModel,
  ): Compiled {
    const propertyName = stringArgument(expr.named.get('PropertyName'));
    if (propertyName === undefined) {
      throw errors.badRequest(
        `The function 'Microsoft.Dynamics.CRM.${fn}' requires the parameter 'PropertyName'.`,
      );
    }
    const attribute = queryFunctionAttribute(model, propertyName);
    if (!attribute) throw errors.propertyNotFound(model.typeName, propertyName);
    const column = attribute.logicalName;
    const read = (row: StoredRow | undefined) => toComparable(attribute, row?.values[column]);
    const values = (key: 'PropertyValue' | 'PropertyValues'): Comparable[] => {
      const node = expr.named.get(key);
      const items = node?.kind === 'array' ? node.items : node ? [node] : [];
      return items.map((item) => {
        if (item.kind !== 'literal')
          throw errors.badRequest(`The parameter '${key}' of '${fn}' must be a literal.`);
        return fromText(attribute, item.value);
      });
    };
    const dayStart = (offsetDays: number) => {
      const now = this.context.now();
      return Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + offsetDays);
    };
    switch (fn) {
      case 'In':
      case 'NotIn': {
        const set = new Set(values('PropertyValues'));
        return bool((row) => {
          const value = read(row);
          if (value === null) return null;
          return fn === 'In' ? set.has(value) : !set.has(value);
        });
      }
      case 'Between':
      case 'NotBetween': {
        const [low, high] = values('PropertyValues');
        if (low === undefined || high === undefined || low === null || high === null) {
          throw errors.badRequest(`The function '${fn}' expects two values in 'PropertyValues'.`);
        }
        return bool((row) => {
          const value = read(row);
          if (value === null) return null;
          const inside = value >= low && value <= high;
          return fn === 'Between' ? inside : !inside;
        });
      }
      case 'Null':
        return bool((row) => read(row) === null);
      case 'NotNull':
        return bool((row) => read(row) !== null);
      case 'On':
      case 'OnOrAfter':
      case 'OnOrBefore': {
        const [day] = values('PropertyValue');
        if (typeof day !== 'number')
          throw errors.badRequest(`The function '${fn}' expects a date 'PropertyValue'.`);
        const start = day - (day % 86_400_000);
        const end = start + 86_400_000;
        return bool((row) => {
          const value = read(row);
          if (typeof value !== 'number') return null;
          if (fn === 'On') return value >= start && value < end;
          return fn === 'OnOrAfter' ? value >= start : value < end;
        });
      }
      case 'LastXDays':
      case 'NextXDays': {
        const [count] =
          expr.named.get('PropertyValue')?.kind === 'literal'
            ? [literalNumber(expr.named.get('PropertyValue'))]
            : [];
        if (count === undefined)
          throw errors.badRequest(`The function '${fn}' expects a number 'PropertyValue'.`);
        return bool((row) => {
          const value = read(row);
          if (typeof value !== 'number') return null;
          const now = this.context.now().getTime();
          return fn === 'LastXDays'
            ? value >= dayStart(-count) && value <= now
            : value >= now && value < dayStart(count + 1);
        });
      }
      case 'Today':
      case 'Yesterday':
      case 'Tomorrow': {
        const offset = fn === 'Today' ? 0 : fn === 'Yesterday' ? -1 : 1;
        return bool((row) => {
          const value = read(row);
          if (typeof value !== 'number') return null;
          return value >= dayStart(offset) && value < dayStart(offset + 1);
        });
      }
      default:
        throw errors.notImplemented(`The query function 'Microsoft.Dynamics.CRM.${fn}'`);
    }
  }
}

/**
 * The column a query function's `PropertyName` names: a Web API property (`_x_value` for a
 * lookup) or a readable column's logical name.
 */
export function queryFunctionAttribute(model: EntityModel, propertyName: string): AttributeDef | undefined {
  const byLogicalName = model.attributes.get(propertyName);
  return model.properties.get(propertyName) ?? (byLogicalName?.validForRead ? byLogicalName : undefined);
}

function constant(type: LiteralType, value: Comparable): Compiled {
  return { type: type === 'Null' ? 'Null' : type, get: () => value };
}

function bool(get: (row: StoredRow | undefined) => boolean | null): Compiled {
  return { type: 'Edm.Boolean', get };
}

function asTri(value: Comparable): boolean | null {
  return typeof value === 'boolean' ? value : null;
}

function kleeneAnd(a: boolean | null, b: () => boolean | null): boolean | null {
  if (a === false) return false;
  const right = b();
  if (right === false) return false;
  return a === null || right === null ? null : true;
}

function kleeneOr(a: boolean | null, b: () => boolean | null): boolean | null {
  if (a === true) return true;
  const right = b();
  if (right === true) return true;
  return a === null || right === null ? null : false;
}

type Family = 'string' | 'number' | 'boolean' | 'guid' | 'date' | 'null';

function family(type: NodeType): Family {
  switch (type) {
    case 'Edm.String':
      return 'string';
    case 'Edm.Int32':
    case 'Edm.Int64':
    case 'Edm.Decimal':
    case 'Edm.Double':
      return 'number';
    case 'Edm.Boolean':
      return 'boolean';
    case 'Edm.Guid':
      return 'guid';
    case 'Edm.Date':
    case 'Edm.DateTimeOffset':
      return 'date';
    case 'Null':
      return 'null';
  }
}

function compatible(a: NodeType, b: NodeType): boolean {
  return a === 'Null' || b === 'Null' || family(a) === family(b);
}

function isStringish(type: NodeType): boolean {
  return type === 'Edm.String' || type === 'Null';
}

function incompatible(left: NodeType, right: NodeType, operator: ComparisonOperator | 'and' | 'or') {
  return errors.badRequest(
    `A binary operator with incompatible types was detected. Found operand types '${left}' and '${right}' for operator kind '${OPERATOR_KIND[operator]}'.`,
  );
}

function literalComparable(type: LiteralType, value: string | number | boolean | null): Comparable {
  if (value === null) return null;
  switch (type) {
    case 'Edm.String':
    case 'Edm.Guid':
      return String(value).toLowerCase();
    case 'Edm.DateTimeOffset':
      return Date.parse(String(value));
    case 'Edm.Date':
      return Date.parse(`${String(value)}T00:00:00Z`);
    default:
      return value;
  }
}

function literalNumber(expr: FilterExpr | undefined): number | undefined {
  if (expr?.kind !== 'literal') return undefined;
  const value = typeof expr.value === 'number' ? expr.value : Number(expr.value);
  return Number.isFinite(value) ? value : undefined;
}

function stringArgument(expr: FilterExpr | undefined): string | undefined {
  return expr?.kind === 'literal' && typeof expr.value === 'string' ? expr.value : undefined;
}

/** A stored column value in comparable form. */
export function toComparable(attribute: AttributeDef, value: Value | undefined): Comparable {
  if (value === undefined) return null;
  if (isEntityRef(value)) return value.id;
  if (isLookup(attribute)) return null;
  switch (attribute.type) {
    case 'String':
    case 'Memo':
    case 'Uniqueidentifier':
      return typeof value === 'string' ? value.toLowerCase() : null;
    case 'DateTime':
      return typeof value === 'string'
        ? Date.parse(attribute.format === 'DateOnly' ? `${value}T00:00:00Z` : value)
        : null;
    default:
      return value;
  }
}

/** A query-function parameter (always written as text or a number) in comparable form. */
function fromText(attribute: AttributeDef, raw: string | number | boolean | null): Comparable {
  if (raw === null) return null;
  const text = String(raw);
  switch (attribute.type) {
    case 'String':
    case 'Memo':
    case 'Uniqueidentifier':
    case 'Lookup':
    case 'Customer':
    case 'Owner':
      return text.toLowerCase();
    case 'DateTime':
      return Date.parse(/T/.test(text) ? text : `${text}T00:00:00Z`);
    case 'Boolean':
      return text === 'true' || text === '1';
    default:
      return Number(text);
  }
}
