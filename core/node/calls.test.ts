/**
 * A signed call takes effect at most once in the network (core/contracts/call.ts,
 * core/node/executions.ts): only the node it names executes it; a node adopts at most one
 * execution per call id, and refuses records of it by anyone else, whatever the arrival order.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CALLER_ACCOUNT, valueFromJson } from '../ccl/index.js';
import {
  callId,
  codeFromJson,
  makeCall,
  receiptFromJson,
  receiptHash,
  signCall,
  signInstallation,
  verifyCall,
  type ContractCode,
  type SignedCall,
} from '../contracts/index.js';
import type { GossipEntry } from '../gossip/index.js';
import type { Hash } from '../hash/index.js';
import { Keypair } from '../identity/index.js';
import { ManualClock, Rng } from '../runtime/index.js';
import { wrongExecutionRecord } from './byzantine.js';
import { NodeContracts } from './contracts.js';
import type { ExecutionRecord } from './executions.js';
import { IcnNode } from './node.js';
import { MemoryKvStore } from './storage.js';

const repo = join(import.meta.dirname, '..', '..');

/** n trusting nodes on a FIFO network with one clock; `make(i, true)` restarts node i from its storage. */
function net(n: number) {
  const q: { to: string; from: string; m: unknown }[] = [];
  const clock = new ManualClock(1_000_000);
  const kps = Array.from({ length: n }, (_, i) =>
    Keypair.fromSeed(new Uint8Array(32).fill(i + 71)),
  );
  const ids = kps.map((k) => k.did.toString());
  const stores = kps.map(() => new MemoryKvStore());
  const make = (i: number, restore = false, transport = true) => {
    const node = new IcnNode({
      keypair: kps[i]!,
      clock,
      rng: Rng.root(5).stream(`n${i}`),
      storage: stores[i]!,
      peers: ids,
      restore,
      defaultCreditLimit: 100n,
      transport: { send: (to, m) => transport && q.push({ to, from: ids[i]!, m }) },
    });
    return { node, nc: new NodeContracts(node) };
  };
  const nodes = kps.map((_, i) => make(i));
  const tick = (times = 1) => {
    for (let t = 0; t < times; t++) {
      clock.advance(100);
      for (const x of nodes) x.node.tick();
      for (let k = 0; q.length && k < 100_000; k++) {
        const x = q.shift()!;
        nodes[ids.indexOf(x.to)]?.node.receive(x.from, x.m);
      }
    }
  };
  for (const a of nodes) for (const b of nodes) if (a !== b) a.node.attest(b.node.id, 800_000);
  tick(3);
  return { clock, ids, kps, nodes, make, tick };
}

const load = (file: string, participants: string[]): ContractCode =>
  codeFromJson({
    engine: 'ccl',
    contract: {
      ...JSON.parse(readFileSync(join(repo, 'contracts', `${file}.json`), 'utf8')),
      participants,
    },
  });

/** Node 0 deploys Transfer (every node a participant; the rule debits its caller and counts). */
function deployTransfer(w: ReturnType<typeof net>): Hash {
  const a = w.nodes[0]!;
  const code = load('transfer', w.ids);
  const capabilities = [
    { k: 'WriteLedger', accounts: [CALLER_ACCOUNT] } as const,
    { k: 'WriteState', keys: ['transfers'] } as const,
  ];
  const body = a.nc.actor.prepare(code, { capabilities, installedAt: 5n });
  const r = a.nc.deploy(code, {
    capabilities,
    installedAt: 5n,
    signatures: w.kps.slice(1).map((k) => signInstallation(body, k)),
  });
  if (!r.result.accepted) throw new Error(r.result.detail);
  w.tick(3);
  return r.result.codeHash;
}

/** Caller `c` signs transfer(to, amount) naming node `e` as its executor. */
const transferCall = (
  w: ReturnType<typeof net>,
  h: Hash,
  c: number,
  e: number,
  to: number,
  amount: number,
  nonce = 'n',
): SignedCall =>
  signCall(
    makeCall({
      codeHash: h,
      rule: 'transfer',
      args: [valueFromJson({ Did: w.ids[to] }), valueFromJson({ Int: amount })],
      caller: w.ids[c]!,
      executor: w.ids[e]!,
      timestamp: 2_000n,
      nonce,
    }),
    w.kps[c]!,
  );

