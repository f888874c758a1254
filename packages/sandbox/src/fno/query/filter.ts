import { queryNotValid } from '../errors';
import { enumMember } from '../metadata/enums';
import type { EntityDef, EnumDef, PropertyDef, Value } from '../metadata/types';
import { NAMESPACE } from '../metadata/types';
import type { Row } from '../store/table';
import { type BinaryOperator, type FilterNode, type Literal, parseFilter } from './filter-parser';

/**
 * Type-checks a `$filter` AST against an entity and compiles it into a predicate over stored rows,
 * with F&O's semantics: strings compare case-insensitively (SQL collation), `eq '*x*'` / `ne '*x*'`
 * are wildcard matches, enums compare by member and only with eq/ne, date-only values sit at
 * 12:00:00Z.
 */
export type RowPredicate = (row: Row) => boolean;

type Family = 'string' | 'number' | 'datetime' | 'guid' | 'enum' | 'boolean' | 'null';

interface Typed {
  family: Family;
  /** Edm name for messages, e.g. `Edm.String` or `Microsoft.Dynamics.DataEntities.NoYes`. */
  edm: string;
  enumName?: string;
  /** The enum of an enum-typed property. */
  enumDef?: EnumDef;
  /** The literal as written (enum literals, for messages). */
  raw?: string;
  /** Set when the operand is a constant: its value for comparisons. */
  constant?: Value | boolean | null;
  /** A string literal containing `*` (F&O wildcard). */
  wildcard?: boolean;
  evaluate(row: Row): Value | boolean | null;
}

const OPERATOR_KIND: Record<BinaryOperator, string> = {
  eq: 'Equal',
  ne: 'NotEqual',
  gt: 'GreaterThan',
  ge: 'GreaterThanOrEqual',
  lt: 'LessThan',
  le: 'LessThanOrEqual',
  and: 'And',
  or: 'Or',
  add: 'Add',
  sub: 'Subtract',
  mul: 'Multiply',
  div: 'Divide',
  divby: 'Divide',
  mod: 'Modulo',
};

export function compileFilter(def: EntityDef, text: string): RowPredicate {
  const typed = compileNode(def, parseFilter(text));
  if (typed.family !== 'boolean')
    throw queryNotValid('The $filter expression must evaluate to a single boolean value.');
  return (row) => typed.evaluate(row) === true;
}

function compileNode(def: EntityDef, node: FilterNode): Typed {
  switch (node.kind) {
    case 'literal':
      return literal(node);
    case 'property':
      return property(def, node.name);
    case 'not': {
      const operand = compileNode(def, node.operand);
      if (operand.family !== 'boolean') {
        throw queryNotValid(
          `A unary operator with an incompatible type was detected. Found operand type '${operand.edm}' for operator kind 'Not'.`,
        );
      }
      return { family: 'boolean', edm: 'Edm.Boolean', evaluate: (row) => operand.evaluate(row) !== true };
    }
    case 'negate': {
      const operand = compileNode(def, node.operand);
      if (operand.family !== 'number') {
        throw queryNotValid(
          `A unary operator with an incompatible type was detected. Found operand type '${operand.edm}' for operator kind 'Negate'.`,
        );
      }
      return { family: 'number', edm: operand.edm, evaluate: (row) => -(operand.evaluate(row) as number) };
    }
    case 'binary':
      return binary(node.operator, compileNode(def, node.left), compileNode(def, node.right));
  }
}

function literal(node: Literal): Typed {
  switch (node.type) {
    case 'string':
      return constant('string', 'Edm.String', node.value, { wildcard: node.value.includes('*') });
    case 'number':
      return constant('number', node.integer ? 'Edm.Int32' : 'Edm.Decimal', node.value);
    case 'boolean':
      return constant('boolean', 'Edm.Boolean', node.value);
    case 'null':
      return constant('null', 'null', null);
    case 'datetime':
    case 'date': {
      const ms = Date.parse(node.type === 'date' ? `${node.value}T00:00:00Z` : node.value);
      if (Number.isNaN(ms))
        throw queryNotValid(
          `Unrecognized '${node.type === 'date' ? 'Edm.Date' : 'Edm.DateTimeOffset'}' literal '${node.value}'.`,
        );
      return constant('datetime', node.type === 'date' ? 'Edm.Date' : 'Edm.DateTimeOffset', ms);
    }
    case 'guid':
      return constant('guid', 'Edm.Guid', node.value);
    case 'enum':
      return constant('enum', `${NAMESPACE}.${node.enumType}`, node.value, {
        enumName: node.enumType,
        raw: node.raw,
      });
  }
}

function constant(
  family: Family,
  edm: string,
  value: Value | boolean | null,
  extra: { wildcard?: boolean; enumName?: string; raw?: string } = {},
): Typed {
  const typed: Typed = { family, edm, constant: value, evaluate: () => value };
  if (extra.wildcard) typed.wildcard = true;
  if (extra.enumName) typed.enumName = extra.enumName;
  if (extra.raw) typed.raw = extra.raw;
  return typed;
}

function property(def: EntityDef, name: string): Typed {
  const prop = def.property(name);
  if (!prop) {
    throw queryNotValid(`Could not find a property named '${name}' on type '${NAMESPACE}.${def.typeName}'.`);
  }
  const empty = prop.empty;
  const read = (row: Row): Value => row.values[name] ?? empty;
  switch (prop.kind) {
    case 'string':
      return { family: 'string', edm: 'Edm.String', evaluate: read };
    case 'guid':
      return { family: 'guid', edm: 'Edm.Guid', evaluate: (row) => String(read(row)).toLowerCase() };
    case 'decimal':
    case 'int32':
    case 'int64':
      return { family: 'number', edm: `Edm.${prop.type}`, evaluate: read };
    case 'date':
    case 'datetime':
      return {
        family: 'datetime',
        edm: 'Edm.DateTimeOffset',
        evaluate: (row) => Date.parse(String(read(row))),
      };
    case 'enum':
      return enumProperty(prop, read);
  }
}

