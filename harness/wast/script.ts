/**
 * The commands of a WebAssembly spec script (.wast), parsed from S-expressions. wabt compiles
 * module text; everything around it (assertions, actions, expected values) is parsed here.
 */
import { parseFloatLiteral, parseIntLiteral } from './literals.js';
import { parseSExprs, strText, stripAnnotations, WastSyntaxError, type SNode } from './sexpr.js';
import type { RawValue } from '../../core/wasm/exec/values.js';

export type ModuleSource =
  | { kind: 'text'; text: string }
  | { kind: 'binary'; bytes: Uint8Array }
  | { kind: 'quote'; text: string; malformed?: string };

export interface ModuleDecl {
  name?: string;
  source: ModuleSource;
  /** `(module definition …)`: compiled, not instantiated. */
  definition: boolean;
}

export type Action =
  | { kind: 'invoke'; module?: string; name: string; args: RawValue[] }
  | { kind: 'get'; module?: string; name: string };

export type NanPattern = 'canonical' | 'arithmetic';
export type LaneExpect = { bits: bigint } | { nan: NanPattern };

export type Expected =
  | { type: 'i32' | 'i64' | 'f32' | 'f64'; bits: bigint }
  | { type: 'f32' | 'f64'; nan: NanPattern }
  | { type: 'v128'; shape: string; lanes: LaneExpect[] }
  | { type: 'funcref' | 'externref' | 'anyref'; ref: 'null' | 'nonnull' | bigint }
  | { type: 'either'; options: Expected[] };

export type Command =
  | { cmd: 'module'; line: number; module: ModuleDecl }
  | { cmd: 'module_instance'; line: number; instance?: string; module?: string }
  | { cmd: 'register'; line: number; as: string; module?: string }
  | { cmd: 'action'; line: number; action: Action }
  | { cmd: 'assert_return'; line: number; action: Action; expected: Expected[] }
  | { cmd: 'assert_trap'; line: number; action: Action; message: string }
  | { cmd: 'assert_trap_module'; line: number; module: ModuleDecl; message: string }
  | { cmd: 'assert_exhaustion'; line: number; action: Action; message: string }
  | {
      cmd: 'assert_invalid' | 'assert_malformed' | 'assert_unlinkable' | 'assert_uninstantiable';
      line: number;
      module: ModuleDecl;
      message: string;
    }
  | { cmd: 'unsupported'; line: number; what: string };

const syntax = (n: SNode, why: string): WastSyntaxError =>
  new WastSyntaxError('WAST_SYNTAX', `line ${n.line}: ${why}`, { line: n.line });

function atom(n: SNode | undefined): string | undefined {
  return n?.t === 'atom' ? n.v : undefined;
}

function head(n: SNode): string | undefined {
  return n.t === 'list' ? atom(n.items[0]) : undefined;
}

function parseModule(n: SNode, src: string): ModuleDecl {
  if (n.t !== 'list' || head(n) !== 'module') throw syntax(n, 'expected (module …)');
  let k = 1;
  let definition = false;
  if (atom(n.items[k]) === 'definition') {
    definition = true;
    k++;
  }
  let name: string | undefined;
  const a = atom(n.items[k]);
  if (a?.startsWith('$')) {
    name = a;
    k++;
  }
  const kind = atom(n.items[k]);
  if (kind === 'binary' || kind === 'quote') {
    const strs = n.items.slice(k + 1);
    for (const s of strs) if (s.t !== 'str') throw syntax(s, `module ${kind} takes strings only`);
    if (kind === 'binary') {
      const total = strs.reduce((m, s) => m + (s as { bytes: Uint8Array }).bytes.length, 0);
      const bytes = new Uint8Array(total);
      let o = 0;
      for (const s of strs) {
        bytes.set((s as { bytes: Uint8Array }).bytes, o);
        o += (s as { bytes: Uint8Array }).bytes.length;
      }
      return { name, definition, source: { kind: 'binary', bytes } };
    }
    const quoted = `(module ${strs.map(strText).join(' ')})`;
    try {
      return { name, definition, source: { kind: 'quote', text: stripAnnotations(quoted) } };
    } catch (e) {
      // text our reader cannot tokenize is malformed, whatever the text compiler would make of it
      return {
        name,
        definition,
        source: {
          kind: 'quote',
          text: quoted,
          malformed: (e as Error).message.replace(/^[^:]*:\d+: /, ''),
        },
      };
    }
  }
  // text: hand wabt the module without `definition` (it does not know the keyword)
  let text = src.slice(n.start, n.end);
  if (definition) text = `(module ${src.slice(n.items[2]?.start ?? n.end - 1, n.end)}`;
  return { name, definition, source: { kind: 'text', text } };
}

