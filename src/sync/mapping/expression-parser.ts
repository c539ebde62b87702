// The mapping-expression parser: text → syntax tree, names unresolved (the checker resolves them).
// Hand-written recursive descent with a nesting cap and a length cap; never throws on any input.
import type { Expression, ExpressionError, ExpressionResult, Literal } from './expression-ast.ts';

export interface ExpressionParseOptions {
  /** Deepest nesting of function calls accepted; default 32, never more than 256. */
  readonly maxDepth?: number;
  /** Longest text accepted, in UTF-16 code units; default 4,096. */
  readonly maxLength?: number;
}

export const DEFAULT_EXPRESSION_MAX_DEPTH = 32;
export const DEFAULT_EXPRESSION_MAX_LENGTH = 4096;
// A caller-supplied depth above this could exhaust the stack; the cap keeps "never throws" true.
const HARD_MAX_DEPTH = 256;
const EXCERPT_LENGTH = 30;

/** Names of functions and unquoted reference segments. */
export const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const FUNCTION_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
// JSON number syntax (RFC 8259 §6).
const NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/;

class ParseFailure extends Error {
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(message);
    this.offset = offset;
  }
}

function excerpt(text: string): string {
  const chars = Array.from(text);
  return chars.length > EXCERPT_LENGTH ? `'${chars.slice(0, EXCERPT_LENGTH).join('')}…'` : `'${text}'`;
}

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}

function isNameStart(code: number): boolean {
  return (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a) || code === 0x5f;
}

function isNameChar(code: number, allowHyphen: boolean): boolean {
  return isNameStart(code) || (code >= 0x30 && code <= 0x39) || (allowHyphen && code === 0x2d);
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
  readonly text: string;
  private readonly maxDepth: number;

  constructor(text: string, maxDepth: number) {
    this.text = text;
    this.maxDepth = maxDepth;
  }

  fail(message: string, at: number = this.pos): never {
    throw new ParseFailure(message, at);
  }

  atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  skipSpace(): void {
    while (this.pos < this.text.length && isSpace(this.text.charCodeAt(this.pos))) this.pos++;
  }

  /** What sits at the cursor, for error messages. */
  found(): string {
    if (this.atEnd()) return 'the end';
    const rest = this.text.slice(this.pos);
    const word = /^[A-Za-z0-9_-]+/.exec(rest)?.[0];
    return excerpt(word ?? Array.from(rest)[0] ?? '');
  }

  parseExpression(): Expression {
    this.skipSpace();
    const start = this.pos;
    const code = this.text.charCodeAt(start);
    if (code === 0x22 /* " */) return { kind: 'literal', value: this.parseString(), at: start };
    if (code === 0x5b /* [ */) return this.parseReference();
    if (code === 0x2d /* - */ || (code >= 0x30 && code <= 0x39)) {
      return { kind: 'literal', value: this.parseNumber(), at: start };
    }
    if (isNameStart(code)) return this.parseWord();
    if (code === 0x27 /* ' */) this.fail('strings are written in double quotes: "text", not \'text\'');
    return this.fail(`expected a value, a [reference] or a function call, found ${this.found()}`);
  }

  /** A function call or one of the words true, false, null (any case). */
  private parseWord(): Expression {
    const start = this.pos;
    while (this.pos < this.text.length && isNameChar(this.text.charCodeAt(this.pos), false)) this.pos++;
    const word = this.text.slice(start, this.pos);
    const afterWord = this.pos;
    this.skipSpace();
    if (this.text.charCodeAt(this.pos) === 0x28 /* ( */) return this.parseCall(word, start);
    this.pos = afterWord;
    const lower = word.toLowerCase();
    let value: Literal | undefined;
    if (lower === 'true') value = true;
    else if (lower === 'false') value = false;
    else if (lower === 'null') value = null;
    if (value !== undefined) return { kind: 'literal', value, at: start };
    if (this.text.charCodeAt(this.pos) === 0x2d /* - */ || !FUNCTION_NAME.test(word)) {
      this.fail(`unexpected ${this.found()}`);
    }
    return this.fail(
      `unexpected word ${excerpt(word)}: write an attribute as [${word}], text as "${word}", or call a function as ${word}(…)`,
      start,
    );
  }

  /** `name(` args `)`; the cursor is on the `(`. */
  private parseCall(name: string, start: number): Expression {
    const open = this.pos;
    this.depth++;
    if (this.depth > this.maxDepth)
      this.fail(`function calls nest deeper than ${this.maxDepth} levels`, start);
    this.pos++;
    const args: Expression[] = [];
    this.skipSpace();
    if (this.text.charCodeAt(this.pos) === 0x29 /* ) */) {
      this.pos++;
    } else {
      for (;;) {
        args.push(this.parseExpression());
        this.skipSpace();
        const code = this.text.charCodeAt(this.pos);
        if (code === 0x2c /* , */) {
          this.pos++;
          continue;
        }
        if (code === 0x29 /* ) */) {
          this.pos++;
          break;
        }
        if (this.atEnd()) this.fail(`expected ')' to close the '(' of ${name} at character ${open + 1}`);
        this.fail(`expected ',' or ')' in the arguments of ${name}, found ${this.found()}`);
      }
    }
    this.depth--;
    return { kind: 'call', name, args, at: start };
  }

  /** `[segment(.segment)*]`; the cursor is on the `[`. */
  private parseReference(): Expression {
    const open = this.pos;
    this.pos++;
    const path: string[] = [];
    for (;;) {
      this.skipSpace();
      const segmentStart = this.pos;
      const code = this.text.charCodeAt(this.pos);
      let segment: string;
      if (code === 0x22 /* " */) {
        segment = this.parseString();
        if (segment === '') this.fail('a quoted reference segment must not be empty', segmentStart);
      } else if (isNameStart(code)) {
        while (this.pos < this.text.length && isNameChar(this.text.charCodeAt(this.pos), true)) this.pos++;
        segment = this.text.slice(segmentStart, this.pos);
      } else if (code === 0x5d /* ] */ && path.length === 0) {
        return this.fail('empty reference []; name an attribute, e.g. [firstName]', open);
      } else {
        return this.fail(
          `expected an attribute name in the reference opened at character ${open + 1}, found ${this.found()}` +
            (this.atEnd() ? '' : '; quote names with other characters: [customAttributes."T-Shirt size"]'),
        );
      }
      path.push(segment);
      this.skipSpace();
      const next = this.text.charCodeAt(this.pos);
      if (next === 0x2e /* . */) {
        this.pos++;
        continue;
      }
      if (next === 0x5d /* ] */) {
        this.pos++;
        return { kind: 'reference', path, at: open };
      }
      if (this.atEnd()) this.fail(`expected ']' to close the '[' at character ${open + 1}`);
      this.fail(
        `expected '.' or ']' in the reference opened at character ${open + 1}, found ${this.found()}`,
      );
    }
  }

  private parseNumber(): number {
    const start = this.pos;
    const match = NUMBER.exec(this.text.slice(start, start + 400));
    if (!match) return this.fail(`expected a number, found ${this.found()}`);
    this.pos += match[0].length;
    if (this.pos < this.text.length && isNameChar(this.text.charCodeAt(this.pos), false)) {
      this.fail(`unexpected ${this.found()} after the number ${excerpt(match[0])}`);
    }
    const n = Number(match[0]);
    if (!Number.isFinite(n)) this.fail(`number ${excerpt(match[0])} is out of range`, start);
    return n;
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
      if (code < 0x20) this.fail('control characters must be escaped inside a string (\\n, \\t, \\u0000)');
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
          if (escape === '') this.fail('unterminated string', open);
          this.fail(`invalid escape ${excerpt(`\\${escape}`)} in a string; write a backslash as \\\\`);
      }
      this.pos += 2;
      chunk = this.pos;
    }
    return this.fail('unterminated string', open);
  }
}

