/**
 * The end checks of a scenario, one function each, as a table from check kind to function. Each
 * reads the run's nodes after convergence (or the horizon) and returns ok and a one-line detail.
 */
import { canonicalString } from '../../core/canonical/index.js';
import { valueFromJson, valueToJson } from '../../core/ccl/index.js';
import type { IcnNode } from '../../core/node/index.js';
import { metricValue } from '../../core/metrics/index.js';
import { nodeAt, nodesOf } from './scenario-nodes.js';
import type { RunState } from './scenario-state.js';
import type { Check, CheckKind, CheckOf, CheckResult } from './scenario-types.js';

/** The run as the checks see it: its state, and when every node agreed (null: never). */
export type CheckView = RunState & { readonly convergedAtMs: number | null };
type CheckFn<K extends CheckKind> = (
  c: CheckOf<K>,
  v: CheckView,
) => CheckResult | Promise<CheckResult>;
type Bounds = { equals?: number; min?: number; max?: number };

function within(v: number, c: Bounds): boolean {
  return (
    (c.equals === undefined || v === c.equals) &&
    (c.min === undefined || v >= c.min) &&
    (c.max === undefined || v <= c.max)
  );
}
const bounds = (c: Bounds) =>
  [
    c.equals !== undefined ? `= ${c.equals}` : '',
    c.min !== undefined ? `≥ ${c.min}` : '',
    c.max !== undefined ? `≤ ${c.max}` : '',
  ]
    .filter(Boolean)
    .join(' and ');

/** The check's given nodes (any check may name `nodes`), else all. */
const given = (c: Check, v: CheckView) => nodesOf((c as { nodes?: number[] }).nodes, v.n, c.check);

/** Run `f` on each node: it returns null when fine, else what is wrong there (a down node is wrong). */
function each(
  v: CheckView,
  nodes: number[],
  name: string,
  f: (i: number, x: IcnNode) => string | null,
  okDetail: string,
): CheckResult {
  const wrong: string[] = [];
  for (const i of nodes) {
    const x = v.nodeOf(i);
    const why = x ? f(i, x) : 'down';
    if (why !== null) wrong.push(`node ${i}: ${why}`);
  }
  return {
    check: name,
    ok: wrong.length === 0,
    detail: wrong.length
      ? wrong.slice(0, 5).join('; ') + (wrong.length > 5 ? ` (+${wrong.length - 5} more)` : '')
      : okDetail,
  };
}

function converged(_: CheckOf<'converged'>, v: CheckView): CheckResult {
  const roots = v.sim.ids.map((_, i) => v.nodeOf(i)?.stateRoot() ?? 'down');
  const distinct = [...new Set(roots)].sort();
  const ok = v.convergedAtMs !== null;
  return {
    check: 'converged',
    ok,
    detail: ok
      ? `all ${v.n} nodes agree at t=${v.convergedAtMs}ms`
      : `not converged by the horizon: ${distinct.length} distinct state roots (${roots.filter((r) => r === 'down').length} down)`,
  };
}

function ledgerComplete(_: CheckOf<'ledger_complete'>, v: CheckView): CheckResult {
  const missing: string[] = [];
  for (let i = 0; i < v.n; i++) {
    const x = v.nodeOf(i);
    const lack = v.submitted.filter((h) => !x?.ledger.has(h));
    if (lack.length) missing.push(`node ${i} lacks ${lack.length}`);
  }
  return {
    check: 'ledger_complete',
    ok: missing.length === 0 && v.submitted.length > 0,
    detail: missing.length
      ? missing.join('; ')
      : `${v.submitted.length} entries on all ${v.n} nodes`,
  };
}

function gossipCount(c: CheckOf<'gossip_count'>, v: CheckView): CheckResult {
  const nodes = nodesOf(c.nodes, v.n, 'gossip_count');
  const author =
    c.author === undefined ? undefined : v.sim.ids[nodeAt(c.author, v.n, 'gossip_count')];
  const bad: string[] = [];
  for (const i of nodes) {
    const x = v.nodeOf(i);
    const got = x
      ? x.gossip.entries(c.topic).filter((e) => author === undefined || e.author === author).length
      : -1;
    if (!within(got, c)) bad.push(`node ${i}: ${got}`);
  }
  return {
    check: `gossip_count ${c.topic}`,
    ok: bad.length === 0,
    detail: bad.length
      ? `expected ${bounds(c)}: ${bad.slice(0, 5).join(', ')}`
      : `${nodes.length} nodes ${bounds(c)}`,
  };
}

