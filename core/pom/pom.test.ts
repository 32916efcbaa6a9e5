import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CanonicalValue } from '../canonical/index.js';
import { CCL_PROFILE_HASH, loadContract } from '../ccl/index.js';
import { codeHash } from '../contracts/code.js';
import { bytesHash, contentHash, DOMAIN, toHex, type Hash } from '../hash/index.js';
import { Keypair } from '../identity/index.js';
import { entropySeed, execute } from '../wasm/exec/executor.js';
import { profileHash } from '../wasm/profiles.js';
import { parseValue } from '../wasm/exec/values.js';
import { watToWasm } from '../wasm/wat.js';
import { cclOutputHash, cclReplayer } from './ccl-replayer.js';
import { buildPom, signExecutionClaim, verifyPom, witnessHash } from './pom.js';
import { MemoryCodeResolver, ReplayerRegistry, type Replayer } from './replayer.js';
import type { ProofOfMisbehavior, WitnessBundle } from './types.js';
import { wasmReplayer } from './wasm-replayer.js';

const kp = (n: number) => Keypair.fromSeed(new Uint8Array(32).fill(n));
const ACCUSED = kp(21);
const ACCUSER = kp(22);
const ZERO64 = '0'.repeat(64);

const timebankJson = JSON.parse(
  readFileSync(new URL('../../contracts/timebank.json', import.meta.url), 'utf8'),
);
const timebank = loadContract(timebankJson);
const TB_HASH = codeHash({ engine: 'ccl', contract: timebank });
const [P0, P1] = timebank.participants as [string, string];

function cclWitness(
  hours: number,
  state: Record<string, CanonicalValue> = { entries: { Int: 2 }, total_hours: { Int: 7 } },
): WitnessBundle {
  return {
    version: 'icn-pom-witness/v1',
    engine: 'ccl',
    code_hash: TB_HASH,
    inputs: {
      rule: 'record_service',
      args: [{ Did: P1 }, { Int: hours }],
      caller: P0,
      state,
      capabilities: [
        { WriteLedger: { accounts: [P0, P1] } },
        { ReadState: { keys: ['entries', 'total_hours'] } },
        { WriteState: { keys: ['entries', 'total_hours'] } },
      ],
    },
    fuel_limit: '100000',
    timestamp: '1700000000000',
    entropy: ZERO64,
    profile_hash: CCL_PROFILE_HASH,
  };
}

const registry = () => new ReplayerRegistry([cclReplayer, wasmReplayer]);
const code = new MemoryCodeResolver().put(TB_HASH, timebankJson);

/** The accused signs `signedOutput` for `w`; the accuser expects `expected`. */
function accuse(w: WitnessBundle, signedOutput: Hash, expected: Hash): ProofOfMisbehavior {
  const { signature } = signExecutionClaim(ACCUSED, w, signedOutput);
  return buildPom(ACCUSER, ACCUSED.did, w, signedOutput, signature, expected);
}

