/**
 * A strict JSON reader for files that feed hashes (manifests, vectors, contracts, receipts).
 * JSON.parse keeps the last of duplicate keys and says only "position N"; a silent duplicate
 * changes what gets hashed. This reader rejects duplicates and reports line:column and the JSON
 * path. Numbers must be exact safe integer literals (no fraction, no exponent): anything else
 * would be rounded by the conversion to a JS number, silently. Bytes are decoded as strict UTF-8
 * (decodeUtf8Strict) before they get here.
 */
import { IcnError } from '../errors.js';
import { childPath } from './canonicalize.js';

export class JsonSyntaxError extends IcnError {
  override readonly name = 'JsonSyntaxError';
  constructor(
    readonly source: string,
    readonly line: number,
    readonly column: number,
    readonly path: string,
    why: string,
  ) {
    super('JSON_SYNTAX', `${source}:${line}:${column}: ${why} (at ${path})`, {
      source,
      line,
      column,
      path,
    });
  }
}

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const INTEGER = /^-?(?:0|[1-9][0-9]*)$/;
const clip = (s: string): string => (s.length > 40 ? `${s.slice(0, 40)}…` : s);
const ESCAPES: Record<string, string> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

export interface StrictJsonOptions {
  /**
   * Where a number may be written with a fraction or exponent (it becomes the nearest double):
   * only for data outside every hash, e.g. benchmark ratios, a manifest's `_volatile`. Default:
   * nowhere.
   */
  fractionsAt?: (path: string) => boolean;
}

/** Parse JSON text strictly. `source` names the input in errors (a file path or `<stdin>`). */
export function parseStrictJson(
  text: string,
  source = '<input>',
  options: StrictJsonOptions = {},
): unknown {
  const p = new Parser(text, source, options.fractionsAt);
  if (text.charCodeAt(0) === 0xfeff) p.i = 1; // tolerate a UTF-8 BOM
  const v = p.value('$', 0);
  p.ws();
  if (p.i < text.length) p.fail('unexpected text after the JSON value', '$');
  return v;
}

/** A recursive-descent reader over `text`; `i` is the next character. */
class Parser {
  i = 0;
  constructor(
    private readonly text: string,
    private readonly source: string,
    private readonly fractionsAt: ((path: string) => boolean) | undefined,
  ) {}

  fail(why: string, path: string, at = this.i): never {
    const text = this.text;
    if (at >= text.length && !why.startsWith('unexpected end'))
      why = `unexpected end of input (${why})`;
    let line = 1;
    let col = 1;
    for (let k = 0; k < at && k < text.length; k++) {
      if (text.charCodeAt(k) === 0x0a) {
        line++;
        col = 1;
      } else col++;
    }
    throw new JsonSyntaxError(this.source, line, col, path, why);
  }

  ws(): void {
    const text = this.text;
    let i = this.i;
    while (i < text.length && WS.has(text.charCodeAt(i))) i++;
    this.i = i;
  }

  /** precondition: text[i] === '"'. */
  str(path: string): string {
    // Runs of plain characters are taken as one slice: building the string a character at a
    // time left a rope of one node per character (a 5 KB string retained ~156 KB).
    const text = this.text;
    let i = this.i + 1;
    let parts: string[] | null = null; // only for strings with escapes
    let run = i;
    for (;;) {
      if (i >= text.length) this.fail('unterminated string', path, i);
      const code = text.charCodeAt(i);
      if (code === 0x22) {
        const last = text.slice(run, i);
        this.i = i + 1;
        if (parts === null) return last;
        parts.push(last);
        return parts.join('');
      }
      if (code < 0x20) this.fail('raw control character in string (escape it)', path, i);
      if (code !== 0x5c) {
        i++;
        continue;
      }
      (parts ??= []).push(text.slice(run, i));
      const e = text[i + 1];
      if (e === 'u') {
        const hex = text.slice(i + 2, i + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('bad \\u escape', path, i);
        parts.push(String.fromCharCode(parseInt(hex, 16)));
        i += 6;
      } else if (e !== undefined && e in ESCAPES) {
        parts.push(ESCAPES[e]!);
        i += 2;
      } else this.fail(`bad escape \\${e ?? ''}`, path, i);
      run = i;
    }
  }

  value(path: string, depth: number): unknown {
    if (depth > 512) this.fail('nesting deeper than 512', path);
    this.ws();
    const text = this.text;
    const c = text[this.i];
    if (c === '{') return this.object(path, depth);
    if (c === '[') return this.array(path, depth);
    if (c === '"') return this.str(path);
    if (text.startsWith('true', this.i)) return ((this.i += 4), true);
    if (text.startsWith('false', this.i)) return ((this.i += 5), false);
    if (text.startsWith('null', this.i)) return ((this.i += 4), null);
    return this.number(path, c);
  }

  private object(path: string, depth: number): Record<string, unknown> {
    const text = this.text;
    this.i++;
    const obj: Record<string, unknown> = Object.create(null);
    const seen = new Set<string>();
    this.ws();
    if (text[this.i] === '}') {
      this.i++;
      return obj;
    }
    for (;;) {
      this.ws();
      if (text[this.i] !== '"') this.fail('expected a string key', path);
      const keyAt = this.i;
      const k = this.str(path);
      const p = childPath(path, k);
      if (seen.has(k)) this.fail(`duplicate key ${JSON.stringify(k)}`, p, keyAt);
      seen.add(k);
      this.ws();
      if (text[this.i] !== ':') this.fail("expected ':'", p);
      this.i++;
      obj[k] = this.value(p, depth + 1);
      this.ws();
      if (text[this.i] === ',') {
        this.i++;
        continue;
      }
      if (text[this.i] === '}') {
        this.i++;
        return obj;
      }
      this.fail("expected ',' or '}'", path);
    }
  }

  private array(path: string, depth: number): unknown[] {
    const text = this.text;
    this.i++;
    const arr: unknown[] = [];
    this.ws();
    if (text[this.i] === ']') {
      this.i++;
      return arr;
    }
    for (;;) {
      arr.push(this.value(childPath(path, arr.length), depth + 1));
      this.ws();
      if (text[this.i] === ',') {
        this.i++;
        continue;
      }
      if (text[this.i] === ']') {
        this.i++;
        return arr;
      }
      this.fail("expected ',' or ']'", path);
    }
  }

  private number(path: string, c: string | undefined): number {
    const text = this.text;
    NUMBER.lastIndex = this.i;
    const m = NUMBER.exec(text);
    if (!m)
      return this.fail(
        this.i >= text.length
          ? 'unexpected end of input'
          : `unexpected character ${JSON.stringify(c)}`,
        path,
      );
    // Only exact safe integer literals: a fraction or exponent is rounded by Number() (1e-400
    // reads as 0, 1.0000000000000001 as 1), so two different files would hash the same.
    const lit = m[0];
    if (this.fractionsAt?.(path)) {
      this.i += lit.length;
      return Number(lit);
    }
    if (!INTEGER.test(lit))
      this.fail(
        `number ${clip(lit)} is not an integer literal (no fraction, no exponent; LC numbers are safe integers, wider values are decimal strings)`,
        path,
      );
    const n = Number(lit);
    if (!Number.isSafeInteger(n))
      this.fail(`number ${clip(lit)} is beyond ±(2^53-1) (write it as a decimal string)`, path);
    this.i += lit.length;
    return n;
  }
}
