/**
 * The deterministic executor: one task = validate + instrument (dc, dc-float) or take as is (raw),
 * instantiate in a Worker (WasmSession), set the meters, call one export with bit-exact arguments,
 * map the outcome onto the trap enum, hash memory and host calls, seal the result.
 *
 * What is never a result under dc / dc-float: a native RangeError (V8's real stack ran out before
 * the logical limit: the run is "poisoned"). Under raw (V8 as is, no logical limit) the native
 * stack is the guest's only limit, so running out of it is the guest's trap, `stack_exhausted`.
 * Never a result either:
 * an engine OOM, a dead or silent worker, a RuntimeError we cannot name. Those throw IcnError
 * `HARNESS_FAULT`. Bad input throws `WASM_REJECTED` (the module is not acceptable for the profile,
 * with every violation) or `WASM_ARGS` / `WASM_EXPORT` (the call does not fit the module).
 */
import { canonicalize } from '../../canonical/index.js';
import { IcnError } from '../../errors.js';
import { I64_MAX, I64_MIN, U64_MAX } from '../../int-limits.js';
import { bytesHash, contentHash, domainDigest, DOMAIN, type Hash } from '../../hash/index.js';
import { ICN_TRAP_GROW_FAILED, trapFromIcnCode, trapFromV8Message, type Trap } from '../traps.js';
import { WasmRejected, type ProfileName } from './profile.js';
import { loadModule } from './module-cache.js';
import { sealResult, withLimits, type WasmResult } from './result.js';
import { limitsHit } from './limits.js';
import {
  harnessFault,
  WasmSession,
  type HostCall,
  type HostEnv,
  type WorkerError,
} from './session.js';
import { importName, PROVIDED_IMPORTS } from './imports.js';
import { formatValue, type RawValue } from './values.js';

/** Fuel given to an invoke when the caller sets none. */
export const DEFAULT_FUEL = 1_000_000_000n;

export interface ExecRequest {
  /** The user's module (never pre-instrumented). */
  module: Uint8Array;
  profile: ProfileName;
  invoke: string;
  args: RawValue[];
  /** Fuel limit for dc / dc-float (default DEFAULT_FUEL); ignored by raw. */
  fuel?: bigint;
  /** The task's created_at: what icn.timestamp returns (i64, default 0). */
  createdAt?: bigint;
  /** Reuse a session (a fresh one per task otherwise, closed afterwards). */
  session?: WasmSession;
}

export { WasmRejected };

/** The 32 bytes icn.entropy_seed writes: a digest of the task inputs (module, export, args, created_at). */
export function entropySeed(
  module: Uint8Array,
  invoke: string,
  args: RawValue[],
  createdAt: bigint,
): Uint8Array {
  return entropySeedOf(bytesHash(DOMAIN.wasmModule, module), invoke, args, createdAt);
}

function entropySeedOf(
  moduleHash: Hash,
  invoke: string,
  args: RawValue[],
  createdAt: bigint,
): Uint8Array {
  return domainDigest(
    DOMAIN.wasmEntropy,
    canonicalize({
      module: moduleHash,
      invoke,
      args: args.map(formatValue),
      created_at: createdAt.toString(),
    }),
  );
}

export function hostCallsHash(calls: HostCall[]) {
  return contentHash(
    DOMAIN.wasmHostCalls,
    calls.map((c) =>
      c.data === undefined ? { name: c.name, args: c.args, result: c.result } : { ...c },
    ),
  );
}

/** Map a worker error from a run to a trap, or throw a harness fault. */
export function trapOf(err: WorkerError, icnTrap: number | undefined, profile?: ProfileName): Trap {
  if (err.phase === 'host') return 'host_error';
  if (err.phase === 'range' && profile === 'raw') return 'stack_exhausted';
  if (err.phase === 'range')
    throw harnessFault(
      'poisoned: native stack overflow (RangeError) inside the guest; never a guest result',
      { phase: err.phase },
    );
  if (err.phase !== 'invoke' && err.phase !== 'start')
    throw harnessFault(`unexpected ${err.phase} error from the worker: ${err.name}`);
  if (icnTrap === ICN_TRAP_GROW_FAILED)
    throw harnessFault(
      'memory.grow failed below the profile cap (host out of memory): a harness fault, never a guest result',
    );
  const icn = icnTrap !== undefined && icnTrap !== 0 ? trapFromIcnCode(icnTrap) : undefined;
  if (icnTrap !== undefined && icnTrap !== 0 && icn === undefined)
    throw harnessFault(`unknown __icn_trap code ${icnTrap}`);
  if (icn) return icn;
  const t = trapFromV8Message(err.message);
  if (!t)
    throw harnessFault(
      `unmapped V8 trap message (${JSON.stringify(err.message)}): add it to core/wasm/traps.ts`,
    );
  return t;
}

