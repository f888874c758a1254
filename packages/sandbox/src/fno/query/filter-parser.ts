import { queryNotValid } from '../errors';

/**
 * A hand-written recursive-descent parser for the `$filter` subset F&O accepts. Hand-written rather
 * than @odata/parser because F&O's answers are what matter: `in` and `has` must be refused the way
 * F&O refuses them (the generic parser either accepts them or fails with "Unexpected character"),
 * enum literals (`Microsoft.Dynamics.DataEntities.NoYes'Yes'`) and `eq '*x*'` wildcards need
 * F&O semantics, and errors must carry ODataLib's messages and positions. Its AST is also much
 * smaller to evaluate over 100,000 rows.
 */

export type ComparisonOperator = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';
export type ArithmeticOperator = 'add' | 'sub' | 'mul' | 'div' | 'divby' | 'mod';
export type LogicalOperator = 'and' | 'or';
export type BinaryOperator = ComparisonOperator | ArithmeticOperator | LogicalOperator;

export type Literal =
  | { kind: 'literal'; type: 'string'; value: string }
  | { kind: 'literal'; type: 'number'; value: number; integer: boolean }
  | { kind: 'literal'; type: 'boolean'; value: boolean }
  | { kind: 'literal'; type: 'null' }
  | { kind: 'literal'; type: 'datetime'; value: string }
  | { kind: 'literal'; type: 'date'; value: string }
  | { kind: 'literal'; type: 'guid'; value: string }
  | { kind: 'literal'; type: 'enum'; enumType: string; value: string; raw: string };

export type FilterNode =
  | Literal
  | { kind: 'property'; name: string; position: number }
  | { kind: 'binary'; operator: BinaryOperator; left: FilterNode; right: FilterNode }
  | { kind: 'not'; operand: FilterNode }
  | { kind: 'negate'; operand: FilterNode };

type Token =
  | { type: 'identifier'; text: string; position: number }
  | { type: 'literal'; literal: Literal; position: number }
  | { type: 'punctuation'; text: '(' | ')' | ',' | '/'; position: number }
  | { type: 'end'; position: number };

const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,7})?)?(?:Z|[+-]\d{2}:\d{2})/;
const DATE = /^\d{4}-\d{2}-\d{2}(?![\dT])/;
const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?![0-9a-zA-Z])/;
const NUMBER = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?[mMdDfFlL]?(?![A-Za-z0-9_])/;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*/;

/** Syntax error with ODataLib's wording: `Syntax error at position 12 in 'Name eq'.` */
function syntaxError(position: number, text: string): never {
  throw queryNotValid(`Syntax error at position ${position} in '${text}'.`);
}

/** `in` and `has` are refused (fno.md §4); the body is UNCONFIRMED, shaped like Web API's. */
function notImplemented(): never {
  throw queryNotValid('The method or operation is not implemented.', 'System.NotImplementedException');
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const char = text[i] as string;
    if (char === ' ' || char === '\t' || char === '\n' || char === '\r') {
      i += 1;
      continue;
    }
    const rest = text.slice(i);
    if (char === '(' || char === ')' || char === ',' || char === '/') {
      tokens.push({ type: 'punctuation', text: char, position: i });
      i += 1;
      continue;
    }
    if (char === "'") {
      const [value, end] = readString(text, i);
      tokens.push({ type: 'literal', literal: { kind: 'literal', type: 'string', value }, position: i });
      i = end;
      continue;
    }
    const guid = GUID.exec(rest);
    if (guid) {
      tokens.push({
        type: 'literal',
        literal: { kind: 'literal', type: 'guid', value: guid[0].toLowerCase() },
        position: i,
      });
      i += guid[0].length;
      continue;
    }
    const datetime = DATETIME.exec(rest);
    if (datetime) {
      tokens.push({
        type: 'literal',
        literal: { kind: 'literal', type: 'datetime', value: datetime[0] },
        position: i,
      });
      i += datetime[0].length;
      continue;
    }
    const date = DATE.exec(rest);
    if (date) {
      tokens.push({
        type: 'literal',
        literal: { kind: 'literal', type: 'date', value: date[0] },
        position: i,
      });
      i += date[0].length;
      continue;
    }
    const number = NUMBER.exec(rest);
    // A leading minus is a number only where an operand is expected; otherwise it is unary negation.
    if (number && (char !== '-' || expectsOperand(tokens))) {
      const raw = number[0].replace(/[mMdDfFlL]$/, '');
      const value = Number(raw);
      if (!Number.isFinite(value)) syntaxError(i, text);
      tokens.push({
        type: 'literal',
        literal: { kind: 'literal', type: 'number', value, integer: /^-?\d+$/.test(raw) },
        position: i,
      });
      i += number[0].length;
      continue;
    }
    if (char === '-') {
      tokens.push({ type: 'identifier', text: '-', position: i });
      i += 1;
      continue;
    }
    const identifier = IDENTIFIER.exec(rest);
    if (identifier) {
      const name = identifier[0];
      const after = i + name.length;
      if (text[after] === "'" && name.includes('.')) {
        const [value, end] = readString(text, after);
        const enumType = name.slice(name.lastIndexOf('.') + 1);
        const raw = text.slice(i, end);
        tokens.push({
          type: 'literal',
          literal: { kind: 'literal', type: 'enum', enumType, value, raw },
          position: i,
        });
        i = end;
        continue;
      }
      tokens.push({ type: 'identifier', text: name, position: i });
      i = after;
      continue;
    }
    syntaxError(i, text);
  }
  tokens.push({ type: 'end', position: text.length });
  return tokens;
}

