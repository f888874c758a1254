import { errors } from '../../errors';
import type { ComparisonOperator, FilterExpr, LiteralType } from './ast';
import { type Token, tokenize } from './lexer';

const COMPARISONS: readonly ComparisonOperator[] = ['eq', 'ne', 'gt', 'ge', 'lt', 'le'];

function isComparison(text: string): text is ComparisonOperator {
  return (COMPARISONS as readonly string[]).includes(text);
}

/**
 * Parses a `$filter` expression with the precedence of the OData library Dataverse uses
 * (or < and < comparison < not/primary), so `not name eq 'x'` negates `name`, not the comparison.
 * Errors carry that library's wording and 0-based positions.
 */
export function parseFilter(text: string, aliases?: ReadonlyMap<string, string>): FilterExpr {
  return new FilterParser(text, tokenize(text, aliases)).parse();
}

class FilterParser {
  private index = 0;

  constructor(
    private readonly text: string,
    private readonly tokens: Token[],
  ) {}

  parse(): FilterExpr {
    if (this.peek().kind === 'end') throw this.expressionExpected();
    const expr = this.parseOr();
    const next = this.peek();
    if (next.kind !== 'end') throw this.syntaxError(next.position);
    return expr;
  }

  private peek(): Token {
    const token = this.tokens[this.index];
    if (!token) throw new Error('token index out of range');
    return token;
  }

  private advance(): Token {
    const token = this.peek();
    if (token.kind !== 'end') this.index++;
    return token;
  }

  private isKeyword(word: string): boolean {
    const token = this.peek();
    return token.kind === 'identifier' && token.text === word;
  }

  private isPunct(text: string): boolean {
    const token = this.peek();
    return token.kind === 'punct' && token.text === text;
  }

  private parseOr(): FilterExpr {
    let left = this.parseAnd();
    while (this.isKeyword('or')) {
      const position = this.advance().position;
      left = { kind: 'logical', operator: 'or', left, right: this.parseAnd(), position };
    }
    return left;
  }

  private parseAnd(): FilterExpr {
    let left = this.parseComparison();
    while (this.isKeyword('and')) {
      const position = this.advance().position;
      left = { kind: 'logical', operator: 'and', left, right: this.parseComparison(), position };
    }
    return left;
  }

  private parseComparison(): FilterExpr {
    let left = this.parseUnary();
    for (;;) {
      const token = this.peek();
      if (token.kind !== 'identifier' || !isComparison(token.text)) return left;
      this.advance();
      const right = this.parseUnary();
      left = {
        kind: 'compare',
        operator: token.text,
        left,
        right,
        position: token.position,
      };
    }
  }

  private parseUnary(): FilterExpr {
    if (this.isKeyword('not')) {
      const position = this.advance().position;
      return { kind: 'not', operand: this.parseUnary(), position };
    }
    return this.parsePrimary();
  }

  private parsePrimary(): FilterExpr {
    const token = this.peek();
    switch (token.kind) {
      case 'end':
        throw this.expressionExpected();
      case 'string':
        this.advance();
        return literal('Edm.String', token.value, token.position);
      case 'number':
        this.advance();
        return numberLiteral(token.text, token.position);
      case 'guid':
        this.advance();
        return literal('Edm.Guid', token.text.toLowerCase(), token.position);
      case 'datetime':
        this.advance();
        return literal('Edm.DateTimeOffset', token.text, token.position);
      case 'date':
        this.advance();
        return literal('Edm.Date', token.text, token.position);
      case 'punct':
        if (token.text === '(') {
          this.advance();
          const inner = this.parseOr();
          if (!this.isPunct(')')) throw this.closeParenOrOperator();
          this.advance();
          return inner;
        }
        if (token.text === '[') return this.parseArray();
        throw this.expressionExpected();
      case 'identifier':
        return this.parseIdentifier(token);
    }
  }

  private parseIdentifier(token: Extract<Token, { kind: 'identifier' }>): FilterExpr {
    this.advance();
    switch (token.text) {
      case 'null':
        return literal('Null', null, token.position);
      case 'true':
        return literal('Edm.Boolean', true, token.position);
      case 'false':
        return literal('Edm.Boolean', false, token.position);
      case 'and':
      case 'or':
      case 'eq':
      case 'ne':
      case 'gt':
      case 'ge':
      case 'lt':
      case 'le':
        throw this.expressionExpected(token.position);
    }
    if (this.isPunct('(')) return this.parseCall(token.text, token.position);
    const path = [token.text];
    while (this.isPunct('/')) {
      this.advance();
      const next = this.peek();
      if (next.kind !== 'identifier') throw this.syntaxError(next.position);
      this.advance();
      if (this.isPunct('(') && (next.text === 'any' || next.text === 'all')) {
        throw errors.notImplemented(`The lambda operator '${next.text}' in $filter`);
      }
      path.push(next.text);
    }
    return { kind: 'property', path, position: token.position };
  }

  private parseCall(name: string, position: number): FilterExpr {
    this.advance(); // (
    const args: FilterExpr[] = [];
    const named = new Map<string, FilterExpr>();
    if (this.isPunct(')')) {
      this.advance();
      return { kind: 'call', name, args, named, position };
    }
    for (;;) {
      const token = this.peek();
      const next = this.tokens[this.index + 1];
      if (token.kind === 'identifier' && next?.kind === 'punct' && next.text === '=') {
        this.advance();
        this.advance();
        named.set(token.text, this.parseOr());
      } else {
        args.push(this.parseOr());
      }
      if (this.isPunct(',')) {
        this.advance();
        continue;
      }
      if (this.isPunct(')')) {
        this.advance();
        return { kind: 'call', name, args, named, position };
      }
      throw errors.badRequest(`')' or ',' expected at position ${this.peek().position} in '${this.text}'.`);
    }
  }

  private parseArray(): FilterExpr {
    const position = this.advance().position; // [
    const items: FilterExpr[] = [];
    if (this.isPunct(']')) {
      this.advance();
      return { kind: 'array', items, position };
    }
    for (;;) {
      items.push(this.parsePrimary());
      if (this.isPunct(',')) {
        this.advance();
        continue;
      }
      if (this.isPunct(']')) {
        this.advance();
        return { kind: 'array', items, position };
      }
      throw errors.badRequest(`']' or ',' expected at position ${this.peek().position} in '${this.text}'.`);
    }
  }

  private expressionExpected(position = this.peek().position) {
    return errors.badRequest(`Expression expected at position ${position} in '${this.text}'.`);
  }

  private closeParenOrOperator() {
    return errors.badRequest(
      `')' or operator expected at position ${this.peek().position} in '${this.text}'.`,
    );
  }

  private syntaxError(position: number) {
    return errors.badRequest(`Syntax error at position ${position} in '${this.text}'.`);
  }
}

function literal(type: LiteralType, value: string | number | boolean | null, position: number): FilterExpr {
  return { kind: 'literal', type, value, position };
}

function numberLiteral(text: string, position: number): FilterExpr {
  const suffix = /[mMdDfFlL]$/.exec(text)?.[0];
  const digits = suffix ? text.slice(0, -1) : text;
  const value = Number(digits);
  if (/[.eE]/.test(digits) || suffix === 'm' || suffix === 'M')
    return literal('Edm.Decimal', value, position);
  if (suffix === 'd' || suffix === 'D' || suffix === 'f' || suffix === 'F')
    return literal('Edm.Double', value, position);
  return literal(Math.abs(value) > 2_147_483_647 ? 'Edm.Int64' : 'Edm.Int32', value, position);
}
