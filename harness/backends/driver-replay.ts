/**
 * The real backends' replay of a scenario step: the simulator's action (scenario-steps.ts table,
 * reported through `onAction`) sent to the daemon that applied it, through its HTTP API, as a
 * table from step kind to handler of the same shape as the simulator's. What the daemon signs is
 * checked against what the simulator signed (entry ids, deployment messages, receipts, refusals).
 */
import { canonicalString, type CanonicalValue } from '../../core/canonical/index.js';
import { receiptHash } from '../../core/contracts/index.js';
import { IcnError } from '../../core/errors.js';
import type { Hash } from '../../core/hash/index.js';
import { entryId, type JournalEntry } from '../../core/ledger/index.js';
import { ppmFromDecimal } from '../../core/trust/index.js';
import { attestTargets } from '../sim/scenario-nodes.js';
import type {
  ScenarioAction,
  ScenarioDef,
  Step,
  StepOf,
  StepTable,
} from '../sim/scenario-types.js';
import { request, until } from './daemon-api.js';
import type { Cluster } from './driver-types.js';

/** A run over a cluster: its daemons by node index and what the replay has done so far. */
export interface ReplayRun {
  readonly def: ScenarioDef;
  readonly n: number;
  /** Each node's DID (the simulator's). */
  readonly ids: readonly string[];
  readonly cluster: Cluster;
  /** One request to daemon i that must answer 200 (HARNESS_FAULT otherwise). */
  api(
    i: number,
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
  ): Promise<Record<string, unknown>>;
  /** Deployments by the name later steps use (`as`, default the contract file). */
  readonly deployed: Map<string, Hash>;
  /** Steps checked byte-for-byte against the simulator. */
  verified: number;
}

/** One action being replayed: the run and the simulator's action. */
interface Replay {
  run: ReplayRun;
  a: ScenarioAction;
}

async function attest(
  x: Replay,
  s: StepOf<'attest' | 'attest_all' | 'attest_node'>,
  _k: number,
  where: string,
): Promise<void> {
  const { run, a } = x;
  for (const j of attestTargets(s, a.node, run.n, where))
    await run.api(a.node, 'POST', '/trust', {
      to: run.ids[j],
      scorePpm: ppmFromDecimal(s.score),
      at: a.nowMs,
    });
}

async function transfer({ run, a }: Replay, _s: StepOf<'transfer'>, k: number): Promise<void> {
  const e = a.entry!;
  const got = (await run.api(a.node, 'POST', '/ledger/entries', {
    at: e.timestamp,
    accounts: e.accounts,
    parents: e.parents,
  })) as unknown as JournalEntry;
  if (entryId(got) !== entryId(e))
    throw new IcnError(
      'HARNESS_FAULT',
      `steps[${k}]: node ${a.node} signed ${entryId(got)}, the simulator ${entryId(e)}`,
    );
  run.verified++;
}

async function deploy(
  { run, a }: Replay,
  s: StepOf<'deploy' | 'deploy_flood'>,
  k: number,
): Promise<void> {
  const i = a.node;
  const d = a.deployment!;
  const msg = d.message as { codeHash: Hash; code: unknown; installation: Record<string, unknown> };
  if (s.do === 'deploy') run.deployed.set(s.as ?? s.contract, msg.codeHash);
  if (d.raw) {
    // A tampered message is published as is (the simulator's publishRaw): receivers judge it.
    await run.api(i, 'POST', '/publish', {
      topic: 'contracts:deploy',
      data: d.message,
      at: a.nowMs,
    });
    return;
  }
  const inst = msg.installation;
  const got = await run.api(i, 'POST', '/contracts', {
    code: msg.code,
    capabilities: inst.capabilities,
    minCallerTrustPpm: inst.minCallerTrustPpm,
    installedAt: inst.installedAt,
    previous: inst.previous,
    signatures: (inst.signatures as { signer: string }[]).filter((x) => x.signer !== run.ids[i]),
    at: a.nowMs,
  });
  if (
    canonicalString(got.message as CanonicalValue) !== canonicalString(d.message as CanonicalValue)
  )
    throw new IcnError(
      'HARNESS_FAULT',
      `steps[${k}]: node ${i} published another deployment message than the simulator's for ${msg.codeHash}`,
    );
  run.verified++;
}

