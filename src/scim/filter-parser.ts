// The SCIM filter and PATCH-path parser (RFC 7644 §3.4.2.2, §3.5.2): text → AST, schema-unaware.
// Hand-written recursive descent with a nesting cap; expected failures are values, never throws.
// On the hot path of every list request: one pass over the text, no tokens array, no regex per char.
import type {
  AttributePath,
  CompareOperator,
  Filter,
  FilterValue,
  ParseResult,
  PatchPath,
} from './filter-ast.ts';
import { COMPARE_OPERATORS } from './filter-ast.ts';

export interface FilterParseOptions {
  /** Deepest nesting of `(`, `not (` and `[` accepted; default 64, never more than 1,000. */
  readonly maxDepth?: number;
  /** Longest text accepted, in UTF-16 code units; default 8,192. */
  readonly maxLength?: number;
}

export const DEFAULT_FILTER_MAX_DEPTH = 64;
export const DEFAULT_FILTER_MAX_LENGTH = 8192;
// A caller-supplied depth above this could exhaust the stack; the cap keeps "never throws" true.
const HARD_MAX_DEPTH = 1000;
const EXCERPT_LENGTH = 40;

// ATTRNAME = ALPHA *(nameChar), plus the special `$ref` (RFC 7644 §3.4.2.2, RFC 7643 §2.1).
const NAME = /^(?:[A-Za-z][A-Za-z0-9_-]*|\$ref)$/i;
// `urn:` NID `:` NSS, the NSS split by colons into non-empty segments (RFC 8141, loosely).
const URI = /^urn:[A-Za-z0-9][A-Za-z0-9-]*(?::[^:\s()[\]"]+)+$/i;
// JSON number syntax (RFC 8259 §6), the only unquoted words read as numbers.
const NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;
const OPERATORS: ReadonlySet<string> = new Set(COMPARE_OPERATORS);

class ParseFailure extends Error {}

function excerpt(text: string): string {
  return text.length > EXCERPT_LENGTH ? `'${text.slice(0, EXCERPT_LENGTH)}…'` : `'${text}'`;
}

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}

/** Characters that end a word: whitespace, parentheses, brackets and the string quote. */
function isDelimiter(code: number): boolean {
  return isSpace(code) || code === 0x28 || code === 0x29 || code === 0x5b || code === 0x5d || code === 0x22;
}

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

class Parser {
  pos = 0;
  private depth = 0;
  private inBrackets = false;

  private readonly text: string;
  private readonly maxDepth: number;

  constructor(text: string, maxDepth: number) {
    this.text = text;
    this.maxDepth = maxDepth;
  }

  fail(message: string, at: number = this.pos): never {
    throw new ParseFailure(`at character ${at + 1}: ${message}`);
  }

  atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  skipSpace(): void {
    while (this.pos < this.text.length && isSpace(this.text.charCodeAt(this.pos))) this.pos++;
  }

  private readWord(): string {
    const start = this.pos;
    while (this.pos < this.text.length && !isDelimiter(this.text.charCodeAt(this.pos))) this.pos++;
    return this.text.slice(start, this.pos);
  }

  /** What sits at the cursor, for error messages. */
  private found(): string {
    if (this.atEnd()) return 'end of input';
    const start = this.pos;
    const word = this.readWord();
    this.pos = start;
    return word === '' ? excerpt(this.text.charAt(start)) : excerpt(word);
  }

  private enter(): void {
    this.depth++;
    if (this.depth > this.maxDepth) this.fail(`filter nests deeper than ${this.maxDepth} levels`);
  }

  private expect(char: ')' | ']', opened: number): void {
    this.skipSpace();
    if (this.text[this.pos] !== char) {
      this.fail(
        `expected '${char}' to close the '${char === ')' ? '(' : '['}' opened at character ${opened + 1}, found ${this.found()}`,
      );
    }
    this.pos++;
    this.depth--;
  }

  /** filter = and-expression *( "or" and-expression ), left-associative. */
  parseOr(): Filter {
    let left = this.parseAnd();
    while (this.readKeyword('or')) left = { kind: 'or', left, right: this.parseAnd() };
    return left;
  }

  private parseAnd(): Filter {
    let left = this.parseUnary();
    while (this.readKeyword('and')) left = { kind: 'and', left, right: this.parseUnary() };
    return left;
  }

  /** Consumes `and`/`or` (any case) when it comes next as a whole word. */
  private readKeyword(keyword: 'and' | 'or'): boolean {
    this.skipSpace();
    const start = this.pos;
    const word = this.readWord();
    if (word.toLowerCase() === keyword) return true;
    this.pos = start;
    return false;
  }

  private parseUnary(): Filter {
    this.skipSpace();
    const start = this.pos;
    const code = this.text.charCodeAt(start);
    if (code === 0x28 /* ( */) {
      this.enter();
      this.pos++;
      const inner = this.parseOr();
      this.expect(')', start);
      return inner;
    }
    if (this.atEnd() || isDelimiter(code))
      this.fail(`expected an attribute, '(' or 'not', found ${this.found()}`);
    const word = this.readWord();
    if (word.toLowerCase() === 'not') {
      const afterWord = this.pos;
      this.skipSpace();
      const open = this.pos;
      if (this.text.charCodeAt(open) === 0x28) {
        this.enter();
        this.pos++;
        const inner = this.parseOr();
        this.expect(')', open);
        return { kind: 'not', filter: inner };
      }
      // Not followed by '(': an attribute that happens to be called "not".
      this.pos = afterWord;
    }
    const path = this.toPath(word, start);
    if (this.text.charCodeAt(this.pos) !== 0x5b /* [ */) return this.parseOperation(path, word);
    const inner = this.parseBracketFilter(path, start);
    if (this.text.charCodeAt(this.pos) !== 0x2e /* . */) return { kind: 'valuePath', path, filter: inner };
    // `emails[type eq "work"].value eq "x"`: not in the RFC's filter grammar, but Entra sends it and
    // means one element satisfying both (notes §1.4, §2.1.3), so the comparison joins the brackets.
    this.pos++;
    const sub = this.readSubAttribute();
    const trailing = this.parseOperation({ attribute: sub }, sub);
    return { kind: 'valuePath', path, filter: { kind: 'and', left: inner, right: trailing } };
  }

  /** `[valFilter]` after an attribute path; the cursor is on the `[`. */
  parseBracketFilter(path: AttributePath, pathStart: number): Filter {
    const open = this.pos;
    if (this.inBrackets) this.fail('value filters cannot be nested');
    if (path.subAttribute !== undefined) {
      this.fail('a value filter must follow an attribute, not a sub-attribute', pathStart);
    }
    this.enter();
    this.pos++;
    this.inBrackets = true;
    const inner = this.parseOr();
    this.inBrackets = false;
    this.expect(']', open);
    return inner;
  }

  /** ` pr` or ` op value` after an attribute path. */
  private parseOperation(path: AttributePath, written: string): Filter {
    if (!this.atEnd() && !isSpace(this.text.charCodeAt(this.pos))) {
      this.fail(`unexpected ${this.found()} after the attribute ${excerpt(written)}`);
    }
    this.skipSpace();
    const opStart = this.pos;
    const op = this.readWord().toLowerCase();
    if (op === 'pr') return { kind: 'present', path };
    if (!OPERATORS.has(op)) {
      this.pos = opStart;
      this.fail(
        `expected an operator (eq, ne, co, sw, ew, gt, ge, lt, le, pr) after ${excerpt(written)}, found ${this.found()}`,
      );
    }
    const value = this.parseValue(op);
    return { kind: 'compare', path, op: op as CompareOperator, value };
  }

  private parseValue(op: string): FilterValue {
    this.skipSpace();
    const start = this.pos;
    const code = this.text.charCodeAt(start);
    if (code === 0x22 /* " */) return this.parseString();
    if (this.atEnd() || isDelimiter(code)) this.fail(`expected a value after '${op}', found ${this.found()}`);
    // Unquoted values: JSON literals and numbers, and otherwise a bare word read as a string
    // (Entra's documented `externalId eq jyoung`). The word ends at whitespace, a parenthesis,
    // a bracket or a quote; `+` is not decoded here, the HTTP layer decodes the query string.
    const word = this.readWord();
    const lower = word.toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
    if (lower === 'null') return null;
    if (NUMBER.test(word)) {
      const n = Number(word);
      if (!Number.isFinite(n)) this.fail(`number ${excerpt(word)} is out of range`, start);
      return n;
    }
    return word;
  }

  /** A JSON string (RFC 8259 §7); the cursor is on the opening quote. */
  private parseString(): string {
    const open = this.pos;
    const text = this.text;
    let out = '';
    let chunk = ++this.pos;
    while (this.pos < text.length) {
      const code = text.charCodeAt(this.pos);
      if (code === 0x22) {
        out += text.slice(chunk, this.pos);
        this.pos++;
        return out;
      }
      if (code < 0x20) this.fail('control characters must be escaped inside a string');
      if (code !== 0x5c /* \ */) {
        this.pos++;
        continue;
      }
      out += text.slice(chunk, this.pos);
      const escape = text.charAt(this.pos + 1);
      switch (escape) {
        case '"':
        case '\\':
        case '/':
          out += escape;
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          let unit = 0;
          for (let i = 2; i < 6; i++) {
            const digit = hexValue(text.charCodeAt(this.pos + i));
            if (digit < 0) this.fail('expected four hex digits after \\u');
            unit = unit * 16 + digit;
          }
          out += String.fromCharCode(unit);
          this.pos += 4;
          break;
        }
        default:
          this.fail(
            escape === '' ? 'unterminated string' : `invalid escape ${excerpt(`\\${escape}`)} in a string`,
          );
      }
      this.pos += 2;
      chunk = this.pos;
    }
    return this.fail('unterminated string', open);
  }

  /** Reads an attribute path word: `[urn ":"] name ["." sub]`. */
  readPath(): { path: AttributePath; written: string; start: number } {
    const start = this.pos;
    if (this.atEnd() || isDelimiter(this.text.charCodeAt(start))) {
      this.fail(`expected an attribute path, found ${this.found()}`);
    }
    const written = this.readWord();
    return { path: this.toPath(written, start), written, start };
  }

  readSubAttribute(): string {
    const start = this.pos;
    const sub = this.readWord();
    if (!NAME.test(sub)) this.fail(`expected a sub-attribute name after ']', found ${excerpt(sub)}`, start);
    return sub;
  }

  /**
   * Splits a path word. A URN prefix runs from `urn:` to the last colon: URNs contain colons and
   * dots (`…:enterprise:2.0:User:manager.value`), attribute names contain neither.
   */
  private toPath(word: string, start: number): AttributePath {
    let uri: string | undefined;
    let rest = word;
    if (word.length >= 4 && word.slice(0, 4).toLowerCase() === 'urn:') {
      const colon = word.lastIndexOf(':');
      uri = word.slice(0, colon);
      rest = word.slice(colon + 1);
      if (!URI.test(uri)) this.fail(`invalid schema URN in ${excerpt(word)}`, start);
    }
    const dot = rest.indexOf('.');
    const attribute = dot === -1 ? rest : rest.slice(0, dot);
    const subAttribute = dot === -1 ? undefined : rest.slice(dot + 1);
    if (!NAME.test(attribute) || (subAttribute !== undefined && !NAME.test(subAttribute))) {
      this.fail(`invalid attribute path ${excerpt(word)}`, start);
    }
    return {
      ...(uri !== undefined ? { uri } : {}),
      attribute,
      ...(subAttribute !== undefined ? { subAttribute } : {}),
    };
  }
}

