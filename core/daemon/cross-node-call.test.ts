/**
 * One signed call sent to every icn-node daemon (real TCP gossip and HTTP on loopback): it takes
 * effect once, on the node it names, and every node converges to that one effect (issue 14 #1:
 * before, three trusting daemons each ran it and a counter went 0 → 3; without trust they diverged).
 */
import { describe, expect, it } from 'vitest';
import { parseCapabilities, valueFromJson, type Value } from '../ccl/index.js';
import {
  codeFromJson,
  codeHash,
  codeToJson,
  installationBody,
  signInstallation,
  stateRoot,
  type ContractCode,
} from '../contracts/index.js';
import type { Hash } from '../hash/index.js';
import { Keypair } from '../identity/index.js';
import { callId, makeCall, signCall, type SignedCall } from './contract-call.js';
import type { RunningDaemon } from './daemon.js';
import { daemonFixture, http, seed, until, COUNTER, COUNTER_CAPS } from './daemon.fixtures.js';

const fx = daemonFixture('icn-xcall-', {});
const key = (b: number) => Keypair.fromSeed(seed(b));
const did = (b: number) => key(b).did.toString();
const post = (d: RunningDaemon, path: string, body: unknown) =>
  http(d.httpPort, 'POST', path, JSON.stringify(body));

const counter = (participants: string[]): ContractCode =>
  codeFromJson({ engine: 'ccl', contract: { ...COUNTER, participants } });

/** The contract state root with count = n. */
const countRoot = (h: Hash, n: number) =>
  stateRoot(h, new Map<string, Value>([['count', valueFromJson({ Int: n })]]));
const contractRoot = async (d: RunningDaemon, h: Hash) =>
  (await http(d.httpPort, 'GET', `/contracts/${h}`)).json.stateRoot as string | undefined;

/** Three daemons in a full mesh (seeds 61, 62, 63). */
async function mesh() {
  const a = await fx.start(61);
  const b = await fx.start(62, [`127.0.0.1:${a.gossipPort}`]);
  const c = await fx.start(63, [`127.0.0.1:${a.gossipPort}`, `127.0.0.1:${b.gossipPort}`]);
  const ds = [a, b, c];
  await until(async () => {
    for (const d of ds)
      if (((await http(d.httpPort, 'GET', '/peers')).json.peers as unknown[]).length !== 2)
        return false;
    return true;
  }, 15_000);
  return ds;
}

/** Send one signed call to every daemon at once; the answers' [status, error] in daemon order. */
async function sendToAll(ds: RunningDaemon[], h: Hash, call: SignedCall) {
  const rs = await Promise.all(ds.map((d) => post(d, `/contracts/${h}/execute`, call)));
  return rs.map((r) => [
    r.status,
    r.status === 200 ? (r.json.callId as string) : (r.json.error as string),
  ]);
}

