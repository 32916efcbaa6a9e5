import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { canonicalString, parseStrictJson } from '../canonical/index.js';
import {
  capabilityToJson,
  loadContract,
  parseArgs,
  parseCapabilities,
  valueToJson,
  type Capability,
} from '../ccl/index.js';
import { sha256, toHex, type Hash } from '../hash/index.js';
import { metricValue, ppmLabel } from '../metrics/index.js';
import { ManualClock } from '../runtime/index.js';
import { signAttestation, TrustGraph } from '../trust/index.js';
import {
  ContractActor,
  ContractError,
  DeploymentMessage,
  InMemoryLedger,
  REJECT_REASONS,
  codeHash,
  legacyCodeHash,
  outputHash,
  receiptHash,
  receiptToJson,
  receiptFromJson,
  installationFromJson,
  installationToJson,
  replayReceipt,
  replayReceiptSync,
  signInstallation,
  type ContractCode,
  type ContractConfig,
  type HandleResult,
} from './index.js';
import { codeHashOfText, codeToJson } from './code.js';
import { keyFromByte, TableTrust } from './testkit.js';

const ROOT = join(import.meta.dirname, '..', '..');
const ALICE = keyFromByte(1);
const BOB = keyFromByte(2);
const CAROL = keyFromByte(3);
const DAVE = keyFromByte(4);

const example = (name: string): ContractCode => ({
  engine: 'ccl',
  contract: loadContract(
    parseStrictJson(readFileSync(join(ROOT, 'contracts', `${name}.json`), 'utf8')),
  ),
});
const stateCaps = (c: ContractCode): Capability[] =>
  c.engine === 'ccl'
    ? parseCapabilities([
        { ReadState: { keys: c.contract.stateVars.map((v) => v.name) } },
        { WriteState: { keys: c.contract.stateVars.map((v) => v.name) } },
        { WriteLedger: { accounts: ['$caller'] } },
      ])
    : [];

function node(
  identity = ALICE,
  trust: TrustGraph | TableTrust = new TableTrust(),
  config: Partial<ContractConfig> = {},
) {
  const ledger = new InMemoryLedger();
  const clock = new ManualClock(1_000);
  return { actor: new ContractActor({ identity, trust, ledger, clock, config }), ledger, clock };
}

function accepted(r: HandleResult): Hash {
  if (!r.accepted) throw new Error(`rejected: ${r.reason}: ${r.detail}`);
  return r.codeHash;
}

/** Deploy `code` from `deployer`'s node, co-signed by `cosigners`. */
function deployOn(
  actor: ContractActor,
  code: ContractCode,
  cosigners: (typeof ALICE)[] = [],
  extra: {
    minCallerTrustPpm?: number | null;
    installedAt?: bigint;
    previous?: Hash | null;
    capabilities?: Capability[];
  } = {},
) {
  const opts = {
    capabilities: extra.capabilities ?? stateCaps(code),
    minCallerTrustPpm: extra.minCallerTrustPpm ?? null,
    installedAt: extra.installedAt ?? 1_700_000_000_000n,
    previous: extra.previous ?? null,
  };
  const body = actor.prepare(code, opts);
  return actor.deploy(code, {
    ...opts,
    signatures: cosigners.map((k) => signInstallation(body, k)),
  });
}

const args = (xs: unknown[]) => parseArgs(xs);

