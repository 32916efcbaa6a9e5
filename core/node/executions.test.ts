import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CALLER_ACCOUNT, valueFromJson } from '../ccl/index.js';
import {
  codeFromJson,
  receiptFromJson,
  receiptHash,
  signInstallation,
  signReceipt,
  witnessHash as contractWitnessHash,
  type ContractCode,
  type ExecutionReceipt,
} from '../contracts/index.js';
import { buildPomFromReceipt } from '../pom/index.js';
import { dataSize, type GossipEntry } from '../gossip/index.js';
import type { Hash } from '../hash/index.js';
import { Keypair } from '../identity/index.js';
import { metricValue } from '../metrics/index.js';
import { ManualClock, Rng } from '../runtime/index.js';
import { wrongExecutionRecord } from './byzantine.js';
import { NodeContracts } from './contracts.js';
import { EXECUTION_RECORD_FORMAT, POM_REPORT_FORMAT, type ExecutionRecord } from './executions.js';
import { PublishRefused } from './errors.js';
import { IcnNode, type NodeOptions } from './node.js';
import { MemoryKvStore } from './storage.js';

type Msg = { to: string; from: string; m: unknown };

/**
 * n trusting nodes with contract registries, a FIFO network and one clock (node i reads it
 * `skewMs[i]` ahead), all with the same gossip knobs.
 */