describe('verifyPom with the real CCL interpreter', () => {
  const w = cclWitness(3);
  const honest = cclOutputHash(w, code);

  it('the honest execution is a successful ledger transfer with state changes', () => {
    expect(honest.output).toMatchObject({
      ok: true,
      value: { Int: '10' },
      changed_keys: ['entries', 'total_hours'],
    });
    expect((honest.output as { ledger_ops: unknown[] }).ledger_ops).toHaveLength(1);
  });

  it('a PoM built from a tampered execution (the accused ran other inputs) is confirmed', async () => {
    const tampered = cclOutputHash(cclWitness(4), code).hash; // 4 hours credited instead of 3
    expect(tampered).not.toBe(honest.hash);
    const v = await verifyPom(accuse(w, tampered, honest.hash), registry(), code);
    expect(v).toMatchObject({ verdict: 'confirmed', replayed_output_hash: honest.hash });
  });

  it('a PoM built from a tampered state (accused skipped the precondition) is confirmed', async () => {
    // The accused claims success for 30 hours; the interpreter says PreconditionFailed (hours ≤ 24).
    const w30 = cclWitness(30);
    const truth = cclOutputHash(w30, code);
    expect(truth.output).toMatchObject({ ok: false });
    const lie = contentHash(DOMAIN.pomOutput, { engine: 'ccl', ok: true, value: { Int: '37' } });
    expect(await verifyPom(accuse(w30, lie, truth.hash), registry(), code)).toMatchObject({
      verdict: 'confirmed',
    });
  });

  it('a PoM against an honest execution is refuted (false accusation)', async () => {
    const falseExpected = cclOutputHash(cclWitness(4), code).hash;
    const v = await verifyPom(accuse(w, honest.hash, falseExpected), registry(), code);
    expect(v).toMatchObject({
      verdict: 'refuted',
      accused_output_correct: true,
      replayed_output_hash: honest.hash,
    });
  });

  it('when replay matches neither side the accusation is refuted, saying the accused was wrong too', async () => {
    const a = cclOutputHash(cclWitness(4), code).hash;
    const b = cclOutputHash(cclWitness(5), code).hash;
    expect(await verifyPom(accuse(w, a, b), registry(), code)).toMatchObject({
      verdict: 'refuted',
      accused_output_correct: false,
    });
  });

  it('invalid proofs: forged signatures, swapped inputs, no mismatch, unknown code or profile', async () => {
    const tampered = cclOutputHash(cclWitness(4), code).hash;
    const good = accuse(w, tampered, honest.hash);
    const r = registry();
    const codeOf = async (p: ProofOfMisbehavior, c = code) => {
      const v = await verifyPom(p, r, c);
      return v.verdict === 'invalid' ? v.code : v.verdict;
    };
    // the accused never signed this output
    expect(
      await codeOf({
        ...good,
        signatures: {
          ...good.signatures,
          accused: signExecutionClaim(ACCUSED, w, honest.hash).signature,
        },
      }),
    ).toBe('POM_BAD_SIGNATURE');
    // someone else's signature on the claim
    expect(
      await codeOf({
        ...good,
        signatures: {
          ...good.signatures,
          accused: signExecutionClaim(ACCUSER, w, tampered).signature,
        },
      }),
    ).toBe('POM_BAD_SIGNATURE');
    // witness swapped after signing
    const w2 = cclWitness(5);
    expect(await codeOf({ ...good, witness: w2 })).toBe('POM_INPUTS_MISMATCH');
    expect(await codeOf({ ...good, witness: w2, canonical_inputs: witnessHash(w2) })).toBe(
      'POM_BAD_SIGNATURE',
    );
    expect(await codeOf(accuse(w, honest.hash, honest.hash))).toBe('POM_NO_MISMATCH');
    expect(await codeOf(good, new MemoryCodeResolver())).toBe('POM_CODE_UNKNOWN');
    const otherContract = loadContract(
      JSON.parse(readFileSync(new URL('../../contracts/calculator.json', import.meta.url), 'utf8')),
    );
    expect(
      await codeOf(
        good,
        new MemoryCodeResolver().put(
          TB_HASH,
          JSON.parse(JSON.stringify({ ...timebankJson, name: 'Other' })),
        ),
      ),
    ).toBe('POM_CODE_MISMATCH');
    expect(otherContract.name).toBe('Calculator');
    const wp = { ...w, profile_hash: ('sha256:' + 'ab'.repeat(32)) as Hash };
    expect(await codeOf(accuse(wp, tampered, honest.hash))).toBe('POM_PROFILE_MISMATCH');
    expect(await codeOf(good, code)).toBe('confirmed');
  });
});

describe('verifyPom property (real CCL interpreter)', () => {
  it('property: over random inputs and states, tampered executions are confirmed and honest ones refuted', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: -3, max: 30 }),
        fc.integer({ min: -3, max: 30 }),
        fc.integer({ min: 0, max: 1000 }),
        async (hours, otherHours, total) => {
          fc.pre(hours !== otherHours);
          const state = { entries: { Int: 1 }, total_hours: { Int: total } };
          const w = cclWitness(hours, state);
          const honest = cclOutputHash(w, code).hash;
          const tampered = cclOutputHash(cclWitness(otherHours, state), code).hash;
          fc.pre(honest !== tampered); // two failing preconditions can give the same error output
          const r = registry();
          expect(await verifyPom(accuse(w, tampered, honest), r, code)).toMatchObject({
            verdict: 'confirmed',
            replayed_output_hash: honest,
          });
          expect(await verifyPom(accuse(w, honest, tampered), r, code)).toMatchObject({
            verdict: 'refuted',
            accused_output_correct: true,
          });
        },
      ),
      { numRuns: 25 },
    );
  });
});

