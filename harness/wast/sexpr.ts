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
  let i = 0;
  let line = 1;
  const fail = (why: string, at = i): never => {
    throw new WastSyntaxError('WAST_SYNTAX', `${file}:${lineAt(src, at)}: ${why}`, { file, offset: at });
  };
  const skip = (): void => {
    for (;;) {
      const c = src[i];
      if (c === undefined) return;
      if (c === '\n') {
        line++;
        i++;
      } else if (c === ' ' || c === '\t' || c === '\r') i++;
      else if (c === ';' && src[i + 1] === ';') {
        while (i < src.length && src[i] !== '\n') i++;
      } else if (c === '(' && src[i + 1] === ';') {
        const at = i;
        let depth = 0;
        do {
          if (i >= src.length) fail('unterminated block comment', at);
          if (src[i] === '(' && src[i + 1] === ';') {
            depth++;
            i += 2;
          } else if (src[i] === ';' && src[i + 1] === ')') {
            depth--;
            i += 2;
          } else {
            if (src[i] === '\n') line++;
            i++;
          }
        } while (depth > 0);
      } else return;
    }
  };
  const node = (depth: number): SNode => {
    skip();
    const start = i;
    const l = line;
    const c = src[i];
    if (c === undefined) return fail('unexpected end of input');
    if (c === '(') {
      if (depth >= MAX_SEXPR_DEPTH) fail(`lists nested deeper than ${MAX_SEXPR_DEPTH}`);
      i++;
      const items: SNode[] = [];
      for (;;) {
        skip();
        if (i >= src.length) fail('unclosed (', start);
        if (src[i] === ')') {
          i++;
          return { t: 'list', items, start, end: i, line: l };
        }
        items.push(node(depth + 1));
      }
    }
    if (c === ')') return fail('unexpected )');
    if (c === '"') {
      i++;
      const bytes: number[] = [];
      const enc = new TextEncoder();
      for (;;) {
        const d = src[i];
        if (d === undefined || d === '\n') fail('unterminated string', start);
        if (d === '"') {
          i++;
          break;
        }
        if (d === '\\') {
          const e = src[i + 1] ?? '';
          const simple: Record<string, number> = { n: 10, t: 9, r: 13, '\\': 92, "'": 39, '"': 34 };
          if (e in simple) {
            bytes.push(simple[e]!);
            i += 2;
          } else if (e === 'u') {
            const m = /^u\{([0-9a-fA-F_]+)\}/.exec(src.slice(i + 1, i + 16));
            if (!m) fail('bad \\u escape');
            const cp = parseInt(m![1]!.replace(/_/g, ''), 16);
            if (cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000)) fail(`\\u{${m![1]}} is not a Unicode scalar value`);
            bytes.push(...enc.encode(String.fromCodePoint(cp)));
            i += 1 + m![0].length;
          } else if (/^[0-9a-fA-F]{2}$/.test(src.slice(i + 1, i + 3))) {
            bytes.push(parseInt(src.slice(i + 1, i + 3), 16));
            i += 3;
          } else fail(`bad escape \\${e}`);
        } else {
          const cp = src.codePointAt(i)!;
          if (cp < 0x20 || cp === 0x7f) fail(`illegal character U+${cp.toString(16).padStart(4, '0')} in a string`);
          bytes.push(...enc.encode(String.fromCodePoint(cp)));
          i += cp > 0xffff ? 2 : 1;
        }
      }
      return { t: 'str', bytes: new Uint8Array(bytes), start, end: i, line: l };
    }
    while (i < src.length && !DELIM.has(src[i]!)) {
      // tokens are printable ASCII; anything else only in strings and comments
      const code = src.charCodeAt(i);
      if (code < 0x20 || code >= 0x7f) fail(`illegal character U+${code.toString(16).padStart(4, '0')}`);
      i++;
    }
    // a lone ';' (not starting a comment) is a reserved token of its own (annotations use it)
    if (i === start && src[i] === ';') i++;
    if (i === start) fail(`unexpected ${JSON.stringify(src[i])}`);
    return { t: 'atom', v: src.slice(start, i), start, end: i, line: l };
  };
  const out: SNode[] = [];
  for (;;) {
    skip();
    if (i >= src.length) return out;
    out.push(node(0));
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
  if (str?.t !== 'str' || str.start !== first!.end || str.bytes.length === 0) bad('empty annotation id');
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
    }
    else n.items.forEach(walk);
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