function parseConst(n: SNode): RawValue {
  const h = head(n);
  if (n.t !== 'list' || !h) throw syntax(n, 'expected a constant');
  const arg = atom(n.items[1]);
  switch (h) {
    case 'i32.const':
      return { type: 'i32', bits: parseIntLiteral(need(n, arg), 32) };
    case 'i64.const':
      return { type: 'i64', bits: parseIntLiteral(need(n, arg), 64) };
    case 'f32.const':
      return { type: 'f32', bits: parseFloatLiteral(need(n, arg), 32) };
    case 'f64.const':
      return { type: 'f64', bits: parseFloatLiteral(need(n, arg), 64) };
    case 'v128.const': {
      const lanes = parseLanes(n).map((l) => {
        if ('nan' in l) throw syntax(n, 'NaN patterns are not arguments');
        return l.bits;
      });
      return { type: 'v128', bits: packLanes(need(n, arg), lanes) };
    }
    case 'ref.null':
      return arg === 'extern' || arg === 'noextern'
        ? { type: 'externref', ref: null }
        : { type: 'funcref', ref: null };
    case 'ref.extern':
      return { type: 'externref', ref: BigInt(need(n, arg)) };
    default:
      throw syntax(n, `unsupported constant ${h}`);
  }
}

function need(n: SNode, a: string | undefined): string {
  if (a === undefined) throw syntax(n, 'missing literal');
  return a;
}

const SHAPES: Record<string, { count: number; width: 8 | 16 | 32 | 64; float: boolean }> = {
  i8x16: { count: 16, width: 8, float: false },
  i16x8: { count: 8, width: 16, float: false },
  i32x4: { count: 4, width: 32, float: false },
  i64x2: { count: 2, width: 64, float: false },
  f32x4: { count: 4, width: 32, float: true },
  f64x2: { count: 2, width: 64, float: true },
};

export function shapeOf(name: string) {
  return SHAPES[name];
}

function parseLanes(n: SNode & { t: 'list' }): LaneExpect[] {
  const shapeName = atom(n.items[1]) ?? '';
  const shape = SHAPES[shapeName];
  if (!shape) throw syntax(n, `unknown v128 shape ${shapeName}`);
  const lanes = n.items.slice(2).map((x) => {
    const a = atom(x);
    if (a === undefined) throw syntax(x, 'expected a lane literal');
    if (a === 'nan:canonical' || a === 'nan:arithmetic') {
      if (!shape.float) throw syntax(x, 'NaN pattern in an integer shape');
      return { nan: a.slice(4) as NanPattern };
    }
    return {
      bits: shape.float
        ? parseFloatLiteral(a, shape.width as 32 | 64)
        : parseIntLiteral(a, shape.width),
    };
  });
  if (lanes.length !== shape.count)
    throw syntax(n, `${shapeName} needs ${shape.count} lanes, got ${lanes.length}`);
  return lanes;
}

export function packLanes(shapeName: string, lanes: bigint[]): bigint {
  const shape = SHAPES[shapeName]!;
  let v = 0n;
  lanes.forEach((b, i) => {
    v |= b << BigInt(i * shape.width);
  });
  return v;
}

function parseExpected(n: SNode): Expected {
  const h = head(n);
  if (n.t !== 'list' || !h) throw syntax(n, 'expected a result');
  const arg = atom(n.items[1]);
  if (h === 'either') return { type: 'either', options: n.items.slice(1).map(parseExpected) };
  if (
    (h === 'f32.const' || h === 'f64.const') &&
    (arg === 'nan:canonical' || arg === 'nan:arithmetic')
  ) {
    return { type: h === 'f32.const' ? 'f32' : 'f64', nan: arg.slice(4) as NanPattern };
  }
  if (h === 'v128.const') return { type: 'v128', shape: need(n, arg), lanes: parseLanes(n) };
  if (h === 'ref.func') return { type: 'funcref', ref: 'nonnull' };
  if (h === 'ref.extern')
    return { type: 'externref', ref: arg === undefined ? 'nonnull' : BigInt(arg) };
  if (h === 'ref.null')
    return {
      type:
        arg === 'extern' || arg === 'noextern'
          ? 'externref'
          : arg === 'func' || arg === 'nofunc'
            ? 'funcref'
            : 'anyref',
      ref: 'null',
    };
  const c = parseConst(n);
  if (c.type === 'i32' || c.type === 'i64' || c.type === 'f32' || c.type === 'f64')
    return { type: c.type, bits: c.bits };
  throw syntax(n, `unsupported expected value ${h}`);
}

