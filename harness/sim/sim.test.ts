import { describe, expect, it } from 'vitest';
import { Rng } from '../../core/runtime/index.js';
import {
  checkFaults,
  faultSpec,
  NO_FAULTS,
  parseFaults,
  parsePpm,
  randomFaults,
} from './faults.js';
import { EventQueue } from './queue.js';
import { checkDeterminism } from './determinism.js';
import { checkScenario, runScenario, type ScenarioDef } from './scenario.js';
import { Simulator } from './simulator.js';
import { SimStorage } from './storage.js';

/** A small gossip-only scenario with more peers than the fanout, so peer choice matters. */
const def: ScenarioDef = checkScenario(
  {
    format: 'icn-scenario/v1',
    name: 'test-mesh',
    description: 'eight trusting nodes, loss and reordering, transfers',
    nodes: 8,
    faults: 'loss=10%,dup=2%,delay=1-60,crash=3:700-1500',
    tickIntervalMs: 200,
    defaultCreditLimit: '100',
    horizonMs: 20_000,
    gossip: { fanout: 2 },
    steps: [
      { at: 0, do: 'attest_node', node: 0, score: '0.8' },
      { at: 500, do: 'transfer', node: 0, to: 1, amount: '5', currency: 'hours' },
      { at: 900, do: 'transfer', node: 0, to: 3, amount: '2', currency: 'hours' },
    ],
    expect: [
      { check: 'converged' },
      { check: 'ledger_complete' },
      { check: 'gossip_count', topic: 'trust:attestations', equals: 7 },
    ],
  },
  'test',
);

describe('event queue', () => {
  it('orders by time, then by scheduling order (never by anything else)', () => {
    const q = new EventQueue<string>();
    const rng = Rng.root(5).stream('q');
    const pushed: [number, number, string][] = [];
    for (let i = 0; i < 500; i++) {
      const t = rng.below(50);
      q.push(t, `e${i}`);
      pushed.push([t, i, `e${i}`]);
    }
    pushed.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const out: string[] = [];
    for (let e = q.pop(); e; e = q.pop()) out.push(e.event);
    expect(out).toEqual(pushed.map((p) => p[2]));
  });
});

describe('simulated storage', () => {
  it('a crash keeps synced writes and loses unsynced ones (at 100%)', () => {
    const s = new SimStorage();
    s.put('a', '1');
    s.sync();
    s.put('b', '2');
    s.delete('a');
    expect(s.keys('')).toEqual(['b']);
    expect(s.crash(Rng.root(1), 1_000_000)).toBe(2);
    expect(s.keys('')).toEqual(['a']);
    expect(s.get('a')).toBe('1');
  });
  it('at 0% loss a crash loses nothing', () => {
    const s = new SimStorage();
    s.put('x', '1');
    expect(s.crash(Rng.root(1), 0)).toBe(0);
    expect(s.get('x')).toBe('1');
  });
});

describe('fault vocabulary', () => {
  it('parses every fault and writes back the exact spec', () => {
    const p = parseFaults(
      'loss=20%,dup=0.5%,delay=5-50,tail=1%:500,skew=100,storage-loss=50%,partition=sym:100-200:0+1|2,partition=asym:300-400:2|0,crash=1:50-80',
    );
    expect(p.lossPpm).toBe(200_000);
    expect(p.dupPpm).toBe(5_000);
    expect(p.partitions).toHaveLength(2);
    expect(p.partitions[1]).toEqual({
      kind: 'asymmetric',
      startMs: 300,
      endMs: 400,
      a: [2],
      b: [0],
    });
    expect(p.crashes).toEqual([{ node: 1, atMs: 50, restartMs: 80 }]);
    expect(parseFaults(faultSpec(p))).toEqual(p);
  });
  it('rejects bad specs with a clear error', () => {
    expect(() => parseFaults('loss=120%')).toThrow(/above 100%/);
    expect(() => parseFaults('jitter=5')).toThrow(/unknown fault "jitter"/);
    expect(() => parseFaults('crash=1:80-50')).toThrow(/restart must come after/);
    expect(() => checkFaults(parseFaults('partition=sym:0-10:0|9'), 3)).toThrow(
      /node 9 does not exist/,
    );
    expect(parsePpm('200000ppm', 'x')).toBe(200_000);
  });
  it('random plans come from the seed alone and stay within the documented bounds', () => {
    const a = randomFaults(Rng.root(9).stream('faults'), 6, 10_000);
    const b = randomFaults(Rng.root(9).stream('faults'), 6, 10_000);
    expect(a).toEqual(b);
    expect(a.lossPpm).toBeLessThanOrEqual(300_000);
    checkFaults(a, 6);
    expect(randomFaults(Rng.root(10).stream('faults'), 6, 10_000)).not.toEqual(a);
  });
});

