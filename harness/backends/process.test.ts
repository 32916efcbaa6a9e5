/**
 * The process backend over real icn-node daemons (bin/icn-node.js runs dist/: `npm test` builds
 * first; with a bare `npx vitest run` run `npm run build` before).
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseFaults } from '../sim/faults.js';
import type { ScenarioDef } from '../sim/scenario.js';
import { ignoredFaults, runProcessScenario } from './process.js';

const repoRoot = resolve(import.meta.dirname, '../..');

/** crash-restart cut to 3 nodes, plus a partition after the restart: SIGKILL, restart, link cuts. */
const def: ScenarioDef = {
  format: 'icn-scenario/v1',
  name: 'crash-restart-3',
  description: 'three nodes, transfers, node 2 killed and restarted, then a 0|1+2 partition healed',
  nodes: 3,
  faults: 'loss=5%,delay=2-20,crash=2:700-1500,partition=sym:1600-2400:0|1+2',
  tickIntervalMs: 100,
  horizonMs: 10_000,
  defaultCreditLimit: '100',
  steps: [
    { at: 0, do: 'attest_all', score: '0.8' },
    { at: 300, do: 'transfer', node: 0, to: 1, amount: '5', currency: 'hours' },
    { at: 500, do: 'transfer', node: 1, to: 2, amount: '3', currency: 'hours' },
    { at: 650, do: 'transfer', node: 2, to: 0, amount: '2', currency: 'hours' },
    // node 2 is down at 1000: the simulator applies it after the restart, and so does the replay
    { at: 1000, do: 'transfer', node: 2, to: 1, amount: '1', currency: 'hours' },
    { at: 1800, do: 'transfer', node: 1, to: 0, amount: '4', currency: 'hours' },
    { at: 2000, do: 'transfer', node: 0, to: 2, amount: '6', currency: 'hours' },
    { at: 2100, do: 'attest', node: 2, to: 0, score: '0.5' },
  ],
  expect: [
    { check: 'converged' },
    { check: 'ledger_complete' },
    { check: 'gossip_count', topic: 'ledger:entries', equals: 6 },
  ],
};

describe('process backend', () => {
  it("3 daemons with a SIGKILL + restart and a partition end at the simulator's roots", async () => {
    const lines: string[] = [];
    const r = await runProcessScenario(def, {
      seed: 7n,
      repoRoot,
      log: (l) => lines.push(l),
      convergeTimeoutMs: 15_000,
    });
    expect(r.sim.ok, JSON.stringify(r.sim.checks)).toBe(true);
    expect(r.restarts).toBe(1);
    expect(lines.some((l) => l.includes('SIGKILL node 2'))).toBe(true);
    expect(lines.some((l) => /link cuts 0:\[1,2\] 1:\[0\] 2:\[0\]/.test(l))).toBe(true);
    expect(lines.some((l) => /link cuts 0:\[\] 1:\[\] 2:\[\]/.test(l))).toBe(true);
    expect(r.header.join('\n')).toMatch(/ignored \(simulator-only\): loss=50000ppm, delay=2-20ms/);
    expect(r.roots.every((h) => typeof h === 'string')).toBe(true);
    expect(r.roots).toEqual(r.sim.stateRoots);
    expect(r.equal).toBe(true);
    expect(r.convergedAfterMs).not.toBeNull();
  }, 40_000);

  it('replays deployments and executions: messages and receipts byte-identical, roots equal to the sim', async () => {
    const d: ScenarioDef = {
      format: 'icn-scenario/v1',
      name: 'deploy-execute-3',
      description:
        'node 0 deploys Calculator with node 1 as co-participant; a forged deployment; executions on two nodes, one refused',
      nodes: 3,
      faults: 'delay=1-10',
      tickIntervalMs: 100,
      horizonMs: 10_000,
      steps: [
        { at: 0, do: 'attest_all', score: '0.8' },
        { at: 200, do: 'deploy', node: 0, contract: 'calculator', participants: [0, 1] },
        {
          at: 250,
          do: 'deploy',
          node: 2,
          contract: 'calculator',
          as: 'forged',
          tamper: 'deployer_signature',
        },
        {
          at: 1200,
          do: 'execute',
          node: 1,
          contract: 'calculator',
          rule: 'add',
          args: [{ Int: 5 }, { Int: 3 }],
          caller: 0,
          expect: { Int: 8 },
        },
        {
          at: 1200,
          do: 'execute',
          node: 0,
          contract: 'calculator',
          rule: 'mul',
          args: [{ Int: 6 }, { Int: 7 }],
          caller: 1,
          expect: { Int: 42 },
        },
        {
          at: 1300,
          do: 'execute',
          node: 2,
          contract: 'calculator',
          rule: 'add',
          args: [{ Int: 1 }, { Int: 1 }],
          caller: 2,
          expect: 'unauthorized',
        },
      ],
      expect: [
        { check: 'installed', contract: 'calculator', equals: true },
        { check: 'installed', contract: 'forged', equals: false },
        { check: 'executions' },
        { check: 'converged' },
      ],
    };
    const r = await runProcessScenario(d, { seed: 3n, repoRoot, convergeTimeoutMs: 15_000 });
    expect(r.sim.ok, JSON.stringify(r.sim.checks)).toBe(true);
    expect(r.verified).toBe(4); // the honest deployment and three executions (two receipts, one refusal)
    expect(r.roots).toEqual(r.sim.stateRoots);
    expect(r.equal).toBe(true);
  }, 40_000);

  it('names every simulator-only fault parameter it ignores', () => {
    expect(ignoredFaults(parseFaults('none'))).toEqual([]);
    const f = parseFaults(
      'loss=5%,dup=1%,delay=2-40,tail=1%:500,skew=30,crash=1:100-200,partition=asym:10-20:0|1',
    );
    const got = ignoredFaults(f).join(' ');
    for (const w of [
      'loss=50000ppm',
      'dup=10000ppm',
      'delay=2-40ms',
      'tail=10000ppm:500ms',
      'skew=30ms',
      'storage-loss=',
      'asymmetric',
    ])
      expect(got).toContain(w);
  });
});
