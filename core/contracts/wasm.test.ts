/** WASM contracts: the same installation, authorization and receipt form as CCL, run by the ICN-DC (`dc`) executor. */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../runtime/index.js';
import { int, parseArgs } from '../ccl/index.js';
import { profileHash } from '../wasm/profiles.js';
import { watToWasm } from '../wasm/wat.js';
import {
  codeFromJson,
  codeHash,
  codeToJson,
  ContractActor,
  InMemoryLedger,
  replayReceipt,
  runExecution,
  type ContractCode,
} from './index.js';
import { keyFromByte, TableTrust } from './testkit.js';

const ALICE = keyFromByte(1);
const WAT = `(module
  (func (export "add") (param i64 i64) (result i64) local.get 0 local.get 1 i64.add)
  (func (export "spin") (param i32) (loop $l local.get 0 i32.const 1 i32.sub local.tee 0 br_if $l))
  (func (export "boom") (result i32) unreachable))`;

async function setup() {
  const module = await watToWasm(WAT);
  const code: ContractCode = {
    engine: 'wasm',
    name: 'WasmCalc',
    participants: [ALICE.did.toString()],
    module,
  };
  const actor = new ContractActor({
    identity: ALICE,
    trust: new TableTrust(),
    ledger: new InMemoryLedger(),
    clock: new ManualClock(0),
  });
  const { result } = actor.deploy(code, { capabilities: [], installedAt: 1n });
  if (!result.accepted) throw new Error(result.detail);
  return { actor, code, h: result.codeHash };
}

describe('WASM contracts under the dc profile', () => {
  it('code JSON round-trips and the code hash covers module, name and participants', async () => {
    const { code } = await setup();
    expect(codeHash(codeFromJson(JSON.parse(JSON.stringify(codeToJson(code)))))).toBe(
      codeHash(code),
    );
    expect(codeHash({ ...code, name: 'Other' } as ContractCode)).not.toBe(codeHash(code));
  });

  it('add(5,3) = 8 with metered fuel, dc profile hash, a replayable receipt', async () => {
    const { actor, h } = await setup();
    const r = await actor.execute({
      codeHash: h,
      rule: 'add',
      args: parseArgs([5, 3]),
      caller: ALICE.did.toString(),
      timestamp: 7n,
      fuelLimit: 10_000,
    });
    expect(r.engine).toBe('wasm');
    expect(r.outcome).toEqual({ status: 'ok' });
    expect(r.engineProfileHash).toBe(profileHash('dc'));
    expect(Number(r.fuelUsed)).toBeGreaterThan(0);
    const again = await actor.execute({
      codeHash: h,
      rule: 'add',
      args: parseArgs([5, 3]),
      caller: ALICE.did.toString(),
      timestamp: 7n,
      fuelLimit: 10_000,
    });
    expect(again.outputHash).toBe(r.outputHash);
    const other = await actor.execute({
      codeHash: h,
      rule: 'add',
      args: parseArgs([5, 4]),
      caller: ALICE.did.toString(),
      timestamp: 7n,
      fuelLimit: 10_000,
    });
    expect(other.outputHash).not.toBe(r.outputHash);
    expect((await replayReceipt(actor.runtime.witness(r.witness)!, r)).ok).toBe(true);
    const inst = actor.runtime.get(h)!;
    const out = await runExecution(
      {
        code: inst.code,
        installation: inst.installation,
        rule: 'add',
        args: parseArgs([{ Int: '9223372036854775807' }, 1]),
        caller: ALICE.did.toString(),
        timestamp: 7n,
        fuelLimit: 10_000,
        state: new Map(),
      },
      new InMemoryLedger(),
      ALICE.did.toString(),
    );
    expect(out.value).toEqual(int(-(2n ** 63n))); // wasm i64.add wraps, as the spec says (CCL's checked i64 does not)
    const eight = await runExecution(
      {
        code: inst.code,
        installation: inst.installation,
        rule: 'add',
        args: parseArgs([5, 3]),
        caller: ALICE.did.toString(),
        timestamp: 7n,
        fuelLimit: 10_000,
        state: new Map(),
      },
      new InMemoryLedger(),
      ALICE.did.toString(),
    );
    expect(eight.value).toEqual(int(8n));
    expect(eight.body.outputHash).toBe(r.outputHash);
  });

  it('traps, fuel exhaustion and bad arguments are typed outcomes in the receipt', async () => {
    const { actor, h } = await setup();
    const call = (rule: string, args: unknown[], fuelLimit = 10_000) =>
      actor.execute({
        codeHash: h,
        rule,
        args: parseArgs(args),
        caller: ALICE.did.toString(),
        timestamp: 1n,
        fuelLimit,
      });
    expect((await call('boom', [])).outcome).toMatchObject({
      status: 'error',
      code: 'WASM_TRAP_UNREACHABLE',
    });
    expect((await call('spin', [1_000_000], 1_000)).outcome).toMatchObject({
      status: 'error',
      code: 'WASM_TRAP_OUT_OF_FUEL',
    });
    expect((await call('add', [1])).outcome).toMatchObject({ status: 'error', code: 'CCL_ARITY' });
    expect((await call('add', ['x', 1])).outcome).toMatchObject({
      status: 'error',
      code: 'CCL_ARGS',
    });
    expect((await call('nope', [])).outcome).toMatchObject({
      status: 'error',
      code: 'CONTRACT_ARGS',
    });
  });

  it('a module the dc profile refuses (floats) is refused at deployment as invalid_contract', async () => {
    const module = await watToWasm('(module (func (export "f") (result f32) f32.const 1.5))');
    const actor = new ContractActor({
      identity: ALICE,
      trust: new TableTrust(),
      ledger: new InMemoryLedger(),
      clock: new ManualClock(0),
    });
    const { result } = actor.deploy(
      { engine: 'wasm', name: 'Floaty', participants: [ALICE.did.toString()], module },
      { capabilities: [], installedAt: 1n },
    );
    expect(result).toMatchObject({ accepted: false, reason: 'invalid_contract' });
  });
});