async function metric(c: CheckOf<'metric'>, v: CheckView): Promise<CheckResult> {
  const i = nodeAt(c.node, v.n, 'metric');
  const x = v.nodeOf(i);
  if (!x) return { check: `metric ${c.name}`, ok: false, detail: `node ${i} is down` };
  const got = await metricValue(x.metrics.registry, c.name, c.labels ?? {});
  return {
    check: `metric ${c.name}`,
    ok: within(got, c),
    detail: `node ${i} ${c.name}${c.labels ? JSON.stringify(c.labels) : ''} = ${got} (expected ${bounds(c)})`,
  };
}

function trust(c: CheckOf<'trust'>, v: CheckView): CheckResult {
  const i = nodeAt(c.node, v.n, 'trust');
  const j = nodeAt(c.of, v.n, 'trust');
  const x = v.nodeOf(i);
  const got = x ? x.trust.scoreByKey(x.id, v.sim.ids[j]!) : -1;
  return {
    check: 'trust',
    ok: within(got, c),
    detail: `node ${i} → node ${j}: ${got} ppm (expected ${bounds(c)})`,
  };
}

function installed(c: CheckOf<'installed'>, v: CheckView): CheckResult {
  const h = v.deployments.get(c.contract);
  const nodes = nodesOf(c.nodes, v.n, 'installed');
  const wrong = nodes.filter(
    (i) => (h !== undefined && v.contractsOf(i)?.actor.runtime.get(h) !== undefined) !== c.equals,
  );
  return {
    check: `installed ${c.contract}`,
    ok: h !== undefined && wrong.length === 0,
    detail:
      h === undefined
        ? `no deployment named ${c.contract}`
        : wrong.length
          ? `${c.equals ? 'missing on' : 'present on'} nodes ${wrong.join(', ')}`
          : `${c.equals ? 'installed' : 'absent'} on ${nodes.length} nodes`,
  };
}

function installedCount(c: CheckOf<'installed_count'>, v: CheckView): CheckResult {
  const nodes = nodesOf(c.nodes, v.n, 'installed_count');
  const wrong = nodes
    .map((i) => [i, v.contractsOf(i)?.installedCodeHashes().length ?? -1] as const)
    .filter(([, got]) => !within(got, c));
  return {
    check: 'installed_count',
    ok: wrong.length === 0,
    detail: wrong.length
      ? wrong.map(([i, got]) => `node ${i}: ${got}`).join(', ') + ` (expected ${bounds(c)})`
      : `${nodes.length} nodes ${bounds(c)}`,
  };
}

function executions(_: CheckOf<'executions'>, v: CheckView): CheckResult {
  const badRuns = v.execResults.filter((r) => !r.ok);
  return {
    check: 'executions',
    ok: badRuns.length === 0 && v.execResults.length > 0,
    detail: badRuns.length
      ? badRuns.map((r) => r.detail).join('; ')
      : `${v.execResults.length} executions as expected`,
  };
}

function ledgerRoots(c: CheckOf<'ledger_roots'>, v: CheckView): CheckResult {
  const nodes = given(c, v);
  const roots = nodes.map((i) => v.nodeOf(i)?.ledger.root() ?? 'down');
  const distinct = [...new Set(roots)].sort();
  const ok = distinct.length === 1 && distinct[0] !== 'down';
  return {
    check: 'ledger_roots',
    ok,
    detail: ok
      ? `${nodes.length} nodes, one ledger root ${distinct[0]} (${v.nodeOf(nodes[0]!)!.ledger.size} entries)`
      : `${distinct.length} distinct ledger roots: ${nodes.map((i, k) => `${i}:${roots[k]!.slice(7, 19)}`).join(' ')}`,
  };
}

function balance(c: CheckOf<'balance'>, v: CheckView): CheckResult {
  const nodes = given(c, v);
  const account =
    typeof c.account === 'number' ? v.sim.ids[nodeAt(c.account, v.n, 'balance')]! : c.account;
  const label = typeof c.account === 'number' ? `node ${c.account}` : c.account;
  return each(
    v,
    nodes,
    `balance ${label} ${c.currency}`,
    (_, x) => {
      const b = x.ledger.balance(account, c.currency).toString();
      return b === c.equals ? null : `${b}, expected ${c.equals}`;
    },
    `${c.equals} ${c.currency} on ${nodes.length} nodes`,
  );
}

function contractState(c: CheckOf<'contract_state'>, v: CheckView): CheckResult {
  const nodes = given(c, v);
  const h = v.deployments.get(c.contract);
  if (!h)
    return {
      check: `contract_state ${c.contract}.${c.key}`,
      ok: false,
      detail: `no deployment named ${c.contract}`,
    };
  const want = canonicalString(
    valueToJson(valueFromJson(v.subst(c.equals, 'contract_state'), 'contract_state.equals')),
  );
  return each(
    v,
    nodes,
    `contract_state ${c.contract}.${c.key}`,
    (i) => {
      const val = v.contractsOf(i)?.actor.runtime.state(h)?.get(c.key);
      const got = val === undefined ? 'absent' : canonicalString(valueToJson(val));
      return got === want ? null : `${got}, expected ${want}`;
    },
    `${want} on ${nodes.length} nodes`,
  );
}

