/**
 * The V8 engines of the .wast runner: `raw` (V8 as is) and `dc` / `dc-float` (validated against
 * the profile and instrumented by core/wasm, then run on V8 with the meters reset before each
 * call). All run in one WasmSession (one Worker) per script.
 */
import { createHash } from 'node:crypto';
import { readExports, type ExportInfo } from '../../core/wasm/exec/exports.js';
import { prepareForProfile, type ProfileName } from '../../core/wasm/exec/profile.js';
import { WasmSession, type WorkerError } from '../../core/wasm/exec/session.js';
import { ICN_TRAP_GROW_FAILED, trapFromIcnCode, trapFromV8Message } from '../../core/wasm/traps.js';
import { watToWasm } from '../../core/wasm/wat.js';
import type { CallOutcome, InstanceHandle, ModuleOutcome, WastEngine } from './engine.js';
import { missingFeaturesOf } from './v8-features.js';
import { classifyRejection, OUTSIDE_EVERY_PROFILE } from './skip-reasons.js';
import { proposalsOf } from '../../core/wasm/binary/proposals.js';
import { noteVerdict } from './verdicts.js';

/** Fuel per call for instrumented spec modules: ample, never the reason a spec test stops. */
export const SPEC_FUEL = 1n << 60n;

const SPECTEST_WAT = `(module
  (global (export "global_i32") i32 (i32.const 666))
  (global (export "global_i64") i64 (i64.const 666))
  (global (export "global_f32") f32 (f32.const 666.6))
  (global (export "global_f64") f64 (f64.const 666.6))
  (table (export "table") 10 20 funcref)
  (memory (export "memory") 1 2)
  (func (export "print"))
  (func (export "print_i32") (param i32))
  (func (export "print_i64") (param i64))
  (func (export "print_f32") (param f32))
  (func (export "print_f64") (param f64))
  (func (export "print_i32_f32") (param i32 f32))
  (func (export "print_f64_f64") (param f64 f64)))`;

let spectestBytes: Promise<Uint8Array> | undefined;

/**
 * One idle session per process, reset between scripts: a worker start costs more than most spec
 * scripts (a full run starts ~1,100 engines). A session that died or faulted is never parked.
 */
let parked: WasmSession | undefined;

async function takeSession(): Promise<WasmSession> {
  const s = parked;
  parked = undefined;
  if (s && !s.closed) {
    s.ref();
    try {
      await s.reset();
      return s;
    } catch {
      await s.close();
    }
  }
  return new WasmSession();
}

async function parkSession(s: WasmSession): Promise<void> {
  if (s.closed || parked) return s.close();
  s.unref();
  parked = s;
}

/** A WorkerError as the outcome of a call (or of a start function, or of linking). */
function callOutcome(err: WorkerError, icnTrap: number | undefined): CallOutcome | ModuleOutcome {
  if (err.phase === 'range') return { kind: 'exhausted', how: 'native' };
  if (err.phase === 'host') return { kind: 'trap', trap: 'host_error' };
  if (err.phase === 'link') return { kind: 'unlinkable', reason: err.message };
  if (err.phase === 'invoke' || err.phase === 'start') {
    if (icnTrap !== undefined && icnTrap !== 0) return icnTrapOutcome(icnTrap);
    const t = trapFromV8Message(err.message);
    if (t) return { kind: 'trap', trap: t };
    return { kind: 'fault', reason: `unmapped V8 trap message ${JSON.stringify(err.message)}` };
  }
  return { kind: 'fault', reason: `${err.phase}: ${err.name}: ${err.message}` };
}

/** The trap the instrumented module recorded in __icn_trap (non-zero). */
function icnTrapOutcome(icnTrap: number): CallOutcome {
  if (icnTrap === ICN_TRAP_GROW_FAILED)
    return {
      kind: 'fault',
      reason: 'memory.grow failed below the profile cap (host out of memory)',
    };
  const t = trapFromIcnCode(icnTrap);
  if (!t) return { kind: 'fault', reason: `unknown __icn_trap ${icnTrap}` };
  if (t === 'stack_exhausted') return { kind: 'exhausted', how: 'stack_exhausted' };
  return { kind: 'trap', trap: t };
}

