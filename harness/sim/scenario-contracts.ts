/**
 * The contract steps of a scenario: deploy (honest or tampered) and execute (a signed call run
 * by a node, or a byzantine record published instead), each reported to `onAction` as the
 * simulator applied it.
 */
import { join } from 'node:path';
import { canonicalString } from '../../core/canonical/index.js';
import {
  CALLER_ACCOUNT,
  capabilityToJson,
  parseCapabilities,
  valueFromJson,
  valueToJson,
} from '../../core/ccl/index.js';
import {
  codeFromJson,
  codeHash,
  DeploymentMessage,
  makeCall,
  outputHash,
  receiptFromJson,
  receiptHash,
  signCall,
  signInstallation,
  verifyCall,
  withSignatures,
  type ContractCode,
  type ExecutionReceipt,
  type SignedCall,
} from '../../core/contracts/index.js';
import { IcnError } from '../../core/errors.js';
import { DOMAIN, type Hash } from '../../core/hash/index.js';
import { wrongExecutionRecord } from '../../core/node/index.js';
import { ppmFromDecimal } from '../../core/trust/index.js';
import { readJsonFile } from '../io/files.js';
import { nodeAt } from './scenario-nodes.js';
import type { ExecOutcome, RunState } from './scenario-state.js';
import type { StepOf } from './scenario-types.js';

/** What an execute step expects, as the driver's `got` spells it. */
function expectedOutcome(x: unknown, where: string): string {
  if (x === 'unauthorized') return 'unauthorized';
  if (
    x !== null &&
    typeof x === 'object' &&
    !Array.isArray(x) &&
    Object.keys(x).join() === 'refused' &&
    typeof (x as { refused: unknown }).refused === 'string'
  )
    return `refused ${(x as { refused: string }).refused}`;
  return `output ${outputHash({ value: valueToJson(valueFromJson(x, `${where}.expect`)) })}`;
}

function loadCode(
  r: RunState,
  file: string,
  participants: string[],
  rename?: string,
): ContractCode {
  if (!r.o.repoRoot)
    throw new IcnError('SCENARIO_CONTRACTS', 'deploy steps need the repository root (contracts/)');
  const json = readJsonFile(join(r.o.repoRoot, 'contracts', `${file}.json`)) as Record<
    string,
    unknown
  >;
  return codeFromJson({
    engine: 'ccl',
    contract: { ...json, participants, ...(rename ? { name: rename } : {}) },
  });
}

/** The deployment message broken after signing (`tamper`): it must be refused by every receiver. */
function tampered(
  r: RunState,
  s: StepOf<'deploy'>,
  d: number,
  message: Record<string, unknown>,
): void {
  if (s.tamper === 'deployer_signature') {
    const forger = r.sim.keypairs[(d + 1) % r.n]!;
    const { deployerSignature, ...unsigned } = message;
    void deployerSignature;
    message.deployerSignature = forger.sign(DOMAIN.deploymentMessage, unsigned);
  } else {
    const inst = message.installation as Record<string, unknown>;
    message.installation = {
      ...inst,
      capabilities: [
        ...(inst.capabilities as unknown[]),
        capabilityToJson({ k: 'WriteLedger', accounts: [CALLER_ACCOUNT] }),
      ],
    };
  }
}

/** Deploy contracts/<s.contract>.json from node s.node, co-signed by its participants; its code hash. */
export function deploy(
  r: RunState,
  s: StepOf<'deploy'>,
  where: string,
  k: number,
  rename?: string,
): Hash {
  const { n, sim, o } = r;
  const d = nodeAt(s.node, n, where);
  const nc = r.contractsOf(d);
  if (!nc) throw new IcnError('SCENARIO_NODE_DOWN', `${where}: node ${d} is down`);
  const parts = (
    s.participants === 'all'
      ? [...Array(n).keys()]
      : (s.participants ?? [s.node]).map((p) => nodeAt(p, n, where))
  ).filter((p) => p !== d);
  parts.unshift(d);
  const code = loadCode(
    r,
    s.contract,
    [...new Set(parts)].map((p) => sim.ids[p]!),
    rename,
  );
  const opts = {
    capabilities: s.capabilities
      ? parseCapabilities(r.subst(s.capabilities, where), `${where}.capabilities`)
      : [],
    minCallerTrustPpm: s.min_caller_trust === undefined ? null : ppmFromDecimal(s.min_caller_trust),
    installedAt: BigInt(nc.node.clock.nowMs()),
  };
  const body = nc.actor.prepare(code, opts);
  const signatures = parts
    .filter((p) => p !== d)
    .map((p) => signInstallation(body, sim.keypairs[p]!));
  if (s.tamper) {
    const message = DeploymentMessage.create(
      code,
      withSignatures(body, [...signatures, signInstallation(body, sim.keypairs[d]!)]),
      sim.keypairs[d]!,
    ).toJson() as Record<string, unknown>;
    tampered(r, s, d, message);
    nc.publishRaw(message);
    o.onAction?.({
      step: k,
      node: d,
      nowMs: nc.node.clock.nowMs(),
      deployment: { message, raw: true },
    });
    return codeHash(code);
  }
  const res = nc.deploy(code, { ...opts, signatures });
  if (!res.result.accepted)
    throw new IcnError(
      'SCENARIO_DEPLOY',
      `${where}: node ${d} could not deploy ${s.contract}: ${res.result.reason}: ${res.result.detail}`,
    );
  o.onAction?.({
    step: k,
    node: d,
    nowMs: nc.node.clock.nowMs(),
    deployment: { message: res.message.toJson(), raw: false },
  });
  return res.result.codeHash;
}

