import { errors } from '../../errors';

/**
 * Tokens of a `$filter` expression. Positions are 0-based offsets into the text, as in the errors
 * of the OData library Dataverse runs on.
 */
export type Token =
  | { kind: 'identifier'; text: string; position: number }
  | { kind: 'string'; value: string; position: number }
  | { kind: 'number'; text: string; position: number }
  | { kind: 'guid'; text: string; position: number }
  | { kind: 'datetime'; text: string; position: number }
  | { kind: 'date'; text: string; position: number }
  | { kind: 'punct'; text: Punctuation; position: number }
  | { kind: 'end'; position: number };

export type Punctuation = '(' | ')' | ',' | '/' | '[' | ']' | '=' | ':';
const PUNCTUATION: readonly Punctuation[] = ['(', ')', ',', '/', '[', ']', '=', ':'];

function isPunctuation(char: string): char is Punctuation {
  return (PUNCTUATION as readonly string[]).includes(char);
}

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?![0-9A-Za-z_])/;
const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2})(?![0-9A-Za-z_])/;
const DATE = /^\d{4}-\d{2}-\d{2}(?![0-9A-Za-z_:T-])/;
const NUMBER = /^-?\d+(\.\d+)?([eE][+-]?\d+)?[mMdDfFlL]?(?![0-9A-Za-z_])/;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*/;

/** Parameter aliases (`@p1`) are replaced by their text before lexing. */
export function tokenize(text: string, aliases: ReadonlyMap<string, string> = new Map()): Token[] {
  const source = substituteAliases(text, aliases);
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const char = source.charAt(i);
    if (char === ' ' || char === '\t' || char === '\r' || char === '\n') {
      i++;
      continue;
    }
    const rest = source.slice(i);
    if (char === "'") {
      let value = '';
      let j = i + 1;
      for (;;) {
        if (j >= source.length) {
          throw errors.badRequest(
            `There is an unterminated literal at position ${source.length} in '${source}'.`,
          );
        }
        const c = source.charAt(j);
        if (c === "'") {
          if (source.charAt(j + 1) === "'") {
            value += "'";
            j += 2;
            continue;
          }
          break;
        }
        value += c;
        j++;
      }
      tokens.push({ kind: 'string', value, position: i });
      i = j + 1;
      continue;
    }
    if (isPunctuation(char)) {
      tokens.push({ kind: 'punct', text: char, position: i });
      i++;
      continue;
    }
    const guid = GUID.exec(rest);
    if (guid) {
      tokens.push({ kind: 'guid', text: guid[0], position: i });
      i += guid[0].length;
      continue;
    }
    const dateTime = DATETIME.exec(rest);
    if (dateTime) {
      tokens.push({ kind: 'datetime', text: dateTime[0], position: i });
      i += dateTime[0].length;
      continue;
    }
    const date = DATE.exec(rest);
    if (date) {
      tokens.push({ kind: 'date', text: date[0], position: i });
      i += date[0].length;
      continue;
    }
    const number = NUMBER.exec(rest);
    if (number) {
      tokens.push({ kind: 'number', text: number[0], position: i });
      i += number[0].length;
      continue;
    }
    const identifier = IDENTIFIER.exec(rest);
    if (identifier) {
      tokens.push({ kind: 'identifier', text: identifier[0], position: i });
      i += identifier[0].length;
      continue;
    }
    throw errors.badRequest(
      `Syntax error: character '${char}' is not valid at position ${i} in '${source}'.`,
    );
  }
  tokens.push({ kind: 'end', position: source.length });
  return tokens;
}

function substituteAliases(text: string, aliases: ReadonlyMap<string, string>): string {
  if (!text.includes('@')) return text;
  let result = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text.charAt(i);
    if (char === "'") inString = !inString;
    if (char === '@' && !inString) {
      const match = /^@[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i));
      if (match) {
        const value = aliases.get(match[0]);
        if (value === undefined) {
          throw errors.badRequest(`Syntax error: character '@' is not valid at position ${i} in '${text}'.`);
        }
        result += value;
        i += match[0].length - 1;
        continue;
      }
    }
    result += char;
  }
  return result;
}
