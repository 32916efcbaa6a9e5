/**
 * Runs .wast scripts on one engine: every command gets pass, fail or skip, with the engine's actual
 * outcome. A skip is only ever "outside the profile" or "unsupported by this Node's V8", each with
 * its reason; everything that depends on a skipped module is skipped with the same reason, and
 * nothing that ran and disagreed with the script is ever reported as a skip.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { contentHash, DOMAIN, type Hash } from '../../core/hash/index.js';
import { formatValue, type RawValue, type ValType } from '../../core/wasm/exec/values.js';
import { trapsForSpecMessage } from '../../core/wasm/traps.js';
import { watToWasm } from '../../core/wasm/wat.js';
import { tryDecodeModule } from '../../core/wasm/binary/decode.js';
import { UsageError } from '../io/files.js';
import {
  ENGINES,
  type CallOutcome,
  type InstanceHandle,
  type ModuleOutcome,
  type WastEngine,
} from './engine.js';
import { malformedIdentifier, parseSExprs, WastSyntaxError } from './sexpr.js';
import { OUTSIDE_EVERY_PROFILE, skipSummary } from './skip-reasons.js';

export { skipSummary };
import {
  parseScript,
  shapeOf,
  type Action,
  type Command,
  type Expected,
  type LaneExpect,
  type ModuleDecl,
} from './script.js';

export type CommandStatus = 'pass' | 'fail' | 'skip';

export interface CommandResult {
  line: number;
  cmd: string;
  status: CommandStatus;
  /** What the engine did, engine-neutral (hashed): `values:i32:0x…`, `trap:memory_oob`, `rejected`, … */
  actual: string;
  /** Why it failed or was skipped (not hashed: may quote tool messages). */
  reason?: string;
  /** For a skip: its named reason, the key skips are counted by (not hashed). */
  skipKind?: string;
}

export interface ScriptResult {
  file: string;
  engine: string;
  passed: number;
  failed: number;
  skipped: number;
  /** contentHash(DOMAIN.wasmSpecOutcomes, [{line, cmd, status, actual}…]). */
  outcomesHash: Hash;
  results: CommandResult[];
}

/** The .wast files of a path: the file itself, or a directory's *.wast sorted by name (bytewise). */
export function wastFiles(path: string): string[] {
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new UsageError('IO_READ', `cannot read ${path}: no such file or directory`, { path });
  }
  if (!st.isDirectory()) return [path];
  const files = readdirSync(path)
    .filter((f) => f.endsWith('.wast'))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((f) => join(path, f));
  if (files.length === 0) throw new UsageError('WAST_EMPTY', `${path}: no .wast files`);
  return files;
}

type ModState =
  | { kind: 'ok'; inst: InstanceHandle }
  | { kind: 'skip'; reason: string; named: string }
  | { kind: 'fail'; reason: string };

const TEXT_COMPILER = 'text compiler (wabt) cannot parse';

function namedSkip(o: {
  kind: 'outside_profile' | 'unsupported';
  reason: string;
  named?: string;
}): string {
  return (
    o.named ??
    (o.kind === 'outside_profile'
      ? `outside the profile: ${o.reason}`
      : `unsupported by this V8: ${o.reason}`)
  );
}

/** Text modules compiled once per declaration: the engines of one script share its parsed commands. */
const compiledDecls = new WeakMap<
  ModuleDecl,
  Promise<{ bytes: Uint8Array } | { textError: string }>
>();

function compileDecl(
  decl: ModuleDecl,
  file: string,
  line: number,
): Promise<{ bytes: Uint8Array } | { textError: string }> {
  let p = compiledDecls.get(decl);
  if (!p) {
    p = compileDeclNow(decl, file, line);
    compiledDecls.set(decl, p);
    void p.then((r) => compiledNow.set(decl, r));
  }
  return p;
}

/** The compiled declarations whose compilation has finished (read without waiting). */
const compiledNow = new WeakMap<ModuleDecl, { bytes: Uint8Array } | { textError: string }>();

/** Text that imports from no module but `spectest` (conservative: any other import string counts). */
const onlySpectestImports = (text: string): boolean => !/\(import\s+"(?!spectest")/.test(text);

