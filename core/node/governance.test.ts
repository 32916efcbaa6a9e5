import { describe, expect, it } from 'vitest';
import {
  attestReceipt,
  decide,
  signProposal,
  signVote,
  type DecisionReceipt,
  type ProposalPayload,
  type SignedProposal,
  type VoteChoice,
} from '../governance/index.js';
import { Keypair } from '../identity/index.js';
import { metricValue } from '../metrics/index.js';
import { ManualClock, Rng } from '../runtime/index.js';
import { wrongDecisionRecord } from './byzantine.js';
import { dataSize } from '../gossip/index.js';
import { PublishRefused } from './errors.js';
import { IcnNode, type NodeOptions } from './node.js';
import { MemoryKvStore } from './storage.js';

type Msg = { to: string; from: string; m: unknown };

function net(n: number, gossip?: NodeOptions['gossip']) {
  const q: Msg[] = [];
  const clock = new ManualClock(1_000_000);
  const kps = Array.from({ length: n }, (_, i) =>
    Keypair.fromSeed(new Uint8Array(32).fill(i + 41)),
  );
  const ids = kps.map((k) => k.did.toString());
  const stores = kps.map(() => new MemoryKvStore());
  const make = (i: number, restore = false) =>
    new IcnNode({
      keypair: kps[i]!,
      clock,
      rng: Rng.root(4).stream(`n${i}`),
      storage: stores[i]!,
      peers: ids,
      restore,
      defaultCreditLimit: 100n,
      ...(gossip ? { gossip } : {}),
      transport: { send: (to, m) => q.push({ to, from: ids[i]!, m }) },
    });
  const nodes = kps.map((_, i) => make(i));
  const pump = () => {
    for (let k = 0; q.length && k < 100_000; k++) {
      const x = q.shift()!;
      nodes[ids.indexOf(x.to)]?.receive(x.from, x.m);
    }
  };
  const tick = (times = 1) => {
    for (let t = 0; t < times; t++) {
      clock.advance(100);
      for (const x of nodes) x.tick();
      pump();
    }
  };
  for (const a of nodes) for (const b of nodes) if (a !== b) a.attest(b.id, 800_000);
  tick(3);
  return { clock, ids, kps, nodes, stores, make, pump, tick, q };
}

/** Proposal by kps[0], every node an elector of weight 1, the given choices, attested by two. */
function decision(
  w: ReturnType<typeof net>,
  id: string,
  payload: ProposalPayload,
  choices: VoteChoice[],
): { proposal: SignedProposal; receipt: DecisionReceipt } {
  const proposal = signProposal(w.kps[0]!, {
    proposal_id: id,
    domain_id: 'coop:alpha',
    payload,
    electorate: w.ids.map((voter) => ({ voter, weight: '1' })),
    quorum: '3',
    created_at: 10,
  });
  const votes = choices.map((c, i) => signVote(w.kps[i]!, proposal, c, 20 + i));
  let receipt = decide(proposal, votes, 50);
  for (const k of w.kps.slice(1, 3)) receipt = attestReceipt(k, receipt);
  return { proposal, receipt };
}

const surplus = (ids: string[]): ProposalPayload => ({
  kind: 'SurplusAllocation',
  allocation: {
    total_surplus: '30',
    currency: 'credits',
    allocations: [
      [ids[1]!, '10'],
      [ids[2]!, '20'],
    ],
  },
});