describe('verifyPom with the real WASM executor', () => {
  it.each(['raw', 'dc'] as const)(
    'profile %s: tampered → confirmed, honest → refuted, lying entropy → invalid',
    async (profile) => {
      const module = await watToWasm(
        '(module (func (export "mix") (param i32 i32) (result i32) local.get 0 i32.const 31 i32.mul local.get 1 i32.xor))',
      );
      const h = bytesHash(DOMAIN.wasmModule, module);
      const wcode = new MemoryCodeResolver().put(h, module);
      const invoke = 'mix';
      const args = ['i32:0x00000005', 'i32:0x00000003'];
      const witness = (a: string[]): WitnessBundle => ({
        version: 'icn-pom-witness/v1',
        engine: 'wasm',
        code_hash: h,
        inputs: { invoke, args: a },
        fuel_limit: '1000000',
        timestamp: '42',
        entropy: toHex(entropySeed(module, invoke, a.map(parseValue), 42n)),
        profile_hash: profileHash(profile),
      });
      const run = async (a: string[]) =>
        (
          await execute({
            module,
            profile,
            invoke,
            args: a.map(parseValue),
            fuel: 1_000_000n,
            createdAt: 42n,
          })
        ).outputHash;
      const w = witness(args);
      const honest = await run(args);
      const tampered = await run(['i32:0x00000005', 'i32:0x00000004']);
      expect(tampered).not.toBe(honest);
      expect(await verifyPom(accuse(w, tampered, honest), registry(), wcode)).toMatchObject({
        verdict: 'confirmed',
        replayed_output_hash: honest,
      });
      expect(await verifyPom(accuse(w, honest, tampered), registry(), wcode)).toMatchObject({
        verdict: 'refuted',
        accused_output_correct: true,
      });
      const lying = { ...w, entropy: ZERO64 };
      expect(await verifyPom(accuse(lying, tampered, honest), registry(), wcode)).toMatchObject({
        verdict: 'invalid',
        code: 'POM_ENTROPY_MISMATCH',
      });
    },
  );
});

describe('verifyPom under ICN-DC fuel', () => {
  it('the fuel limit is part of the witness: claiming a completed run under a fuel limit that traps is confirmed', async () => {
    const module = await watToWasm(
      '(module (func (export "spin") (param i32) (result i32) (local i32) (loop $l local.get 1 i32.const 1 i32.add local.set 1 local.get 1 local.get 0 i32.lt_u br_if $l) local.get 1))',
    );
    const h = bytesHash(DOMAIN.wasmModule, module);
    const wcode = new MemoryCodeResolver().put(h, module);
    const args = ['i32:0x00000064'];
    const run = async (fuel: bigint) =>
      execute({
        module,
        profile: 'dc',
        invoke: 'spin',
        args: args.map(parseValue),
        fuel,
        createdAt: 0n,
      });
    const full = await run(1_000_000n);
    const starved = await run(20n);
    expect([full.outcome, starved.outcome]).toEqual(['completed', 'trapped']);
    const w: WitnessBundle = {
      version: 'icn-pom-witness/v1',
      engine: 'wasm',
      code_hash: h,
      inputs: { invoke: 'spin', args },
      fuel_limit: '20',
      timestamp: '0',
      entropy: toHex(entropySeed(module, 'spin', args.map(parseValue), 0n)),
      profile_hash: profileHash('dc'),
    };
    // the accused claims the loop completed although its fuel limit was 20
    expect(
      await verifyPom(accuse(w, full.outputHash, starved.outputHash), registry(), wcode),
    ).toMatchObject({ verdict: 'confirmed', replayed_output_hash: starved.outputHash });
  });
});

describe('the replayer registry is pluggable', () => {
  // A toy engine, written here: output = contentHash of the sum of integer inputs.
  const toy: Replayer = {
    engine: 'toy',
    replay: (w) =>
      contentHash(DOMAIN.pomOutput, { sum: (w.inputs as number[]).reduce((a, b) => a + b, 0) }),
  };
  const w: WitnessBundle = {
    version: 'icn-pom-witness/v1',
    engine: 'toy',
    code_hash: ('sha256:' + '00'.repeat(32)) as Hash,
    inputs: [1, 2, 3],
    fuel_limit: '0',
    timestamp: '0',
    entropy: ZERO64,
    profile_hash: ('sha256:' + '00'.repeat(32)) as Hash,
  };
  const right = contentHash(DOMAIN.pomOutput, { sum: 6 });
  const wrong = contentHash(DOMAIN.pomOutput, { sum: 7 });

  it('dispatches by engine; an unregistered engine is invalid, a duplicate registration an error', async () => {
    const r = new ReplayerRegistry([toy]);
    expect(await verifyPom(accuse(w, wrong, right), r, new MemoryCodeResolver())).toMatchObject({
      verdict: 'confirmed',
    });
    expect(await verifyPom(accuse(w, right, wrong), r, new MemoryCodeResolver())).toMatchObject({
      verdict: 'refuted',
    });
    expect(
      await verifyPom(accuse(w, wrong, right), new ReplayerRegistry(), new MemoryCodeResolver()),
    ).toMatchObject({ verdict: 'invalid', code: 'POM_NO_REPLAYER' });
    expect(() => r.register(toy)).toThrow(
      expect.objectContaining({ code: 'POM_REPLAYER_DUPLICATE' }),
    );
  });

  it('a harness fault during replay is thrown, never turned into a verdict', async () => {
    const faulty: Replayer = {
      engine: 'toy',
      replay: () => {
        throw Object.assign(new (class extends Error {})('worker died'), {});
      },
    };
    await expect(
      verifyPom(accuse(w, wrong, right), new ReplayerRegistry([faulty]), new MemoryCodeResolver()),
    ).rejects.toThrow('worker died');
  });
});
