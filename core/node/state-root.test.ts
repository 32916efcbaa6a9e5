import { sha256 } from '@noble/hashes/sha2.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex, type Hash } from '../hash/index.js';
import { Keypair } from '../identity/index.js';
import { Governance } from '../governance/executor.js';
import { Ledger } from '../ledger/ledger.js';
import { signEntry, transferDraft } from '../ledger/entry.js';
import { signAttestation } from '../trust/attestation.js';
import { TrustGraph } from '../trust/graph.js';
import {
  COMPONENTS,
  computeStateRoot,
  diffStateRoots,
  stateRootFromRoots,
  verifyStateRoot,
} from './state-root.js';

const h = (s: string) => `sha256:${toHex(sha256(new TextEncoder().encode(s)))}` as Hash;
const roots = (over: Record<string, Hash> = {}) => ({
  ...Object.fromEntries(COMPONENTS.map((c) => [c, h(c)])),
  ...over,
});

describe('node state root', () => {
  it('is the hand-computed hash over the sorted component hashes', () => {
    const enc = new TextEncoder();
    const dh = (tag: string, json: string) =>
      `sha256:${toHex(sha256(new Uint8Array([...enc.encode(tag), 0, ...enc.encode(json)])))}`;
    const bound = COMPONENTS.map((c) => [
      c,
      dh('icn/node/component-root/v1', `{"name":"${c}","root":"${h(c)}"}`),
    ]);
    const json = `{"components":${JSON.stringify(bound)},"version":"icn-node-state-root/v1"}`;
    const s = stateRootFromRoots(roots());
    expect(s.root).toBe(dh('icn/node/state-root/v1', json));
    expect(s.components.map((c) => c.name)).toEqual([
      'contract_states',
      'contracts',
      'governance',
      'installations',
      'ledger',
      'trust',
    ]);
    expect(verifyStateRoot(s)).toBe(true);
    expect(verifyStateRoot({ ...s, root: h('x') })).toBe(false);
  });

  it('the breakdown names exactly the components that differ', () => {
    fc.assert(
      fc.property(fc.subarray([...COMPONENTS]), (changed) => {
        const a = stateRootFromRoots(roots());
        const b = stateRootFromRoots(
          roots(Object.fromEntries(changed.map((c) => [c, h(`${c}-changed`)]))),
        );
        expect(diffStateRoots(a, b).map((d) => d.name)).toEqual([...changed].sort());
        expect(a.root === b.root).toBe(changed.length === 0);
      }),
    );
  });

  it('rejects missing, unknown and malformed component roots', () => {
    const { ledger: _l, ...missing } = roots();
    expect(() => stateRootFromRoots(missing)).toThrow(
      expect.objectContaining({ code: 'NODE_STATE_ROOT' }),
    );
    expect(() => stateRootFromRoots(roots({ gossip: h('g') }))).toThrow(/unknown state component/);
    expect(() => stateRootFromRoots(roots({ trust: 'sha256:XYZ' as Hash }))).toThrow(/not sha256/);
  });

  it('takes live roots from the ledger, trust graph and governance through ComponentRootSource', () => {
    const node = Keypair.fromSeed(new Uint8Array(32).fill(1));
    const alice = Keypair.fromSeed(new Uint8Array(32).fill(2));
    const trust = new TrustGraph();
    const ledger = new Ledger({ owner: node.did, trust, defaultCreditLimit: 10n });
    const gov = new Governance({ ledger, nodeKey: node });
    const fixed = (r: Hash) => ({ root: () => r });
    const sources = {
      contracts: fixed(h('c')),
      installations: fixed(h('i')),
      contract_states: fixed(h('s')),
      ledger,
      trust,
      governance: gov,
    };
    const s0 = computeStateRoot(sources);
    trust.apply(signAttestation(node, alice.did, 500_000, 1));
    const s1 = computeStateRoot(sources);
    expect(diffStateRoots(s0, s1).map((d) => d.name)).toEqual(['trust']);
    ledger.ingest(signEntry(alice, transferDraft('alice', 'bob', 3n, 'hours', 1)));
    expect(diffStateRoots(s1, computeStateRoot(sources)).map((d) => d.name)).toEqual(['ledger']);
  });
});
