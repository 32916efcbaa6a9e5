/**
 * The reference interpreter as an executor: the same task and the same result form as the V8
 * executor (core/wasm/exec/executor.ts): validate against the profile, instantiate with the icn.*
 * host imports, call one export with bit-exact arguments, hash memory and host calls, seal. Fuel
 * and stack come from the profile's cost table and limits, computed by this interpreter's code.
 * Synchronous: no Worker is needed, the interpreter never uses the native stack per wasm call.
 */
import { IcnError } from '../../errors.js';
import { I64_MAX } from '../../int-limits.js';
import { bytesHash, DOMAIN } from '../../hash/index.js';
import type { Export, WasmModule } from '../binary/types.js';
import { bulkCost, opCost, type CostTable } from '../cost-table.js';
import { DEFAULT_FUEL, entropySeed, hostCallsHash } from '../exec/executor.js';
import { sealResult, withLimits, type WasmResult } from '../exec/result.js';
import { limitsHit } from '../exec/limits.js';
import { ICN_LIMIT } from '../instrument/instrument.js';
import type { HostCall } from '../exec/session.js';
import { formatValue, type RawValue } from '../exec/values.js';
import { WasmRejected } from '../exec/profile.js';
import { getProfile, profileHash, type ProfileName } from '../profiles.js';
import { validateDetailed, type Violation } from '../validate/validate.js';
import { instantiate, LinkError, type ExternVal } from './instantiate.js';
import { HostTrap, Machine, type TraceEvent } from './machine.js';
import { WasmTrap } from './numeric.js';
import { typeKey, type FuncInst, type Instance, type MemInst, type Val } from './store.js';

export interface InterpRequest {
  module: Uint8Array;
  profile: Exclude<ProfileName, 'raw'>;
  invoke: string;
  args: RawValue[];
  fuel?: bigint;
  createdAt?: bigint;
  /** Record charge/call/return/trap events. */
  trace?: boolean;
  /** Use this cost table instead of the profile's (fault injection in tests only). */
  costTable?: CostTable;
  /** Execution tier (machine.ts): 'js' (default) or 'loop'; a trace always runs in the loop. */
  tier?: 'js' | 'loop';
}

export interface InterpOutcome {
  result: WasmResult;
  trace?: TraceEvent[];
}

const LOG_MAX_CALLS = 4096;
const LOG_MAX_BYTES = 1 << 20;

const hex32 = (x: number): string => `i32:0x${(x >>> 0).toString(16).padStart(8, '0')}`;
const hexBytes = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** Value in transport form → interpreter representation. */
export function toVal(v: RawValue): Val {
  switch (v.type) {
    case 'i32':
    case 'f32':
      return Number(BigInt.asIntN(32, v.bits));
    case 'i64':
    case 'f64':
      return BigInt.asIntN(64, v.bits);
    case 'funcref':
      if (v.ref !== null) throw new IcnError('WASM_ARGS', 'a funcref argument can only be null');
      return null;
    case 'externref':
      return v.ref === null ? null : { extern: v.ref };
    default:
      throw new IcnError('WASM_ARGS', `${v.type} values are outside the dc profiles`);
  }
}

/** Interpreter value of a given type → transport form. */
export function fromVal(t: string, x: Val): RawValue {
  switch (t) {
    case 'i32':
    case 'f32':
      return { type: t, bits: BigInt((x as number) >>> 0) };
    case 'i64':
    case 'f64':
      return { type: t, bits: BigInt.asUintN(64, x as bigint) };
    case 'funcref':
      return { type: 'funcref', ref: x === null ? null : 'func' };
    case 'externref':
      return { type: 'externref', ref: x === null ? null : (x as { extern: bigint }).extern };
  }
  throw new IcnError('WASM_INTERP', `cannot return a value of type ${t}`);
}

/** Machine options for a profile (and an optional replacement cost table). */
export function machineFor(
  profile: Exclude<ProfileName, 'raw'>,
  table?: CostTable,
  trace = false,
  tier?: 'js' | 'loop',
): Machine {
  const p = getProfile(profile);
  const cost = table ?? p.costTable!;
  const L = p.limits!;
  const costCache = new Map<number, number>();
  const bulkCache = new Map<number, number>();
  return new Machine({
    costOf: (op) => {
      let c = costCache.get(op);
      if (c === undefined) costCache.set(op, (c = opCost(cost, op)));
      return c;
    },
    bulkPerUnit: (op) => {
      let c = bulkCache.get(op);
      if (c === undefined) bulkCache.set(op, (c = bulkCost(cost, op)?.perUnit ?? 0));
      return c;
    },
    frameOverheadSlots: L.frameOverheadSlots,
    maxStackSlots: L.maxStackSlots,
    maxBulkBytes: L.maxBulkBytes,
    trace,
    ...(tier !== undefined ? { tier } : {}),
  });
}