describe('partition semantics', () => {
  it('blocked() follows the plan', () => {
    const faults = parseFaults('partition=sym:10-20:0|1,partition=asym:30-40:0|2');
    const blocked = Simulator.prototype.blocked.bind({ faults } as unknown as Simulator);
    expect(blocked(0, 1, 15)).toBe(true);
    expect(blocked(1, 0, 15)).toBe(true);
    expect(blocked(0, 1, 20)).toBe(false);
    expect(blocked(0, 2, 35)).toBe(true);
    expect(blocked(2, 0, 35)).toBe(false);
    expect(blocked(0, 2, 5)).toBe(false);
  });
});

describe('scenarios in the simulator', () => {
  it('one seed reproduces everything; another seed runs differently; checks pass', async () => {
    const a = await runScenario(def, { seed: 7n, checkpointEvery: 32 });
    const b = await runScenario(def, { seed: 7n, checkpointEvery: 32 });
    const c = await runScenario(def, { seed: 8n });
    expect(a.checks.filter((x) => !x.ok)).toEqual([]);
    expect(a.ok).toBe(true);
    expect(b.trace).toEqual(a.trace);
    expect(b.stateRoots).toEqual(a.stateRoots);
    expect(c.trace.root).not.toBe(a.trace.root);
    expect(a.stats.crashes).toBe(1);
    expect(a.stats.restarts).toBe(1);
    expect(a.trace.checkpoints.length).toBeGreaterThan(1);
    expect(a.reproduce).toBe(
      `icn-harness scenario test-mesh --seed 7 --nodes 8 --faults '${faultSpec(a.faults)}'`,
    );
    expect(a.header.join('\n')).toContain('loss=10% dup=2% delay=1..60ms');
    expect(a.header.join('\n')).toContain('crash node 3 at 700ms, restart at 1500ms');
  });

  it('a failing check fails the run and names itself', async () => {
    const bad = {
      ...def,
      expect: [
        { check: 'gossip_count' as const, topic: 'trust:attestations' as const, equals: 99 },
      ],
    };
    const r = await runScenario(bad, { seed: 7n });
    expect(r.ok).toBe(false);
    expect(r.checks[0]!.detail).toMatch(/expected = 99/);
  });

  it('--check-determinism: identical runs, even with construction and peer order perturbed', async () => {
    const r = await checkDeterminism(def, { seed: 11n });
    expect(r.divergence).toBeUndefined();
    expect(r.ok).toBe(true);
    expect(r.traceRoots[0]).toBe(r.traceRoots[1]);
  });

  it('--check-determinism catches an injected nondeterminism (peers iterated in Set insertion order)', async () => {
    const r = await checkDeterminism(def, { seed: 11n, hazards: { peerOrder: 'insertion' } });
    expect(r.ok).toBe(false);
    expect(r.divergence!.step).toBeGreaterThan(0);
    // It stops at the first differing step and shows both runs' events there.
    expect(r.divergence!.first).toMatch(/^t=\d+ms /);
    expect(r.divergence!.second).toMatch(/^t=\d+ms /);
    expect(r.divergence!.first).not.toBe(r.divergence!.second);
  });

  it('without the perturbation the hazard is invisible to a plain rerun (why the check perturbs)', async () => {
    const a = await runScenario(def, { seed: 11n, hazards: { peerOrder: 'insertion' } });
    const b = await runScenario(def, { seed: 11n, hazards: { peerOrder: 'insertion' } });
    expect(b.trace.root).toBe(a.trace.root);
  });
});

void NO_FAULTS;
