import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  codeFromJson,
  signInstallation,
  type ContractCode,
  type DeployOptions,
} from '../contracts/index.js';
import { dataSize } from '../gossip/index.js';
import type { Hash } from '../hash/index.js';
import { Keypair } from '../identity/index.js';
import { metricValue } from '../metrics/index.js';
import { ManualClock, Rng } from '../runtime/index.js';
import { NodeContracts } from './contracts.js';
import { PublishRefused } from './errors.js';
import { IcnNode, type NodeOptions } from './node.js';
import { MemoryKvStore } from './storage.js';

type Msg = { to: string; from: string; m: unknown };

/** Two trusting nodes with contract registries, a FIFO network and one clock. */
function net(gossip?: NodeOptions['gossip']) {
  const q: Msg[] = [];
  const clock = new ManualClock(1_000_000);
  const kps = [0, 1].map((i) => Keypair.fromSeed(new Uint8Array(32).fill(i + 41)));
  const ids = kps.map((k) => k.did.toString());
  const stores = kps.map(() => new MemoryKvStore());
  const nodes = kps.map((kp, i) => {
    const node = new IcnNode({
      keypair: kp,
      clock,
      rng: Rng.root(5).stream(`n${i}`),
      storage: stores[i]!,
      peers: ids,
      ...(gossip ? { gossip } : {}),
      transport: { send: (to, m) => q.push({ to, from: ids[i]!, m }) },
    });
    return { node, nc: new NodeContracts(node) };
  });
  const tick = (times = 1) => {
    for (let t = 0; t < times; t++) {
      clock.advance(100);
      for (const x of nodes) x.node.tick();
      for (let k = 0; q.length && k < 100_000; k++) {
        const x = q.shift()!;
        nodes[ids.indexOf(x.to)]!.node.receive(x.from, x.m);
      }
    }
  };
  for (const a of nodes) for (const b of nodes) if (a !== b) a.node.attest(b.node.id, 800_000);
  tick(3);
  return { clock, ids, kps, nodes, stores, tick };
}
type World = ReturnType<typeof net>;

/** Transfer, renamed `name` (a distinct code hash per name), its state holding `pad` (message size). */
const code = (w: World, name: string, pad = ''): ContractCode => {
  const json = JSON.parse(
    readFileSync(join(import.meta.dirname, '..', '..', 'contracts', 'transfer.json'), 'utf8'),
  );
  return codeFromJson({
    engine: 'ccl',
    contract: {
      ...json,
      name,
      participants: w.ids,
      ...(pad
        ? { state_vars: [...json.state_vars, { name: 'pad', initial_value: { String: pad } }] }
        : {}),
    },
  });
};

/** Deploy options co-signed by node 1 (the other participant). */
const opts = (w: World, c: ContractCode): DeployOptions => {
  const o = { capabilities: [], installedAt: 5n };
  const body = w.nodes[0]!.nc.actor.prepare(c, o);
  return { ...o, signatures: [signInstallation(body, w.kps[1]!)] };
};

const REFUSED = 'icn_contract_deployments_publish_refused_total';

/**
 * Everything a refused deployment must leave as it was on node 0: the LC state root with every
 * component root (recomputed, so a stale roots cache shows), the installed contracts, the gossip
 * store, storage (keys and values), and every metric but the refusal counter.
 */
async function everything(w: World) {
  const x = w.nodes[0]!;
  const cached = x.node.state();
  x.node.invalidateRoots();
  expect(x.node.state()).toEqual(cached);
  const metrics = (await x.node.metrics.registry.getMetricsAsJSON()).filter(
    (m) => m.name !== REFUSED,
  );
  const storage = w.stores[0]!.keys('').map((k) => [k, w.stores[0]!.get(k)]);
  return {
    state: cached,
    installed: x.nc.installedCodeHashes(),
    gossip: x.node.gossip.root(),
    entries: x.node.gossip.entries('contracts:deploy').map((e) => e.hash),
    storage,
    metrics,
  };
}

/** Deploy `c` from node 0 and check node 1 installs it from gossip (same roots on both). */
function deployedEverywhere(w: World, c: ContractCode): Hash {
  const [A, B] = w.nodes as [World['nodes'][0], World['nodes'][0]];
  const r = A.nc.deploy(c, opts(w, c));
  expect(r.result).toMatchObject({ accepted: true, duplicate: false });
  expect(r.entry).toBeDefined();
  const h = (r.result as { codeHash: Hash }).codeHash;
  w.tick(3);
  expect(B.nc.installedCodeHashes()).toContain(h);
  expect(B.nc.outcomes.get(r.entry!.hash)).toMatchObject({ accepted: true, duplicate: false });
  expect(B.node.stateRoot()).toBe(A.node.stateRoot());
  return h;
}

