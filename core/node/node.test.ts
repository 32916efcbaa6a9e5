import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { codeFromJson } from '../contracts/index.js';
import { Keypair } from '../identity/index.js';
import { metricValue } from '../metrics/index.js';
import { ManualClock, Rng } from '../runtime/index.js';
import { NodeContracts } from './contracts.js';
import { IcnNode } from './node.js';
import { MemoryKvStore } from './storage.js';

type Msg = { to: string; from: string; m: unknown };

function net(n: number) {
  const q: Msg[] = [];
  const clock = new ManualClock(1_000_000);
  const kps = Array.from({ length: n }, (_, i) => Keypair.fromSeed(new Uint8Array(32).fill(i + 1)));
  const ids = kps.map((k) => k.did.toString());
  const stores = kps.map(() => new MemoryKvStore());
  const make = (i: number, restore = false) =>
    new IcnNode({
      keypair: kps[i]!,
      clock,
      rng: Rng.root(1).stream(`n${i}`),
      storage: stores[i]!,
      peers: ids,
      restore,
      transport: { send: (to, m) => q.push({ to, from: ids[i]!, m }) },
    });
  const nodes = kps.map((_, i) => make(i));
  const pump = () => {
    for (let k = 0; q.length && k < 100_000; k++) {
      const x = q.shift()!;
      nodes[ids.indexOf(x.to)]?.receive(x.from, x.m);
    }
  };
  const tick = () => {
    clock.advance(100);
    for (const n of nodes) n.tick();
    pump();
  };
  return { q, clock, ids, nodes, stores, make, pump, tick, kps };
}

const calculator = (participant: string) => {
  const json = JSON.parse(
    readFileSync(join(import.meta.dirname, '..', '..', 'contracts', 'calculator.json'), 'utf8'),
  );
  return codeFromJson({ engine: 'ccl', contract: { ...json, participants: [participant] } });
};

describe('IcnNode', () => {
  it('deploys over gossip: trusted (0.6 → 0.42) installs; state roots agree', () => {
    const w = net(2);
    const [A, B] = w.nodes as [IcnNode, IcnNode];
    const ca = new NodeContracts(A);
    const cb = new NodeContracts(B);
    B.attest(A.id, 600_000);
    w.pump();
    w.tick();
    const { result } = ca.deploy(calculator(A.id), { capabilities: [], installedAt: 5n });
    expect(result.accepted).toBe(true);
    w.pump();
    w.tick();
    w.tick();
    expect(cb.installedCodeHashes()).toEqual(ca.installedCodeHashes());
    expect(B.stateRoot()).toBe(A.stateRoot());
  });

  it('untrusted deployer (0.2 → 0.14): gossip carries it, the contract layer refuses it, metrics show it; trust later → installed', async () => {
    const w = net(2);
    const [A, B] = w.nodes as [IcnNode, IcnNode];
    const ca = new NodeContracts(A);
    const cb = new NodeContracts(B);
    B.attest(A.id, 200_000);
    w.tick();
    ca.deploy(calculator(A.id), { capabilities: [], installedAt: 5n });
    w.pump();
    w.tick();
    expect(B.gossip.entries('contracts:deploy')).toHaveLength(1);
    expect(cb.installedCodeHashes()).toEqual([]);
    expect(
      await metricValue(B.metrics.registry, 'icn_contract_deployments_rejected_total', {
        reason: 'trust_too_low',
      }),
    ).toBe(1);
    expect(B.stateRoot()).not.toBe(A.stateRoot());
    // The refusal is not final: once B's trust in A reaches the bar, the kept deployment installs.
    w.clock.advance(10);
    B.attest(A.id, 600_000);
    w.tick();
    expect(cb.installedCodeHashes()).toEqual(ca.installedCodeHashes());
  });

  it('a restart from storage rebuilds the same state (own writes were synced before they were sent)', () => {
    const w = net(3);
    const [A, B, C] = w.nodes as [IcnNode, IcnNode, IcnNode];
    for (const x of [A, B, C]) for (const y of [A, B, C]) if (x !== y) x.attest(y.id, 800_000);
    w.tick();
    w.tick();
    A.submitLedgerEntry({
      accounts: [
        { account_id: A.id, currency: 'h', credit: 5n },
        { account_id: B.id, currency: 'h', debit: 5n },
      ],
    });
    w.tick();
    w.tick();
    const before = B.stateRoot();
    expect(C.stateRoot()).toBe(before);
    const B2 = w.make(1, true);
    expect(B2.stateRoot()).toBe(before);
    expect(B2.gossip.root()).toBe(B.gossip.root());
  });

  it("gossip's store holds applied entries as metadata and reads them back from storage (own, received and restored)", () => {
    const w = net(3);
    const [A, B, C] = w.nodes as [IcnNode, IcnNode, IcnNode];
    for (const x of [A, B, C]) for (const y of [A, B, C]) if (x !== y) x.attest(y.id, 800_000);
    w.tick();
    w.tick();
    A.submitLedgerEntry({
      accounts: [
        { account_id: A.id, currency: 'h', credit: 5n },
        { account_id: B.id, currency: 'h', debit: 5n },
      ],
    });
    w.tick();
    w.tick();
    const B2 = w.make(1, true);
    for (const [i, x] of [A, B, B2].entries()) {
      const store = i === 2 ? w.stores[1]! : w.stores[i]!;
      for (const t of ['trust:attestations', 'ledger:entries'] as const) {
        const held = x.gossip.entries(t);
        expect(held.length).toBeGreaterThan(0);
        for (const e of held) {
          expect(e).not.toHaveProperty('data');
          expect(e).not.toHaveProperty('signature');
          expect(x.gossip.get(t, e.hash)).toEqual(JSON.parse(store.get(`gossip/${t}/${e.hash}`)!));
        }
      }
    }
    // what a peer is sent comes from storage: a node that lost its copy is caught, not silently short
    const h = A.gossip.entries('ledger:entries')[0]!.hash;
    w.stores[0]!.delete(`gossip/ledger:entries/${h}`);
    expect(() => A.gossip.get('ledger:entries', h)).toThrow(
      expect.objectContaining({ code: 'GOSSIP_ARCHIVE_MISSING' }),
    );
  });

  it('counts a tampered message by its named reason and applies nothing', async () => {
    const w = net(2);
    const [A, B] = w.nodes as [IcnNode, IcnNode];
    A.attest(B.id, 500_000);
    const msg = w.q.shift()!;
    const tampered = { ...(msg.m as object), seq: 99 };
    B.receive(A.id, tampered);
    expect(
      await metricValue(B.metrics.registry, 'icn_gossip_rejected_total', {
        reason: 'bad_signature',
      }),
    ).toBe(1);
    expect(B.gossip.entries('trust:attestations')).toHaveLength(0);
  });
});