function failure(message: string, position: number): { ok: false; error: ExpressionError } {
  return { ok: false, error: { message, position } };
}

function trailingMessage(parser: Parser): string {
  const code = parser.text.charCodeAt(parser.pos);
  // Entra writes conditions as `[country]="USA"` and concatenation with `&`; say what to use instead.
  if (code === 0x3d /* = */ || code === 0x21 /* ! */ || code === 0x3c || code === 0x3e) {
    return `operators are not supported (found ${parser.found()}); compare with Equals(a, b) and negate with Not(x)`;
  }
  if (code === 0x26 /* & */ || code === 0x2b /* + */) {
    return `operators are not supported (found ${parser.found()}); join text with Join("", a, b) or Append(a, b)`;
  }
  return `unexpected ${parser.found()} after the end of the expression`;
}

/**
 * Parses a mapping expression. Grammar (whitespace allowed between tokens):
 *
 *     expression = string / number / "true" / "false" / "null" / reference / call
 *     reference  = "[" segment *("." segment) "]"      ; [firstName], [department.id]
 *     segment    = name-with-hyphens / string           ; [customAttributes."T-Shirt size"]
 *     call       = name "(" [expression *("," expression)] ")"
 *     string     = a JSON string in double quotes, with JSON escapes
 *     number     = a JSON number, optionally negative
 *
 * `true`, `false`, `null` and function names are case-insensitive; the tree keeps names as written.
 * Never throws for any input (non-strings included); errors carry a 1-based character position.
 */
export function parseExpression(
  text: string,
  options?: ExpressionParseOptions,
): ExpressionResult<Expression> {
  if (typeof text !== 'string') return failure('an expression must be text', 1);
  const maxLength = options?.maxLength ?? DEFAULT_EXPRESSION_MAX_LENGTH;
  if (text.length > maxLength) return failure(`the expression is longer than ${maxLength} characters`, 1);
  if (text.trim() === '') return failure('the expression is empty', 1);
  const requested = options?.maxDepth ?? DEFAULT_EXPRESSION_MAX_DEPTH;
  const maxDepth = Math.max(
    1,
    Math.min(HARD_MAX_DEPTH, Math.floor(requested) || DEFAULT_EXPRESSION_MAX_DEPTH),
  );
  const parser = new Parser(text, maxDepth);
  try {
    const expression = parser.parseExpression();
    parser.skipSpace();
    if (!parser.atEnd()) parser.fail(trailingMessage(parser));
    return { ok: true, value: expression };
  } catch (error) {
    if (error instanceof ParseFailure) return failure(error.message, error.offset + 1);
    // Belt and braces: the depth cap should make this unreachable.
    if (error instanceof RangeError) return failure('the expression is too complex', 1);
    throw error;
  }
}