function net(n: number, o: { gossip?: NodeOptions['gossip']; skewMs?: number[] } = {}) {
  const q: Msg[] = [];
  const clock = new ManualClock(1_000_000);
  const kps = Array.from({ length: n }, (_, i) =>
    Keypair.fromSeed(new Uint8Array(32).fill(i + 11)),
  );
  const ids = kps.map((k) => k.did.toString());
  const stores = kps.map(() => new MemoryKvStore());
  const make = (i: number, restore = false) => {
    const skew = o.skewMs?.[i] ?? 0;
    const own = skew === 0 ? clock : { nowMs: () => clock.nowMs() + skew };
    const node = new IcnNode({
      keypair: kps[i]!,
      clock: own,
      rng: Rng.root(3).stream(`n${i}`),
      storage: stores[i]!,
      peers: ids,
      restore,
      defaultCreditLimit: 100n,
      ...(o.gossip ? { gossip: o.gossip } : {}),
      transport: { send: (to, m) => q.push({ to, from: ids[i]!, m }) },
    });
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
  const json = JSON.parse(
    readFileSync(join(import.meta.dirname, '..', '..', 'contracts', 'transfer.json'), 'utf8'),
  );
  return codeFromJson({ engine: 'ccl', contract: { ...json, participants } });
};

function deployTransfer(w: ReturnType<typeof net>): Hash {
  const [a] = w.nodes;
  const code = transferCode(w.ids);
  // The rule may debit only its caller's account and write its counter.
  const capabilities = [
    { k: 'WriteLedger', accounts: [CALLER_ACCOUNT] } as const,
    { k: 'WriteState', keys: ['transfers'] } as const,
  ];
  const body = a!.nc.actor.prepare(code, { capabilities, installedAt: 5n });
  const r = a!.nc.deploy(code, {
    capabilities,
    installedAt: 5n,
    signatures: w.kps.slice(1).map((k) => signInstallation(body, k)),
  });
  expect(r.result.accepted).toBe(true);
  w.tick(3);
  for (const x of w.nodes)
    expect(x.nc.installedCodeHashes()).toEqual([r.result.accepted ? r.result.codeHash : '']);
  return (r.result as { codeHash: Hash }).codeHash;
}

const transfer = (nc: NodeContracts, h: Hash, to: string, amount: number, at: bigint) =>
  nc.execute({
    codeHash: h,
    rule: 'transfer',
    args: [valueFromJson({ Did: to }, 'to'), valueFromJson({ Int: amount }, 'amount')],
    caller: nc.node.id,
    timestamp: at,
  });

const roots = (w: ReturnType<typeof net>) => w.nodes.map((x) => x.node.stateRoot());

describe('contract executions over gossip, verified by replay', () => {
  it('Transfer on several nodes: every node adopts every execution; ledger roots, balances and contract state agree', async () => {
    const w = net(3);
    const h = deployTransfer(w);
    const [A, B, C] = w.nodes as [(typeof w.nodes)[0], (typeof w.nodes)[0], (typeof w.nodes)[0]];
    const r1 = await transfer(A.nc, h, B.node.id, 5, 2_000n);
    expect(r1.outcome).toEqual({ status: 'ok' });
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
    expect(
      await metricValue(A.node.metrics.registry, 'icn_contract_execution_records_total', {
        result: 'adopted',
      }),
    ).toBe(2);
    expect(
      await metricValue(A.node.metrics.registry, 'icn_contract_execution_records_total', {
        result: 'published',
      }),
    ).toBe(1);
    // A restart re-verifies the stored records and rebuilds the same state.
    const B2 = w.make(1, true);
    expect(B2.node.stateRoot()).toBe(A.node.stateRoot());
  });

  it('adoption does not depend on arrival order: a chain of records fed backwards ends in the same state', async () => {
    const w = net(3);
    const h = deployTransfer(w);
    const [A, B] = w.nodes;
    for (const [amount, at] of [
      [5, 2_000n],
      [6, 2_100n],
      [7, 2_200n],
    ] as const) {
      await transfer(A!.nc, h, B!.node.id, amount, at);
      w.clock.advance(10); // the records' gossip timestamps follow the chain (entries() sorts by them)
    }
    const records = A!.node.gossip
      .entries('ledger:entries')
      .map((e) => A!.node.gossip.get(e.topic, e.hash)!)
      .filter((e) => (e.data as { format?: string }).format === EXECUTION_RECORD_FORMAT);
    expect(records).toHaveLength(3);
    // Node 2 restarted from storage: the contract and trust, none of the records (never pumped).
    // Feed the records in reverse order: each waits for its previous one, then all are adopted.
    const fresh = w.make(2, true);
    expect(fresh.nc.installedCodeHashes()).toEqual([h]);
    const x = fresh.nc.executions!;
    x.handleRecord(records[2]!);
    x.handleRecord(records[1]!);
    expect(x.outcomes.get(records[2]!.hash)).toMatchObject({
      status: 'pending',
      waitingFor: 'previous',
    });
    expect(x.pendingCount).toBe(2);
    x.handleRecord(records[0]!); // adopting it releases the two waiting ones (IcnNode.onApplied)
    expect(records.map((e) => x.outcomes.get(e.hash)?.status)).toEqual([
      'adopted',
      'adopted',
      'adopted',
    ]);
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
      const [A, B, C, D] = w.nodes as [
        (typeof w.nodes)[0],
        (typeof w.nodes)[0],
        (typeof w.nodes)[0],
        (typeof w.nodes)[0],
      ];
      await transfer(A.nc, h, B.node.id, 5, 2_000n); // honest
      w.tick(3);
      const bad = wrongExecutionRecord(
        D.nc,
        {
          codeHash: h,
          rule: 'transfer',
          args: [valueFromJson({ Did: C.node.id }, 'to'), valueFromJson({ Int: 4 }, 'amount')],
          caller: D.node.id,
          timestamp: 2_500n,
        },
        tamper,
      );
      const badHash = receiptHash(receiptFromJson(bad.receipt));
      D.nc.publishExecutionRaw(bad);
      w.tick(4);
      for (const x of w.nodes) {
        const refused = [...x.nc.executions!.outcomes.values()].find((o) => o.status === 'refused');
        expect(refused).toMatchObject({
          status: 'refused',
          reason: 'replay_mismatch',
          receiptHash: badHash,
        });
        expect(x.nc.executions!.convictions()).toEqual([badHash]);
        expect(x.node.ledger.balance(C.node.id, 'credits')).toBe(0n); // the forged payment stands nowhere
        expect(x.node.ledger.balance(B.node.id, 'credits')).toBe(5n); // the honest one everywhere
        expect(
          [...x.nc.executions!.poms.values()].every(
            (p) => p.verdict === 'confirmed' && p.accused === D.node.id,
          ),
        ).toBe(true);
        expect(
          await metricValue(x.node.metrics.registry, 'icn_pom_published_total'),
        ).toBeLessThanOrEqual(1); // one accusation per receipt and node
      }
      expect(await metricValue(D.node.metrics.registry, 'icn_pom_published_total')).toBe(0); // nobody accuses itself
      expect(
        await metricValue(A.node.metrics.registry, 'icn_pom_verified_total', {
          verdict: 'confirmed',
        }),
      ).toBeGreaterThanOrEqual(1);
      expect(new Set(roots(w)).size).toBe(1);
    });
  }

  it('an honest receipt with a forged entry is refused (entry_mismatch) without a PoM', async () => {
    const w = net(3);
    const h = deployTransfer(w);
    const [A, B, C] = w.nodes;
    const bad = wrongExecutionRecord(
      C!.nc,
      {
        codeHash: h,
        rule: 'transfer',
        args: [valueFromJson({ Did: A!.node.id }, 'to'), valueFromJson({ Int: 4 }, 'amount')],
        caller: C!.node.id,
        timestamp: 2_500n,
      },
      'entry',
    );
    C!.nc.publishExecutionRaw(bad);
    w.tick(3);
    expect([...B!.nc.executions!.outcomes.values()]).toEqual([
      expect.objectContaining({ status: 'refused', reason: 'entry_mismatch' }),
    ]);
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
      return B!.nc.executions!.poms.get(
        B!.node.publish('governance:receipts', { format: POM_REPORT_FORMAT, pom }).hash,
      );
    };
    // A receipt A signed over a bundle whose args are not a list: A's own signature, so the proof passes the evidence checks and reaches replay.
    const weird = { ...bundle, args: 'not a list' };
    const forged = signReceipt(
      { ...r, witness: contractWitnessHash(weird as never) },
      A!.node.keypair,
    );
    expect(accuse(forged, weird, r.outputHash)).toMatchObject({
      verdict: 'invalid',
      detail: expect.stringMatching(/replay rejected the witness: .*args/),
    });
    expect(accuse(r, bundle, r.outputHash)).toMatchObject({
      verdict: 'refuted',
      accused: A!.node.id,
    });
    expect(B!.nc.executions!.convictions()).toEqual([]);
  });

  it('refuses a record published by someone other than the executor, and malformed records', () => {
    const w = net(2);
    const h = deployTransfer(w);
    const [A, B] = w.nodes;
    const rec = wrongExecutionRecord(
      A!.nc,
      {
        codeHash: h,
        rule: 'transfer',
        args: [valueFromJson({ Did: B!.node.id }, 'to'), valueFromJson({ Int: 1 }, 'amount')],
        caller: A!.node.id,
        timestamp: 2_500n,
      },
      'output',
    );
    const relay = (data: unknown): GossipEntry =>
      B!.nc.publishExecutionRaw(data as ExecutionRecord);
    const e1 = relay(rec);
    const e2 = relay({ format: EXECUTION_RECORD_FORMAT, receipt: 1 });
    expect(B!.nc.executions!.outcomes.get(e1.hash)).toMatchObject({
      status: 'refused',
      reason: 'not_executor',
    });
    expect(B!.nc.executions!.outcomes.get(e2.hash)).toMatchObject({
      status: 'refused',
      reason: 'malformed',
    });
  });
});