describe('governance decisions over gossip, verified by replay', () => {
  it('executed on the proposer, adopted by replay everywhere: same governance and ledger roots, the same entry ids', async () => {
    const w = net(4);
    const [A, B, C, D] = w.nodes as [IcnNode, IcnNode, IcnNode, IcnNode];
    // A ledger entry first, so the decision's entries have a parent the others must hold.
    A.submitLedgerEntry({
      accounts: [
        { account_id: A.id, currency: 'credits', debit: 1n },
        { account_id: D.id, currency: 'credits', credit: 1n },
      ],
      parents: A.ledger.heads(),
    });
    const { proposal, receipt } = decision(w, 'p-surplus', surplus(w.ids), [
      'For',
      'For',
      'Against',
      'Abstain',
    ]);
    expect(receipt.outcome).toBe('Accepted');
    const { execution } = A.decisions.execute(proposal, receipt);
    expect(execution.ledger_entries).toHaveLength(1);
    w.tick(4);
    for (const x of w.nodes) {
      expect(x.governance.execution(receipt.receipt_id)?.ledger_entries).toEqual(
        execution.ledger_entries,
      );
      expect(x.ledger.balance('coop:alpha', 'credits')).toBe(-30n);
      expect(x.ledger.balance(B.id, 'credits')).toBe(10n);
      expect(x.ledger.balance(C.id, 'credits')).toBe(20n);
    }
    expect(new Set(w.nodes.map((x) => x.governance.root())).size).toBe(1);
    expect(new Set(w.nodes.map((x) => x.stateRoot())).size).toBe(1);
    expect(
      await metricValue(D.metrics.registry, 'icn_governance_records_total', { result: 'executed' }),
    ).toBe(1);
    // A restart replays the stored record again.
    expect(w.make(3, true).stateRoot()).toBe(A.stateRoot());
  });

  it('a record whose entries wait for a parent is adopted once the parent arrives', () => {
    const w = net(3);
    const [A, B] = w.nodes as [IcnNode, IcnNode, IcnNode];
    A.submitLedgerEntry({
      accounts: [
        { account_id: A.id, currency: 'credits', debit: 1n },
        { account_id: B.id, currency: 'credits', credit: 1n },
      ],
      parents: A.ledger.heads(),
    });
    w.q.length = 0; // B never hears of it (yet)
    const { proposal, receipt } = decision(w, 'p-wait', surplus(w.ids), ['For', 'For', 'For']);
    const { entry } = A.decisions.execute(proposal, receipt);
    w.pump();
    expect(B.decisions.outcomes.get(entry.hash)).toMatchObject({ status: 'pending' });
    w.tick(4); // anti-entropy brings the parent
    expect(B.decisions.outcomes.get(entry.hash)).toMatchObject({ status: 'executed' });
    expect(B.stateRoot()).toBe(A.stateRoot());
  });

  it('a tampered receipt and forged effects are refused by every node; a rejected decision is recorded, not executed', async () => {
    const w = net(4);
    const [A] = w.nodes as [IcnNode];
    const p1 = decision(w, 'p-tally', surplus(w.ids), ['For', 'Against', 'Against', 'For']);
    expect(p1.receipt.outcome).toBe('Rejected');
    A.decisions.publishRaw(wrongDecisionRecord(A, p1.proposal, p1.receipt, 'receipt'));
    const p2 = decision(w, 'p-effects', surplus(w.ids), ['For', 'For', 'For', 'For']);
    A.decisions.publishRaw(wrongDecisionRecord(A, p2.proposal, p2.receipt, 'effects'));
    const p3 = decision(w, 'p-rejected', surplus(w.ids), ['Against', 'Against', 'For', 'Abstain']);
    A.decisions.publishRaw({
      format: 'icn-governance-execution/v1',
      proposal: p3.proposal,
      receipt: p3.receipt,
      entries: [],
    });
    w.tick(4);
    for (const x of w.nodes) {
      const codes = [...x.decisions.outcomes.values()]
        .map((o) => (o.status === 'refused' ? o.code : o.status))
        .sort();
      expect(codes).toEqual(['GOV_RECEIPT_MISMATCH', 'GOV_REPLAY_MISMATCH', 'recorded']);
      expect(x.ledger.balance(A.id, 'credits')).toBe(0n);
      expect(x.governance.execution(p2.receipt.receipt_id)).toBeUndefined();
      expect(
        await metricValue(x.metrics.registry, 'icn_governance_records_total', {
          result: 'refused',
        }),
      ).toBe(2);
    }
    expect(new Set(w.nodes.map((x) => x.stateRoot())).size).toBe(1);
  });

  it('a record whose parts are not a proposal and a receipt is refused as malformed', () => {
    const w = net(2);
    const [A] = w.nodes as [IcnNode];
    const { proposal, receipt } = decision(w, 'p-shape', surplus([A.id, A.id, A.id]), [
      'For',
      'For',
    ]);
    const bad = [
      {
        format: 'icn-governance-execution/v1',
        proposal: { ...proposal, electorate: 7 },
        receipt,
        entries: [],
      },
      {
        format: 'icn-governance-execution/v1',
        proposal,
        receipt: { ...receipt, votes: 'all of them' },
        entries: [],
      },
      { format: 'icn-governance-execution/v1', proposal, receipt },
    ];
    for (const data of bad)
      expect(A.decisions.outcomes.get(A.decisions.publishRaw(data).hash)).toMatchObject({
        status: 'refused',
      });
    expect(A.governance.execution(receipt.receipt_id)).toBeUndefined();
  });

  it('only the proposer executes a decision', () => {
    const w = net(2);
    const [A, B] = w.nodes as [IcnNode, IcnNode];
    const { proposal, receipt } = decision(w, 'p-who', surplus([A.id, B.id, B.id]), ['For', 'For']);
    expect(() => B.decisions.execute(proposal, receipt)).toThrow(/executed by its proposer/);
    const e = B.decisions.publishRaw({
      format: 'icn-governance-execution/v1',
      proposal,
      receipt,
      entries: [],
    });
    expect(B.decisions.outcomes.get(e.hash)).toMatchObject({
      status: 'refused',
      code: 'GOV_NOT_EXECUTOR',
    });
  });
});

