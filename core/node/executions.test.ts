import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CALLER_ACCOUNT, valueFromJson } from '../ccl/index.js';
import { codeFromJson, receiptFromJson, receiptHash, signInstallation, signReceipt, witnessHash as contractWitnessHash, type ContractCode, type ExecutionReceipt } from '../contracts/index.js';
import { buildPomFromReceipt } from '../pom/index.js';
import type { GossipEntry } from '../gossip/index.js';
import type { Hash } from '../hash/index.js';
import { Keypair } from '../identity/index.js';
import { metricValue } from '../metrics/index.js';
import { ManualClock, Rng } from '../runtime/index.js';
import { wrongExecutionRecord } from './byzantine.js';
import { NodeContracts } from './contracts.js';
import { EXECUTION_RECORD_FORMAT, POM_REPORT_FORMAT, type ExecutionRecord } from './executions.js';
import { IcnNode } from './node.js';
import { MemoryKvStore } from './storage.js';

type Msg = { to: string; from: string; m: unknown };

/** n trusting nodes with contract registries, a FIFO network and one clock. */
function net(n: number) {
  const q: Msg[] = [];
  const clock = new ManualClock(1_000_000);
  const kps = Array.from({ length: n }, (_, i) => Keypair.fromSeed(new Uint8Array(32).fill(i + 11)));
  const ids = kps.map((k) => k.did.toString());
  const stores = kps.map(() => new MemoryKvStore());
  const make = (i: number, restore = false) => {
    const node = new IcnNode({ keypair: kps[i]!, clock, rng: Rng.root(3).stream(`n${i}`), storage: stores[i]!, peers: ids, restore, defaultCreditLimit: 100n, transport: { send: (to, m) => q.push({ to, from: ids[i]!, m }) } });
    return { node, nc: new NodeContracts(node) };
  };
  const nodes = kps.map((_, i) => make(i));
  const pump = () => {
    for (let k = 0; q.length && k < 100_000; k++) {
      const x = q.shift()!;
      nodes[ids.indexOf(x.to)]?.node.receive(x.from, x.m);
    }
  };
  const tick = (times = 1) => {
    for (let t = 0; t < times; t++) {
      clock.advance(100);
      for (const x of nodes) x.node.tick();
      pump();
    }
  };
  for (const a of nodes) for (const b of nodes) if (a !== b) a.node.attest(b.node.id, 800_000);
  tick(3);
  return { q, clock, ids, nodes, stores, make, pump, tick, kps };
}

const transferCode = (participants: string[]): ContractCode => {
  const json = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'contracts', 'transfer.json'), 'utf8'));
  return codeFromJson({ engine: 'ccl', contract: { ...json, participants } });
};

function deployTransfer(w: ReturnType<typeof net>): Hash {
  const [a] = w.nodes;
  const code = transferCode(w.ids);
  // The rule may debit only its caller's account and write its counter.
  const capabilities = [{ k: 'WriteLedger', accounts: [CALLER_ACCOUNT] } as const, { k: 'WriteState', keys: ['transfers'] } as const];
  const body = a!.nc.actor.prepare(code, { capabilities, installedAt: 5n });
  const r = a!.nc.deploy(code, { capabilities, installedAt: 5n, signatures: w.kps.slice(1).map((k) => signInstallation(body, k)) });
  expect(r.result.accepted).toBe(true);
  w.tick(3);
  for (const x of w.nodes) expect(x.nc.installedCodeHashes()).toEqual([r.result.accepted ? r.result.codeHash : '']);
  return (r.result as { codeHash: Hash }).codeHash;
}

const transfer = (nc: NodeContracts, h: Hash, to: string, amount: number, at: bigint) =>
  nc.execute({ codeHash: h, rule: 'transfer', args: [valueFromJson({ Did: to }, 'to'), valueFromJson({ Int: amount }, 'amount')], caller: nc.node.id, timestamp: at });

const roots = (w: ReturnType<typeof net>) => w.nodes.map((x) => x.node.stateRoot());