/** Each node's Transfer counter and state root. */
const settle = (w: ReturnType<typeof net>) =>
  w.nodes.map((n) => ({
    transfers: n.nc.actor.runtime.state(n.nc.installedCodeHashes()[0]!)!.get('transfers'),
    root: n.node.stateRoot(),
  }));

describe('a signed call takes effect at most once in the network', () => {
  it('sent to every node at once: the named node executes it, the others refuse it; after gossip one effect and one root everywhere; sent again: refused everywhere', async () => {
    const w = net(3);
    const h = deployTransfer(w);
    const call = transferCall(w, h, 1, 0, 2, 10);
    const v = verifyCall(call);
    const outcomes = await Promise.allSettled(w.nodes.map((n) => n.nc.executeCall(v)));
    expect(
      outcomes.map((o) =>
        o.status === 'fulfilled' ? o.value.callId : (o.reason as { code: string }).code,
      ),
    ).toEqual([callId(call.call), 'CALL_WRONG_EXECUTOR', 'CALL_WRONG_EXECUTOR']);
    w.tick(3);
    const s = settle(w);
    expect(s.map((x) => x.transfers)).toEqual(Array(3).fill({ t: 'Int', v: 1n }));
    expect(new Set(s.map((x) => x.root)).size).toBe(1);
    for (const n of w.nodes) {
      expect(n.node.ledger.balance(w.ids[1]!, 'credits')).toBe(-10n);
      expect(n.node.ledger.balance(w.ids[2]!, 'credits')).toBe(10n);
    }
    const again = await Promise.allSettled(w.nodes.map((n) => n.nc.executeCall(v)));
    expect(
      again.map((o) => (o.status === 'rejected' ? (o.reason as { code: string }).code : 'ran')),
    ).toEqual(['CALL_REPLAYED', 'CALL_WRONG_EXECUTOR', 'CALL_WRONG_EXECUTOR']);
    // The refusal comes from replicated state, not a local log: a restart from storage still refuses it.
    const restarted = w.make(0, true);
    await expect(restarted.nc.executeCall(v)).rejects.toMatchObject({ code: 'CALL_REPLAYED' });
    // A distinct call (another nonce) is a distinct effect.
    await w.nodes[0]!.nc.executeCall(verifyCall(transferCall(w, h, 1, 0, 2, 10, 'other')));
    w.tick(3);
    expect(settle(w).map((x) => x.transfers)).toEqual(Array(3).fill({ t: 'Int', v: 2n }));
  });

  it('receivers: a second execution of an adopted call (by its executor) and an execution by a node it does not name are refused on every node, in every arrival order, with the same roots', async () => {
    const w = net(3);
    const h = deployTransfer(w);
    const [A, , C] = w.nodes as [(typeof w.nodes)[0], (typeof w.nodes)[0], (typeof w.nodes)[0]];
    const v = verifyCall(transferCall(w, h, 1, 0, 2, 10));
    const req = {
      codeHash: h,
      rule: v.call.rule,
      args: v.args,
      caller: v.call.caller,
      timestamp: v.timestamp,
    };
    // C, not named, runs the call from the initial state; A runs it honestly, then again on top.
    const notNamed = wrongExecutionRecord(C.nc, req, 'replay', v);
    await A.nc.executeCall(v);
    const again = wrongExecutionRecord(A.nc, req, 'replay', v);
    const first = A.node.gossip.get(
      'ledger:entries',
      A.node.gossip.entries('ledger:entries')[0]!.hash,
    )!;
    const records: [string, unknown][] = [
      [first.author, first.data],
      [A.node.id, again],
      [C.node.id, notNamed],
    ];
    // Node 1 of a fresh network (the contract installed, no execution yet) gets them in all 6 orders.
    const roots = new Set<string>();
    for (const order of permutations([0, 1, 2])) {
      const fresh = net(3);
      const fh = deployTransfer(fresh);
      expect(fh).toBe(h);
      const r = fresh.nodes[1]!;
      for (const k of order) {
        const [author, data] = records[k]!;
        r.nc.executions!.handleRecord({
          hash: `sha256:${String(k).repeat(64)}` as Hash,
          author,
          data,
          timestamp: 0,
        } as unknown as GossipEntry);
        r.nc.executions!.retry();
      }
      const outs = [0, 1, 2].map((k) =>
        r.nc.executions!.outcomes.get(`sha256:${String(k).repeat(64)}` as Hash),
      );
      expect(
        outs.map((o) => (o?.status === 'refused' ? o.reason : o?.status)),
        `order ${order}`,
      ).toEqual(['adopted', 'call_replayed', 'wrong_executor']);
      expect(r.nc.actor.runtime.state(h)!.get('transfers')).toEqual({ t: 'Int', v: 1n });
      roots.add(`${r.node.ledger.root()} ${r.node.stateRoot()}`);
    }
    expect(roots.size).toBe(1);
  });

  it('a record must carry the call its receipt names, signed by the caller, asking for what the receipt ran; an unsigned record acts for its executor only', async () => {
    const w = net(2);
    const h = deployTransfer(w);
    const [A, B] = w.nodes as [(typeof w.nodes)[0], (typeof w.nodes)[0]];
    const v = verifyCall(transferCall(w, h, 1, 0, 1, 3));
    const req = {
      codeHash: h,
      rule: v.call.rule,
      args: v.args,
      caller: v.call.caller,
      timestamp: v.timestamp,
    };
    const good = wrongExecutionRecord(A.nc, req, 'replay', v);
    const strip = ({ call, ...rest }: ExecutionRecord) => (void call, rest);
    const forgedSig = {
      ...good,
      call: {
        call: v.call,
        signature: signCall(v.call as never, w.kps[1]!).signature.replace(/^./, (c) =>
          c === 'a' ? 'b' : 'a',
        ),
      },
    };
    const cases: [string, unknown][] = [
      ['call_missing', strip(good)],
      ['bad_call', forgedSig],
      [
        'call_mismatch',
        wrongExecutionRecord(
          A.nc,
          { ...req, args: [valueFromJson({ Did: w.ids[1] }), valueFromJson({ Int: 4 })] },
          'replay',
          v,
        ),
      ],
      ['call_mismatch', { ...wrongExecutionRecord(A.nc, req, 'replay'), call: good.call }],
      ['unsigned_call', wrongExecutionRecord(A.nc, req, 'replay')],
    ];
    for (const [i, [reason, data]] of cases.entries()) {
      const e = {
        hash: `sha256:${String(i).repeat(64)}`,
        author: A.node.id,
        data,
        timestamp: 0,
      } as unknown as GossipEntry;
      B.nc.executions!.handleRecord(e);
      const o = B.nc.executions!.outcomes.get(e.hash);
      expect(o?.status === 'refused' ? o.reason : o?.status, `case ${i}`).toBe(reason);
    }
    // The good one is adopted (its receipt names the call; the call is the caller's).
    B.nc.executions!.handleRecord({
      hash: `sha256:${'f'.repeat(64)}`,
      author: A.node.id,
      data: good,
      timestamp: 0,
    } as unknown as GossipEntry);
    expect(B.nc.executions!.outcomes.get(`sha256:${'f'.repeat(64)}` as Hash)?.status).toBe(
      'adopted',
    );
    expect(receiptFromJson(good.receipt).callId).toBe(v.id);
  });

  it('receipts commit to the call id: 300 read-only calls in the same millisecond with distinct nonces give 300 distinct receipts', async () => {
    const w = net(1);
    const A = w.nodes[0]!;
    const code = load('calculator', [w.ids[0]!]);
    const r = A.nc.deploy(code, { capabilities: [], installedAt: 5n, signatures: [] });
    if (!r.result.accepted) throw new Error(r.result.detail);
    const h = r.result.codeHash;
    const receipts = new Set<string>();
    for (let i = 0; i < 300; i++) {
      const call = signCall(
        makeCall({
          codeHash: h,
          rule: 'add',
          args: [valueFromJson({ Int: 5 }), valueFromJson({ Int: 3 })],
          caller: w.ids[0]!,
          executor: w.ids[0]!,
          timestamp: 2_000n,
          nonce: `n${i}`,
        }),
        w.kps[0]!,
      );
      const rc = await A.nc.executeCall(verifyCall(call));
      expect(rc.callId).toBe(callId(call.call));
      receipts.add(receiptHash(rc));
    }
    expect(receipts.size).toBe(300);
    // Without a call id (a node's own request) the same request gives the same receipt: what collided before.
    const plain = {
      codeHash: h,
      rule: 'add',
      args: [valueFromJson({ Int: 5 }), valueFromJson({ Int: 3 })],
      caller: w.ids[0]!,
      timestamp: 2_000n,
    };
    expect(receiptHash(await A.nc.execute(plain))).toBe(receiptHash(await A.nc.execute(plain)));
  });
});

function permutations<T>(xs: T[]): T[][] {
  if (xs.length <= 1) return [xs];
  return xs.flatMap((x, i) =>
    permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]),
  );
}