function parseAction(n: SNode): Action {
  const h = head(n);
  if (n.t !== 'list' || (h !== 'invoke' && h !== 'get'))
    throw syntax(n, 'expected (invoke …) or (get …)');
  let k = 1;
  let module: string | undefined;
  const a = atom(n.items[k]);
  if (a?.startsWith('$')) {
    module = a;
    k++;
  }
  const nameNode = n.items[k];
  if (!nameNode || nameNode.t !== 'str') throw syntax(n, `${h} needs an export name`);
  const name = strText(nameNode);
  if (h === 'get') return { kind: 'get', module, name };
  return { kind: 'invoke', module, name, args: n.items.slice(k + 1).map(parseConst) };
}

function message(n: SNode | undefined, at: SNode): string {
  if (!n || n.t !== 'str') throw syntax(at, 'assertion needs a message string');
  return strText(n);
}

const MODULE_FIELDS = new Set([
  'type',
  'rec',
  'import',
  'func',
  'table',
  'memory',
  'global',
  'tag',
  'export',
  'start',
  'elem',
  'data',
]);

/** Parse a whole .wast script into commands. Throws WastSyntaxError (with the line) on bad syntax. */
export function parseScript(src: string, file = '<wast>'): Command[] {
  const out: Command[] = [];
  src = stripAnnotations(src, file);
  const nodes = parseSExprs(src, file);
  // an inline module: a script that is nothing but module fields is that one module
  if (nodes.length > 0 && nodes.every((n) => MODULE_FIELDS.has(head(n) ?? ''))) {
    const text = `(module ${src.slice(nodes[0]!.start, nodes[nodes.length - 1]!.end)})`;
    return [
      {
        cmd: 'module',
        line: nodes[0]!.line,
        module: { definition: false, source: { kind: 'text', text } },
      },
    ];
  }
  for (const n of nodes) {
    const h = head(n);
    const line = n.line;
    if (n.t !== 'list' || !h) throw syntax(n, 'expected a command');
    const it = n.items;
    try {
      switch (h) {
        case 'module':
          if (atom(it[1]) === 'instance')
            out.push({ cmd: 'module_instance', line, instance: atom(it[2]), module: atom(it[3]) });
          else out.push({ cmd: 'module', line, module: parseModule(n, src) });
          break;
        case 'register': {
          const as = it[1];
          if (!as || as.t !== 'str') throw syntax(n, 'register needs a name string');
          out.push({ cmd: 'register', line, as: strText(as), module: atom(it[2]) });
          break;
        }
        case 'invoke':
        case 'get':
          out.push({ cmd: 'action', line, action: parseAction(n) });
          break;
        case 'assert_return':
          out.push({
            cmd: 'assert_return',
            line,
            action: parseAction(it[1]!),
            expected: it.slice(2).map(parseExpected),
          });
          break;
        case 'assert_trap':
          if (head(it[1]!) === 'module')
            out.push({
              cmd: 'assert_trap_module',
              line,
              module: parseModule(it[1]!, src),
              message: message(it[2], n),
            });
          else
            out.push({
              cmd: 'assert_trap',
              line,
              action: parseAction(it[1]!),
              message: message(it[2], n),
            });
          break;
        case 'assert_exhaustion':
          out.push({
            cmd: 'assert_exhaustion',
            line,
            action: parseAction(it[1]!),
            message: message(it[2], n),
          });
          break;
        case 'assert_invalid':
        case 'assert_malformed':
        case 'assert_unlinkable':
        case 'assert_uninstantiable':
          out.push({ cmd: h, line, module: parseModule(it[1]!, src), message: message(it[2], n) });
          break;
        default:
          out.push({ cmd: 'unsupported', line, what: h });
      }
    } catch (e) {
      if (e instanceof WastSyntaxError) throw e;
      throw new WastSyntaxError('WAST_SYNTAX', `${file}:${line}: ${(e as Error).message}`, {
        line,
      });
    }
  }
  return out;
}