/** Wait until daemon i is where the simulator's node was when it ran the call. */
async function awaitSimState({ run, a }: Replay, s: StepOf<'execute'>, h: Hash): Promise<void> {
  const i = a.node;
  const x = a.execution!;
  const url = run.cluster.url(i);
  // The simulator's node had the contract installed when it ran the call: wait for this daemon to have it too,
  if (x.receipt || x.refused === 'CONTRACT_UNAUTHORIZED')
    await until(
      `node ${i} to install ${s.contract} (${h})`,
      async () => (await request(url, 'GET', `/contracts/${h}`)).status === 200,
      30_000,
      50,
    );
  if (!x.receipt) return;
  // at the contract state the simulator's node ran it from (executions of other nodes adopted by replay),
  await until(
    `node ${i} to hold ${s.contract}'s state ${x.receipt.stateRootBefore}`,
    async () =>
      (await request(url, 'GET', `/contracts/${h}`)).json.stateRoot === x.receipt!.stateRootBefore,
    30_000,
    50,
  );
  // and, for a rule that writes the ledger, at the ledger heads its entry takes as parents.
  if (x.receipt.ledgerOps.length)
    await until(
      `node ${i} to hold ledger heads ${x.heads.join(',')}`,
      async () =>
        canonicalString(
          (await request(url, 'GET', '/ledger/heads')).json.heads as CanonicalValue,
        ) === canonicalString(x.heads),
      30_000,
      50,
    );
}

async function execute(r: Replay, s: StepOf<'execute'>, k: number): Promise<void> {
  const { run, a } = r;
  const i = a.node;
  const x = a.execution!;
  const h = run.deployed.get(s.contract);
  if (!h)
    throw new IcnError(
      'HARNESS_FAULT',
      `steps[${k}]: no deployment named ${s.contract} was replayed`,
    );
  await awaitSimState(r, s, h);
  // The simulator's signed call, as is (same keys and node identities: same call id and receipt).
  const res = await request(run.cluster.url(i), 'POST', `/contracts/${h}/execute`, {
    ...x.call,
    at: a.nowMs,
  });
  if (x.receipt) {
    const want = receiptHash(x.receipt);
    if (res.status !== 200 || res.json.receiptHash !== want)
      throw new IcnError(
        'HARNESS_FAULT',
        `steps[${k}]: node ${i} answered HTTP ${res.status} ${res.status === 200 ? `receipt ${String(res.json.receiptHash)}` : JSON.stringify(res.json)}; the simulator's receipt is ${want}`,
      );
  } else if (res.json.error !== x.refused) {
    throw new IcnError(
      'HARNESS_FAULT',
      `steps[${k}]: node ${i} answered HTTP ${res.status} ${JSON.stringify(res.json).slice(0, 300)}; the simulator refused the call with ${x.refused}`,
    );
  }
  run.verified++;
}

/** Refused before the run starts (refuseUnsupported): icn-node has no API for them. */
async function unsupported(_r: Replay, s: Step, k: number): Promise<void> {
  throw new IcnError('BACKEND_UNSUPPORTED', `steps[${k}] ${s.do}: not replayable on a daemon`);
}

export const REPLAY: StepTable<Replay, Promise<void>> = {
  attest,
  attest_all: attest,
  attest_node: attest,
  transfer,
  publish: async ({ run, a }, s) => {
    await run.api(a.node, 'POST', '/publish', { topic: s.topic, data: s.data, at: a.nowMs });
  },
  flood: async ({ run, a }, s) => {
    for (let c = 0; c < s.count; c++)
      await run.api(a.node, 'POST', '/publish', {
        topic: s.topic,
        data: { flood: String(c) },
        at: a.nowMs,
      });
  },
  // The hostile relay's flood reaches the simulator's nodes only (no action is reported).
  attestation_flood: async () => {},
  deploy,
  deploy_flood: deploy,
  execute,
  governance: unsupported,
};

/** The steps a daemon cannot be driven through (governance, byzantine executions), with their index. */
export function unsupportedSteps(def: ScenarioDef): (readonly [Step, number])[] {
  return def.steps
    .map((s, k) => [s, k] as const)
    .filter(([s]) => s.do === 'governance' || (s.do === 'execute' && s.byzantine !== undefined));
}

/** Replay the simulator's action `a` on the daemon of its node. */
export async function replayAction(run: ReplayRun, a: ScenarioAction): Promise<void> {
  const s = run.def.steps[a.step]!;
  if (!run.cluster.isUp(a.node))
    throw new IcnError(
      'HARNESS_FAULT',
      `steps[${a.step}] on node ${a.node}: the daemon is down (the simulator had it up)`,
    );
  type Handler = (r: Replay, s: Step, k: number, where: string) => Promise<void>;
  await (REPLAY[s.do] as Handler)({ run, a }, s, a.step, `steps[${a.step}]`);
}