function run<T>(text: unknown, maxLength: number, what: string, body: (text: string) => T): ParseResult<T> {
  if (typeof text !== 'string') return { ok: false, error: `${what} must be a string` };
  if (text.length > maxLength) return { ok: false, error: `${what} is longer than ${maxLength} characters` };
  if (text.trim() === '') return { ok: false, error: `${what} is empty` };
  try {
    return { ok: true, value: body(text) };
  } catch (error) {
    if (error instanceof ParseFailure) return { ok: false, error: `invalid ${what} ${error.message}` };
    // Belt and braces: the depth cap should make this unreachable.
    if (error instanceof RangeError) return { ok: false, error: `${what} is too complex` };
    throw error;
  }
}

function depthOf(options: FilterParseOptions | undefined): number {
  const requested = options?.maxDepth ?? DEFAULT_FILTER_MAX_DEPTH;
  return Math.max(1, Math.min(HARD_MAX_DEPTH, Math.floor(requested) || DEFAULT_FILTER_MAX_DEPTH));
}

/**
 * Parses a filter (RFC 7644 §3.4.2.2). Operators, `and`/`or`/`not` and literals are
 * case-insensitive; attribute names are kept as written (resolution is case-insensitive later);
 * `not` binds tighter than `and`, which binds tighter than `or`, and both are left-associative.
 *
 * Lenient where real clients need it: unquoted values (a word up to whitespace, `(`, `)`, `[`,
 * `]` or `"`; read as true/false/null or a JSON number when it is one, else as a string),
 * `attr[filter].sub op value` (folded into the brackets with `and`), whitespace runs of any
 * length, and `not(` without a space.
 *
 * Never throws for any text. Errors name the problem and a 1-based character position, quoting
 * at most 40 characters of the input.
 */