export async function execute(req: ExecRequest): Promise<WasmResult> {
  const fuel = req.fuel ?? DEFAULT_FUEL;
  const createdAt = req.createdAt ?? 0n;
  if (fuel < 0n || fuel > I64_MAX)
    throw new IcnError('WASM_ARGS', `fuel ${fuel} is out of range (0 to 2^63-1)`);
  if (createdAt < I64_MIN || createdAt > I64_MAX)
    throw new IcnError('WASM_ARGS', `created_at ${createdAt} is not an i64`);
  // validated, instrumented and decoded once per process (module-cache.ts); throws WasmRejected
  const { moduleHash, prepared, exports: exportsInfo, links } = loadModule(req.module, req.profile);
  // name the imports nobody provides (V8 would say only "Import #0 module=… error")
  if (links.missing.length > 0) {
    throw new WasmRejected(
      `module cannot be linked: it imports ${links.missing.map(importName).join(', ')}; execution provides only ${PROVIDED_IMPORTS}`,
      links.missing.map((l) => ({
        code: 'unlinkable_import',
        offset: l.offset,
        detail: `import ${importName(l)}: ${l.missing}`,
      })),
    );
  }
  const target = exportsInfo.find((e) => e.name === req.invoke);
  if (!target || target.kind !== 'func')
    throw new IcnError(
      'WASM_EXPORT',
      `the module exports no function ${JSON.stringify(req.invoke)} (functions: ${
        exportsInfo
          .filter((e) => e.kind === 'func')
          .map((e) => e.name)
          .join(', ') || 'none'
      })`,
    );
  const env: HostEnv = {
    createdAt,
    entropy: entropySeedOf(moduleHash, req.invoke, req.args, createdAt),
  };
  const session = req.session ?? new WasmSession();
  try {
    // every profile gets the icn.* host imports (raw too: it is V8 as is, plus ICN's host interface)
    const inst = await session.instantiate(prepared.bytes, 'icn', env);
    const base = { fuelUsed: '0', profileHash: prepared.profileHash };
    if (inst.inst === undefined) {
      const err = inst.error!;
      if (err.phase === 'compile' || err.phase === 'link')
        throw new WasmRejected(
          `module does not ${err.phase === 'compile' ? 'compile' : 'link'} (${err.name}: ${err.message})`,
          [],
        );
      // a trap in the start function is a deterministic outcome of the task
      return sealResult({
        outcome: 'trapped',
        trap: trapOf(err, undefined, req.profile),
        returns: [],
        memoryHash: bytesHash(DOMAIN.wasmMemory, new Uint8Array(0)),
        hostCallsHash: hostCallsHash(inst.hostCalls),
        ...base,
      });
    }
    // the worker hashes memory in place: no copy of it crosses threads
    const r = await session.invoke(inst.inst, req.invoke, target.sig, req.args, {
      fuel: prepared.instrumented ? fuel : undefined,
      env,
      hashMemory: DOMAIN.wasmMemory,
    });
    if (req.session) await session.release(inst.inst);
    let fuelUsed = '0';
    if (prepared.instrumented) {
      if (r.fuelLeft === undefined)
        throw harnessFault('instrumented module does not export __icn_fuel');
      const used = fuel - r.fuelLeft;
      if (used < 0n || used > U64_MAX)
        throw harnessFault(`fuel accounting out of range: limit ${fuel}, remaining ${r.fuelLeft}`);
      fuelUsed = used.toString();
    }
    if (r.memoryHash === undefined) throw harnessFault('the worker returned no memory hash');
    const memoryHash = r.memoryHash;
    const common = {
      fuelUsed,
      memoryHash,
      hostCallsHash: hostCallsHash(r.hostCalls),
      profileHash: prepared.profileHash,
    };
    const sealed = r.error
      ? sealResult({
          outcome: 'trapped',
          trap: trapOf(r.error, r.icnTrap, req.profile),
          returns: [],
          ...common,
        })
      : sealResult({ outcome: 'completed', returns: r.values!.map(formatValue), ...common });
    return withLimits(
      sealed,
      limitsHit({ profile: req.profile, trap: sealed.trap, fuel, icnLimit: r.icnLimit }),
    );
  } finally {
    if (!req.session) await session.close();
  }
}