describe('deployment across nodes and ICN authorization', () => {
  it('deploy on A appears on B (trust 0.6 direct → 0.42 with ICN formula, accepted); Calculator gives 8 and 17 on both', async () => {
    const a = node(ALICE);
    const graph = new TrustGraph();
    graph.apply(signAttestation(DAVE, ALICE.did, 600_000, 1));
    expect(graph.scorePpm(DAVE.did, ALICE.did)).toBe(420_000);
    const b = node(DAVE, graph);
    const calc = example('calculator');
    const { message, result } = deployOn(a.actor, calc);
    const h = accepted(result);
    expect(h).toBe(codeHash(calc));
    expect(accepted(b.actor.handleDeploymentWire(message.toWire()))).toBe(h);
    for (const n of [a, b]) {
      const r1 = await n.actor.execute({
        codeHash: h as never,
        rule: 'add',
        args: args([5, 3]),
        caller: ALICE.did.toString(),
        timestamp: 10n,
      });
      const r2 = await n.actor.execute({
        codeHash: h as never,
        rule: 'add',
        args: args([10, 7]),
        caller: ALICE.did.toString(),
        timestamp: 11n,
      });
      expect(r1.outcome).toEqual({ status: 'ok' });
      expect(r1.outputHash).toBe(outputHash({ value: { Int: '8' } }));
      expect(r2.outputHash).toBe(outputHash({ value: { Int: '17' } }));
      expect([r1.fuelUsed, r2.fuelUsed]).toEqual(['4', '4']);
    }
    expect(
      await metricValue(b.actor.metrics.registry, 'icn_contract_deployments_received_total'),
    ).toBe(1);
    expect(await metricValue(b.actor.metrics.registry, 'icn_contract_installed_total')).toBe(1);
    expect(await metricValue(a.actor.metrics.registry, 'icn_contract_deployments_total')).toBe(1);
    expect(
      await metricValue(b.actor.metrics.registry, 'icn_contract_executions_total', {
        contract_name: 'Calculator',
        rule_name: 'add',
      }),
    ).toBe(2);
    expect(await metricValue(b.actor.metrics.registry, 'icn_contract_execution_fuel_used')).toBe(2);
  });

  it('a deployer at direct trust 0.2 is rejected, named and counted with deployer and score', async () => {
    const a = node(ALICE);
    const graph = new TrustGraph();
    graph.apply(signAttestation(DAVE, ALICE.did, 200_000, 1));
    const b = node(DAVE, graph);
    const { message } = deployOn(a.actor, example('calculator'));
    const r = b.actor.handleDeploymentMessage(message);
    expect(r).toMatchObject({ accepted: false, reason: 'trust_too_low' });
    const reg = b.actor.metrics.registry;
    expect(
      await metricValue(reg, 'icn_contract_deployments_rejected_trust_total', {
        deployer: ALICE.did.toString(),
        trust_score: '0.140000',
      }),
    ).toBe(1);
    expect(
      await metricValue(reg, 'icn_contract_deployments_rejected_total', {
        reason: 'trust_too_low',
      }),
    ).toBe(1);
    expect(b.actor.runtime.size).toBe(0);
    // exactly at the threshold is enough; one ppm below is not
    const at = node(DAVE, new TableTrust().set(DAVE.did, ALICE.did, 400_000));
    expect(at.actor.handleDeploymentMessage(message).accepted).toBe(true);
    const below = node(DAVE, new TableTrust().set(DAVE.did, ALICE.did, 399_999));
    expect(below.actor.handleDeploymentMessage(message)).toMatchObject({
      accepted: false,
      reason: 'trust_too_low',
    });
  });

  it('callers: participants always; others only with min_caller_trust and enough trust', async () => {
    const trust = new TableTrust()
      .set(ALICE.did, CAROL.did, 420_000)
      .set(ALICE.did, DAVE.did, 100_000);
    const a = node(ALICE, trust);
    const open = accepted(
      deployOn(a.actor, example('calculator'), [], { minCallerTrustPpm: 300_000 }).result,
    );
    const call = (h: string, who: typeof ALICE) =>
      a.actor.execute({
        codeHash: h as never,
        rule: 'add',
        args: args([1, 2]),
        caller: who.did.toString(),
        timestamp: 1n,
      });
    expect((await call(open, CAROL)).outcome).toEqual({ status: 'ok' });
    await expect(call(open, DAVE)).rejects.toMatchObject({ code: 'CONTRACT_UNAUTHORIZED' });
    const closedCode: ContractCode = {
      engine: 'ccl',
      contract: loadContract({
        ...JSON.parse(readFileSync(join(ROOT, 'contracts', 'calculator.json'), 'utf8')),
        name: 'ClosedCalculator',
      }),
    };
    const closed = accepted(deployOn(a.actor, closedCode).result);
    await expect(call(closed, CAROL)).rejects.toBeInstanceOf(ContractError);
    expect(
      await metricValue(
        a.actor.metrics.registry,
        'icn_contract_executions_rejected_unauthorized_total',
        { caller: CAROL.did.toString() },
      ),
    ).toBe(1);
    expect(
      await metricValue(
        a.actor.metrics.registry,
        'icn_contract_executions_rejected_unauthorized_total',
        { caller: DAVE.did.toString() },
      ),
    ).toBe(1);
    await expect(
      a.actor.execute({
        codeHash: `sha256:${'0'.repeat(64)}`,
        rule: 'add',
        args: [],
        caller: ALICE.did.toString(),
        timestamp: 1n,
      }),
    ).rejects.toMatchObject({ code: 'CONTRACT_NOT_FOUND' });
  });
});