describe('a deployment whose message gossip refuses is not installed (publish or nothing)', () => {
  it('rate_limited: the quota of contracts:deploy used up; nothing changes; the same deployment goes through in the next window and node 1 installs it', async () => {
    const windowMs = 10_000;
    const w = net({ topics: { 'contracts:deploy': { perAuthorPerWindow: 2, windowMs } } });
    const [A, B] = w.nodes as [World['nodes'][0], World['nodes'][0]];
    deployedEverywhere(w, code(w, 'One'));
    deployedEverywhere(w, code(w, 'Two'));
    const before = await everything(w);
    const c = code(w, 'Three');
    const now = w.clock.nowMs();
    let err: unknown;
    try {
      A.nc.deploy(c, opts(w, c));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PublishRefused);
    expect(err).toMatchObject({
      code: 'NODE_PUBLISH_REFUSED',
      topic: 'contracts:deploy',
      reason: 'rate_limited',
      retryAfterMs: (Math.floor(now / windowMs) + 1) * windowMs - now,
      message: expect.stringContaining('was not installed'),
    });
    expect(await everything(w)).toEqual(before);
    expect(await metricValue(A.node.metrics.registry, REFUSED, { reason: 'rate_limited' })).toBe(1);
    // A second try in the same window is refused the same way; node 1 never hears of it.
    expect(() => A.nc.deploy(c, opts(w, c))).toThrow(PublishRefused);
    expect(await everything(w)).toEqual(before);
    w.tick(3);
    expect(B.nc.installedCodeHashes()).toHaveLength(2);
    expect(B.node.stateRoot()).toBe(A.node.stateRoot());
    // The next window: published, installed on both.
    w.clock.advance((err as PublishRefused).retryAfterMs!);
    deployedEverywhere(w, c);
    expect(A.nc.installedCodeHashes()).toHaveLength(3);
    expect(await metricValue(A.node.metrics.registry, 'icn_contract_deployments_total')).toBe(3);
  });

  it('rate_limited: a deployment that would displace an earlier own deployment from its full window is refused too', async () => {
    // Deployments in the same millisecond: a later message whose key (timestamp, hash) sorts
    // before the first's would be taken by dropping the first from every node's store.
    const w = net({ topics: { 'contracts:deploy': { perAuthorPerWindow: 1, windowMs: 10_000 } } });
    const A = w.nodes[0]!;
    const first = code(w, 'First');
    const r = A.nc.deploy(first, opts(w, first));
    expect(r.entry).toBeDefined();
    // Find a deployment gossip would take by displacement (asking gossip changes nothing).
    let c: ContractCode | undefined;
    for (let i = 0; i < 64 && !c; i++) {
      const cand = code(w, `Second${i}`);
      const p = A.node.preparePublish(
        'contracts:deploy',
        A.nc.actor.stageDeploy(cand, opts(w, cand)).message.toJson(),
      );
      if (p.plan.status === 'inserted' && p.plan.join?.displaced?.entry?.hash === r.entry!.hash)
        c = cand;
    }
    expect(c).toBeDefined();
    const before = await everything(w);
    expect(() => A.nc.deploy(c!, opts(w, c!))).toThrow(
      expect.objectContaining({
        code: 'NODE_PUBLISH_REFUSED',
        reason: 'rate_limited',
        message: expect.stringContaining(
          'already published 1 entries in the current 10000 ms window',
        ),
      }),
    );
    expect(await everything(w)).toEqual(before);
    expect(A.node.gossip.entries('contracts:deploy').map((e) => e.hash)).toEqual([r.entry!.hash]);
    w.clock.advance(10_000);
    deployedEverywhere(w, c!);
    expect(w.nodes[1]!.nc.installedCodeHashes()).toHaveLength(2); // the first one was kept everywhere
  });

  it('too_large: a deployment message over maxDataBytes of contracts:deploy; nothing changes; a smaller one is published and installed by node 1', async () => {
    // The message does not depend on gossip's knobs: measure it on a twin network.
    const t = net();
    const big = code(t, 'Big', 'x'.repeat(2_000));
    const size = dataSize(t.nodes[0]!.nc.actor.stageDeploy(big, opts(t, big)).message.toJson());
    const w = net({ topics: { 'contracts:deploy': { maxDataBytes: size - 1 } } });
    const A = w.nodes[0]!;
    const before = await everything(w);
    expect(() => A.nc.deploy(big, opts(w, big))).toThrow(
      expect.objectContaining({
        code: 'NODE_PUBLISH_REFUSED',
        reason: 'too_large',
        retryAfterMs: null,
        message: expect.stringContaining(`${size} bytes > ${size - 1}`),
      }),
    );
    expect(await everything(w)).toEqual(before);
    expect(await metricValue(A.node.metrics.registry, REFUSED, { reason: 'too_large' })).toBe(1);
    deployedEverywhere(w, code(w, 'Small'));
  });

  it('a deployment the actor rejects is neither installed nor published, and counts no publish refusal', async () => {
    const w = net();
    const A = w.nodes[0]!;
    const c = code(w, 'Unsigned');
    const r = A.nc.deploy(c, { capabilities: [], installedAt: 5n }); // node 1's signature missing
    expect(r.result.accepted).toBe(false);
    expect(r.entry).toBeUndefined();
    expect(A.nc.installedCodeHashes()).toEqual([]);
    expect(A.node.gossip.entries('contracts:deploy')).toEqual([]);
    expect(await metricValue(A.node.metrics.registry, REFUSED)).toBe(0);
  });
});
