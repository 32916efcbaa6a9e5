/**
 * Running one nasty case in the current process (which the suite starts with one V8 tier's flags).
 *
 * `exec`: the deterministic executor (core/wasm/exec), for every profile. A rejection is a result
 * (`outcome: rejected` with the violation codes); any other error is a harness fault.
 *
 * `stack_depth` (raw only): V8's native stack overflow is never a guest result (the executor calls
 * it a harness fault, "poisoned"), yet its depth is exactly the divergence this nasty has to show.
 * So the raw run measures it directly: a Worker with the executor's fixed stack size, the guest
 * called from a shallow JS stack, the depth read from memory word 0 after the RangeError.
 */
import { Worker } from 'node:worker_threads';
import { IcnError, isIcnError } from '../../../core/errors.js';
import { execute } from '../../../core/wasm/exec/executor.js';
import { WORKER_STACK_MB, type WasmSession } from '../../../core/wasm/exec/session.js';
import { parseValue, type RawValue } from '../../../core/wasm/exec/values.js';
import type { WasmResult } from '../../../core/wasm/exec/result.js';
import type { NastyCase, Profile } from './spec.js';

/** What one (case, profile) run produced, in the form the manifest entry is built from. */
export interface ProbeResult {
  outcome: 'completed' | 'trapped' | 'rejected' | 'overflow' | 'fault';
  outputs: Record<string, string>;
  /** Harness fault or broken expectation of the probe itself. */
  fault?: string;
}

function fromResult(r: WasmResult): Record<string, string> {
  const o: Record<string, string> = { outcome: r.outcome, returns: r.returns.join(' '), fuelUsed: r.fuelUsed, memoryHash: r.memoryHash, hostCallsHash: r.hostCallsHash, profileHash: r.profileHash, outputHash: r.outputHash };
  if (r.trap) o.trap = r.trap;
  return o;
}

async function execOnce(module: Uint8Array, c: NastyCase, profile: Profile, args: RawValue[], fuel: bigint | undefined, session: WasmSession | undefined): Promise<ProbeResult> {
  try {
    const r = await execute({ module, profile, invoke: c.invoke, args, fuel, createdAt: c.createdAt === undefined ? undefined : BigInt(c.createdAt), session });
    return { outcome: r.outcome, outputs: fromResult(r) };
  } catch (e) {
    if (isIcnError(e, 'WASM_REJECTED')) {
      // the violations list lives on the error (WasmRejected) or in its details (older executor)
      const vs = ((e as unknown as { violations?: { code: string }[] }).violations ?? (e.details.violations as { code: string }[] | undefined) ?? []);
      const codes = [...new Set(vs.map((v) => v.code))].sort();
      return { outcome: 'rejected', outputs: { outcome: 'rejected', violations: codes.join(' ') || e.code } };
    }
    const why = e instanceof IcnError ? `${e.code}: ${e.message}` : `${(e as Error).name}: ${(e as Error).message}`;
    return { outcome: 'fault', outputs: {}, fault: why };
  }
}

export async function runExec(module: Uint8Array, c: NastyCase, profile: Profile, session: WasmSession | undefined): Promise<ProbeResult> {
  const args = c.args.map(parseValue);
  if (c.fuel === undefined || profile === 'raw') return execOnce(module, c, profile, args, undefined, session);
  if (c.fuel !== 'exact') return execOnce(module, c, profile, args, BigInt(c.fuel), session);
  // exact: the fuel the call uses completes it; one unit less traps with out_of_fuel, nothing else.
  const free = await execOnce(module, c, profile, args, undefined, session);
  if (free.outcome !== 'completed') return free;
  const used = BigInt(free.outputs.fuelUsed!);
  const enough = await execOnce(module, c, profile, args, used, session);
  const short = await execOnce(module, c, profile, args, used - 1n, session);
  const out = { ...free, outputs: { ...free.outputs, atExactFuel: enough.outputs.outcome ?? enough.outcome, atFuelMinusOne: short.outputs.trap ?? short.outputs.outcome ?? short.outcome } };
  if (enough.outcome !== 'completed' || enough.outputs.outputHash !== free.outputs.outputHash) {
    return { ...out, outcome: 'fault', fault: `with exactly ${used} fuel the call did not complete the same way (${enough.outputs.outcome ?? enough.fault})` };
  }
  if (short.outputs.trap !== 'out_of_fuel') return { ...out, outcome: 'fault', fault: `with ${used - 1n} fuel the call did not trap out_of_fuel (${short.outputs.trap ?? short.outputs.outcome ?? short.fault})` };
  return out;
}

const STACK_WORKER = String.raw`
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const inst = new WebAssembly.Instance(new WebAssembly.Module(workerData.bytes), {});
let error = null;
try { inst.exports[workerData.invoke](...workerData.args); }
catch (e) { error = e instanceof RangeError ? 'RangeError' : (e && e.constructor && e.constructor.name) + ': ' + (e && e.message); }
const mem = inst.exports.memory;
parentPort.postMessage({ error, depth: mem instanceof WebAssembly.Memory ? new Int32Array(mem.buffer, 0, 1)[0] : -1 });
`;

/** Raw native stack depth: the i32 the guest keeps at memory[0] when V8 throws RangeError. */
export async function runStackDepth(module: Uint8Array, c: NastyCase): Promise<ProbeResult> {
  const args = c.args.map(parseValue).map((v) => {
    if (v.type !== 'i32') throw new IcnError('NASTY_SPEC', `stack_depth probe takes i32 arguments only (${c.name})`);
    return Number(BigInt.asIntN(32, v.bits));
  });
  const w = new Worker(STACK_WORKER, { eval: true, workerData: { bytes: module, invoke: c.invoke, args }, resourceLimits: { stackSizeMb: WORKER_STACK_MB } });
  try {
    const r = await new Promise<{ error: string | null; depth: number }>((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
      w.once('exit', (code) => reject(new Error(`stack probe worker exited (${code})`)));
    });
    if (r.error !== 'RangeError') return { outcome: 'fault', outputs: {}, fault: `expected V8 to run out of native stack, got ${r.error ?? 'a normal return'}` };
    return { outcome: 'overflow', outputs: { outcome: 'native_stack_overflow', nativeDepth: String(r.depth) } };
  } catch (e) {
    return { outcome: 'fault', outputs: {}, fault: `stack probe: ${(e as Error).message}` };
  } finally {
    await w.terminate();
  }
}