describe('staged deployments (stageDeploy / commitDeploy)', () => {
  it('stageDeploy signs and judges the deployment, installing, counting and rate-limiting nothing; commitDeploy applies exactly that', async () => {
    const a = node(ALICE, new TableTrust(), { rateLimit: { maxDeployments: 1, windowMs: 60_000 } });
    const calc = example('calculator');
    const o = { capabilities: stateCaps(calc), installedAt: 1_700_000_000_000n };
    const metrics = async () => JSON.stringify(await a.actor.metrics.registry.getMetricsAsJSON());
    const before = await metrics();
    const s1 = a.actor.stageDeploy(calc, o);
    const s2 = a.actor.stageDeploy(calc, o); // staging twice counts nothing toward the limit
    expect(s1.result).toEqual({ accepted: true, codeHash: codeHash(calc), duplicate: false });
    expect(s2.message.toWire()).toBe(s1.message.toWire());
    expect(a.actor.runtime.size).toBe(0);
    expect(await metrics()).toBe(before);
    expect(a.actor.commitDeploy(s1)).toEqual(s1.result);
    expect(a.actor.runtime.codeHashes()).toEqual([codeHash(calc)]);
    expect(await metricValue(a.actor.metrics.registry, 'icn_contract_deployments_total')).toBe(1);
    expect(a.actor.commitDeploy(s2)).toEqual({
      accepted: true,
      codeHash: codeHash(calc),
      duplicate: true,
    });
    // The limit of one deployment per window now judges the next one rate_limited, staged or not, counted only on commit.
    const other: ContractCode = {
      engine: 'ccl',
      contract: loadContract({
        ...JSON.parse(readFileSync(join(ROOT, 'contracts', 'calculator.json'), 'utf8')),
        name: 'OtherCalculator',
      }),
    };
    const s3 = a.actor.stageDeploy(other, {
      capabilities: stateCaps(other),
      installedAt: 1_700_000_000_000n,
    });
    expect(s3.result).toMatchObject({ accepted: false, reason: 'rate_limited' });
    expect(
      await metricValue(a.actor.metrics.registry, 'icn_contract_deployments_rejected_total', {
        reason: 'rate_limited',
      }),
    ).toBe(0);
    expect(a.actor.commitDeploy(s3)).toMatchObject({ accepted: false, reason: 'rate_limited' });
    expect(
      await metricValue(a.actor.metrics.registry, 'icn_contract_deployments_rejected_total', {
        reason: 'rate_limited',
      }),
    ).toBe(1);
    expect(a.actor.runtime.size).toBe(1);
  });
});