/** The icn.* host functions, recording calls like the V8 executor's worker does (same records). */
export function icnHost(
  env: { createdAt: bigint; entropy: Uint8Array },
  slot: { inst?: Instance; calls: HostCall[]; logBytes: number },
): Map<string, FuncInst> {
  const memory = (): MemInst => {
    const m = slot.inst?.mems[0];
    if (m === undefined) throw new HostTrap('no __icn_memory available');
    return m;
  };
  const record = (c: HostCall): void => {
    if (slot.calls.length >= LOG_MAX_CALLS) throw new HostTrap('too many host calls');
    slot.calls.push(c);
  };
  const fn = (
    name: string,
    params: ('i32' | 'i64')[],
    results: ('i32' | 'i64')[],
    host: (a: Val[]) => Val[],
  ): [string, FuncInst] => {
    const type = { params, results };
    return [name, { type, typeKey: typeKey(type), host, name: `icn.${name}` }];
  };
  return new Map([
    fn('log', ['i32', 'i32'], [], ([ptr, len]) => {
      const p = (ptr as number) >>> 0;
      const n = (len as number) >>> 0;
      const m = memory();
      if (p + n > m.bytes.length) throw new HostTrap('icn.log out of bounds');
      slot.logBytes += n;
      if (slot.logBytes > LOG_MAX_BYTES) throw new HostTrap('icn.log over its byte budget');
      record({
        name: 'icn.log',
        args: [hex32(ptr as number), hex32(len as number)],
        result: null,
        data: hexBytes(m.bytes.subarray(p, p + n)),
      });
      return [];
    }),
    fn('timestamp', [], ['i64'], () => {
      record({
        name: 'icn.timestamp',
        args: [],
        result: `i64:0x${BigInt.asUintN(64, env.createdAt).toString(16).padStart(16, '0')}`,
      });
      return [BigInt.asIntN(64, env.createdAt)];
    }),
    fn('entropy_seed', ['i32'], [], ([ptr]) => {
      const p = (ptr as number) >>> 0;
      const m = memory();
      if (p + 32 > m.bytes.length) throw new HostTrap('icn.entropy_seed out of bounds');
      m.bytes.set(env.entropy, p);
      record({
        name: 'icn.entropy_seed',
        args: [hex32(ptr as number)],
        result: null,
        data: hexBytes(env.entropy),
      });
      return [];
    }),
  ]);
}

/** Bad modules: the executor's WasmRejected (WASM_REJECTED) with every violation. */
function rejected(message: string, violations: Violation[]): IcnError {
  return new WasmRejected(message, violations);
}

const EMPTY_MEMORY_HASH = bytesHash(DOMAIN.wasmMemory, new Uint8Array(0));