export function parseFilter(text: string, options?: FilterParseOptions): ParseResult<Filter> {
  const parser = new Parser(text, depthOf(options));
  return run(text, options?.maxLength ?? DEFAULT_FILTER_MAX_LENGTH, 'filter', () => {
    parser.skipSpace();
    const filter = parser.parseOr();
    parser.skipSpace();
    if (!parser.atEnd()) trailing(parser, text);
    return filter;
  });
}

function trailing(parser: Parser, text: string): never {
  const rest = text.slice(parser.pos).split(/\s/, 1)[0] ?? '';
  return parser.fail(
    `unexpected ${excerpt(rest === '' ? text.charAt(parser.pos) : rest)}; expected 'and', 'or' or the end`,
  );
}

/**
 * Parses a PATCH operation path (RFC 7644 §3.5.2): `attrPath`, `attrPath[valFilter]` or
 * `attrPath[valFilter].subAttr`, each optionally URN-qualified
 * (`urn:…:enterprise:2.0:User:manager`, `…:User:manager.value`, `…:User:manager[value eq "x"]`).
 *
 * Schema-unaware: a bare schema URN (`urn:…:enterprise:2.0:User`, which some clients send as a
 * path with an object value) parses as the attribute `User` of the URN `urn:…:enterprise:2.0`;
 * callers that accept it check the text with `resolveKey` from attribute-resolver.ts first.
 */