describe('tampering with a deployment message after signing', () => {
  const transfer = example('transfer'); // participants alice and bob
  const signed = () => {
    const a = node(ALICE);
    return deployOn(a.actor, transfer, [BOB], { minCallerTrustPpm: 500_000 }).message;
  };
  const receiver = () => node(CAROL, new TableTrust().set(CAROL.did, ALICE.did, 900_000));
  type Wire = Record<string, any>;
  const mutate = (f: (m: Wire) => void): string => {
    const m = JSON.parse(signed().toWire());
    f(m);
    return JSON.stringify(m);
  };
  /** The deployer (alice) re-signs the tampered message: only the co-signers' signatures can catch it. */
  const resign = (f: (m: Wire) => void): string => {
    const m = JSON.parse(signed().toWire());
    f(m);
    const body = {
      format: m.format,
      codeHash: m.codeHash,
      code: m.code,
      installation: m.installation,
    };
    m.deployerSignature = ALICE.sign('icn/contracts/deployment/v1', body);
    return JSON.stringify(m);
  };
  const newRuleBody = (m: Wire) =>
    (m.code.contract.rules[0].body[0].LedgerTransfer.amount = { Literal: { Int: '1000000' } });

  it('the untampered message is accepted', () => {
    expect(receiver().actor.handleDeploymentWire(signed().toWire()).accepted).toBe(true);
  });

  const cases: [string, () => string, string][] = [
    [
      'capabilities (relay)',
      () =>
        mutate(
          (m) =>
            (m.installation.capabilities = parseCapabilities([
              ...m.installation.capabilities,
              { ReadLedger: { accounts: ['$caller'] } },
            ]).map(capabilityToJson)),
        ),
      'bad_deployer_signature',
    ],
    [
      'capabilities out of canonical order',
      () => mutate((m) => m.installation.capabilities.reverse()),
      'malformed',
    ],
    [
      'capabilities (deployer re-signs)',
      () =>
        resign(
          (m) =>
            (m.installation.capabilities = [
              { WriteLedger: { accounts: ['$caller'] } },
              { WriteState: { keys: ['transfers', 'x'] } },
            ]),
        ),
      'bad_signature',
    ],
    [
      'min_caller_trust (relay)',
      () => mutate((m) => (m.installation.minCallerTrustPpm = 0)),
      'bad_deployer_signature',
    ],
    [
      'min_caller_trust (deployer re-signs)',
      () => resign((m) => (m.installation.minCallerTrustPpm = 0)),
      'bad_signature',
    ],
    ['a rule body', () => mutate(newRuleBody), 'code_hash_mismatch'],
    [
      'a rule body and every code hash (deployer re-signs)',
      () =>
        resign((m) => {
          newRuleBody(m);
          const h = codeHash({ engine: 'ccl', contract: loadContract(m.code.contract) });
          m.codeHash = h;
          m.installation.codeHash = h;
        }),
      'bad_signature',
    ],
    [
      'a participant in the contract',
      () => mutate((m) => (m.code.contract.participants[1] = CAROL.did.toString())),
      'code_hash_mismatch',
    ],
    [
      'a participant in the installation (deployer re-signs)',
      () =>
        resign(
          (m) =>
            (m.installation.participants = [ALICE.did.toString(), CAROL.did.toString()].sort()),
        ),
      'participants_mismatch',
    ],
    [
      'installed_at (relay)',
      () => mutate((m) => (m.installation.installedAt = '1700000000001')),
      'bad_deployer_signature',
    ],
    [
      'installed_at (deployer re-signs)',
      () => resign((m) => (m.installation.installedAt = '1700000000001')),
      'bad_signature',
    ],
    [
      'a co-signer signature dropped (deployer re-signs)',
      () =>
        resign(
          (m) =>
            (m.installation.signatures = m.installation.signatures.filter(
              (s: any) => s.signer === ALICE.did.toString(),
            )),
        ),
      'missing_signature',
    ],
    [
      'a stranger signature added (deployer re-signs)',
      () =>
        resign(
          (m) =>
            (m.installation.signatures = [
              ...m.installation.signatures,
              { signer: CAROL.did.toString(), signature: '00'.repeat(64) },
            ].sort((x: any, y: any) => (x.signer < y.signer ? -1 : 1))),
        ),
      'unexpected_signer',
    ],
    [
      'the deployer signature',
      () =>
        mutate(
          (m) =>
            (m.deployerSignature = m.deployerSignature.replace(/^./, (c: string) =>
              c === '0' ? '1' : '0',
            )),
        ),
      'bad_deployer_signature',
    ],
    [
      'the code hash',
      () => mutate((m) => (m.codeHash = `sha256:${'0'.repeat(64)}`)),
      'code_hash_mismatch',
    ],
    ['the format', () => mutate((m) => (m.format = 'icn-deployment/v0')), 'malformed'],
    ['an unknown field', () => mutate((m) => (m.extra = 1)), 'malformed'],
    [
      'the version (deployer re-signs)',
      () => resign((m) => (m.installation.version = 2)),
      'version_invalid',
    ],
    [
      'an invalid contract',
      () => mutate((m) => (m.code.contract.rules[0].body[0] = { While: {} })),
      'invalid_contract',
    ],
  ];
  for (const [what, wire, reason] of cases) {
    it(`${what} → ${reason}, counted`, async () => {
      const r = receiver();
      const before = await metricValue(
        r.actor.metrics.registry,
        'icn_contract_deployments_rejected_total',
        { reason },
      );
      expect(r.actor.handleDeploymentWire(wire())).toMatchObject({ accepted: false, reason });
      expect(
        await metricValue(r.actor.metrics.registry, 'icn_contract_deployments_rejected_total', {
          reason,
        }),
      ).toBe(before + 1);
      expect(r.actor.runtime.size).toBe(0);
    });
  }

  it('changing any single leaf of the signed message is rejected with a named reason', () => {
    const original = JSON.parse(signed().toWire());
    const leaves: (string | number)[][] = [];
    const walk = (v: unknown, path: (string | number)[]) => {
      if (v !== null && typeof v === 'object')
        for (const [k, x] of Object.entries(v))
          walk(x, [...path, Array.isArray(v) ? Number(k) : k]);
      else leaves.push(path);
    };
    walk(original, []);
    expect(leaves.length).toBeGreaterThan(40);
    const r = receiver();
    for (const path of leaves) {
      const m = JSON.parse(JSON.stringify(original));
      let o = m;
      for (const k of path.slice(0, -1)) o = o[k];
      const k = path.at(-1)!;
      const v = o[k];
      o[k] =
        typeof v === 'string'
          ? v.length > 0
            ? v.slice(0, -1) + (v.endsWith('a') ? 'b' : 'a')
            : 'x'
          : typeof v === 'number'
            ? v + 1
            : typeof v === 'boolean'
              ? !v
              : 1;
      const res = r.actor.handleDeploymentWire(JSON.stringify(m));
      expect(res.accepted, `tampering ${path.join('.')} was accepted`).toBe(false);
      if (!res.accepted) expect(REJECT_REASONS).toContain(res.reason);
    }
  });
});

