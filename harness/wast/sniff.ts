/**
 * What a file given to a wasm verb is, by its content, not its name: a binary module (the \0asm
 * header), a text module (.wat: one `(module …)` or bare module fields), or a spec script (.wast:
 * assertions, `register`, `invoke`, several modules). `check`/`exec` take the first two; `wast`
 * takes scripts (a lone text module is a script of one command). Anything else is named as such.
 */
export type InputKind = 'wasm-binary' | 'wat-module' | 'wast-script' | 'binary-other' | 'empty';

const MAGIC = [0x00, 0x61, 0x73, 0x6d];
/** Top-level forms only a script has. */
const SCRIPT_HEADS = new Set([
  'register',
  'invoke',
  'get',
  'script',
  'input',
  'output',
  'assert_return',
  'assert_trap',
  'assert_exhaustion',
  'assert_invalid',
  'assert_malformed',
  'assert_unlinkable',
  'assert_uninstantiable',
  'assert_exception',
]);

export interface Sniffed {
  kind: InputKind;
  /** For scripts: how many top-level commands (rough: forms at depth 1). */
  forms?: number;
}

export function isWasmBinary(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && MAGIC.every((b, i) => bytes[i] === b);
}

/** The heads of the top-level forms of a text (comments and strings skipped). */
export function topLevelHeads(text: string): string[] {
  const heads: string[] = [];
  let depth = 0;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === ';' && text[i + 1] === ';') {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? text.length : nl + 1;
    } else if (c === '(' && text[i + 1] === ';') {
      let d = 1;
      i += 2;
      while (i < text.length && d > 0) {
        if (text[i] === '(' && text[i + 1] === ';') {
          d++;
          i += 2;
        } else if (text[i] === ';' && text[i + 1] === ')') {
          d--;
          i += 2;
        } else i++;
      }
    } else if (c === '"') {
      i++;
      while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      i++;
    } else if (c === '(') {
      depth++;
      i++;
      if (depth === 1) heads.push(/^[^\s()";]*/.exec(text.slice(i, i + 40))![0]);
    } else {
      if (c === ')') depth--;
      i++;
    }
  }
  return heads;
}

export function sniff(bytes: Uint8Array): Sniffed {
  if (bytes.length === 0) return { kind: 'empty' };
  if (isWasmBinary(bytes)) return { kind: 'wasm-binary' };
  // text is UTF-8 without NUL; a NUL in the first KiB means some other binary
  if (bytes.subarray(0, 1024).includes(0)) return { kind: 'binary-other' };
  const heads = topLevelHeads(new TextDecoder().decode(bytes));
  const modules = heads.filter((h) => h === 'module').length;
  if (heads.some((h) => SCRIPT_HEADS.has(h)) || modules > 1)
    return { kind: 'wast-script', forms: heads.length };
  return { kind: 'wat-module' };
}
