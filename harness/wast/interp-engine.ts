/**
 * The reference interpreter (core/wasm/interp) as a .wast engine: `--engine interp`. It admits
 * exactly what `dc-float` admits (the same validator, the same skip rules as the V8 dc-float
 * engine), runs the original module (never the instrumented one) with the icn.* host imports, and
 * meters fuel and stack with its own code from the profile's cost table and limits.
 */
import { decodeModule } from '../../core/wasm/binary/decode.js';
import type { RawValue } from '../../core/wasm/exec/values.js';
import { instantiate, LinkError } from '../../core/wasm/interp/instantiate.js';
import { WasmTrap } from '../../core/wasm/interp/numeric.js';
import type { WasmResult } from '../../core/wasm/exec/result.js';
import {
  fromVal,
  icnHost,
  interpret,
  machineFor,
  toVal,
  type InterpRequest,
} from '../../core/wasm/interp/run.js';
import type { Instance, FuncInst, GlobalInst } from '../../core/wasm/interp/store.js';
import { getProfile } from '../../core/wasm/profiles.js';
import type { CallOutcome, ModuleOutcome, WastEngine } from './engine.js';
import { SPEC_FUEL } from './v8-engine.js';
import { classifyRejection } from './skip-reasons.js';
import { verdictOf } from './verdicts.js';
import { proposalsOf } from '../../core/wasm/binary/proposals.js';

const PROFILE = 'dc-float' as const;

export async function createInterpEngine(): Promise<WastEngine> {
  const instances = new Map<number, Instance>();
  let next = 1;
  const machine = machineFor(PROFILE);
  const limits = getProfile(PROFILE).limits!;
  const env = { createdAt: 0n, entropy: new Uint8Array(32) };

  const trapOutcome = (e: WasmTrap): CallOutcome =>
    e.trap === 'stack_exhausted'
      ? { kind: 'exhausted', how: 'stack_exhausted' }
      : { kind: 'trap', trap: e.trap };

  return {
    name: 'interp',
    nativeExhaustionCounts: false,
    async instantiate(bytes, definitionOnly, expectInvalid = false): Promise<ModuleOutcome> {
      const v = verdictOf(bytes, PROFILE); // the dc-float engine's verdict on these bytes
      if (!v.ok) {
        const codes = [...new Set(v.violations.map((x) => x.code))].sort().join(', ');
        const skip = classifyRejection(
          v.violations.map((x) => x.code),
          expectInvalid,
          proposalsOf(bytes),
        );
        if (skip) return skip;
        return { kind: 'rejected', by: 'validator', reason: codes };
      }
      if (definitionOnly) return { kind: 'compiled' };
      const m = decodeModule(bytes);
      const slot: { inst?: Instance; calls: never[]; logBytes: number } = {
        calls: [],
        logBytes: 0,
      };
      const host = icnHost(env, slot as never);
      machine.setFuel(BigInt(limits.initialFuel));
      try {
        const inst = instantiate(
          m,
          (mod, name) => {
            const f = mod === 'icn' ? host.get(name) : undefined;
            return f ? { kind: 'func', value: f } : undefined;
          },
          machine,
          { maxMemoryPages: limits.maxMemoryPages, maxTableElements: limits.maxTableElements },
        );
        slot.inst = inst;
        const id = next++;
        instances.set(id, inst);
        return { kind: 'instance', instance: { id } };
      } catch (e) {
        if (e instanceof LinkError) return { kind: 'unlinkable', reason: e.message };
        if (e instanceof WasmTrap) return trapOutcome(e) as ModuleOutcome;
        return { kind: 'fault', reason: (e as Error).message };
      }
    },
    async register() {
      // dc-float admits only icn.* imports: a registered instance can never be imported
    },
    async invoke(h, name, args: RawValue[]): Promise<CallOutcome> {
      const inst = instances.get(h.id);
      const ex = inst?.exports.get(name);
      if (!inst || !ex || ex.kind !== 'func')
        return { kind: 'fault', reason: `no exported function ${JSON.stringify(name)}` };
      const f = ex.value as FuncInst;
      if (args.length !== f.type.params.length || args.some((a, i) => a.type !== f.type.params[i]))
        return { kind: 'fault', reason: `${name}: arguments do not match ${f.typeKey}` };
      machine.setFuel(SPEC_FUEL);
      try {
        const r = machine.invoke(f, args.map(toVal));
        return { kind: 'values', values: r.map((x, i) => fromVal(f.type.results[i]!, x)) };
      } catch (e) {
        if (e instanceof WasmTrap) return trapOutcome(e);
        return { kind: 'fault', reason: `${(e as Error).name}: ${(e as Error).message}` };
      }
    },
    async get(h, name): Promise<CallOutcome> {
      const ex = instances.get(h.id)?.exports.get(name);
      if (!ex || ex.kind !== 'global')
        return { kind: 'fault', reason: `no exported global ${JSON.stringify(name)}` };
      const g = ex.value as GlobalInst;
      return { kind: 'values', values: [fromVal(g.type, g.value)] };
    },
    async close() {
      instances.clear();
    },
  };
}

/** `icn-harness exec --engine interp`: one task on the reference interpreter; `trace` prints its events as JSON lines on stderr. */
export function runInterpTask(req: Omit<InterpRequest, 'trace'>, trace: boolean): WasmResult {
  const r = interpret({ ...req, trace });
  if (trace) for (const e of r.trace ?? []) process.stderr.write(`${JSON.stringify(e)}\n`);
  return r.result;
}