/** The export `name` of an instance, or why there is none. */
function exportOf(
  exportsOf: Map<number, ExportInfo[] | Error>,
  inst: InstanceHandle,
  name: string,
): ExportInfo | Error {
  const ex = exportsOf.get(inst.id);
  if (ex === undefined) return new Error(`unknown instance ${inst.id}`);
  if (ex instanceof Error) return ex;
  return ex.find((e) => e.name === name) ?? new Error(`no export ${JSON.stringify(name)}`);
}

/** The profile's validator refused the module: a classified skip, or rejected by the validator. */
function profileRejection(
  bytes: Uint8Array,
  p: Extract<ReturnType<typeof prepareForProfile>, { ok: false }>,
  expectInvalid: boolean,
): ModuleOutcome {
  const codes = p.violations.map((v) => v.code);
  const skip = classifyRejection(codes, expectInvalid, proposalsOf(bytes));
  if (skip) return skip;
  return { kind: 'rejected', by: 'validator', reason: p.reason };
}

/** V8 would not compile the module: a feature this V8 lacks or a proposal, else a rejection. */
function compileRejection(
  bytes: Uint8Array,
  message: string,
  instrumented: boolean,
  expectInvalid: boolean,
): ModuleOutcome {
  const missing = missingFeaturesOf(bytes, message);
  const beyond = instrumented || expectInvalid ? [] : proposalsOf(bytes);
  const v8 = `this Node's V8 (${process.versions.v8})`;
  if (missing.length === 0 && beyond.length > 0)
    return {
      kind: 'unsupported',
      reason: `${v8} rejects a module that needs ${beyond.join(', ')}: ${message}`,
      named: `${beyond.join('+')}: ${OUTSIDE_EVERY_PROFILE}`,
    };
  if (missing.length > 0)
    return {
      kind: 'unsupported',
      reason: `${v8} lacks: ${missing.join('; ')}`,
      named: `unsupported by this V8: ${missing.join('+')}`,
    };
  const by = instrumented ? 'v8 (instrumented module)' : 'v8';
  return { kind: 'rejected', by, reason: message };
}

type Prepared = ReturnType<typeof prepareForProfile>;

/**
 * prepareForProfile by content: spec scripts declare the same module text again and again (about
 * one module in seven over the corpus), and validation and instrumentation are pure functions of
 * the bytes and the profile. Kept for the last PREPARED_KEPT modules of this process.
 */
const prepared = new Map<string, Prepared>();
const PREPARED_KEPT = 256;

function prepareCached(bytes: Uint8Array, profile: ProfileName): Prepared {
  const key = `${profile}:${createHash('sha256').update(bytes).digest('base64')}`;
  let p = prepared.get(key);
  if (p === undefined) {
    p = prepareForProfile(bytes, profile);
    prepared.set(key, p);
    if (prepared.size > PREPARED_KEPT) prepared.delete(prepared.keys().next().value!);
  }
  return p;
}

/** What the instantiation of one engine's modules needs. */
interface EngineState {
  session: WasmSession;
  profile: ProfileName;
  instrumented: boolean;
  exportsOf: Map<number, ExportInfo[] | Error>;
  /** The next instance id: the engine numbers its instances, so calls can follow before the answer. */
  nextId: number;
}

/**
 * Send a module to the worker (after the profile's validator and instrumenter): the outcome at once
 * when the profile refuses it, else the instance id it will have and the outcome to come. The
 * exports are read from the bytes before the answer, so calls on the id can be sent at once.
 */