describe('ledger effects', () => {
  it('Transfer moves balances atomically within credit limits', async () => {
    const { actor, ledger } = node(ALICE);
    ledger.setCreditLimit(ALICE.did.toString(), 'credits', 100n);
    const h = accepted(deployOn(actor, example('transfer'), [BOB]).result) as never;
    const r = await actor.execute({
      codeHash: h,
      rule: 'transfer',
      args: args([{ Did: BOB.did.toString() }, 25]),
      caller: ALICE.did.toString(),
      timestamp: 5n,
    });
    expect(r.outcome).toEqual({ status: 'ok' });
    expect(r.ledgerOps).toEqual([
      {
        LedgerTransfer: {
          from: ALICE.did.toString(),
          to: BOB.did.toString(),
          amount: '25',
          currency: 'credits',
        },
      },
    ]);
    expect(ledger.balance(ALICE.did.toString(), 'credits')).toBe(-25n);
    expect(ledger.balance(BOB.did.toString(), 'credits')).toBe(25n);
    // beyond the credit limit: nothing moves, state is not committed
    const before = actor.runtime.state(h);
    const over = await actor.execute({
      codeHash: h,
      rule: 'transfer',
      args: args([{ Did: BOB.did.toString() }, 76]),
      caller: ALICE.did.toString(),
      timestamp: 6n,
    });
    expect(over.outcome).toMatchObject({ status: 'error', code: 'LEDGER_INSUFFICIENT_CREDIT' });
    expect(over.ledgerOps).toEqual([]);
    expect(over.stateRootAfter).toBe(over.stateRootBefore);
    expect(actor.runtime.state(h)).toEqual(before);
    expect(ledger.balance(ALICE.did.toString(), 'credits')).toBe(-25n);
    // bob may spend what he received (balance 25, limit 0)
    expect(
      (
        await actor.execute({
          codeHash: h,
          rule: 'transfer',
          args: args([{ Did: ALICE.did.toString() }, 25]),
          caller: BOB.did.toString(),
          timestamp: 7n,
        })
      ).outcome,
    ).toEqual({ status: 'ok' });
    expect(ledger.balance(BOB.did.toString(), 'credits')).toBe(0n);
    expect(await metricValue(actor.metrics.registry, 'icn_contract_ledger_operations_total')).toBe(
      2,
    );
    expect(
      await metricValue(actor.metrics.registry, 'icn_contract_executions_failed_total', {
        contract_name: 'Transfer',
        rule_name: 'transfer',
        error: 'LEDGER_INSUFFICIENT_CREDIT',
      }),
    ).toBe(1);
  });

  it('a dry run reports value, fuel, writes and ledger ops and changes nothing', async () => {
    const { actor, ledger } = node(ALICE);
    const h = accepted(deployOn(actor, example('transfer'), [BOB]).result);
    const before = actor.runtime.state(h);
    const d = await actor.dryRun({
      codeHash: h,
      rule: 'transfer',
      args: args([{ Did: BOB.did.toString() }, 5]),
      caller: ALICE.did.toString(),
      timestamp: 1n,
    });
    expect(d).toMatchObject({
      outcome: { status: 'ok' },
      fuelUsed: '17',
      changedKeys: ['transfers'],
    });
    expect(d.ledgerOps).toHaveLength(1);
    expect(actor.runtime.state(h)).toBe(before);
    expect(ledger.balance(ALICE.did.toString(), 'credits')).toBe(0n);
    expect(
      await metricValue(actor.metrics.registry, 'icn_contract_executions_total', {
        contract_name: 'Transfer',
        rule_name: 'transfer',
      }),
    ).toBe(0);
    await expect(
      actor.dryRun({
        codeHash: h,
        rule: 'transfer',
        args: [],
        caller: CAROL.did.toString(),
        timestamp: 1n,
      }),
    ).rejects.toMatchObject({ code: 'CONTRACT_UNAUTHORIZED' });
  });

  it('a staged execution keeps and counts nothing until committed; a commit after the state moved is refused (CONTRACT_STATE_RACE)', async () => {
    const { actor, ledger } = node(ALICE);
    const h = accepted(deployOn(actor, example('transfer'), [BOB]).result);
    ledger.setCreditLimit(ALICE.did.toString(), 'credits', 100n);
    const req = {
      codeHash: h,
      rule: 'transfer',
      args: args([{ Did: BOB.did.toString() }, 5]),
      caller: ALICE.did.toString(),
      timestamp: 9n,
    };
    const before = actor.runtime.state(h);
    // A ledger that records the batch instead of applying it: the run changes nothing at all.
    const batches: unknown[] = [];
    const call = await actor.stageExecution(req, {
      balance: (a, c) => ledger.balance(a, c),
      creditLimit: (a, c) => ledger.creditLimit(a, c),
      applyAtomically: (ops) => void batches.push(ops),
    });
    expect(call.receipt.outcome).toEqual({ status: 'ok' });
    expect(batches).toHaveLength(1);
    expect(actor.runtime.state(h)).toBe(before);
    expect(actor.runtime.witness(call.receipt.witness)).toBeUndefined();
    expect(ledger.balance(ALICE.did.toString(), 'credits')).toBe(0n);
    expect(
      await metricValue(actor.metrics.registry, 'icn_contract_executions_total', {
        contract_name: 'Transfer',
        rule_name: 'transfer',
      }),
    ).toBe(0);
    // The same request executed directly gives the same signed receipt.
    const twin = node(ALICE);
    twin.ledger.setCreditLimit(ALICE.did.toString(), 'credits', 100n);
    accepted(deployOn(twin.actor, example('transfer'), [BOB]).result);
    expect(receiptToJson(await twin.actor.execute(req))).toEqual(receiptToJson(call.receipt));
    actor.commitExecution(call);
    expect(actor.runtime.state(h)!.get('transfers')).toEqual({ t: 'Int', v: 1n });
    expect(actor.runtime.witness(call.receipt.witness)).toEqual(call.witness);
    expect(
      await metricValue(actor.metrics.registry, 'icn_contract_executions_total', {
        contract_name: 'Transfer',
        rule_name: 'transfer',
      }),
    ).toBe(1);
    // Staged from a state that is then replaced: its commit is refused and changes nothing.
    const stale = await actor.stageExecution({ ...req, timestamp: 10n });
    actor.runtime.setState(h, before!);
    expect(() => actor.commitExecution(stale)).toThrow(
      expect.objectContaining({ code: 'CONTRACT_STATE_RACE' }),
    );
    expect(actor.runtime.state(h)).toEqual(before);
    expect(
      await metricValue(actor.metrics.registry, 'icn_contract_executions_total', {
        contract_name: 'Transfer',
        rule_name: 'transfer',
      }),
    ).toBe(1);
  });

  it('the timebank records service hours in state and in the hours ledger', async () => {
    const { actor, ledger } = node(ALICE);
    for (const k of [ALICE, BOB, CAROL]) ledger.setCreditLimit(k.did.toString(), 'hours', 10n);
    const h = accepted(deployOn(actor, example('timebank'), [BOB, CAROL]).result) as never;
    const rec = (from: typeof ALICE, to: typeof ALICE, hours: number, t: bigint) =>
      actor.execute({
        codeHash: h,
        rule: 'record_service',
        args: args([{ Did: to.did.toString() }, hours]),
        caller: from.did.toString(),
        timestamp: t,
      });
    expect((await rec(ALICE, BOB, 3, 1n)).outcome).toEqual({ status: 'ok' });
    expect((await rec(BOB, CAROL, 2, 2n)).outcome).toEqual({ status: 'ok' });
    expect((await rec(CAROL, CAROL, 2, 3n)).outcome).toMatchObject({
      status: 'error',
      code: 'CCL_PRECONDITION',
      path: '$.rules[0].requires[3]',
    });
    const stats = await actor.execute({
      codeHash: h,
      rule: 'stats',
      args: [],
      caller: CAROL.did.toString(),
      timestamp: 4n,
    });
    expect(stats.outputHash).toBe(
      outputHash({ value: { Map: { entries: { Int: '2' }, total_hours: { Int: '5' } } } }),
    );
    expect([ALICE, BOB, CAROL].map((k) => ledger.balance(k.did.toString(), 'hours'))).toEqual([
      -3n,
      1n,
      2n,
    ]);
  });
});