type World = ReturnType<typeof net>;

/**
 * Everything a refused decision must leave as it was on node 0: the LC state root and every
 * component root (recomputed, so a stale roots cache shows), the governance root and state, the
 * ledger (entries in order, heads, balances), the gossip store, storage (keys and values), and
 * every metric but the publish refusals.
 */
async function everything(w: World) {
  const x = w.nodes[0]!;
  const cached = x.state();
  x.invalidateRoots();
  expect(x.state()).toEqual(cached);
  const metrics = (await x.metrics.registry.getMetricsAsJSON()).map((m) => ({
    ...m,
    values: m.values.filter((v) => v.labels.result !== 'publish_refused'),
  }));
  return {
    state: cached,
    governance: x.governance.root(),
    members: [...x.governance.state.members.keys()],
    ledger: {
      order: [...x.ledger.appliedOrder()],
      heads: x.ledger.heads(),
      balances: x.ledger.allBalances(),
    },
    gossip: x.gossip.root(),
    storage: w.stores[0]!.keys('').map((k) => [k, w.stores[0]!.get(k)]),
    metrics,
  };
}

const refusals = (x: IcnNode, reason: string) =>
  metricValue(x.metrics.registry, 'icn_governance_records_total', {
    result: 'publish_refused',
    code: reason,
  });

/** Node 1 executed (or recorded) receipt `rid` from node 0's record, and both hold the same state. */
function adoptedBy1(w: World, rid: string, status: 'executed' | 'recorded') {
  const [A, B] = w.nodes as [IcnNode, IcnNode];
  w.tick(4);
  expect([...B.decisions.outcomes.values()]).toContainEqual({ status, receiptId: rid });
  expect(B.decisions.pendingCount).toBe(0);
  expect(B.governance.root()).toBe(A.governance.root());
  expect(B.stateRoot()).toBe(A.stateRoot());
}

