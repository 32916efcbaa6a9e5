/**
 * The scenario steps and checks for shared executions, proofs of misbehavior and governance
 * decisions (transfer-ledger, cross-node-replay, byzantine-pom, governance-replay): they pass, and each check fails
 * when what it guards is not so.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../suites/scenarios/load.js';
import { checkScenario, runScenario, type Check, type ScenarioDef } from './scenario.js';

const repoRoot = join(import.meta.dirname, '..', '..');
const load = (name: string) => loadScenario(repoRoot, name);
const byCheck = (r: Awaited<ReturnType<typeof runScenario>>) =>
  Object.fromEntries(r.checks.map((c) => [c.check, c]));

/** The scenario with extra checks that must fail. */
const withChecks = (def: ScenarioDef, extra: Check[]): ScenarioDef => ({
  ...def,
  expect: [...def.expect, ...extra],
});

describe('replication scenarios', () => {
  it('transfer-ledger: every check passes; a wrong balance, counter or execution status fails', async () => {
    const def = withChecks(load('transfer-ledger'), [
      { check: 'balance', account: 4, currency: 'credits', nodes: [0], equals: '70' },
      {
        check: 'contract_state',
        contract: 'transfer',
        key: 'transfers',
        nodes: [1],
        equals: { Int: 4 },
      },
      { check: 'execution', execution: 't1', status: 'refused' },
    ]);
    const r = await runScenario(def, { seed: 3n, repoRoot });
    const failed = r.checks.filter((c) => !c.ok).map((c) => c.check);
    expect(failed).toEqual([
      'balance node 4 credits',
      'contract_state transfer.transfers',
      'execution t1 refused',
    ]);
    expect(byCheck(r)['balance node 4 credits']!.detail).toBe('node 0: 7, expected 70');
    expect(byCheck(r)['ledger_roots']!.ok).toBe(true);
    expect(new Set(r.stateRoots).size).toBe(1);
  });

  it('cross-node-replay-byzantine: one signed call sent to every node takes effect once; claiming a second effect, or that a refused step ran, fails', async () => {
    const base = load('cross-node-replay-byzantine');
    const def = withChecks(
      { ...base, steps: base.steps.map((s, k) => (k === 3 ? { ...s, expect: { Int: 1 } } : s)) },
      [
        { check: 'contract_state', contract: 'transfer', key: 'transfers', equals: { Int: 3 } },
        { check: 'execution', execution: 'again', status: 'adopted' },
      ],
    );
    const r = await runScenario(def, { seed: 5n, repoRoot });
    expect(r.checks.filter((c) => !c.ok).map((c) => c.check)).toEqual([
      'executions',
      'contract_state transfer.transfers',
      'execution again adopted',
    ]);
    expect(byCheck(r)['executions']!.detail).toMatch(/CALL_WRONG_EXECUTOR/);
    expect(new Set(r.stateRoots).size).toBe(1);
  });

  it('byzantine-pom: the forged receipt is refused and proven everywhere; claiming it was adopted fails', async () => {
    const def = withChecks(load('byzantine-pom'), [
      { check: 'execution', execution: 'forged', status: 'adopted' },
      { check: 'pom', execution: 'honest' },
      { check: 'execution', execution: 'forged', status: 'refused', reason: 'entry_mismatch' },
    ]);
    const r = await runScenario(def, { seed: 4n, repoRoot });
    const failed = r.checks.filter((c) => !c.ok).map((c) => c.check);
    expect(failed).toEqual(['execution forged adopted', 'pom honest', 'execution forged refused']);
    expect(byCheck(r)['pom forged']!.ok).toBe(true);
    expect(byCheck(r)['pom honest']!.detail).toMatch(/no confirmed proof against receipt/);
  });

  it("governance-replay: the decision is executed everywhere with the executor's entries; the forged ones are refused", async () => {
    const def = withChecks(load('governance-replay'), [
      { check: 'decision', decision: 'forged-tally', status: 'executed' },
      { check: 'decision', decision: 'surplus', status: 'refused' },
      { check: 'balance', account: 'coop:alpha', currency: 'credits', equals: '-85' },
    ]);
    const r = await runScenario(def, { seed: 5n, repoRoot });
    const failed = r.checks.filter((c) => !c.ok).map((c) => c.check);
    expect(failed).toEqual([
      'decision forged-tally executed',
      'decision surplus refused',
      'balance coop:alpha credits',
    ]);
    expect(byCheck(r)['decision forged-effects refused']!.ok).toBe(true);
  });

  it('a byzantine step without sync in a scenario of its own: the honest nodes still converge with the byzantine one', async () => {
    const base = load('byzantine-pom');
    const def: ScenarioDef = {
      ...base,
      name: 'byzantine-output',
      steps: base.steps.map((s) =>
        s.do === 'execute' && s.byzantine ? { ...s, byzantine: 'output' as const, sync: false } : s,
      ),
    };
    const r = await runScenario(def, { seed: 6n, repoRoot });
    expect(r.checks.filter((c) => !c.ok)).toEqual([]);
  });

  it('rejects unknown tamper kinds and governance steps without a name', () => {
    const base = {
      format: 'icn-scenario/v1',
      name: 'x',
      description: '',
      nodes: 2,
      horizonMs: 1000,
      expect: [],
    };
    expect(() =>
      checkScenario(
        {
          ...base,
          steps: [
            {
              at: 0,
              do: 'execute',
              node: 0,
              contract: 'c',
              rule: 'r',
              args: [],
              byzantine: 'everything',
            },
          ],
        },
        't',
      ),
    ).toThrow(/byzantine: one of ledger_amount, output, entry/);
    expect(() =>
      checkScenario(
        { ...base, steps: [{ at: 0, do: 'governance', node: 0, domain: 'd', payload: {} }] },
        't',
      ),
    ).toThrow(/needs `as` and `domain`/);
    expect(() =>
      checkScenario({ ...base, steps: [], expect: [{ check: 'pom' }] }, 't'),
    ).not.toThrow();
    expect(() => checkScenario({ ...base, steps: [], expect: [{ check: 'poms' }] }, 't')).toThrow(
      /unknown check/,
    );
  });
});