describe('versions, limits', () => {
  it('a new version needs every participant of both versions; old versions stay addressable', async () => {
    const { actor } = node(ALICE);
    const v1 = example('calculator');
    const h1 = accepted(deployOn(actor, v1).result);
    const json = JSON.parse(readFileSync(join(ROOT, 'contracts', 'calculator.json'), 'utf8'));
    json.participants.push(BOB.did.toString());
    json.rules[0].body = [
      {
        Return: {
          value: {
            BinOp: {
              op: 'Add',
              left: { BinOp: { op: 'Add', left: { Var: 'a' }, right: { Var: 'b' } } },
              right: { Literal: { Int: 1 } },
            },
          },
        },
      },
    ];
    const v2: ContractCode = { engine: 'ccl', contract: loadContract(json) };
    expect(deployOn(actor, v2, [], { previous: h1 }).result).toMatchObject({
      accepted: false,
      reason: 'missing_signature',
    });
    const h2 = accepted(deployOn(actor, v2, [BOB], { previous: h1 }).result);
    expect(actor.runtime.versions(h1).map((i) => i.installation.version)).toEqual([1, 2]);
    expect(actor.runtime.latest(h1)?.installation.codeHash).toBe(h2);
    const add = (h: string) =>
      actor.execute({
        codeHash: h as never,
        rule: 'add',
        args: args([5, 3]),
        caller: ALICE.did.toString(),
        timestamp: 1n,
      });
    expect((await add(h1)).outputHash).toBe(outputHash({ value: { Int: '8' } }));
    expect((await add(h2)).outputHash).toBe(outputHash({ value: { Int: '9' } }));
    // a second successor of version 1 is refused
    json.rules[0].body = [{ Return: { value: { Literal: { Int: 0 } } } }];
    expect(
      deployOn(actor, { engine: 'ccl', contract: loadContract(json) }, [BOB], { previous: h1 })
        .result,
    ).toMatchObject({ accepted: false, reason: 'version_invalid' });
  });

  it('size limit and per-deployer rate limit are configurable', () => {
    const small = node(ALICE, new TableTrust(), { maxCodeBytes: 200 });
    expect(deployOn(small.actor, example('calculator')).result).toMatchObject({
      accepted: false,
      reason: 'too_large',
    });
    expect(small.actor.handleDeploymentWire(' '.repeat(200 + 256 * 1024 + 1))).toMatchObject({
      accepted: false,
      reason: 'too_large',
    });
    const n = node(ALICE, new TableTrust(), { rateLimit: { maxDeployments: 2, windowMs: 1_000 } });
    const variant = (i: number): ContractCode => ({
      engine: 'ccl',
      contract: loadContract({
        ...JSON.parse(readFileSync(join(ROOT, 'contracts', 'calculator.json'), 'utf8')),
        name: `Calc${i}`,
      }),
    });
    expect(deployOn(n.actor, variant(1)).result.accepted).toBe(true);
    expect(deployOn(n.actor, variant(2)).result.accepted).toBe(true);
    expect(deployOn(n.actor, variant(3)).result).toMatchObject({
      accepted: false,
      reason: 'rate_limited',
    });
    n.clock.advance(1_000);
    expect(deployOn(n.actor, variant(3)).result.accepted).toBe(true);
  });

  it('a duplicate delivery is accepted idempotently, not installed twice', () => {
    const a = node(ALICE);
    const b = node(DAVE, new TableTrust().set(DAVE.did, ALICE.did, 1_000_000));
    const { message } = deployOn(a.actor, example('poll'), [BOB, CAROL]);
    expect(b.actor.handleDeploymentMessage(message)).toMatchObject({
      accepted: true,
      duplicate: false,
    });
    expect(
      b.actor.handleDeploymentMessage(DeploymentMessage.fromWire(message.toWire())),
    ).toMatchObject({ accepted: true, duplicate: true });
    expect(b.actor.runtime.size).toBe(1);
  });
});