describe('contract executions over gossip, verified by replay', () => {
  it('Transfer on several nodes: every node adopts every execution; ledger roots, balances and contract state agree', async () => {
    const w = net(3);
    const h = deployTransfer(w);
    const [A, B, C] = w.nodes as [(typeof w.nodes)[0], (typeof w.nodes)[0], (typeof w.nodes)[0]];
    const r1 = await transfer(A.nc, h, B.node.id, 5, 2_000n);
    expect(r1.outcome).toEqual({ status: "ok" });
    w.tick(3);
    await transfer(B.nc, h, C.node.id, 3, 2_500n);
    w.tick(3);
    await transfer(C.nc, h, A.node.id, 7, 3_000n);
    w.tick(3);
    const ledgerRoots = w.nodes.map((x) => x.node.ledger.root());
    expect(new Set(ledgerRoots).size).toBe(1);
    expect(new Set(roots(w)).size).toBe(1);
    for (const x of w.nodes) {
      expect(x.node.ledger.balance(A.node.id, 'credits')).toBe(2n);
      expect(x.node.ledger.balance(B.node.id, 'credits')).toBe(2n);
      expect(x.node.ledger.balance(C.node.id, 'credits')).toBe(-4n);
      expect(x.nc.actor.runtime.state(h)!.get('transfers')).toEqual({ t: 'Int', v: 3n });
      expect(x.nc.executions!.adopted.size).toBe(3);
    }
    // Each node published its own execution and adopted the two others by replay.
    expect(await metricValue(A.node.metrics.registry, 'icn_contract_execution_records_total', { result: 'adopted' })).toBe(2);
    expect(await metricValue(A.node.metrics.registry, 'icn_contract_execution_records_total', { result: 'published' })).toBe(1);
    // A restart re-verifies the stored records and rebuilds the same state.
    const B2 = w.make(1, true);
    expect(B2.node.stateRoot()).toBe(A.node.stateRoot());
  });

  it('adoption does not depend on arrival order: a chain of records fed backwards ends in the same state', async () => {
    const w = net(3);
    const h = deployTransfer(w);
    const [A, B] = w.nodes;
    for (const [amount, at] of [[5, 2_000n], [6, 2_100n], [7, 2_200n]] as const) {
      await transfer(A!.nc, h, B!.node.id, amount, at);
      w.clock.advance(10); // the records' gossip timestamps follow the chain (entries() sorts by them)
    }
    const records = A!.node.gossip.entries('ledger:entries').filter((e) => (e.data as { format?: string }).format === EXECUTION_RECORD_FORMAT);
    expect(records).toHaveLength(3);
    // Node 2 restarted from storage: the contract and trust, none of the records (never pumped).
    // Feed the records in reverse order: each waits for its previous one, then all are adopted.
    const fresh = w.make(2, true);
    expect(fresh.nc.installedCodeHashes()).toEqual([h]);
    const x = fresh.nc.executions!;
    x.handleRecord(records[2]!);
    x.handleRecord(records[1]!);
    expect(x.outcomes.get(records[2]!.hash)).toMatchObject({ status: 'pending', waitingFor: 'previous' });
    expect(x.pendingCount).toBe(2);
    x.handleRecord(records[0]!); // adopting it releases the two waiting ones (IcnNode.onApplied)
    expect(records.map((e) => x.outcomes.get(e.hash)?.status)).toEqual(['adopted', 'adopted', 'adopted']);
    expect(x.adopted.size).toBe(3);
    expect(fresh.node.ledger.root()).toBe(A!.node.ledger.root());
    expect(fresh.nc.statesRoot()).toBe(A!.nc.statesRoot());
  });

  it('a fork (two executions from the same state, before either spread): both ledger effects stand, every node follows the same branch', async () => {
    const w = net(3);
    const h = deployTransfer(w);
    const [A, B, C] = w.nodes as [(typeof w.nodes)[0], (typeof w.nodes)[0], (typeof w.nodes)[0]];
    await transfer(A.nc, h, C.node.id, 2, 2_000n);
    await transfer(B.nc, h, C.node.id, 3, 2_000n); // B has not seen A's execution yet
    w.tick(4);
    expect(new Set(roots(w)).size).toBe(1);
    for (const x of w.nodes) {
      expect(x.node.ledger.balance(C.node.id, 'credits')).toBe(5n);
      expect(x.nc.actor.runtime.state(h)!.get('transfers')).toEqual({ t: 'Int', v: 1n }); // one branch's counter
      expect(x.nc.executions!.head(h)!.receiptHash).toBe(A.nc.executions!.head(h)!.receiptHash);
    }
  });

  for (const tamper of ['ledger_amount', 'output'] as const) {
    it(`a byzantine executor's wrong receipt (${tamper}) is refused everywhere; a PoM is published and confirmed by every node`, async () => {
      const w = net(4);
      const h = deployTransfer(w);
      const [A, B, C, D] = w.nodes as [(typeof w.nodes)[0], (typeof w.nodes)[0], (typeof w.nodes)[0], (typeof w.nodes)[0]];
      await transfer(A.nc, h, B.node.id, 5, 2_000n); // honest
      w.tick(3);
      const bad = wrongExecutionRecord(D.nc, { codeHash: h, rule: 'transfer', args: [valueFromJson({ Did: C.node.id }, 'to'), valueFromJson({ Int: 4 }, 'amount')], caller: D.node.id, timestamp: 2_500n }, tamper);
      const badHash = receiptHash(receiptFromJson(bad.receipt));
      D.nc.publishExecutionRaw(bad);
      w.tick(4);
      for (const x of w.nodes) {
        const refused = [...x.nc.executions!.outcomes.values()].find((o) => o.status === 'refused');
        expect(refused).toMatchObject({ status: 'refused', reason: 'replay_mismatch', receiptHash: badHash });
        expect(x.nc.executions!.convictions()).toEqual([badHash]);
        expect(x.node.ledger.balance(C.node.id, 'credits')).toBe(0n); // the forged payment stands nowhere
        expect(x.node.ledger.balance(B.node.id, 'credits')).toBe(5n); // the honest one everywhere
        expect([...x.nc.executions!.poms.values()].every((p) => p.verdict === 'confirmed' && p.accused === D.node.id)).toBe(true);
        expect(await metricValue(x.node.metrics.registry, 'icn_pom_published_total')).toBeLessThanOrEqual(1); // one accusation per receipt and node
      }
      expect(await metricValue(D.node.metrics.registry, 'icn_pom_published_total')).toBe(0); // nobody accuses itself
      expect(await metricValue(A.node.metrics.registry, 'icn_pom_verified_total', { verdict: 'confirmed' })).toBeGreaterThanOrEqual(1);
      expect(new Set(roots(w)).size).toBe(1);
    });
  }

  it('an honest receipt with a forged entry is refused (entry_mismatch) without a PoM', async () => {
    const w = net(3);
    const h = deployTransfer(w);
    const [A, B, C] = w.nodes;
    const bad = wrongExecutionRecord(C!.nc, { codeHash: h, rule: 'transfer', args: [valueFromJson({ Did: A!.node.id }, 'to'), valueFromJson({ Int: 4 }, 'amount')], caller: C!.node.id, timestamp: 2_500n }, 'entry');
    C!.nc.publishExecutionRaw(bad);
    w.tick(3);
    expect([...B!.nc.executions!.outcomes.values()]).toEqual([expect.objectContaining({ status: 'refused', reason: 'entry_mismatch' })]);
    expect(B!.nc.executions!.poms.size).toBe(0);
    expect(B!.node.ledger.balance(C!.node.id, 'credits')).toBe(0n);
  });

  it('a proof with a malformed witness is judged invalid, never a crash; one against an honest receipt is refuted', async () => {
    const w = net(2);
    const h = deployTransfer(w);
    const [A, B] = w.nodes;
    const r = await transfer(A!.nc, h, B!.node.id, 1, 2_000n);
    const bundle = A!.nc.actor.runtime.witness(r.witness)!;
    const accuse = (receipt: ExecutionReceipt, witness: unknown, expected: Hash) => {
      const pom = buildPomFromReceipt(B!.node.keypair, receipt, witness as never, expected);
      return B!.nc.executions!.poms.get(B!.node.publish('governance:receipts', { format: POM_REPORT_FORMAT, pom }).hash);
    };
    // A receipt A signed over a bundle whose args are not a list: A's own signature, so the proof passes the evidence checks and reaches replay.
    const weird = { ...bundle, args: 'not a list' };
    const forged = signReceipt({ ...r, witness: contractWitnessHash(weird as never) }, A!.node.keypair);
    expect(accuse(forged, weird, r.outputHash)).toMatchObject({ verdict: 'invalid', detail: expect.stringMatching(/replay rejected the witness: .*args/) });
    expect(accuse(r, bundle, r.outputHash)).toMatchObject({ verdict: 'refuted', accused: A!.node.id });
    expect(B!.nc.executions!.convictions()).toEqual([]);
  });

  it('refuses a record published by someone other than the executor, and malformed records', () => {
    const w = net(2);
    const h = deployTransfer(w);
    const [A, B] = w.nodes;
    const rec = wrongExecutionRecord(A!.nc, { codeHash: h, rule: 'transfer', args: [valueFromJson({ Did: B!.node.id }, 'to'), valueFromJson({ Int: 1 }, 'amount')], caller: A!.node.id, timestamp: 2_500n }, 'output');
    const relay = (data: unknown): GossipEntry => B!.nc.publishExecutionRaw(data as ExecutionRecord);
    const e1 = relay(rec);
    const e2 = relay({ format: EXECUTION_RECORD_FORMAT, receipt: 1 });
    expect(B!.nc.executions!.outcomes.get(e1.hash)).toMatchObject({ status: 'refused', reason: 'not_executor' });
    expect(B!.nc.executions!.outcomes.get(e2.hash)).toMatchObject({ status: 'refused', reason: 'malformed' });
  });
});