function startInstantiate(
  e: EngineState,
  bytes: Uint8Array,
  definitionOnly: boolean,
  expectInvalid: boolean,
): { known: ModuleOutcome } | { id: number; outcome: Promise<ModuleOutcome> } {
  let runBytes = bytes;
  if (e.instrumented) {
    const p = prepareCached(bytes, e.profile);
    // the instrumenter validated first (validateModule's verdict): the interpreter reuses it
    noteVerdict(bytes, e.profile, p.ok ? { ok: true } : { ok: false, violations: p.violations });
    if (!p.ok) return { known: profileRejection(bytes, p, expectInvalid) };
    runBytes = p.bytes;
  }
  const id = e.nextId++;
  if (!definitionOnly) {
    let ex: ExportInfo[] | Error;
    try {
      ex = readExports(bytes, { bodies: e.instrumented });
    } catch (err) {
      ex = err as Error;
    }
    e.exportsOf.set(id, ex);
  }
  const reply = e.session.instantiate(
    runBytes,
    definitionOnly ? 'none' : e.instrumented ? 'icn' : 'registry',
    { createdAt: 0n, entropy: new Uint8Array(32) },
    definitionOnly,
    id,
  );
  const outcome = reply.then((r): ModuleOutcome => {
    if (r.error) {
      if (r.error.phase === 'compile')
        return compileRejection(bytes, r.error.message, e.instrumented, expectInvalid);
      return callOutcome(r.error, undefined) as ModuleOutcome;
    }
    return definitionOnly ? { kind: 'compiled' } : { kind: 'instance', instance: { id } };
  });
  return { id, outcome };
}

export async function createV8Engine(profile: ProfileName): Promise<WastEngine> {
  spectestBytes ??= watToWasm(SPECTEST_WAT, { filename: 'spectest.wat' });
  const session = await takeSession();
  await session.initSpectest(await spectestBytes);
  const exportsOf = new Map<number, ExportInfo[] | Error>();
  const instrumented = profile !== 'raw';
  const engine: EngineState = { session, profile, instrumented, exportsOf, nextId: 1 };

  const exportsFor = (inst: InstanceHandle, name: string) => exportOf(exportsOf, inst, name);

  return {
    name: profile,
    nativeExhaustionCounts: profile === 'raw',
    // invoke/get post their request before their first await: calls reach the worker in order
    pipelined: true,
    async instantiate(bytes, definitionOnly, expectInvalid = false) {
      const s = startInstantiate(engine, bytes, definitionOnly, expectInvalid);
      return 'known' in s ? s.known : s.outcome;
    },
    instantiateAhead(bytes) {
      const s = startInstantiate(engine, bytes, false, false);
      return 'known' in s ? s : { instance: { id: s.id }, outcome: s.outcome };
    },
    async register(inst, as) {
      await session.register(inst.id, as);
    },
    async invoke(inst, name, args, resultsHint) {
      let e = exportsFor(inst, name);
      // a module our pinned decoder cannot read (e.g. it imports exception tags) still runs under
      // raw V8: take the signature from the script (argument and expected result types)
      if (
        e instanceof Error &&
        !instrumented &&
        resultsHint &&
        exportsOf.get(inst.id) instanceof Error
      )
        e = { name, kind: 'func', sig: { params: args.map((a) => a.type), results: resultsHint } };
      if (e instanceof Error) return { kind: 'fault', reason: e.message };
      if (e.kind !== 'func') return { kind: 'fault', reason: `${name} is not a function` };
      const r = await session.invoke(inst.id, name, e.sig, args, {
        fuel: instrumented ? SPEC_FUEL : undefined,
      });
      if (r.error) return callOutcome(r.error, r.icnTrap) as CallOutcome;
      return { kind: 'values', values: r.values! };
    },
    async get(inst, name) {
      const e = exportsFor(inst, name);
      if (e instanceof Error) return { kind: 'fault', reason: e.message };
      if (e.kind !== 'global') return { kind: 'fault', reason: `${name} is not a global` };
      return { kind: 'values', values: [await session.get(inst.id, name, e.type)] };
    },
    close: () => parkSession(session),
  };
}