type World = ReturnType<typeof net>;
type Member = World['nodes'][number];

/**
 * Everything a refused execution must leave as it was on node `i`: the LC state root and every
 * component root (recomputed, so a stale roots cache shows), the contract's state, the ledger
 * (entries in order, heads, root, balances), adopted executions and the head, the gossip store,
 * storage, and every metric but the refusal counter.
 */
async function everything(w: World, i: number, h: Hash) {
  const metrics = (await w.nodes[i]!.node.metrics.registry.getMetricsAsJSON()).map((m) => ({
    ...m,
    values: m.values.filter((v) => v.labels.result !== 'publish_refused'),
  }));
  return { ...snapshot(w, i, h), metrics };
}

/** everything() but the metrics, taken synchronously. */
function snapshot(w: World, i: number, h: Hash) {
  const x = w.nodes[i]!;
  const cached = x.node.state();
  x.node.invalidateRoots();
  expect(x.node.state()).toEqual(cached);
  return {
    state: cached,
    contractState: new Map(x.nc.actor.runtime.state(h)!),
    ledger: {
      order: [...x.node.ledger.appliedOrder()],
      heads: x.node.ledger.heads(),
      root: x.node.ledger.root(),
      balances: x.node.ledger.allBalances(),
      pending: x.node.ledger.pendingCount,
    },
    adopted: [...x.nc.executions!.adopted.keys()].sort(),
    head: x.nc.executions!.head(h)?.receiptHash ?? null,
    gossip: x.node.gossip.root(),
    storage: w.stores[i]!.keys(''),
  };
}

