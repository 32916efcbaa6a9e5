/**
 * S-expressions of the WebAssembly script (.wast) format: atoms, strings and lists, with the
 * source span of every node (module text is handed to wabt verbatim, sliced from the source).
 * Comments: `;; line` and nested `(; block ;)`.
 */
import { IcnError } from '../../core/errors.js';

export type SNode =
  | { t: 'atom'; v: string; start: number; end: number; line: number }
  | { t: 'str'; bytes: Uint8Array; start: number; end: number; line: number }
  | { t: 'list'; items: SNode[]; start: number; end: number; line: number };

export class WastSyntaxError extends IcnError {
  override readonly name = 'WastSyntaxError';
}

/** Deepest list nesting read (the spec tests reach 43): deeper input is an error, never a JS stack overflow. */
export const MAX_SEXPR_DEPTH = 1000;

const DELIM = new Set([' ', '\t', '\n', '\r', '(', ')', '"', ';']);

export function parseSExprs(src: string, file = '<wast>'): SNode[] {
  const r = new SExprReader(src, file);
  const out: SNode[] = [];
  for (;;) {
    r.skip();
    if (r.i >= src.length) return out;
    out.push(r.node(0));
  }
}

const SIMPLE_ESCAPES: Record<string, number> = { n: 10, t: 9, r: 13, '\\': 92, "'": 39, '"': 34 };

/** The reader's position (offset, line) in one source, and one method per kind of thing read. */
class SExprReader {
  i = 0;
  private line = 1;
  private readonly enc = new TextEncoder();
  constructor(
    private readonly src: string,
    private readonly file: string,
  ) {}

  private fail(why: string, at = this.i): never {
    throw new WastSyntaxError('WAST_SYNTAX', `${this.file}:${lineAt(this.src, at)}: ${why}`, {
      file: this.file,
      offset: at,
    });
  }

  /** Past white space and comments. */
  skip(): void {
    const src = this.src;
    for (;;) {
      const c = src[this.i];
      if (c === undefined) return;
      if (c === '\n') {
        this.line++;
        this.i++;
      } else if (c === ' ' || c === '\t' || c === '\r') this.i++;
      else if (c === ';' && src[this.i + 1] === ';') {
        while (this.i < src.length && src[this.i] !== '\n') this.i++;
      } else if (c === '(' && src[this.i + 1] === ';') this.blockComment();
      else return;
    }
  }

  /** A nested `(; … ;)` comment. */
  private blockComment(): void {
    const src = this.src;
    const at = this.i;
    let depth = 0;
    do {
      if (this.i >= src.length) this.fail('unterminated block comment', at);
      if (src[this.i] === '(' && src[this.i + 1] === ';') {
        depth++;
        this.i += 2;
      } else if (src[this.i] === ';' && src[this.i + 1] === ')') {
        depth--;
        this.i += 2;
      } else {
        if (src[this.i] === '\n') this.line++;
        this.i++;
      }
    } while (depth > 0);
  }

  node(depth: number): SNode {
    this.skip();
    const start = this.i;
    const l = this.line;
    const c = this.src[this.i];
    if (c === undefined) return this.fail('unexpected end of input');
    if (c === '(') return this.list(depth, start, l);
    if (c === ')') return this.fail('unexpected )');
    if (c === '"') return this.string(start, l);
    return this.atom(start, l);
  }

  private list(depth: number, start: number, l: number): SNode {
    if (depth >= MAX_SEXPR_DEPTH) this.fail(`lists nested deeper than ${MAX_SEXPR_DEPTH}`);
    this.i++;
    const items: SNode[] = [];
    for (;;) {
      this.skip();
      if (this.i >= this.src.length) this.fail('unclosed (', start);
      if (this.src[this.i] === ')') {
        this.i++;
        return { t: 'list', items, start, end: this.i, line: l };
      }
      items.push(this.node(depth + 1));
    }
  }

  private string(start: number, l: number): SNode {
    const src = this.src;
    this.i++;
    const bytes: number[] = [];
    for (;;) {
      const d = src[this.i];
      if (d === undefined || d === '\n') this.fail('unterminated string', start);
      if (d === '"') {
        this.i++;
        break;
      }
      if (d === '\\') this.escape(bytes);
      else {
        const cp = src.codePointAt(this.i)!;
        if (cp < 0x20 || cp === 0x7f)
          this.fail(`illegal character U+${cp.toString(16).padStart(4, '0')} in a string`);
        // ASCII is its own UTF-8 (most string text): no encoder call per character
        if (cp < 0x80) bytes.push(cp);
        else bytes.push(...this.enc.encode(String.fromCodePoint(cp)));
        this.i += cp > 0xffff ? 2 : 1;
      }
    }
    return { t: 'str', bytes: new Uint8Array(bytes), start, end: this.i, line: l };
  }