async function compileDeclNow(
  decl: ModuleDecl,
  file: string,
  line: number,
): Promise<{ bytes: Uint8Array } | { textError: string }> {
  if (decl.source.kind === 'binary') return { bytes: decl.source.bytes };
  // wabt 1.0.39 lacks the typed-reference spelling of the two nullable reference types; the spec
  // defines them as exact aliases, so spell them the way wabt reads them
  if (decl.source.kind === 'quote' && decl.source.malformed)
    return { textError: decl.source.malformed };
  const bad = malformedIdentifier(decl.source.text);
  if (bad) return { textError: bad };
  const text = plainIdentifiers(decl.source.text)
    .replace(/\(ref\s+null\s+func\)/g, 'funcref')
    .replace(/\(ref\s+null\s+extern\)/g, 'externref');
  try {
    // exceptions: the spec scripts' shared modules declare tags; V8 runs them, our profiles reject them
    return {
      bytes: await watToWasm(text, {
        filename: `${basename(file)}:${line}`,
        validate: false,
        features: { exceptions: true, extended_const: true, multi_memory: true },
      }),
    };
  } catch (e) {
    const lines = (e as Error).message.split('\n');
    return { textError: (lines.find((l) => l.includes('error:')) ?? lines[0]!).slice(0, 300) };
  }
}