const refusals = (x: Member, reason: string) =>
  metricValue(x.node.metrics.registry, 'icn_contract_execution_records_total', {
    result: 'publish_refused',
    reason,
  });
const ownRecords = (x: Member) =>
  x.node.gossip
    .entries('ledger:entries')
    .map((e) => x.node.gossip.get(e.topic, e.hash)!)
    .filter(
      (e) =>
        e.author === x.node.id &&
        (e.data as { format?: string }).format === EXECUTION_RECORD_FORMAT,
    );

/** After a refusal: the next execution is published, and the other node adopts every record (no dangling head). */
async function publishedAndAdopted(w: World, h: Hash, r: ExecutionReceipt) {
  const [A, B] = w.nodes as [Member, Member];
  expect(A.nc.executions!.head(h)!.receiptHash).toBe(receiptHash(r));
  w.tick(4);
  expect(B.nc.executions!.adopted.has(receiptHash(r))).toBe(true);
  expect(B.nc.executions!.pendingCount).toBe(0);
  expect(B.nc.executions!.head(h)!.receiptHash).toBe(receiptHash(r));
  expect(B.node.stateRoot()).toBe(A.node.stateRoot());
}

describe('an execution whose record gossip refuses is not applied (publish or nothing)', () => {
  it('rate_limited: the quota of ledger:entries used up; nothing changes; the same call goes through in the next window and is adopted', async () => {
    const windowMs = 10_000;
    const w = net(2, {
      gossip: { topics: { 'ledger:entries': { perAuthorPerWindow: 2, windowMs } } },
    });
    const h = deployTransfer(w);
    const [A, B] = w.nodes as [Member, Member];
    await transfer(A.nc, h, B.node.id, 5, 2_000n);
    await transfer(A.nc, h, B.node.id, 6, 2_100n);
    w.tick(2);
    expect(B.nc.executions!.adopted.size).toBe(2);
    const before = await everything(w, 0, h);
    const now = w.clock.nowMs();
    const refused = transfer(A.nc, h, B.node.id, 7, 2_200n);
    await expect(refused).rejects.toBeInstanceOf(PublishRefused);
    await expect(refused).rejects.toMatchObject({
      code: 'NODE_PUBLISH_REFUSED',
      reason: 'rate_limited',
      topic: 'ledger:entries',
      retryAfterMs: (Math.floor(now / windowMs) + 1) * windowMs - now,
      message: expect.stringContaining('already has 2 smaller entries'),
    });
    expect(await everything(w, 0, h)).toEqual(before);
    expect(A.nc.actor.runtime.state(h)!.get('transfers')).toEqual({ t: 'Int', v: 2n });
    expect(A.node.ledger.balance(A.node.id, 'credits')).toBe(-11n);
    expect(await refusals(A, 'rate_limited')).toBe(1);
    // A second try in the same window is refused the same way (nothing was spent by the first).
    await expect(transfer(A.nc, h, B.node.id, 7, 2_200n)).rejects.toMatchObject({
      reason: 'rate_limited',
    });
    expect(await everything(w, 0, h)).toEqual(before);
    // The next window: the same call is published, chained to the last published execution.
    w.clock.advance(((await refused.catch((e: unknown) => e)) as PublishRefused).retryAfterMs!);
    const r = await transfer(A.nc, h, B.node.id, 7, 2_200n);
    expect(r.stateRootBefore).toBe(A.nc.executions!.adopted.get(before.head!)!.stateRootAfter);
    expect(ownRecords(A)).toHaveLength(3);
    await publishedAndAdopted(w, h, r);
    expect(B.nc.actor.runtime.state(h)!.get('transfers')).toEqual({ t: 'Int', v: 3n });
    expect(B.node.ledger.balance(A.node.id, 'credits')).toBe(-18n);
  });

  it('rate_limited: a record that would displace an earlier own record from its full window is refused too', async () => {
    // Two executions in the same millisecond: the second record's key (timestamp, hash) may sort
    // before the first's. Gossip would then take it by dropping the first (every node the same
    // way), stranding every execution chained after it.
    const w = net(2, {
      gossip: { topics: { 'ledger:entries': { perAuthorPerWindow: 1, windowMs: 10_000 } } },
    });
    const h = deployTransfer(w);
    const [A, B] = w.nodes as [Member, Member];
    await transfer(A.nc, h, B.node.id, 1, 2_000n);
    const before = await everything(w, 0, h);
    // (These keys do fall that way: the old code acknowledged this call and dropped the first record.)
    await expect(transfer(A.nc, h, B.node.id, 2, 2_000n)).rejects.toMatchObject({
      code: 'NODE_PUBLISH_REFUSED',
      reason: 'rate_limited',
      message: expect.stringContaining(
        'already published 1 entries in the current 10000 ms window',
      ),
    });
    expect(await everything(w, 0, h)).toEqual(before);
    expect(ownRecords(A)).toHaveLength(1);
    w.clock.advance(10_000);
    await publishedAndAdopted(w, h, await transfer(A.nc, h, B.node.id, 2, 2_000n));
  });

  it('too_large: a record over maxDataBytes of ledger:entries; nothing changes; a smaller execution of the same contract is published and adopted', async () => {
    // Measure the records on an unlimited twin network (same keys, clock and calls: same bytes).
    const sizes: number[] = [];
    {
      const t = net(2, { gossip: { topics: {} } });
      const th = deployTransfer(t);
      const [TA, TB] = t.nodes as [Member, Member];
      for (const [amount, at] of [
        [5, 2_000n],
        [90, 2_100n],
      ] as const) {
        await transfer(TA.nc, th, TB.node.id, amount, at);
        sizes.push(dataSize(ownRecords(TA).at(-1)!.data));
      }
    }
    const limit = sizes[1]! - 1; // the second one is one byte too many
    expect(sizes[0]).toBeLessThan(limit); // the first has no previous execution to name
    const w = net(2, { gossip: { topics: { 'ledger:entries': { maxDataBytes: limit } } } });
    const h = deployTransfer(w);
    const [A, B] = w.nodes as [Member, Member];
    await transfer(A.nc, h, B.node.id, 5, 2_000n);
    const before = await everything(w, 0, h);
    await expect(transfer(A.nc, h, B.node.id, 90, 2_100n)).rejects.toMatchObject({
      code: 'NODE_PUBLISH_REFUSED',
      reason: 'too_large',
      retryAfterMs: null,
      message: expect.stringContaining(`${sizes[1]} bytes > ${limit}`),
    });
    expect(await everything(w, 0, h)).toEqual(before);
    expect(await refusals(A, 'too_large')).toBe(1);
    const r = await transfer(A.nc, h, B.node.id, 9, 2_100n); // the same call with one digit less
    expect(dataSize(ownRecords(A).at(-1)!.data)).toBeLessThanOrEqual(limit);
    await publishedAndAdopted(w, h, r);
    expect(B.node.ledger.balance(B.node.id, 'credits')).toBe(14n);
  });

  it("evicted: the executor's clock is behind everything a full ledger:entries retains; nothing changes; once it is not, the execution is published and adopted", async () => {
    // B's clock runs 1,000 s ahead; its three journal entries fill A's ledger:entries (maxEntries 3).
    const w = net(2, {
      skewMs: [0, 1_000_000],
      gossip: { maxFutureSkewMs: 2_000_000, topics: { 'ledger:entries': { maxEntries: 3 } } },
    });
    const h = deployTransfer(w);
    const [A, B] = w.nodes as [Member, Member];
    for (let i = 0; i < 3; i++) {
      B.node.submitLedgerEntry({
        accounts: [
          { account_id: B.node.id, currency: 'credits', debit: 1n },
          { account_id: A.node.id, currency: 'credits', credit: 1n },
        ],
        parents: B.node.ledger.heads(),
        nonce: `n${i}`,
      });
      w.tick(1);
    }
    expect(A.node.ledger.balance(A.node.id, 'credits')).toBe(3n);
    expect(A.node.gossip.entries('ledger:entries').map((e) => e.author)).toEqual([
      B.node.id,
      B.node.id,
      B.node.id,
    ]);
    const before = await everything(w, 0, h);
    await expect(transfer(A.nc, h, B.node.id, 2, 2_000n)).rejects.toMatchObject({
      code: 'NODE_PUBLISH_REFUSED',
      reason: 'evicted',
    });
    expect(await everything(w, 0, h)).toEqual(before);
    expect(await refusals(A, 'evicted')).toBe(1);
    w.clock.advance(1_000_000);
    const r = await transfer(A.nc, h, B.node.id, 2, 3_000n);
    expect(A.nc.executions!.adopted.size).toBe(1); // the first execution of the contract: no previous one
    await publishedAndAdopted(w, h, r);
    expect(B.node.ledger.balance(A.node.id, 'credits')).toBe(1n);
  });

  it('NODE_EXECUTION_RACE: another execution adopted between the run and its commit; nothing of the run is applied; run again, it chains to that one', async () => {
    const w = net(2);
    const h = deployTransfer(w);
    const [A, B] = w.nodes as [Member, Member];
    await transfer(B.nc, h, A.node.id, 4, 2_000n); // B's record is queued, not delivered yet
    const req = {
      codeHash: h,
      rule: 'transfer',
      args: [valueFromJson({ Did: B.node.id }, 'to'), valueFromJson({ Int: 3 }, 'amount')],
      caller: A.node.id,
      timestamp: 2_000n,
    };
    const run = A.nc.executions!.execute(req); // a CCL rule runs (staged) before the first await
    w.pump(); // A adopts B's execution before its own commits
    expect(A.nc.executions!.adopted.size).toBe(1);
    const before = snapshot(w, 0, h); // synchronously: the commit is attempted at the next await
    await expect(run).rejects.toMatchObject({
      code: 'NODE_EXECUTION_RACE',
      message: expect.stringContaining('adopted while it ran'),
    });
    expect(snapshot(w, 0, h)).toEqual(before);
    expect(
      await metricValue(A.node.metrics.registry, 'icn_contract_executions_total', {
        contract_name: 'Transfer',
        rule_name: 'transfer',
      }),
    ).toBe(0);
    const r = await A.nc.execute(req);
    expect(r.stateRootBefore).toBe(B.nc.executions!.head(h)!.stateRootAfter);
    await publishedAndAdopted(w, h, r);
  });
});
