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
  const node = (): SNode => {
    skip();
    const start = i;
    const l = line;
    const c = src[i];
    if (c === undefined) return fail('unexpected end of input');
    if (c === '(') {
      i++;
      const items: SNode[] = [];
      for (;;) {
        skip();
        if (i >= src.length) fail('unclosed (', start);
        if (src[i] === ')') {
          i++;
          return { t: 'list', items, start, end: i, line: l };
        }
        items.push(node());
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
          bytes.push(...enc.encode(String.fromCodePoint(cp)));
          i += cp > 0xffff ? 2 : 1;
        }
      }
      return { t: 'str', bytes: new Uint8Array(bytes), start, end: i, line: l };
    }
    while (i < src.length && !DELIM.has(src[i]!)) i++;
    // a lone ';' (not starting a comment) is a reserved token of its own (annotations use it)
    if (i === start && src[i] === ';') i++;
    if (i === start) fail(`unexpected ${JSON.stringify(src[i])}`);
    return { t: 'atom', v: src.slice(start, i), start, end: i, line: l };
  };
  const out: SNode[] = [];
  for (;;) {
    skip();
    if (i >= src.length) return out;
    out.push(node());
  }
}

function lineAt(src: string, at: number): number {
  let n = 1;
  for (let k = 0; k < at && k < src.length; k++) if (src[k] === '\n') n++;
  return n;
}

export function strText(n: SNode): string {
  if (n.t !== 'str') throw new WastSyntaxError('WAST_SYNTAX', `line ${n.line}: expected a string`);
  return new TextDecoder('utf-8', { fatal: false }).decode(n.bytes);
}