describe('storage keeps the applied state, not the gossip store', () => {
  it('entries gossip evicted or displaced stay in storage: a restart, with any store capacity, gives the same state root', () => {
    let now = 100;
    const kp = Keypair.fromSeed(new Uint8Array(32).fill(9));
    const storage = new MemoryKvStore();
    const gossip = (maxEntries: number) => ({
      topics: { 'ledger:entries': { maxEntries, perAuthorPerWindow: 3, windowMs: 10_000 } },
    });
    const make = (restore: boolean, maxEntries = 2) =>
      new IcnNode({
        keypair: kp,
        clock: { nowMs: () => now },
        rng: Rng.root(1).stream('n'),
        storage,
        peers: [],
        restore,
        transport: { send: () => undefined },
        gossip: gossip(maxEntries),
      });
    const n = make(false);
    const keys = () => storage.keys('').filter((k) => k.includes('ledger:entries'));
    for (const t of [100, 200, 300]) {
      now = t;
      n.publish('ledger:entries', { t: String(t) });
    }
    expect(n.gossip.entries('ledger:entries')).toHaveLength(2); // retention dropped the oldest from the cache…
    expect(keys()).toHaveLength(3); // …not from storage
    now = 50; // a clock behind: the entry joins the full rate-limit bucket (displacing the newest), then is older than the floor
    expect(() => n.publish('ledger:entries', { t: '50' })).toThrow(
      expect.objectContaining({ code: 'GOSSIP_EVICTED' }),
    );
    expect(n.gossip.store('ledger:entries').entries()).toHaveLength(1);
    expect(keys()).toHaveLength(3); // the refused one never entered; the displaced one stays applied
    for (const cap of [1, 2, 16]) expect(make(true, cap).stateRoot()).toBe(n.stateRoot());
  });

  it('a restart with stricter admission settings is refused, naming the setting; looser ones and another capacity are taken', () => {
    const kp = Keypair.fromSeed(new Uint8Array(32).fill(9));
    const storage = new MemoryKvStore();
    const make = (topics: object) =>
      new IcnNode({
        keypair: kp,
        clock: { nowMs: () => 1_000 },
        rng: Rng.root(1).stream('n'),
        storage,
        peers: [],
        restore: true,
        transport: { send: () => undefined },
        gossip: { topics },
      });
    const n = make({ 'ledger:entries': { maxDataBytes: 4096 } });
    n.publish('ledger:entries', { x: 'y'.repeat(1000) });
    const root = n.stateRoot();
    for (const [topics, field] of [
      [{ 'ledger:entries': { maxDataBytes: 100 } }, 'maxDataBytes'],
      [
        { 'ledger:entries': { maxDataBytes: 4096, minAuthorTrustPpm: 200_000 } },
        'minAuthorTrustPpm',
      ],
      [{ 'ledger:entries': { maxDataBytes: 4096, perAuthorPerWindow: 10 } }, 'perAuthorPerWindow'],
      [{ 'ledger:entries': { maxDataBytes: 4096, windowMs: 1_000 } }, 'windowMs'],
    ] as const) {
      expect(() => make(topics)).toThrow(
        expect.objectContaining({
          code: 'NODE_CONFIG_DISCARDS_STATE',
          message: expect.stringContaining(`topics.ledger:entries.${field}`),
        }),
      );
    }
    expect(make({ 'ledger:entries': { maxDataBytes: 4096, maxEntries: 1 } }).stateRoot()).toBe(
      root,
    ); // capacity is not admission
    expect(make({ 'ledger:entries': { maxDataBytes: 8192 } }).stateRoot()).toBe(root); // looser: taken, and recorded…
    expect(() => make({ 'ledger:entries': { maxDataBytes: 4096 } })).toThrow(
      expect.objectContaining({ code: 'NODE_CONFIG_DISCARDS_STATE' }),
    ); // …so going back is stricter
  });
});