/** Run one task on the interpreter. Throws WasmRejected / IcnError for bad input, like the executor. */
export function interpret(req: InterpRequest): InterpOutcome {
  const fuel = req.fuel ?? DEFAULT_FUEL;
  const createdAt = req.createdAt ?? 0n;
  if (fuel < 0n || fuel > I64_MAX)
    throw new IcnError('WASM_ARGS', `fuel ${fuel} is out of range (0 to 2^63-1)`);
  const m = acceptedModule(req);
  const ex = exportedFunc(m, req.invoke);
  const machine = machineFor(req.profile, req.costTable, req.trace === true, req.tier);
  const env = { createdAt, entropy: entropySeed(req.module, req.invoke, req.args, createdAt) };
  const slot: { inst?: Instance; calls: HostCall[]; logBytes: number } = { calls: [], logBytes: 0 };
  const pHash = profileHash(req.profile);
  const withTrace = (result: WasmResult): InterpOutcome =>
    machine.trace ? { result, trace: machine.trace } : { result };

  machine.setFuel(BigInt(getProfile(req.profile).limits!.initialFuel));
  const inst = instantiateWithHost(m, req.profile, machine, icnHost(env, slot));
  if (inst instanceof WasmTrap) {
    const common = { memoryHash: EMPTY_MEMORY_HASH, hostCallsHash: hostCallsHash(slot.calls) };
    const trapped = { outcome: 'trapped' as const, trap: inst.trap, returns: [], fuelUsed: '0' };
    return withTrace(sealResult({ ...trapped, ...common, profileHash: pHash }));
  }
  slot.inst = inst;
  const f = inst.funcs[ex.index]!;
  checkArgs(req, f);
  slot.calls = [];
  slot.logBytes = 0;
  machine.setFuel(fuel);
  let outcome: { ok: true; values: Val[] } | { ok: false; trap: WasmTrap };
  try {
    outcome = { ok: true, values: machine.invoke(f, req.args.map(toVal)) };
  } catch (e) {
    if (!(e instanceof WasmTrap)) throw e;
    outcome = { ok: false, trap: e };
  }
  const mem = inst.mems[0];
  const common = {
    fuelUsed: machine.fuelUsed().toString(),
    memoryHash: mem ? bytesHash(DOMAIN.wasmMemory, mem.bytes) : EMPTY_MEMORY_HASH,
    hostCallsHash: hostCallsHash(slot.calls),
    profileHash: pHash,
  };
  // the limits a run ran into: volatile, outside outputHash (exec/limits.ts), as the V8 executor reports them
  const icnLimit = mem?.capRefused ? ICN_LIMIT.memoryCap : ICN_LIMIT.none;
  const limited = (r: WasmResult): WasmResult =>
    withLimits(r, limitsHit({ profile: req.profile, trap: r.trap, fuel, icnLimit }));
  if (!outcome.ok)
    return withTrace(
      limited(sealResult({ outcome: 'trapped', trap: outcome.trap.trap, returns: [], ...common })),
    );
  const returns = outcome.values.map((x, i) => formatValue(fromVal(f.type.results[i]!, x)));
  return withTrace(limited(sealResult({ outcome: 'completed', returns, ...common })));
}

/** The module, decoded and validated against the request's profile; rejected otherwise. */
function acceptedModule(req: InterpRequest): WasmModule {
  const v = validateDetailed(req.module, req.profile);
  if (!v.ok || v.module === undefined) {
    const n = v.violations.length;
    throw rejected(`module rejected by profile ${req.profile}: ${n} violation(s)`, v.violations);
  }
  return v.module;
}

/** The exported function `name`, or a WASM_EXPORT error listing the exported functions. */
function exportedFunc(m: WasmModule, name: string): Export {
  const ex = m.exports.find((e) => e.name === name);
  if (ex && ex.kind === 'func') return ex;
  const funcs =
    m.exports
      .filter((e) => e.kind === 'func')
      .map((e) => e.name)
      .join(', ') || 'none';
  const what = `the module exports no function ${JSON.stringify(name)}`;
  throw new IcnError('WASM_EXPORT', `${what} (functions: ${funcs})`);
}

/**
 * Instantiate with the icn.* host functions: a LinkError rejects the module, a trap (a segment
 * out of bounds, the start function) is returned as the run's outcome.
 */
function instantiateWithHost(
  m: WasmModule,
  profile: InterpRequest['profile'],
  machine: Machine,
  host: Map<string, FuncInst>,
): Instance | WasmTrap {
  const limits = getProfile(profile).limits!;
  const resolve = (mod: string, name: string): ExternVal | undefined => {
    const f = mod === 'icn' ? host.get(name) : undefined;
    return f ? { kind: 'func', value: f } : undefined;
  };
  try {
    const { maxMemoryPages, maxTableElements } = limits;
    return instantiate(m, resolve, machine, { maxMemoryPages, maxTableElements });
  } catch (e) {
    if (e instanceof LinkError) throw rejected(`module does not link: ${e.message}`, []);
    if (e instanceof WasmTrap) return e;
    throw e;
  }
}

/** The arguments match the function's parameters in number and type. */
function checkArgs(req: InterpRequest, f: FuncInst): void {
  const params = f.type.params;
  if (req.args.length !== params.length)
    throw new IcnError(
      'WASM_ARGS',
      `${req.invoke} takes ${params.length} argument(s), got ${req.args.length}`,
    );
  req.args.forEach((a, i) => {
    if (a.type !== params[i])
      throw new IcnError(
        'WASM_ARGS',
        `${req.invoke}: argument ${i + 1} is ${a.type}, the function takes ${params[i]}`,
      );
  });
}
