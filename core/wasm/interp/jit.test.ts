/**
 * The JS tier's chunked functions (jit.ts CHUNK_CHARS): a function too large for V8's optimiser is
 * generated as chunk functions over a state object. They must be generated for a large body, and
 * give the run loop's result field for field: returns from inside a chunk (return, br_if to the
 * function, multi-value), traps after side effects, fuel running out at any point.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeModule } from '../binary/decode.js';
import { parseValue } from '../exec/values.js';
import { getProfile } from '../profiles.js';
import { watToWasm } from '../wat.js';
import { instantiate } from './instantiate.js';
import { generateInstance } from './jit.js';
import { interpret, machineFor, type InterpRequest } from './run.js';

const STEP =
  '(local.set 1 (i32.add (local.get 1) (i32.load (i32.and (local.get 0) (i32.const 0xfffc))))) (local.set 2 (i64.add (local.get 2) (i64.extend_i32_u (local.get 1)))) ';
const WAT = `(module (memory 1) (data (i32.const 0) "\\01\\02\\03\\04\\05\\06\\07\\08")
  (func (export "big") (param i32) (result i32 i64) (local i32 i64)
    ${STEP.repeat(300)}
    (if (i32.eq (local.get 0) (i32.const 7)) (then (return (local.get 1) (local.get 2))))
    (br_if 0 (local.get 1) (local.get 2) (i32.eq (local.get 0) (i32.const 8))) (drop) (drop)
    ${STEP.repeat(300)}
    (i32.store (local.get 0) (local.get 1))
    ${STEP.repeat(300)}
    (local.get 1) (local.get 2)))`;

let mod: Uint8Array;
beforeAll(async () => {
  mod = await watToWasm(WAT);
});

function both(args: string[], fuel: bigint) {
  const req: InterpRequest = {
    module: mod,
    profile: 'dc',
    invoke: 'big',
    args: args.map(parseValue),
    fuel,
  };
  return {
    js: interpret({ ...req, tier: 'js' }).result,
    loop: interpret({ ...req, tier: 'loop' }).result,
  };
}

describe('JS tier: chunked functions', () => {
  it('are generated for a body over the size limit', () => {
    const m = decodeModule(mod);
    const machine = machineFor('dc', undefined, false, 'js');
    const L = getProfile('dc').limits!;
    const inst = instantiate(m, () => undefined, machine, {
      maxMemoryPages: L.maxMemoryPages,
      maxTableElements: L.maxTableElements,
    });
    const { source } = generateInstance({
      module: m,
      inst,
      costOf: machine.opts.costOf,
      frameSlots: (f) => machine.code(f).frameSlots,
      slotLimit: 1e6,
    });
    expect(source).toMatch(/function fn_0_c2\(V\)/);
    expect(source).toContain('if (fn_0_c0(V) === 1) { P0 = V; return V.rv; }');
  });

  it('agree with the run loop: returns inside a chunk, traps, every fuel limit', () => {
    for (const a of ['i32:7', 'i32:8', 'i32:12', 'i32:70000']) {
      const r = both([a], 10n ** 9n);
      expect(r.js).toEqual(r.loop);
    }
    expect(both(['i32:7'], 10n ** 9n).js).toMatchObject({ outcome: 'completed' });
    expect(both(['i32:70000'], 10n ** 9n).js).toMatchObject({ trap: 'memory_oob' });
    const used = Number(both(['i32:12'], 10n ** 9n).js.fuelUsed);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: used }),
        fc.constantFrom('i32:7', 'i32:12', 'i32:70000'),
        (fuel, a) => {
          const r = both([a], BigInt(fuel));
          expect(r.js).toEqual(r.loop);
        },
      ),
      { numRuns: 60, seed: 19 },
    );
  });
});