describe('attestations and ledger entries are published whole or not at all', () => {
  it('one that gossip would take only by displacing an earlier one of this node from a full quota window is refused, and nothing changes', () => {
    const now = 5_000;
    const kp = Keypair.fromSeed(new Uint8Array(32).fill(7));
    const gossip = {
      topics: {
        'trust:attestations': { perAuthorPerWindow: 2, windowMs: 10_000 },
        'ledger:entries': { perAuthorPerWindow: 2, windowMs: 10_000 },
      },
    };
    const n = new IcnNode({
      keypair: kp,
      clock: { nowMs: () => now },
      rng: Rng.root(1).stream('n'),
      storage: new MemoryKvStore(),
      peers: [],
      transport: { send: () => undefined },
      gossip,
    });
    const did = (b: number) => Keypair.fromSeed(new Uint8Array(32).fill(b)).did.toString();
    // two attestations fill this window's quota; every further one in the same millisecond is refused
    // whether its key sorts after the kept ones (plain rate limit) or before one (displacement)
    n.attest(did(20), 500_000);
    n.attest(did(21), 500_000);
    const kept = n.gossip
      .store('trust:attestations')
      .entries()
      .map((e) => e.hash);
    const root = n.stateRoot();
    let displacing = 0;
    for (let b = 22; b < 40; b++) {
      try {
        n.attest(did(b), 400_000);
        throw new Error('accepted');
      } catch (e) {
        expect(e).toMatchObject({
          code: 'NODE_PUBLISH_REFUSED',
          reason: 'rate_limited',
          retryAfterMs: 5_000,
        });
        if (/already published 2 entries/.test((e as Error).message)) displacing++;
      }
      expect(
        n.gossip
          .store('trust:attestations')
          .entries()
          .map((e) => e.hash),
      ).toEqual(kept);
      expect(n.stateRoot()).toBe(root);
    }
    expect(displacing).toBeGreaterThan(0); // the displacement case was reached (18 tries, each key sorts before the largest kept one with probability 2/3)
    // ledger entries: the same rule
    const entry = (c: string) => ({
      accounts: [
        { account_id: n.id, currency: c, debit: 1n },
        { account_id: did(20), currency: c, credit: 1n },
      ],
      contract_ref: null,
      nonce: null,
      parents: n.ledger.heads(),
    });
    n.submitLedgerEntry(entry('a') as never);
    n.submitLedgerEntry(entry('b') as never);
    const ledgerRoot = n.ledger.root();
    expect(() => n.submitLedgerEntry(entry('c') as never)).toThrow(
      expect.objectContaining({ code: 'NODE_PUBLISH_REFUSED' }),
    );
    expect(n.ledger.root()).toBe(ledgerRoot);
  });
});