describe('a decision whose record gossip refuses is not applied (publish or nothing)', () => {
  it('rate_limited: the quota of governance:receipts used up; the execution changes nothing; the next window it is executed here and by replay on node 1', async () => {
    const windowMs = 10_000;
    const w = net(3, { topics: { 'governance:receipts': { perAuthorPerWindow: 1, windowMs } } });
    const [A, B] = w.nodes as [IcnNode, IcnNode];
    const rejected = decision(w, 'p-no', surplus(w.ids), ['Against', 'Against', 'For']);
    A.decisions.announce(rejected.proposal, rejected.receipt); // uses the quota
    adoptedBy1(w, rejected.receipt.receipt_id, 'recorded');
    const { proposal, receipt } = decision(w, 'p-yes', surplus(w.ids), ['For', 'For', 'For']);
    const before = await everything(w);
    let err: unknown;
    try {
      A.decisions.execute(proposal, receipt);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PublishRefused);
    expect(err).toMatchObject({
      code: 'NODE_PUBLISH_REFUSED',
      topic: 'governance:receipts',
      reason: 'rate_limited',
      message: expect.stringContaining('was not applied'),
    });
    expect((err as PublishRefused).retryAfterMs).toBeGreaterThan(0);
    expect(await everything(w)).toEqual(before);
    expect(A.governance.execution(receipt.receipt_id)).toBeUndefined();
    expect(A.ledger.balance('coop:alpha', 'credits')).toBe(0n);
    expect(await refusals(A, 'rate_limited')).toBe(1);
    // An announcement in the same window is refused the same way.
    const other = decision(w, 'p-no-2', surplus(w.ids), ['Against', 'Against', 'Against']);
    expect(() => A.decisions.announce(other.proposal, other.receipt)).toThrow(
      expect.objectContaining({ code: 'NODE_PUBLISH_REFUSED', reason: 'rate_limited' }),
    );
    expect(await everything(w)).toEqual(before);
    w.clock.advance((err as PublishRefused).retryAfterMs!);
    const { execution } = A.decisions.execute(proposal, receipt);
    adoptedBy1(w, receipt.receipt_id, 'executed');
    expect(B.governance.execution(receipt.receipt_id)?.ledger_entries).toEqual(
      execution.ledger_entries,
    );
    expect(B.ledger.balance('coop:alpha', 'credits')).toBe(-30n);
  });

  it('too_large: a record over maxDataBytes of governance:receipts; nothing changes; a smaller decision is executed and replayed by node 1', async () => {
    // Measure the records on a twin network (same keys, clock and decisions: same bytes).
    const t = net(3);
    const sizeOf = (id: string, payload: ProposalPayload) => {
      const d = decision(t, id, payload, ['For', 'For', 'For']);
      return dataSize(t.nodes[0]!.decisions.execute(d.proposal, d.receipt).entry.data);
    };
    const one = (ids: string[]): ProposalPayload => ({
      kind: 'SurplusAllocation',
      allocation: { total_surplus: '10', currency: 'credits', allocations: [[ids[1]!, '10']] },
    });
    const big = sizeOf('p-big', surplus(t.ids));
    const small = sizeOf('p-small', one(t.ids));
    expect(small).toBeLessThan(big);
    const w = net(3, { topics: { 'governance:receipts': { maxDataBytes: big - 1 } } });
    const A = w.nodes[0]!;
    const d = decision(w, 'p-big', surplus(w.ids), ['For', 'For', 'For']);
    const before = await everything(w);
    expect(() => A.decisions.execute(d.proposal, d.receipt)).toThrow(
      expect.objectContaining({
        code: 'NODE_PUBLISH_REFUSED',
        reason: 'too_large',
        retryAfterMs: null,
        message: expect.stringContaining(`${big} bytes > ${big - 1}`),
      }),
    );
    expect(await everything(w)).toEqual(before);
    expect(await refusals(A, 'too_large')).toBe(1);
    const s2 = decision(w, 'p-small', one(w.ids), ['For', 'For', 'For']);
    A.decisions.execute(s2.proposal, s2.receipt);
    adoptedBy1(w, s2.receipt.receipt_id, 'executed');
    expect(w.nodes[1]!.ledger.balance(w.ids[1]!, 'credits')).toBe(10n);
  });
});