describe('receipts', () => {
  async function calcReceipt(executor = ALICE) {
    const { actor } = node(executor);
    const calcJson = JSON.parse(readFileSync(join(ROOT, 'contracts', 'calculator.json'), 'utf8'));
    calcJson.participants.push(executor.did.toString());
    const code: ContractCode =
      executor === ALICE
        ? example('calculator')
        : { engine: 'ccl', contract: loadContract(calcJson) };
    const h = accepted(deployOn(actor, code, executor === ALICE ? [] : [ALICE]).result) as never;
    const r = await actor.execute({
      codeHash: h,
      rule: 'add',
      args: args([5, 3]),
      caller: ALICE.did.toString(),
      timestamp: 1_700_000_000_123n,
    });
    return { actor, r };
  }

  it("are deterministic: same request → byte-identical signed receipt; the timestamp is the request's", async () => {
    const x = await calcReceipt();
    const y = await calcReceipt();
    expect(canonicalString(receiptToJson(x.r))).toBe(canonicalString(receiptToJson(y.r)));
    expect(x.r.timestamp).toBe('1700000000123');
    expect(receiptHash(x.r)).toBe(receiptHash(y.r));
  });

  it('replay from the witness bundle reproduces the receipt; tampering is pinpointed', async () => {
    const n = node(ALICE);
    n.ledger.setCreditLimit(ALICE.did.toString(), 'credits', 50n);
    const h = accepted(deployOn(n.actor, example('transfer'), [BOB]).result) as never;
    const r = await n.actor.execute({
      codeHash: h,
      rule: 'transfer',
      args: args([{ Did: BOB.did.toString() }, 30]),
      caller: ALICE.did.toString(),
      timestamp: 9n,
    });
    const bundle = n.actor.runtime.witness(r.witness)!;
    expect(bundle).toBeDefined();
    const ok = await replayReceipt(bundle, r);
    expect(ok).toMatchObject({
      ok: true,
      signatureValid: true,
      witnessMatches: true,
      mismatches: [],
    });
    const forged = { ...r, fuelUsed: '3' };
    const bad = await replayReceipt(bundle, forged);
    expect(bad.ok).toBe(false);
    expect(bad.signatureValid).toBe(false);
    expect(bad.mismatches).toEqual(['fuelUsed']);
    // the synchronous replay (CCL) gives the same verdicts, plus the state the execution leaves
    const { stateAfter, ...sync } = replayReceiptSync(bundle, r);
    expect(sync).toEqual(ok);
    expect(stateAfter?.get('transfers')).toEqual({ t: 'Int', v: 1n });
    expect(replayReceiptSync(bundle, forged)).toMatchObject({
      ok: false,
      mismatches: ['fuelUsed'],
    });
    // a ledger that could not pay: replay reproduces the failure from the bundle's rows
    const fail = await n.actor.execute({
      codeHash: h,
      rule: 'transfer',
      args: args([{ Did: BOB.did.toString() }, 30]),
      caller: ALICE.did.toString(),
      timestamp: 10n,
    });
    expect(fail.outcome).toMatchObject({ code: 'LEDGER_INSUFFICIENT_CREDIT' });
    expect((await replayReceipt(n.actor.runtime.witness(fail.witness)!, fail)).ok).toBe(true);
  });
});