function enumProperty(prop: PropertyDef, read: (row: Row) => Value): Typed {
  const enumName = prop.enumType?.name ?? prop.type;
  const typed: Typed = { family: 'enum', edm: `${NAMESPACE}.${enumName}`, enumName, evaluate: read };
  if (prop.enumType) typed.enumDef = prop.enumType;
  return typed;
}

function binary(operator: BinaryOperator, left: Typed, right: Typed): Typed {
  const incompatible = (): never => {
    throw queryNotValid(
      `A binary operator with incompatible types was detected. Found operand types '${left.edm}' and '${right.edm}' for operator kind '${OPERATOR_KIND[operator]}'.`,
    );
  };

  if (operator === 'and' || operator === 'or') {
    if (left.family !== 'boolean' || right.family !== 'boolean') incompatible();
    const evaluate =
      operator === 'and'
        ? (row: Row) => left.evaluate(row) === true && right.evaluate(row) === true
        : (row: Row) => left.evaluate(row) === true || right.evaluate(row) === true;
    return { family: 'boolean', edm: 'Edm.Boolean', evaluate };
  }

  if (
    operator === 'add' ||
    operator === 'sub' ||
    operator === 'mul' ||
    operator === 'div' ||
    operator === 'divby' ||
    operator === 'mod'
  ) {
    if (left.family !== 'number' || right.family !== 'number') incompatible();
    const apply = ARITHMETIC[operator];
    return {
      family: 'number',
      edm: left.edm === 'Edm.Int32' && right.edm === 'Edm.Int32' ? 'Edm.Int32' : 'Edm.Decimal',
      evaluate: (row) => apply(left.evaluate(row) as number, right.evaluate(row) as number),
    };
  }

  return comparison(operator, left, right, incompatible);
}

const ARITHMETIC: Record<'add' | 'sub' | 'mul' | 'div' | 'divby' | 'mod', (a: number, b: number) => number> =
  {
    add: (a, b) => a + b,
    sub: (a, b) => a - b,
    mul: (a, b) => a * b,
    div: (a, b) => a / b,
    divby: (a, b) => a / b,
    mod: (a, b) => a % b,
  };

function comparison(
  operator: 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le',
  left: Typed,
  right: Typed,
  incompatible: () => never,
): Typed {
  const equality = operator === 'eq' || operator === 'ne';
  const bool = (test: (row: Row) => boolean): Typed => ({
    family: 'boolean',
    edm: 'Edm.Boolean',
    evaluate: test,
  });

  if (left.family === 'null' || right.family === 'null') {
    // Nothing in F&O is null (X++ has no null): `eq null` matches nothing, `ne null` everything.
    if (!equality) incompatible();
    const bothNull = left.family === 'null' && right.family === 'null';
    return bool(() => (operator === 'eq') === bothNull);
  }

  // Enums: only eq/ne (fno.md §4), against a literal of the same type or a member name string.
  if (left.family === 'enum' || right.family === 'enum') {
    if (!equality) incompatible();
    const [prop, other] = left.enumDef ? [left, right] : [right, left];
    if (other.family === 'enum' && other.enumName !== prop.enumName) incompatible();
    if (other.family !== 'enum' && other.family !== 'string') incompatible();
    if (
      other.constant !== undefined &&
      prop.enumDef &&
      enumMember(prop.enumDef, String(other.constant)) === undefined
    ) {
      throw queryNotValid(
        `The string '${other.raw ?? String(other.constant)}' is not a valid enumeration type constant.`,
      );
    }
    const same = (row: Row) => prop.evaluate(row) === other.evaluate(row);
    return bool(operator === 'eq' ? same : (row) => !same(row));
  }

  const families = new Set([left.family, right.family]);
  if (families.size !== 1 || families.has('boolean')) incompatible();
  const family = left.family;

  if (family === 'string' && equality && (left.wildcard || right.wildcard)) {
    const [prop, pattern] = right.wildcard ? [left, right] : [right, left];
    const regex = wildcardRegex(String(pattern.constant));
    const matches = (row: Row) => regex.test(String(prop.evaluate(row)));
    return bool(operator === 'eq' ? matches : (row) => !matches(row));
  }

  if (family === 'guid' && !equality) incompatible();
  const compare = family === 'string' ? compareStrings : compareNumbers;
  const test = TESTS[operator];
  return bool((row) => test(compare(left.evaluate(row), right.evaluate(row))));
}

const TESTS: Record<'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le', (order: number) => boolean> = {
  eq: (order) => order === 0,
  ne: (order) => order !== 0,
  gt: (order) => order > 0,
  ge: (order) => order >= 0,
  lt: (order) => order < 0,
  le: (order) => order <= 0,
};

function compareStrings(a: unknown, b: unknown): number {
  const left = String(a).toLowerCase();
  const right = String(b).toLowerCase();
  return left < right ? -1 : left > right ? 1 : 0;
}

function compareNumbers(a: unknown, b: unknown): number {
  return (a as number) - (b as number);
}

/** `*` matches any run of characters; everything else literally, case-insensitively. */
export function wildcardRegex(pattern: string): RegExp {
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`, 'is');
}