const ID_CHARS = /^[0-9A-Za-z!#$%&'*+\-./:<=>?@\\^_`|~]+$/;

/**
 * Quoted identifiers (`$"a b"`, the same identifier as `$ab` when its text is plain) spelled the
 * way wabt 1.0.39 reads them: `$text` when the decoded text is made of identifier characters, else
 * `$"…"` → `$__q_<utf-8 hex>`. Identifiers do not reach the binary, only their binding does.
 */
function plainIdentifiers(text: string): string {
  if (!text.includes('$"')) return text;
  return text.replace(/\$"((?:[^"\\\n]|\\.)*)"/g, (whole, body: string) => {
    let bytes: Uint8Array;
    try {
      const n = parseSExprs(`"${body}"`)[0];
      if (n?.t !== 'str') return whole;
      bytes = n.bytes;
    } catch {
      return whole;
    }
    const s = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true }).decode(bytes);
    if (ID_CHARS.test(s)) return `$${s}`;
    return `$__q_${[...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
  });
}

/**
 * A proposal the module text needs that wabt 1.0.39 cannot even encode (typed function references:
 * `(ref $t)`, `(ref func)`, `call_ref`, table initializer expressions; GC types); the exact aliases
 * `(ref null func|extern)` are not counted.
 * Only asked for modules the script calls valid.
 */
function textFeature(decl: ModuleDecl): string | undefined {
  if (decl.source.kind === 'binary') return undefined;
  const text = decl.source.text.replace(/\(ref\s+null\s+(func|extern)\)/g, '$1ref');
  if (/\((?:array|struct|rec|sub)\b/.test(text)) return 'gc';
  if (
    /\(ref\s|\b(?:call_ref|return_call_ref|br_on_null|br_on_non_null|ref\.as_non_null)\b/.test(text)
  )
    return 'function-references';
  // a table with an initializer expression: `(table [$t] [import…] n [m] funcref|externref (expr))`
  if (
    /\(table\b(?:[^()]|\((?:export|import)\b[^()]*\))*\b(?:funcref|externref)\s*\((?!elem\b)/.test(
      text,
    )
  )
    return 'function-references';
  return undefined;
}

const NAN_MASK = {
  f32: { sign: 0x7fffffffn, canonical: 0x7fc00000n, quiet: 0x7fc00000n },
  f64: { sign: 0x7fffffffffffffffn, canonical: 0x7ff8000000000000n, quiet: 0x7ff8000000000000n },
};

function nanMatches(
  type: 'f32' | 'f64',
  bits: bigint,
  pattern: 'canonical' | 'arithmetic',
): boolean {
  const m = NAN_MASK[type];
  if (pattern === 'canonical') return (bits & m.sign) === m.canonical;
  return (bits & m.quiet) === m.quiet;
}

export function valueMatches(exp: Expected, v: RawValue): boolean {
  switch (exp.type) {
    case 'either':
      return exp.options.some((o) => valueMatches(o, v));
    case 'v128': {
      if (v.type !== 'v128') return false;
      const shape = shapeOf(exp.shape)!;
      const mask = (1n << BigInt(shape.width)) - 1n;
      return exp.lanes.every((l: LaneExpect, i) => {
        const bits = (v.bits >> BigInt(i * shape.width)) & mask;
        if ('nan' in l) return nanMatches(shape.width === 32 ? 'f32' : 'f64', bits, l.nan);
        return bits === l.bits;
      });
    }
    case 'funcref':
    case 'externref':
    case 'anyref': {
      if (v.type !== 'funcref' && v.type !== 'externref') return false;
      if (exp.type !== 'anyref' && v.type !== exp.type) return false;
      if (exp.ref === 'null') return v.ref === null;
      if (exp.ref === 'nonnull') return v.ref !== null;
      return v.type === 'externref' && v.ref === exp.ref;
    }
    default:
      if (v.type !== exp.type) return false;
      if ('nan' in exp)
        return nanMatches(exp.type as 'f32' | 'f64', (v as { bits: bigint }).bits, exp.nan);
      return (v as { bits: bigint }).bits === exp.bits;
  }
}

function callActual(o: CallOutcome): string {
  switch (o.kind) {
    case 'values':
      return `values:${o.values.map(formatValue).join(',')}`;
    case 'trap':
      return `trap:${o.trap}`;
    case 'exhausted':
      return `exhausted:${o.how}`;
    case 'fault':
      return 'fault';
  }
}

function moduleActual(o: ModuleOutcome): string {
  return o.kind === 'trap'
    ? `trap:${o.trap}`
    : o.kind === 'exhausted'
      ? `exhausted:${o.how}`
      : o.kind;
}

export interface RunOptions {
  /** Called after every command (for streaming output). */
  onResult?: (file: string, r: CommandResult) => void;
}

/**
 * The last script parsed in this process: the wasm-spec suite runs one script on every engine in
 * a row (one pool batch per script), so it is read once, not once per engine. Commands are never
 * changed by a run.
 */
let lastParsed: { file: string; text: string; commands: Command[] } | undefined;

function parsedScript(file: string, text: string): Command[] {
  if (lastParsed?.file === file && lastParsed.text === text) return lastParsed.commands;
  const commands = parseScript(text, basename(file));
  lastParsed = { file, text, commands };
  return commands;
}

export async function runScript(
  file: string,
  engineName: string,
  opts: RunOptions = {},
): Promise<ScriptResult> {
  const info = ENGINES[engineName];
  if (!info)
    throw new UsageError(
      'USAGE_ENGINE',
      `unknown engine ${JSON.stringify(engineName)} (known: ${Object.keys(ENGINES).join(', ')})`,
    );
  let commands: Command[];
  const results: CommandResult[] = [];
  try {
    commands = parsedScript(file, readFileSync(file, 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT')
      throw new UsageError('IO_READ', `cannot read ${file}: no such file`);
    if (!(e instanceof WastSyntaxError)) throw e;
    // a script the reader cannot read is one failed entry (line and why); the caller goes on
    const line =
      typeof e.details?.line === 'number'
        ? e.details.line
        : lineOf(readFileSync(file, 'utf8'), e.details?.offset);
    const r: CommandResult = {
      line,
      cmd: 'script',
      status: 'fail',
      actual: 'unreadable',
      reason: `the .wast reader cannot read this script: ${e.message}`,
    };
    opts.onResult?.(file, r);
    commands = [];
    results.push(r);
  }
  const engine = await info.create();
  try {
    const ctx = new ScriptContext(engine, file);
    for (let i = 0; i < commands.length;) {
      await ctx.precompile(commands, i);
      const n = engine.pipelined ? ctx.sliceLength(commands, i) : 1;
      for (const r of await runSlice(ctx, commands.slice(i, i + n))) {
        results.push(r);
        opts.onResult?.(file, r);
      }
      i += n;
    }
  } finally {
    await engine.close();
  }
  const counts = { pass: 0, fail: 0, skip: 0 };
  for (const r of results) counts[r.status]++;
  return {
    file: basename(file),
    engine: engineName,
    passed: counts.pass,
    failed: counts.fail,
    skipped: counts.skip,
    outcomesHash: contentHash(
      DOMAIN.wasmSpecOutcomes,
      results.map((r) => ({ line: r.line, cmd: r.cmd, status: r.status, actual: r.actual })),
    ),
    results,
  };
}

/** Calls in flight at most: a long run of assertions is sent in slices. */
const PIPELINE_DEPTH = 256;

/**
 * Commands that only call into instances (never define, register or replace one), or only compile
 * a module the script calls invalid or malformed (no instance, no state on either side): what one
 * does cannot change which instance the next one targets, so they may be sent before it answers.
 * Calls reach the engine in script order (each sends before its first await); a compile-only
 * command may reach it later (after its text is compiled), which no call can observe.
 */
const isCall = (c: Command): boolean =>
  c.cmd === 'action' ||
  c.cmd === 'assert_return' ||
  c.cmd === 'assert_trap' ||
  c.cmd === 'assert_exhaustion' ||
  c.cmd === 'assert_invalid' ||
  c.cmd === 'assert_malformed';

/**
 * Commands started together (each sends its request in script order) and answered in order. A
 * call sent to a module instantiated ahead that then did not instantiate is answered as the
 * script has it: from that module's final state (settled before the call is answered).
 */
async function runSlice(ctx: ScriptContext, slice: readonly Command[]): Promise<CommandResult[]> {
  const targets: (ModState | undefined)[] = [];
  const pending = slice.map((c) => {
    targets.push(ctx.targetOf(c));
    return ctx.run(c);
  });
  for (const p of pending) p.catch(() => undefined); // the first rejection is thrown below
  const out: CommandResult[] = [];
  for (let k = 0; k < slice.length; k++)
    out.push(ctx.settledCall(slice[k]!, targets[k]) ?? (await pending[k]!));
  return out;
}

type CommandOf<K extends Command['cmd']> = Command & { cmd: K };
/** An assertion about a whole module (assert_invalid, assert_unlinkable, assert_trap on a module, …). */
type ModuleAssertion = { line: number; module: ModuleDecl; message: string };

/** The result constructors of one command (its line and name filled in). */
function verdicts(c: Command) {
  const line = c.line;
  const cmd = c.cmd === 'assert_trap_module' ? 'assert_trap' : c.cmd;
  const pass = (actual: string): CommandResult => ({ line, cmd, status: 'pass', actual });
  const fail = (actual: string, reason: string): CommandResult => ({
    line,
    cmd,
    status: 'fail',
    actual,
    reason,
  });
  const skip = (reason: string, named: string): CommandResult => ({
    line,
    cmd,
    status: 'skip',
    actual: 'skipped',
    reason,
    skipKind: named,
  });
  const skipFor = (o: {
    kind: 'outside_profile' | 'unsupported';
    reason: string;
    named?: string;
  }): CommandResult =>
    skip(
      `${o.kind === 'outside_profile' ? 'outside the profile' : 'unsupported by this V8'}: ${o.reason}`,
      namedSkip(o),
    );
  const fromState = (s: ModState): CommandResult =>
    s.kind === 'skip'
      ? skip(s.reason, s.named)
      : fail('no-module', s.kind === 'fail' ? s.reason : 'no module');
  return { pass, fail, skip, skipFor, fromState };
}
type Verdicts = ReturnType<typeof verdicts>;

class ScriptContext {
  private current: ModState | undefined;
  private readonly named = new Map<string, ModState>();
  private readonly definitions = new Map<string, Uint8Array>();
  private readonly skippedDefinitions = new Map<string, ModState & { kind: 'skip' }>();

  /** A module that failed to link because it imports from a registered instance that was skipped: skipped for the same reason. */
  private skippedImport(
    bytes: Uint8Array,
    text: string | undefined,
  ): (ModState & { kind: 'skip' }) | undefined {
    for (const name of importModules(bytes, text)) {
      const r = this.registered.get(name);
      if (r?.kind === 'skip')
        return { kind: 'skip', reason: `imports from "${name}": ${r.reason}`, named: r.named };
    }
    return undefined;
  }

  constructor(
    private readonly engine: WastEngine,
    private readonly file: string,
  ) {}

  /** Instances by the name they were registered under (for the imports of a skipped module). */
  private readonly registered = new Map<string, ModState>();

  /**
   * A skipped module that imports from registered instances may have written into their tables,
   * memories or globals (element and data segments, a start function): what the script asserts
   * about those instances afterwards depends on the skipped module, so they are skipped too.
   */
  private taintImported(
    bytes: Uint8Array | undefined,
    text: string | undefined,
    skipped: ModState & { kind: 'skip' },
  ): void {
    const from = importModules(bytes, text);
    for (const name of from) {
      const victim = this.registered.get(name);
      if (!victim || victim.kind !== 'ok') continue;
      const tainted: ModState = {
        kind: 'skip',
        reason: `${skipped.reason} (it imports from this instance)`,
        named: skipped.named,
      };
      for (const [k, v] of this.registered) if (v === victim) this.registered.set(k, tainted);
      for (const [k, v] of this.named) if (v === victim) this.named.set(k, tainted);
      if (this.current === victim) this.current = tainted;
    }
  }

  private target(name: string | undefined): ModState {
    const m = name === undefined ? this.current : this.named.get(name);
    return (
      m ?? {
        kind: 'fail',
        reason: name === undefined ? 'no module defined yet' : `unknown module ${name}`,
      }
    );
  }

  private async perform(a: Action, expected?: Expected[]): Promise<CallOutcome | ModState> {
    const t = this.target(a.module);
    if (t.kind !== 'ok') return t;
    return a.kind === 'invoke'
      ? this.engine.invoke(t.inst, a.name, a.args, expected?.map(typeOfExpected))
      : this.engine.get(t.inst, a.name);
  }

  /** Modules instantiated ahead that then did not instantiate: provisional -> final state. */
  private readonly aheadFailed = new WeakMap<ModState, ModState>();

  /**
   * A call that targeted a module instantiated ahead which then did not instantiate: its result
   * as the script runs it (a call on a module that is not live is answered from its state, with
   * no engine call); undefined for any other call.
   */
  settledCall(c: Command, t: ModState | undefined): CommandResult | undefined {
    const final = t === undefined ? undefined : this.aheadFailed.get(t);
    return final === undefined ? undefined : verdicts(c).fromState(final);
  }

  /** The module state a call command targets now (undefined for any other command). */
  targetOf(c: Command): ModState | undefined {
    return isCall(c) && 'action' in c ? this.target(c.action.module) : undefined;
  }

  /** Compile the module texts of a slice before it starts (so that it runs without waiting). */
  async precompile(commands: readonly Command[], i: number): Promise<void> {
    for (let k = i; k < Math.min(commands.length, i + PIPELINE_DEPTH); k++) {
      const c = commands[k]!;
      if (c.cmd === 'module' && !textFeature(c.module))
        await compileDecl(c.module, this.file, c.line);
      else if (!isCall(c)) return;
    }
  }

  /**
   * Bytes of a module command that may be instantiated ahead of its answer: compiled already,
   * not a definition, importing from nothing but spectest (its outcome then changes no other
   * instance's state: no taint, no skipped import), on an engine that can.
   */
  private aheadBytes(c: Command): Uint8Array | undefined {
    if (c.cmd !== 'module' || !this.engine.instantiateAhead || c.module.definition) return;
    const src = c.module.source;
    if (src.kind !== 'text' || !onlySpectestImports(src.text) || this.registered.has('spectest'))
      return;
    if (textFeature(c.module)) return;
    const compiled = compiledNow.get(c.module);
    return compiled && 'bytes' in compiled ? compiled.bytes : undefined;
  }

  /** How many commands from `i` on run as one slice: calls and modules instantiated ahead. */
  sliceLength(commands: readonly Command[], i: number): number {
    const joins = (c: Command): boolean => isCall(c) || this.aheadBytes(c) !== undefined;
    let n = 1;
    if (!joins(commands[i]!)) return n;
    while (n < PIPELINE_DEPTH && i + n < commands.length && joins(commands[i + n]!)) n++;
    return n;
  }

  /** The module becomes current at once (provisionally live); its outcome settles it. */
  private moduleAhead(
    c: CommandOf<'module'>,
    v: Verdicts,
    bytes: Uint8Array,
  ): Promise<CommandResult> {
    const a = this.engine.instantiateAhead!(bytes);
    const text = c.module.source.kind === 'text' ? c.module.source.text : undefined;
    const settle = (state: ModState, was?: ModState): void => {
      if (was === undefined || this.current === was) this.current = state;
      if (c.module.name && (was === undefined || this.named.get(c.module.name) === was))
        this.named.set(c.module.name, state);
      if (state.kind === 'skip') this.taintImported(bytes, text, state);
    };
    if ('known' in a) {
      const [state, result] = this.instantiated(c, v, a.known, bytes);
      settle(state);
      return Promise.resolve(result);
    }
    const provisional: ModState = { kind: 'ok', inst: a.instance };
    settle(provisional);
    return a.outcome.then((o) => {
      if (o.kind === 'instance') return v.pass('instantiated');
      const [state, result] = this.instantiated(c, v, o, bytes);
      this.aheadFailed.set(provisional, state);
      settle(state, provisional);
      return result;
    });
  }

  async run(c: Command): Promise<CommandResult> {
    const v = verdicts(c);
    switch (c.cmd) {
      case 'unsupported':
        return v.fail('unsupported', `unsupported command ${c.what}`);
      case 'module':
        return this.module(c, v);
      case 'module_instance':
        return this.moduleInstance(c, v);
      case 'register': {
        const t = this.target(c.module);
        if (t.kind === 'skip') this.registered.set(c.as, t);
        if (t.kind !== 'ok') return v.fromState(t);
        await this.engine.register(t.inst, c.as);
        this.registered.set(c.as, t);
        return v.pass('registered');
      }
      case 'action': {
        const o = await this.perform(c.action);
        if (o.kind === 'ok' || o.kind === 'skip' || o.kind === 'fail') return v.fromState(o);
        return o.kind === 'values'
          ? v.pass(callActual(o))
          : v.fail(callActual(o), `expected the action to complete, got ${callActual(o)}`);
      }
      case 'assert_return':
        return this.assertReturn(c, v);
      case 'assert_trap': {
        const o = await this.perform(c.action);
        if (o.kind === 'ok' || o.kind === 'skip' || o.kind === 'fail') return v.fromState(o);
        return this.checkTrap(
          callActual(o),
          o.kind === 'trap' ? o.trap : undefined,
          c.message,
          v.fail,
          v.pass,
          o.kind === 'fault' ? o.reason : undefined,
        );
      }
      case 'assert_exhaustion': {
        const o = await this.perform(c.action);
        if (o.kind === 'ok' || o.kind === 'skip' || o.kind === 'fail') return v.fromState(o);
        const actual = callActual(o);
        if (
          o.kind === 'exhausted' &&
          (o.how === 'stack_exhausted' || this.engine.nativeExhaustionCounts)
        )
          return v.pass(actual);
        return v.fail(
          actual,
          o.kind === 'exhausted'
            ? 'native stack overflow (RangeError): poisoned, never a result under this engine'
            : `expected stack exhaustion, got ${actual}`,
        );
      }
      case 'assert_trap_module':
      case 'assert_uninstantiable':
        return this.assertTrapModule(c, v);
      case 'assert_unlinkable':
        return this.assertUnlinkable(c, v);
      case 'assert_invalid':
      case 'assert_malformed':
        return this.assertRejected(c, v);
    }
  }

  /** A module command: compiled (or skipped, with the reason) and instantiated; it becomes the current module. */
  private async module(c: CommandOf<'module'>, v: Verdicts): Promise<CommandResult> {
    const ahead = this.aheadBytes(c);
    if (ahead) return this.moduleAhead(c, v, ahead);
    const feature = textFeature(c.module);
    const compiled = feature
      ? { textError: '', feature }
      : await compileDecl(c.module, this.file, c.line);
    let state: ModState;
    let result: CommandResult;
    if ('feature' in compiled) {
      const named = `${compiled.feature}: ${OUTSIDE_EVERY_PROFILE}`;
      state = { kind: 'skip', reason: `module at line ${c.line} needs ${named}`, named };
      result = v.skip(`needs ${named}`, named);
    } else if ('textError' in compiled) {
      // the text compiler (wabt) cannot parse a module the spec calls valid: a toolchain gap
      // (e.g. table initializer expressions), reported as such, with everything depending on it
      const why = `unsupported by the text compiler (wabt): ${compiled.textError}`;
      state = { kind: 'skip', reason: `module at line ${c.line} ${why}`, named: TEXT_COMPILER };
      result = v.skip(why, TEXT_COMPILER);
    } else {
      if (c.module.definition && c.module.name) this.definitions.set(c.module.name, compiled.bytes);
      const o = await this.engine.instantiate(compiled.bytes, c.module.definition);
      if (o.kind === 'compiled') return v.pass('compiled');
      [state, result] = this.instantiated(c, v, o, compiled.bytes);
    }
    this.current = state;
    if (c.module.name) this.named.set(c.module.name, state);
    if (state.kind === 'skip' && c.module.definition && c.module.name)
      this.skippedDefinitions.set(c.module.name, state);
    if (state.kind === 'skip')
      this.taintImported(
        'bytes' in compiled ? compiled.bytes : undefined,
        c.module.source.kind === 'binary' ? undefined : c.module.source.text,
        state,
      );
    return result;
  }

  /** The state and result of a module command's instantiation (not `compiled`). */
  private instantiated(
    c: CommandOf<'module'>,
    v: Verdicts,
    o: ModuleOutcome,
    bytes: Uint8Array,
  ): [ModState, CommandResult] {
    if (o.kind === 'instance') return [{ kind: 'ok', inst: o.instance }, v.pass('instantiated')];
    if (o.kind === 'outside_profile' || o.kind === 'unsupported') {
      const why = `${o.kind === 'outside_profile' ? 'outside the profile' : 'unsupported by this V8'}: ${o.reason}`;
      return [
        { kind: 'skip', reason: `module at line ${c.line} ${why}`, named: namedSkip(o) },
        v.skip(why, namedSkip(o)),
      ];
    }
    const dep =
      o.kind === 'unlinkable'
        ? this.skippedImport(
            bytes,
            c.module.source.kind === 'binary' ? undefined : c.module.source.text,
          )
        : undefined;
    const state: ModState = dep ?? {
      kind: 'fail',
      reason: `module at line ${c.line} did not instantiate`,
    };
    return [
      state,
      dep
        ? v.skip(dep.reason, dep.named)
        : v.fail(moduleActual(o), 'reason' in o ? o.reason : moduleActual(o)),
    ];
  }

  private async moduleInstance(
    c: CommandOf<'module_instance'>,
    v: Verdicts,
  ): Promise<CommandResult> {
    const skipped = c.module ? this.skippedDefinitions.get(c.module) : undefined;
    if (skipped) {
      this.current = skipped;
      if (c.instance) this.named.set(c.instance, skipped);
      return v.fromState(skipped);
    }
    const bytes = c.module ? this.definitions.get(c.module) : undefined;
    if (!bytes) return v.fail('no-module', `no module definition ${c.module}`);
    const o = await this.engine.instantiate(bytes, false);
    const state: ModState =
      o.kind === 'instance'
        ? { kind: 'ok', inst: o.instance }
        : o.kind === 'outside_profile' || o.kind === 'unsupported'
          ? { kind: 'skip', reason: v.skipFor(o).reason!, named: namedSkip(o) }
          : { kind: 'fail', reason: moduleActual(o) };
    this.current = state;
    if (c.instance) this.named.set(c.instance, state);
    if (state.kind === 'skip') this.taintImported(bytes, undefined, state);
    return state.kind === 'ok'
      ? v.pass('instantiated')
      : state.kind === 'skip'
        ? v.skip(state.reason, state.named)
        : v.fail(moduleActual(o), 'module instance did not instantiate');
  }

  private async assertReturn(c: CommandOf<'assert_return'>, v: Verdicts): Promise<CommandResult> {
    const o = await this.perform(c.action, c.expected);
    if (o.kind === 'ok' || o.kind === 'skip' || o.kind === 'fail') return v.fromState(o);
    const actual = callActual(o);
    if (o.kind !== 'values')
      return v.fail(
        actual,
        `expected values, got ${actual}${o.kind === 'fault' ? `: ${o.reason}` : ''}`,
      );
    const ok =
      o.values.length === c.expected.length &&
      c.expected.every((e, i) => valueMatches(e, o.values[i]!));
    return ok
      ? v.pass(actual)
      : v.fail(actual, `expected ${describeExpected(c.expected)}, got ${actual}`);
  }

  /**
   * A module the script calls valid (it must link, or trap, or fail to link), compiled; or the
   * skip result when it needs a feature outside every profile or the text compiler refuses it.
   */
  private async compileValid(
    c: ModuleAssertion,
    v: Verdicts,
  ): Promise<{ bytes: Uint8Array } | CommandResult> {
    const feature = textFeature(c.module);
    if (feature)
      return v.skip(
        `needs ${feature}: ${OUTSIDE_EVERY_PROFILE}`,
        `${feature}: ${OUTSIDE_EVERY_PROFILE}`,
      );
    const compiled = await compileDecl(c.module, this.file, c.line);
    if ('textError' in compiled)
      return v.skip(
        `unsupported by the text compiler (wabt): ${compiled.textError}`,
        TEXT_COMPILER,
      );
    return compiled;
  }

  private async assertTrapModule(c: ModuleAssertion, v: Verdicts): Promise<CommandResult> {
    const compiled = await this.compileValid(c, v);
    if (!('bytes' in compiled)) return compiled;
    const o = await this.engine.instantiate(compiled.bytes, false);
    if (o.kind === 'outside_profile' || o.kind === 'unsupported') {
      // a module that traps in instantiation may already have written into the instances it imports
      this.taintImported(compiled.bytes, undefined, {
        kind: 'skip',
        reason: `module at line ${c.line} ${v.skipFor(o).reason}`,
        named: namedSkip(o),
      });
      return v.skipFor(o);
    }
    const dep = o.kind === 'unlinkable' ? this.skippedImport(compiled.bytes, undefined) : undefined;
    if (dep) return v.skip(dep.reason, dep.named);
    return this.checkTrap(
      moduleActual(o),
      o.kind === 'trap' ? o.trap : undefined,
      c.message,
      v.fail,
      v.pass,
      'reason' in o ? o.reason : undefined,
    );
  }

  private async assertUnlinkable(c: ModuleAssertion, v: Verdicts): Promise<CommandResult> {
    const compiled = await this.compileValid(c, v);
    if (!('bytes' in compiled)) return compiled;
    const o = await this.engine.instantiate(compiled.bytes, false);
    if (o.kind === 'outside_profile' || o.kind === 'unsupported') return v.skipFor(o);
    return o.kind === 'unlinkable'
      ? v.pass('unlinkable')
      : v.fail(moduleActual(o), `expected a link error (${c.message}), got ${moduleActual(o)}`);
  }

  private async assertRejected(c: ModuleAssertion, v: Verdicts): Promise<CommandResult> {
    const compiled = await compileDecl(c.module, this.file, c.line);
    if ('textError' in compiled) {
      // text the text compiler refuses: malformed (or, for assert_invalid, invalid) by construction
      return v.pass('rejected:text');
    }
    const o = await this.engine.instantiate(compiled.bytes, true, true);
    if (o.kind === 'outside_profile' || o.kind === 'unsupported') return v.skipFor(o);
    return o.kind === 'rejected'
      ? v.pass('rejected')
      : v.fail(
          moduleActual(o),
          `expected the module to be rejected (${c.message}), but it ${o.kind === 'compiled' ? 'compiled' : moduleActual(o)}`,
        );
  }

  private checkTrap(
    actual: string,
    trap: string | undefined,
    message: string,
    fail: (a: string, r: string) => CommandResult,
    pass: (a: string) => CommandResult,
    detail?: string,
  ): CommandResult {
    const allowed = trapsForSpecMessage(message);
    if (!allowed)
      return fail(
        actual,
        `unknown trap message ${JSON.stringify(message)} (add it to core/wasm/traps.ts)`,
      );
    if (trap !== undefined && (allowed as readonly string[]).includes(trap)) return pass(actual);
    return fail(
      actual,
      `expected trap "${message}" (${allowed.join('|')}), got ${actual}${detail ? `: ${detail}` : ''}`,
    );
  }
}

/** The module names a module imports from (decoded; the text's `(import "m"` where our decoder cannot read it). */
function importModules(bytes: Uint8Array | undefined, text: string | undefined): string[] {
  const d = bytes ? tryDecodeModule(bytes) : undefined;
  if (d?.ok) return [...new Set(d.module.imports.map((i) => i.module))];
  return [
    ...new Set([...(text ?? '').matchAll(/\(import\s+"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]!)),
  ];
}

function lineOf(src: string, offset: unknown): number {
  if (typeof offset !== 'number') return 0;
  return src.slice(0, offset).split('\n').length;
}

function typeOfExpected(e: Expected): ValType {
  if (e.type === 'either') return typeOfExpected(e.options[0]!);
  return e.type === 'anyref' ? 'funcref' : e.type;
}

function describeExpected(es: Expected[]): string {
  const one = (e: Expected): string => {
    if (e.type === 'either') return `either(${e.options.map(one).join(' | ')})`;
    if (e.type === 'v128')
      return `v128 ${e.shape} [${e.lanes.map((l) => ('nan' in l ? `nan:${l.nan}` : `0x${l.bits.toString(16)}`)).join(' ')}]`;
    if ('ref' in e) return `${e.type}:${String(e.ref)}`;
    if ('nan' in e) return `${e.type}:nan:${e.nan}`;
    return formatValue({ type: e.type, bits: e.bits });
  };
  return es.map(one).join(',') || '(nothing)';
}