function expectsOperand(tokens: readonly Token[]): boolean {
  const last = tokens[tokens.length - 1];
  if (!last) return true;
  if (last.type === 'punctuation') return last.text !== ')';
  if (last.type === 'identifier') return KEYWORDS.has(last.text) || last.text === '-';
  return false;
}

function readString(text: string, start: number): [string, number] {
  let value = '';
  let i = start + 1;
  while (i < text.length) {
    const char = text[i] as string;
    if (char === "'") {
      if (text[i + 1] === "'") {
        value += "'";
        i += 2;
        continue;
      }
      return [value, i + 1];
    }
    value += char;
    i += 1;
  }
  throw queryNotValid(`There is an unterminated string literal at position ${start} in '${text}'.`);
}

const KEYWORDS = new Set([
  'and',
  'or',
  'not',
  'eq',
  'ne',
  'gt',
  'ge',
  'lt',
  'le',
  'add',
  'sub',
  'mul',
  'div',
  'divby',
  'mod',
  'in',
  'has',
]);

/** Parses a `$filter` value into an AST; throws `FnoError` (400) with ODataLib's messages. */
export function parseFilter(text: string): FilterNode {
  const tokens = tokenize(text);
  let index = 0;

  const peek = (): Token => tokens[index] as Token;
  const keyword = (word: string): boolean => {
    const token = peek();
    return token.type === 'identifier' && token.text === word;
  };
  const advance = (): Token => tokens[index++] as Token;

  const binaryLevel = (operators: readonly BinaryOperator[], next: () => FilterNode): (() => FilterNode) => {
    return () => {
      let left = next();
      for (;;) {
        const token = peek();
        if (token.type !== 'identifier') return left;
        const operator = operators.find((candidate) => candidate === token.text);
        if (!operator) return left;
        advance();
        left = { kind: 'binary', operator, left, right: next() };
      }
    };
  };

  const primary = (): FilterNode => {
    const token = advance();
    if (token.type === 'literal') return token.literal;
    if (token.type === 'punctuation' && token.text === '(') {
      const inner = orExpression();
      const close = advance();
      if (close.type !== 'punctuation' || close.text !== ')') syntaxError(close.position, text);
      return inner;
    }
    if (token.type === 'identifier') {
      if (token.text === 'not') return { kind: 'not', operand: primary() };
      if (token.text === '-') return { kind: 'negate', operand: primary() };
      if (token.text === 'true' || token.text === 'false') {
        return { kind: 'literal', type: 'boolean', value: token.text === 'true' };
      }
      if (token.text === 'null') return { kind: 'literal', type: 'null' };
      if (KEYWORDS.has(token.text)) syntaxError(token.position, text);
      const next = peek();
      if (next.type === 'punctuation' && next.text === '(') {
        // contains(), startswith(), …: not among the documented operators (fno.md §4).
        if (KNOWN_FUNCTIONS.has(token.text)) notImplemented();
        throw queryNotValid(
          `An unknown function with name '${token.text}' was found. This may also be a function import or a key lookup on a navigation property, which is not allowed.`,
        );
      }
      if (next.type === 'punctuation' && next.text === '/') syntaxError(next.position, text);
      return { kind: 'property', name: token.text, position: token.position };
    }
    return syntaxError(token.position, text);
  };

  const multiplicative = binaryLevel(['mul', 'div', 'divby', 'mod'], primary);
  const additive = binaryLevel(['add', 'sub'], multiplicative);
  const relational = (): FilterNode => {
    const left = binaryLevel(['gt', 'ge', 'lt', 'le'], additive)();
    if (keyword('in') || keyword('has')) notImplemented();
    return left;
  };
  const equality = binaryLevel(['eq', 'ne'], relational);
  const andExpression = binaryLevel(['and'], equality);
  const orExpression: () => FilterNode = binaryLevel(['or'], andExpression);

  const tree = orExpression();
  const last = peek();
  if (last.type !== 'end') {
    if (last.type === 'identifier' && (last.text === 'in' || last.text === 'has')) notImplemented();
    syntaxError(last.position, text);
  }
  return tree;
}

const KNOWN_FUNCTIONS = new Set([
  'contains',
  'startswith',
  'endswith',
  'substringof',
  'length',
  'indexof',
  'substring',
  'tolower',
  'toupper',
  'trim',
  'concat',
  'year',
  'month',
  'day',
  'hour',
  'minute',
  'second',
  'date',
  'time',
  'now',
  'round',
  'floor',
  'ceiling',
  'cast',
  'isof',
]);