function execution(c: CheckOf<'execution'>, v: CheckView): CheckResult {
  const nodes = given(c, v);
  const e = v.executions.get(c.execution);
  if (!e)
    return {
      check: `execution ${c.execution}`,
      ok: false,
      detail: `no execution named ${c.execution}`,
    };
  return each(
    v,
    nodes,
    `execution ${c.execution} ${c.status}`,
    (i) => {
      const ex = v.contractsOf(i)?.executions;
      if (!ex) return 'no shared executions';
      if (c.status === 'adopted')
        return ex.adopted.has(e.receiptHash)
          ? null
          : `not adopted (${e.record ? (ex.outcomes.get(e.record)?.status ?? 'never seen') : 'receipt unknown'})`;
      const out = e.record
        ? ex.outcomes.get(e.record)
        : [...ex.outcomes.values()].find(
            (x) => x.status === 'refused' && x.receiptHash === e.receiptHash,
          );
      if (!out) return 'never seen';
      if (out.status !== 'refused') return out.status;
      return c.reason === undefined || out.reason === c.reason
        ? null
        : `refused for ${out.reason}, expected ${c.reason}`;
    },
    `${c.status}${c.reason ? ` (${c.reason})` : ''} on ${nodes.length} nodes`,
  );
}

function pom(c: CheckOf<'pom'>, v: CheckView): CheckResult {
  const nodes = given(c, v);
  const e = v.executions.get(c.execution);
  if (!e)
    return { check: `pom ${c.execution}`, ok: false, detail: `no execution named ${c.execution}` };
  let proofs = 0;
  const r = each(
    v,
    nodes,
    `pom ${c.execution}`,
    (i) => {
      const ex = v.contractsOf(i)?.executions;
      if (!ex) return 'no shared executions';
      const verdicts = [...ex.poms.values()];
      proofs = Math.max(proofs, verdicts.length);
      if (!ex.convictions().includes(e.receiptHash))
        return `no confirmed proof against receipt ${e.receiptHash} (${verdicts.length} proofs seen)`;
      const other = verdicts.find((p) => p.verdict !== 'confirmed');
      return other ? `a proof judged ${other.verdict}: ${other.detail}` : null;
    },
    '',
  );
  return r.ok
    ? {
        ...r,
        detail: `${nodes.length} nodes hold a confirmed proof against receipt ${e.receiptHash.slice(0, 19)}… (${proofs} proof(s) published)`,
      }
    : r;
}

function decision(c: CheckOf<'decision'>, v: CheckView): CheckResult {
  const nodes = given(c, v);
  const d = v.decisions.get(c.decision);
  if (!d)
    return {
      check: `decision ${c.decision}`,
      ok: false,
      detail: `no decision named ${c.decision}`,
    };
  return each(
    v,
    nodes,
    `decision ${c.decision} ${c.status}`,
    (_, x) => {
      const exec = x.governance.execution(d.receiptId);
      if (c.status === 'executed') {
        if (!exec)
          return `not executed (${x.decisions.outcomes.get(d.record)?.status ?? 'never seen'})`;
        return d.ledgerIds === null || exec.ledger_entries.join() === d.ledgerIds.join()
          ? null
          : 'executed with other ledger entries than its executor';
      }
      if (exec) return 'executed';
      const out = x.decisions.outcomes.get(d.record);
      if (!out) return 'never seen';
      if (c.status === 'recorded')
        return out.status === 'recorded' || out.status === 'own' ? null : out.status;
      if (out.status !== 'refused') return out.status;
      return c.code === undefined || out.code === c.code
        ? null
        : `refused with ${out.code}, expected ${c.code}`;
    },
    `${c.status}${'code' in c && c.code ? ` (${c.code})` : ''} on ${nodes.length} nodes`,
  );
}

export const CHECKS: { [K in CheckKind]: CheckFn<K> } = {
  converged,
  ledger_complete: ledgerComplete,
  gossip_count: gossipCount,
  metric,
  trust,
  installed,
  installed_count: installedCount,
  executions,
  ledger_roots: ledgerRoots,
  balance,
  contract_state: contractState,
  execution,
  pom,
  decision,
};

/** Every check of the scenario, in order. */
export async function runChecks(expect: readonly Check[], v: CheckView): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  for (const c of expect)
    out.push(await (CHECKS[c.check] as CheckFn<CheckKind>)(c as CheckOf<CheckKind>, v));
  return out;
}
