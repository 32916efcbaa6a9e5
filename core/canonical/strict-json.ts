/**
 * A strict JSON reader for files that feed hashes (manifests, vectors, contracts, receipts).
 * JSON.parse keeps the last of duplicate keys and says only "position N"; a silent duplicate
 * changes what gets hashed. This reader rejects duplicates and reports line:column and the JSON
 * path. Numbers become JS numbers; canonicalize() then rejects any that are not safe integers.
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
    super('JSON_SYNTAX', `${source}:${line}:${column}: ${why} (at ${path})`, { source, line, column, path });
  }
}

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/** Parse JSON text strictly. `source` names the input in errors (a file path or `<stdin>`). */
export function parseStrictJson(text: string, source = '<input>'): unknown {
  let i = 0;
  const fail = (why: string, path: string, at = i): never => {
    if (at >= text.length && !why.startsWith('unexpected end')) why = `unexpected end of input (${why})`;
    let line = 1;
    let col = 1;
    for (let k = 0; k < at && k < text.length; k++) {
      if (text.charCodeAt(k) === 0x0a) {
        line++;
        col = 1;
      } else col++;
    }
    throw new JsonSyntaxError(source, line, col, path, why);
  };
  const ws = () => {
    while (i < text.length && WS.has(text.charCodeAt(i))) i++;
  };
  const str = (path: string): string => {
    // precondition: text[i] === '"'
    i++;
    let out = '';
    for (;;) {
      if (i >= text.length) fail('unterminated string', path);
      const c = text[i]!;
      const code = text.charCodeAt(i);
      if (c === '"') {
        i++;
        return out;
      }
      if (code < 0x20) fail('raw control character in string (escape it)', path);
      if (c === '\\') {
        const e = text[i + 1];
        if (e === 'u') {
          const hex = text.slice(i + 2, i + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('bad \\u escape', path);
          out += String.fromCharCode(parseInt(hex, 16));
          i += 6;
        } else if (e !== undefined && e in ESCAPES) {
          out += ESCAPES[e];
          i += 2;
        } else fail(`bad escape \\${e ?? ''}`, path);
      } else {
        out += c;
        i++;
      }
    }
  };
  const value = (path: string, depth: number): unknown => {
    if (depth > 512) fail('nesting deeper than 512', path);
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const obj: Record<string, unknown> = Object.create(null);
      const seen = new Set<string>();
      ws();
      if (text[i] === '}') {
        i++;
        return obj;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('expected a string key', path);
        const keyAt = i;
        const k = str(path);
        const p = childPath(path, k);
        if (seen.has(k)) fail(`duplicate key ${JSON.stringify(k)}`, p, keyAt);
        seen.add(k);
        ws();
        if (text[i] !== ':') fail("expected ':'", p);
        i++;
        obj[k] = value(p, depth + 1);
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return obj;
        }
        fail("expected ',' or '}'", path);
      }
    }
    if (c === '[') {
      i++;
      const arr: unknown[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return arr;
      }
      for (;;) {
        arr.push(value(childPath(path, arr.length), depth + 1));
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return arr;
        }
        fail("expected ',' or ']'", path);
      }
    }
    if (c === '"') return str(path);
    if (text.startsWith('true', i)) return (i += 4), true;
    if (text.startsWith('false', i)) return (i += 5), false;
    if (text.startsWith('null', i)) return (i += 4), null;
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (m) {
      i += m[0].length;
      return Number(m[0]);
    }
    return fail(i >= text.length ? 'unexpected end of input' : `unexpected character ${JSON.stringify(c)}`, path);
  };
  if (text.charCodeAt(0) === 0xfeff) i = 1; // tolerate a UTF-8 BOM
  const v = value('$', 0);
  ws();
  if (i < text.length) fail('unexpected text after the JSON value', '$');
  return v;
}