describe('one signed call sent to every daemon', () => {
  it('three mutually trusting daemons, one signed bump(+1) sent to each, concurrently and again after gossip: counter 1 everywhere, one state root', async () => {
    const ds = await mesh();
    const [a, b, c] = ds as [RunningDaemon, RunningDaemon, RunningDaemon];
    for (const x of ds)
      for (const y of ds)
        if (x !== y)
          expect((await post(x, '/trust', { to: y.node.id, scorePpm: 600_000 })).status).toBe(200);
    const code = counter([did(61), did(64)]);
    const h = codeHash(code);
    const body = installationBody({
      code,
      deployer: did(61),
      capabilities: parseCapabilities(COUNTER_CAPS),
      installedAt: 7n,
    });
    const dep = await post(a, '/contracts', {
      code: codeToJson(code),
      capabilities: COUNTER_CAPS,
      installedAt: '7',
      signatures: [signInstallation(body, key(64))],
    });
    expect(dep.status, dep.text).toBe(200);
    for (const d of ds)
      await until(async () => (await contractRoot(d, h)) === countRoot(h, 0), 15_000);
    // The caller (key 64, a participant) signs one bump(+1) naming daemon a, and sends it to all three.
    const call = signCall(
      makeCall({
        codeHash: h,
        rule: 'bump',
        args: [valueFromJson({ Int: 1 })],
        caller: did(64),
        executor: a.node.id,
        timestamp: BigInt(Date.now()),
        nonce: 'once',
      }),
      key(64),
    );
    expect(await sendToAll(ds, h, call)).toEqual([
      [200, callId(call.call)],
      [421, 'CALL_WRONG_EXECUTOR'],
      [421, 'CALL_WRONG_EXECUTOR'],
    ]);
    for (const d of ds)
      await until(async () => (await contractRoot(d, h)) === countRoot(h, 1), 15_000);
    await until(
      () => a.node.stateRoot() === b.node.stateRoot() && b.node.stateRoot() === c.node.stateRoot(),
      15_000,
    );
    // Again, after gossip settled: the executor refuses it as a replay, the others as before.
    expect(await sendToAll(ds, h, call)).toEqual([
      [409, 'CALL_REPLAYED'],
      [421, 'CALL_WRONG_EXECUTOR'],
      [421, 'CALL_WRONG_EXECUTOR'],
    ]);
    for (const d of ds) expect(await contractRoot(d, h)).toBe(countRoot(h, 1));
    expect(new Set(ds.map((d) => d.node.stateRoot())).size).toBe(1);
    // Exactly one execution exists anywhere: a's, adopted by the others.
    expect(ds.map((d) => d.node.gossip.entries('ledger:entries').length)).toEqual([1, 1, 1]);
    expect(
      await Promise.all(
        ds.map(async (d) => (await http(d.httpPort, 'GET', '/receipts')).json.count),
      ),
    ).toEqual([1, 0, 0]);
  });

  it('without mutual trust, every daemon holding its own installation of the contract: the call runs on the one it names only, no two daemons hold different effects of it', async () => {
    const ds = await mesh();
    const seeds = [61, 62, 63];
    const code = counter(seeds.map(did));
    const h = codeHash(code);
    // Each daemon deploys the same code itself (co-signed by the other participants): no trust needed.
    for (const [i, d] of ds.entries()) {
      const body = installationBody({
        code,
        deployer: did(seeds[i]!),
        capabilities: parseCapabilities(COUNTER_CAPS),
        installedAt: 7n,
      });
      const others = seeds.filter((s) => s !== seeds[i]).map((s) => signInstallation(body, key(s)));
      const dep = await post(d, '/contracts', {
        code: codeToJson(code),
        capabilities: COUNTER_CAPS,
        installedAt: '7',
        signatures: others,
      });
      expect(dep.status, dep.text).toBe(200);
    }
    // The caller, daemon b's key (a participant), names daemon a, and sends the call everywhere, twice.
    const call = signCall(
      makeCall({
        codeHash: h,
        rule: 'bump',
        args: [valueFromJson({ Int: 100 })],
        caller: did(62),
        executor: ds[0]!.node.id,
        timestamp: BigInt(Date.now()),
        nonce: 'n',
      }),
      key(62),
    );
    expect(await sendToAll(ds, h, call)).toEqual([
      [200, callId(call.call)],
      [421, 'CALL_WRONG_EXECUTOR'],
      [421, 'CALL_WRONG_EXECUTOR'],
    ]);
    expect((await sendToAll(ds, h, call)).map((x) => x[1])).toEqual([
      'CALL_REPLAYED',
      'CALL_WRONG_EXECUTOR',
      'CALL_WRONG_EXECUTOR',
    ]);
    // The call took effect on a only. b and c do not trust a, so gossip does not bring them a's
    // record: they are behind (count 0), never ahead with an execution of their own.
    const roots = await Promise.all(ds.map((d) => contractRoot(d, h)));
    expect(roots).toEqual([countRoot(h, 100), countRoot(h, 0), countRoot(h, 0)]);
    expect(
      ds.map(
        (d) =>
          d.node.gossip.entries('ledger:entries').filter((e) => e.author !== ds[0]!.node.id).length,
      ),
    ).toEqual([0, 0, 0]);
    expect(
      await Promise.all(
        ds.map(async (d) => (await http(d.httpPort, 'GET', '/receipts')).json.count),
      ),
    ).toEqual([1, 0, 0]);
  });

  it('receipts commit to the call id: 200 read-only calls in the same millisecond with distinct nonces get 200 distinct receipts', async () => {
    const a = await fx.start(65);
    const code = codeFromJson({
      engine: 'ccl',
      contract: {
        name: 'Calc',
        participants: [did(65)],
        currency: null,
        state_vars: [],
        rules: [
          {
            name: 'add',
            params: [{ name: 'x' }, { name: 'y' }],
            requires: [],
            body: [
              {
                Return: {
                  value: { BinOp: { op: 'Add', left: { Var: 'x' }, right: { Var: 'y' } } },
                },
              },
            ],
          },
        ],
        triggers: [],
      },
    });
    const h = codeHash(code);
    expect((await post(a, '/contracts', { code: codeToJson(code) })).status).toBe(200);
    const now = BigInt(Date.now());
    const rs = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        post(
          a,
          `/contracts/${h}/execute`,
          signCall(
            makeCall({
              codeHash: h,
              rule: 'add',
              args: [valueFromJson({ Int: 5 }), valueFromJson({ Int: 3 })],
              caller: did(65),
              executor: a.node.id,
              timestamp: now,
              nonce: `r${i}`,
            }),
            key(65),
          ),
        ),
      ),
    );
    expect(rs.map((r) => r.status)).toEqual(Array(200).fill(200));
    expect(new Set(rs.map((r) => r.json.receiptHash)).size).toBe(200);
    expect(rs.every((r) => (r.json.receipt as { callId: string }).callId === r.json.callId)).toBe(
      true,
    );
    expect((await http(a.httpPort, 'GET', '/receipts')).json.count).toBe(200);
  });
});