describe('versions across nodes, witness tampering, formats', () => {
  it('an upgrade reaches another node after its base version, not before (unknown_previous)', () => {
    const a = node(ALICE);
    const b = node(DAVE, new TableTrust().set(DAVE.did, ALICE.did, 500_000));
    const v1 = deployOn(a.actor, example('calculator'));
    const json = JSON.parse(readFileSync(join(ROOT, 'contracts', 'calculator.json'), 'utf8'));
    json.rules.pop();
    const v2 = deployOn(a.actor, { engine: 'ccl', contract: loadContract(json) }, [], {
      previous: accepted(v1.result),
    });
    accepted(v2.result);
    expect(b.actor.handleDeploymentWire(v2.message.toWire())).toMatchObject({
      accepted: false,
      reason: 'unknown_previous',
    });
    accepted(b.actor.handleDeploymentWire(v1.message.toWire()));
    const h2 = accepted(b.actor.handleDeploymentWire(v2.message.toWire()));
    expect(b.actor.runtime.versions(h2).map((v) => v.installation.version)).toEqual([1, 2]);
  });

  it('a witness bundle that is not the one the receipt names is detected', async () => {
    const { actor } = node(ALICE);
    const h = accepted(deployOn(actor, example('calculator')).result);
    const r = await actor.execute({
      codeHash: h,
      rule: 'add',
      args: args([5, 3]),
      caller: ALICE.did.toString(),
      timestamp: 1n,
    });
    const bundle = actor.runtime.witness(r.witness)!;
    const forged = { ...bundle, args: [{ Int: '6' }, { Int: '3' }] };
    const res = await replayReceipt(forged, r);
    expect(res.ok).toBe(false);
    expect(res.witnessMatches).toBe(false);
    expect(res.mismatches).toEqual(expect.arrayContaining(['argsHash', 'outputHash', 'witness']));
  });

  it('installations and receipts round-trip through their JSON forms', async () => {
    const { actor } = node(ALICE);
    const { message } = deployOn(actor, example('transfer'), [BOB], { minCallerTrustPpm: 123_456 });
    const wire = JSON.parse(message.toWire());
    const parsed = installationFromJson(wire.installation);
    if (!parsed.ok) throw new Error(parsed.detail);
    expect(canonicalString(installationToJson(parsed.value))).toBe(
      canonicalString(wire.installation),
    );
    expect(parsed.value.minCallerTrustPpm).toBe(123_456);
    expect(
      installationFromJson({ ...wire.installation, minCallerTrustPpm: 1_000_001 }),
    ).toMatchObject({ ok: false, reason: 'malformed' });
    expect(installationFromJson({ ...wire.installation, installedAt: 5 })).toMatchObject({
      ok: false,
      reason: 'malformed',
    });
    const h = accepted(deployOn(actor, example('calculator')).result);
    const r = await actor.execute({
      codeHash: h,
      rule: 'add',
      args: args([1, 2]),
      caller: ALICE.did.toString(),
      timestamp: 3n,
    });
    const back = receiptFromJson(JSON.parse(canonicalString(receiptToJson(r))));
    expect(receiptHash(back)).toBe(receiptHash(r));
    expect(() => receiptFromJson({ ...(receiptToJson(r) as object), extra: 1 })).toThrow(
      /unknown field/,
    );
  });
});

describe('code hashes', () => {
  it('ICN\'s legacy code hash: empty name, no participants = sha256(""); name ‖ Did("…") otherwise', () => {
    expect(legacyCodeHash('', [])).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
    const d = ALICE.did.toString();
    expect(legacyCodeHash('Calculator', [d])).toBe(
      toHex(sha256(new TextEncoder().encode(`CalculatorDid("${d}")`))),
    );
  });

  it('v2 covers the body: a different rule body is a different hash; the legacy hash cannot tell', () => {
    const a = example('calculator');
    const json = JSON.parse(readFileSync(join(ROOT, 'contracts', 'calculator.json'), 'utf8'));
    json.rules[0].body[0].Return.value.BinOp.op = 'Sub';
    const b: ContractCode = { engine: 'ccl', contract: loadContract(json) };
    expect(codeHash(a)).not.toBe(codeHash(b));
    if (a.engine === 'ccl' && b.engine === 'ccl')
      expect(legacyCodeHash(a.contract.name, a.contract.participants)).toBe(
        legacyCodeHash(b.contract.name, b.contract.participants),
      );
  });

  it('metrics label trust scores exactly, from ppm', () => {
    expect([ppmLabel(420_000), ppmLabel(0), ppmLabel(1_000_000), ppmLabel(7)]).toEqual([
      '0.420000',
      '0.000000',
      '1.000000',
      '0.000007',
    ]);
  });

  it('value JSON of an output is canonical (Int as a string)', () => {
    expect(valueToJson(parseArgs([8])[0]!)).toEqual({ Int: '8' });
  });
});

describe('codeHashOfText (a receiver hashes the canonical text it already checked)', () => {
  it('equals codeHash for every example contract and for wasm code', () => {
    for (const name of ['calculator', 'counter', 'poll', 'timebank', 'transfer']) {
      const code = example(name);
      expect(codeHashOfText(code, canonicalString(codeToJson(code))), name).toBe(codeHash(code));
    }
    const wasm: ContractCode = {
      engine: 'wasm',
      name: 'W',
      participants: [ALICE.did.toString()],
      module: Uint8Array.of(0, 0x61, 0x73, 0x6d, 1, 0, 0, 0),
    };
    expect(codeHashOfText(wasm, canonicalString(codeToJson(wasm)))).toBe(codeHash(wasm));
  });
});