export function parsePatchPath(text: string): ParseResult<PatchPath> {
  const parser = new Parser(text, DEFAULT_FILTER_MAX_DEPTH);
  return run(text, DEFAULT_FILTER_MAX_LENGTH, 'path', () => {
    parser.skipSpace();
    const { path, start } = parser.readPath();
    let result: PatchPath = { path };
    if (text.charCodeAt(parser.pos) === 0x5b /* [ */) {
      const filter = parser.parseBracketFilter(path, start);
      result = { path, filter };
      if (text.charCodeAt(parser.pos) === 0x2e /* . */) {
        parser.pos++;
        result = { path, filter, subAttribute: parser.readSubAttribute() };
      }
    }
    parser.skipSpace();
    if (!parser.atEnd()) parser.fail(`unexpected ${excerpt(text.slice(parser.pos))} in the path`);
    return result;
  });
}

/**
 * Parses a plain attribute path (`sortBy`, `attributes`, `excludedAttributes`; RFC 7644 §3.4.2.3,
 * §3.4.2.5): `[urn ":"] name ["." sub]`, with no value filter. Surrounding whitespace is ignored.
 */
export function parseAttributePath(text: string): ParseResult<AttributePath> {
  const parser = new Parser(text, DEFAULT_FILTER_MAX_DEPTH);
  return run(text, DEFAULT_FILTER_MAX_LENGTH, 'attribute path', () => {
    parser.skipSpace();
    const { path } = parser.readPath();
    parser.skipSpace();
    if (!parser.atEnd())
      parser.fail(`unexpected ${excerpt(text.slice(parser.pos))} after the attribute path`);
    return path;
  });
}
