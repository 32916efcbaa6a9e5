/**
 * Test support: pull the module forms out of spec .wast scripts, tagged with the command that holds
 * them (module, assert_invalid, assert_malformed, …). This is a balanced-parenthesis scanner, not
 * a script runner (the runner is harness/wast/); it lets the decoder, validator and instrumenter
 * tests use every module of the official test suite.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { resolveCorpus, type ResolvedCorpus } from '../spec-corpus/corpus.js';

export type ModuleRole =
  | 'module'
  | 'assert_invalid'
  | 'assert_malformed'
  | 'assert_unlinkable'
  | 'assert_uninstantiable'
  | 'assert_trap';

export interface SpecModule {
  file: string;
  /** 1-based line of the `(module` token. */
  line: number;
  role: ModuleRole;
  kind: 'text' | 'binary' | 'quote';
  /** Full `(module …)` text for kind text; the concatenated quoted text for quote. */
  text?: string;
  bytes?: Uint8Array;
}

interface Form {
  start: number;
  end: number;
}

/** Top-level forms `( … )` of a script, skipping comments and strings. */
function topForms(src: string): Form[] {
  const out: Form[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === ';' && src[i + 1] === ';') {
      while (i < src.length && src[i] !== '\n') i++;
    } else if (c === '(' && src[i + 1] === ';') {
      let d = 1;
      i += 2;
      while (i < src.length && d > 0) {
        if (src[i] === '(' && src[i + 1] === ';') {
          d++;
          i += 2;
        } else if (src[i] === ';' && src[i + 1] === ')') {
          d--;
          i += 2;
        } else i++;
      }
      i--;
    } else if (c === '"') {
      i++;
      while (i < src.length && src[i] !== '"') i += src[i] === '\\' ? 2 : 1;
    } else if (c === '(') {
      if (depth === 0) start = i;
      depth++;
    } else if (c === ')') {
      depth--;
      if (depth === 0) out.push({ start, end: i + 1 });
    }
  }
  return out;
}

/** The first nested form of `src` starting at or after `from` (balanced), if any. */
function firstInner(src: string, from: number, to: number): Form | undefined {
  const inner = topForms(src.slice(from, to - 1));
  const f = inner[0];
  return f === undefined ? undefined : { start: from + f.start, end: from + f.end };
}

/** Decode the string literals of a wast form into bytes (binary modules) and text (quote modules). */
function stringLiterals(src: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  const utf8 = new TextEncoder();
  for (let i = 0; i < src.length; i++) {
    if (src[i] === ';' && src[i + 1] === ';') {
      while (i < src.length && src[i] !== '\n') i++;
      continue;
    }
    if (src[i] !== '"') continue;
    const bytes: number[] = [];
    i++;
    while (i < src.length && src[i] !== '"') {
      if (src[i] === '\\') {
        const n = src[i + 1]!;
        const esc: Record<string, number> = { n: 10, t: 9, r: 13, '"': 34, "'": 39, '\\': 92 };
        if (n in esc) {
          bytes.push(esc[n]!);
          i += 2;
        } else if (n === 'u') {
          const close = src.indexOf('}', i);
          bytes.push(
            ...utf8.encode(
              String.fromCodePoint(parseInt(src.slice(i + 3, close).replace(/_/g, ''), 16)),
            ),
          );
          i = close + 1;
        } else {
          bytes.push(parseInt(src.slice(i + 1, i + 3), 16));
          i += 3;
        }
      } else {
        const cp = src.codePointAt(i)!;
        const ch = String.fromCodePoint(cp);
        bytes.push(...utf8.encode(ch));
        i += ch.length;
      }
    }
    out.push(new Uint8Array(bytes));
  }
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function moduleForm(src: string, f: Form, file: string, role: ModuleRole): SpecModule | undefined {
  const text = src.slice(f.start, f.end);
  const m = /^\(module(?:\s+definition)?(?:\s+\$[^\s()]+)?\s*(binary|quote)?/.exec(text);
  if (m === null) return undefined;
  const line = src.slice(0, f.start).split('\n').length;
  if (m[1] === 'binary')
    return {
      file,
      line,
      role,
      kind: 'binary',
      bytes: concat(stringLiterals(text.slice(m[0].length))),
    };
  if (m[1] === 'quote')
    return {
      file,
      line,
      role,
      kind: 'quote',
      text: new TextDecoder().decode(
        concat(stringLiterals(text.slice(m[0].length)).flatMap((b) => [b, new Uint8Array([32])])),
      ),
    };
  return { file, line, role, kind: 'text', text };
}

export function specModulesOfScript(src: string, file: string): SpecModule[] {
  const out: SpecModule[] = [];
  for (const f of topForms(src)) {
    const head = /^\(\s*([a-z_]+)/.exec(src.slice(f.start, f.start + 40))?.[1];
    if (head === 'module') {
      const m = moduleForm(src, f, file, 'module');
      if (m) out.push(m);
    } else if (
      head === 'assert_invalid' ||
      head === 'assert_malformed' ||
      head === 'assert_unlinkable' ||
      head === 'assert_uninstantiable' ||
      head === 'assert_trap'
    ) {
      const inner = firstInner(src, f.start + 1 + head.length, f.end);
      if (inner && src.startsWith('(module', inner.start)) {
        const m = moduleForm(src, inner, file, head);
        if (m) out.push(m);
      }
    }
  }
  return out;
}

const REPO = resolve(import.meta.dirname, '..', '..', '..');

/**
 * The spec corpus for a test, through the one resolver (core/wasm/spec-corpus): $ICN_SPEC_TESTS,
 * the fetched copy (`npm run spec-tests:fetch`), then ../shared. Absent or not the pinned corpus:
 * undefined (the test skips) on a developer's machine, but an error on CI (`$CI` set), where a
 * test that quietly skips would pass without having run.
 */
export function specCorpusForTests(
  env: NodeJS.ProcessEnv = process.env,
  repoRoot: string = REPO,
): ResolvedCorpus | undefined {
  try {
    return resolveCorpus({ repoRoot }, env);
  } catch (e) {
    if (env.CI)
      throw new Error(
        `the spec corpus is required on CI ($CI is set) but cannot be used: ${(e as Error).message}`,
      );
    return undefined;
  }
}

/** The scripts of one set (`core`: the released spec; `next` holds proposals the decoder tests do not cover yet). */
export const scriptsOfSet = (c: ResolvedCorpus, set: string): ResolvedCorpus['scripts'] =>
  c.scripts.filter((s) => s.set === set);

/** Every module form of the given scripts, in their order. */
export function specModules(scripts: readonly { path: string; file: string }[]): SpecModule[] {
  return scripts.flatMap((s) => specModulesOfScript(readFileSync(s.file, 'utf8'), s.path));
}