/** The signed call a step sends: shared by every step with the same `call` label. */
function signedCallOf(
  r: RunState,
  s: StepOf<'execute'>,
  i: number,
  h: Hash,
  where: string,
  k: number,
): SignedCall {
  const { n, sim } = r;
  const known = s.call === undefined ? undefined : r.signedCalls.get(s.call);
  if (known) return known;
  const c = nodeAt(s.caller ?? s.node, n, where);
  const args = s.args.map((a, j) => valueFromJson(r.subst(a, where), `${where}.args[${j}]`));
  const timestamp = BigInt(r.contractsOf(i)!.node.clock.nowMs());
  const call = signCall(
    makeCall({
      codeHash: h,
      rule: s.rule,
      args,
      caller: sim.ids[c]!,
      executor: sim.ids[nodeAt(s.executor ?? s.node, n, where)]!,
      timestamp,
      nonce: s.call ?? `steps[${k}]`,
    }),
    sim.keypairs[c]!,
  );
  if (s.call !== undefined) r.signedCalls.set(s.call, call);
  return call;
}

/** Run an execute step on node i (or publish its byzantine record); the outcome against `expect`. */
export async function execute(
  r: RunState,
  s: StepOf<'execute'>,
  i: number,
  where: string,
  k: number,
): Promise<ExecOutcome> {
  const h = r.deployments.get(s.contract);
  if (!h)
    throw new IcnError(
      'SCENARIO_FORMAT',
      `${where}: no deployed contract named ${JSON.stringify(s.contract)}`,
    );
  const nc = r.contractsOf(i)!;
  const signed = signedCallOf(r, s, i, h, where, k);
  const v = verifyCall(signed);
  const label = `node ${i} ${s.contract}.${s.rule}(${s.args.map((a) => canonicalString(a as never)).join(', ')}) as node ${s.caller ?? s.node}${s.call !== undefined ? ` (call ${s.call})` : ''}`;
  let got: string;
  const heads = [...nc.node.ledger.heads()].sort();
  const report = (x: { receipt?: ExecutionReceipt; refused?: string }) =>
    r.o.onAction?.({
      step: k,
      node: i,
      nowMs: nc.node.clock.nowMs(),
      execution: {
        caller: nodeAt(s.caller ?? s.node, r.n, where),
        timestamp: v.timestamp,
        heads,
        call: signed,
        ...x,
      },
    });
  if (s.byzantine) {
    const req = {
      codeHash: h,
      rule: v.call.rule,
      args: v.args,
      caller: v.call.caller,
      timestamp: v.timestamp,
    };
    const record = wrongExecutionRecord(nc, req, s.byzantine, v);
    const entry = nc.publishExecutionRaw(record);
    const rh = receiptHash(receiptFromJson(record.receipt));
    if (s.as) r.executions.set(s.as, { receiptHash: rh, record: entry.hash });
    return { ok: true, detail: `${label}: byzantine (${s.byzantine}) receipt ${rh} published` };
  }
  try {
    const receipt = await nc.executeCall(v);
    const rh = receiptHash(receipt);
    if (s.as) r.executions.set(s.as, { receiptHash: rh });
    if (nc.executions?.adopted.has(rh)) r.published.push(rh);
    got =
      receipt.outcome.status === 'ok'
        ? `output ${receipt.outputHash}`
        : `error ${receipt.outcome.code}`;
    report({ receipt });
  } catch (e) {
    if (!(e instanceof IcnError)) throw e;
    got = e.code === 'CONTRACT_UNAUTHORIZED' ? 'unauthorized' : `refused ${e.code}`;
    report({ refused: e.code });
  }
  if (s.expect === undefined) return { ok: true, detail: `${label}: ${got}` };
  const want = expectedOutcome(s.expect, where);
  return {
    ok: got === want,
    detail: `${label}: ${got === want ? `as expected (${canonicalString(s.expect as never)})` : `expected ${canonicalString(s.expect as never)} (${want}), got ${got}`}`,
  };
}