  /** One escape in a string (at the backslash): its bytes appended. */
  private escape(bytes: number[]): void {
    const src = this.src;
    const i = this.i;
    const e = src[i + 1] ?? '';
    if (e in SIMPLE_ESCAPES) {
      bytes.push(SIMPLE_ESCAPES[e]!);
      this.i += 2;
    } else if (e === 'u') {
      const m = /^u\{([0-9a-fA-F_]+)\}/.exec(src.slice(i + 1, i + 16));
      if (!m) return this.fail('bad \\u escape');
      const cp = parseInt(m[1]!.replace(/_/g, ''), 16);
      if (cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000))
        this.fail(`\\u{${m[1]}} is not a Unicode scalar value`);
      bytes.push(...this.enc.encode(String.fromCodePoint(cp)));
      this.i += 1 + m[0].length;
    } else if (/^[0-9a-fA-F]{2}$/.test(src.slice(i + 1, i + 3))) {
      bytes.push(parseInt(src.slice(i + 1, i + 3), 16));
      this.i += 3;
    } else this.fail(`bad escape \\${e}`);
  }

  private atom(start: number, l: number): SNode {
    const src = this.src;
    while (this.i < src.length && !DELIM.has(src[this.i]!)) {
      // tokens are printable ASCII; anything else only in strings and comments
      const code = src.charCodeAt(this.i);
      if (code < 0x20 || code >= 0x7f)
        this.fail(`illegal character U+${code.toString(16).padStart(4, '0')}`);
      this.i++;
    }
    // a lone ';' (not starting a comment) is a reserved token of its own (annotations use it)
    if (this.i === start && src[this.i] === ';') this.i++;
    if (this.i === start) this.fail(`unexpected ${JSON.stringify(src[this.i])}`);
    return { t: 'atom', v: src.slice(start, this.i), start, end: this.i, line: l };
  }
}

function lineAt(src: string, at: number): number {
  let n = 1;
  for (let k = 0; k < at && k < src.length; k++) if (src[k] === '\n') n++;
  return n;
}

/** An annotation id is `@name` or `@"string"` (non-empty, valid UTF-8). */
function checkAnnotationId(n: SNode & { t: 'list' }, file: string): void {
  const first = n.items[0];
  const bad = (why: string): never => {
    throw new WastSyntaxError('WAST_SYNTAX', `${file}:${n.line}: ${why}`, { line: n.line });
  };
  if (first?.t !== 'atom' || first.start !== n.start + 1) bad('empty annotation id');
  if (first!.t === 'atom' && first!.v !== '@') return;
  const str = n.items[1];
  if (str?.t !== 'str' || str.start !== first!.end || str.bytes.length === 0)
    bad('empty annotation id');
  try {
    new TextDecoder('utf-8', { fatal: true }).decode((str as { bytes: Uint8Array }).bytes);
  } catch {
    bad('malformed UTF-8 encoding in an annotation id');
  }
}

/** Whether a list node is an annotation, `(@name …)` (the `@` right after the parenthesis). */
function isAnnotation(src: string, n: SNode): boolean {
  return n.t === 'list' && src[n.start + 1] === '@';
}

/**
 * The source with every annotation `(@…)` (outside strings and comments) blanked out: same length,
 * same line breaks, so lines and spans still point into the original. Annotations carry no meaning
 * for the scripts or the modules (custom annotations), and wabt reads only some of their forms.
 * Throws WastSyntaxError where the text cannot be tokenized.
 */
export function stripAnnotations(src: string, file = '<wast>'): string {
  if (!src.includes('(@')) return src;
  const spans: [number, number][] = [];
  const walk = (n: SNode): void => {
    if (n.t !== 'list') return;
    if (isAnnotation(src, n)) {
      checkAnnotationId(n, file);
      spans.push([n.start, n.end]);
    } else n.items.forEach(walk);
  };
  parseSExprs(src, file).forEach(walk);
  let out = '';
  let at = 0;
  for (const [a, b] of spans) {
    out += src.slice(at, a) + src.slice(a, b).replace(/[^\n]/g, ' ');
    at = b;
  }
  return out + src.slice(at);
}

function validUtf8(b: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(b);
    return true;
  } catch {
    return false;
  }
}

/**
 * A malformed identifier wabt accepts: `$` alone, or `$""` (the spec's "empty identifier").
 * Also any text the reader cannot tokenize. Returns why it is malformed, or undefined.
 */
export function malformedIdentifier(src: string): string | undefined {
  let nodes: SNode[];
  try {
    nodes = parseSExprs(src);
  } catch (e) {
    // text the reader cannot tokenize is malformed (wabt reads some such text, e.g. a line break in a string)
    return (e as Error).message.replace(/^[^:]*:\d+: /, '');
  }
  let found: string | undefined;
  const walk = (items: SNode[]): void => {
    items.forEach((n, k) => {
      if (n.t === 'list') walk(n.items);
      else if (n.t === 'atom' && n.v === '$') {
        const next = items[k + 1];
        const quoted = next?.t === 'str' && next.start === n.end;
        if (!quoted || next.bytes.length === 0) found = 'empty identifier';
        else if (!validUtf8(next.bytes)) found = 'malformed UTF-8 encoding';
      }
    });
  };
  walk(nodes);
  return found;
}

export function strText(n: SNode): string {
  if (n.t !== 'str') throw new WastSyntaxError('WAST_SYNTAX', `line ${n.line}: expected a string`);
  return new TextDecoder('utf-8', { fatal: false, ignoreBOM: true }).decode(n.bytes); // a name may be a BOM (names.wast)
}
