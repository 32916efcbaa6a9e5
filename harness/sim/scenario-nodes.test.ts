/** Node naming and settings shared by the simulator's run and the real backends' driver. */
import { describe, expect, it } from 'vitest';
import { IcnError } from '../../core/errors.js';
import {
  attestTargets,
  gossipConfigFor,
  nodeAt,
  scenarioGossip,
  substNodes,
} from './scenario-nodes.js';
import type { ScenarioDef } from './scenario-types.js';

const def = (extra: Partial<ScenarioDef>): ScenarioDef => ({
  format: 'icn-scenario/v1',
  name: 't',
  description: '',
  nodes: 4,
  horizonMs: 10,
  steps: [],
  expect: [],
  ...extra,
});

describe('scenario nodes', () => {
  it('nodeAt counts negative indexes from the end and names where an index does not exist', () => {
    expect(nodeAt(-1, 4, 'w')).toBe(3);
    expect(nodeAt(2, 4, 'w')).toBe(2);
    expect(() => nodeAt(4, 4, 'steps[1]')).toThrow(
      new IcnError('SCENARIO_FORMAT', 'steps[1]: node 4 does not exist with 4 nodes'),
    );
    expect(() => nodeAt(-5, 4, 'w')).toThrow(/node -5 does not exist/);
  });

  it('substNodes replaces "@N" anywhere in a JSON value, and nothing else', () => {
    const ids = ['did:a', 'did:b', 'did:c'];
    expect(substNodes({ to: '@1', list: ['@-1', '@x', 3], nested: { k: '@0' } }, ids, 'w')).toEqual(
      { to: 'did:b', list: ['did:c', '@x', 3], nested: { k: 'did:a' } },
    );
    expect(() => substNodes(['@3'], ids, 'steps[0].args')).toThrow(
      'steps[0].args: node 3 does not exist with 3 nodes',
    );
  });

  it('attest targets: one node, every other node, or the named node', () => {
    expect(attestTargets({ at: 0, do: 'attest', node: 0, to: -1, score: '1' }, 0, 4, 'w')).toEqual([
      3,
    ]);
    expect(attestTargets({ at: 0, do: 'attest_all', score: '1' }, 2, 4, 'w')).toEqual([0, 1, 3]);
    expect(attestTargets({ at: 0, do: 'attest_node', node: 1, score: '1' }, 3, 4, 'w')).toEqual([
      1,
    ]);
  });

  it("a daemon's --gossip-config is the simulator node's settings (unlimited nodes: per-author limits off)", () => {
    const d = def({
      gossip: { fanout: 2, topics: { 'trust:attestations': { perAuthorPerWindow: 5 } } },
      unlimited: [-1],
    });
    const g = scenarioGossip(d, 4);
    for (const i of [0, 3])
      expect(JSON.parse(gossipConfigFor(d, i, 4)!)).toEqual({ ...g.base, ...g.forNode(i) });
    expect(JSON.parse(gossipConfigFor(d, 3, 4)!).topics['trust:attestations']).toEqual({
      perAuthorPerWindow: 0,
    });
    expect(JSON.parse(gossipConfigFor(d, 0, 4)!).topics['trust:attestations']).toEqual({
      perAuthorPerWindow: 5,
    });
    expect(gossipConfigFor(def({}), 0, 4)).toBeUndefined();
    expect(JSON.parse(gossipConfigFor(def({ gossip: { digestFanout: 3 } }), 0, 4)!)).toEqual({
      digestFanout: 3,
    });
  });
});
