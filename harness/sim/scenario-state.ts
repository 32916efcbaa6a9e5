/**
 * What one scenario run knows while it runs: the simulator, its nodes by index, and what the
 * steps have done so far (entries submitted, contracts deployed, executions and decisions by
 * name), which later steps and the checks read.
 */
import { IcnError } from '../../core/errors.js';
import type { Hash } from '../../core/hash/index.js';
import type { IcnNode, NodeContracts } from '../../core/node/index.js';
import type { SignedCall } from '../../core/contracts/index.js';
import type { IcnSimProcess } from './icn.js';
import { substNodes } from './scenario-nodes.js';
import type { ScenarioDef, ScenarioOptions } from './scenario-types.js';
import type { Simulator } from './simulator.js';

export interface ExecOutcome {
  ok: boolean;
  detail: string;
}

export interface RunState {
  readonly def: ScenarioDef;
  readonly o: ScenarioOptions;
  /** Node count of this run (--nodes or the scenario's). */
  readonly n: number;
  readonly sim: Simulator;
  nodeOf(i: number): IcnNode | undefined;
  contractsOf(i: number): NodeContracts | undefined;
  /** Node i, which a step needs up (SCENARIO_NODE_DOWN otherwise). */
  must(i: number, what: string): IcnNode;
  /** "@N" → node N's DID anywhere in a JSON value. */
  subst(x: unknown, where: string): unknown;
  /** Journal entries the workload submitted (ledger_complete). */
  readonly submitted: Hash[];
  /** Deployments by the name later steps use (`as`, default the contract file). */
  readonly deployments: Map<string, Hash>;
  /** Named executions: the receipt, and for a byzantine one the record it published. */
  readonly executions: Map<string, { receiptHash: Hash; record?: Hash }>;
  /** Receipts of the state-changing executions published so far (what `sync` waits for). */
  readonly published: Hash[];
  /** Named decisions: the receipt, the executor's ledger ids (executed), the published record. */
  readonly decisions: Map<string, { receiptId: Hash; ledgerIds: Hash[] | null; record: Hash }>;
  /** The signed call a step sends: shared by every step with the same `call` label. */
  readonly signedCalls: Map<string, SignedCall>;
  /** Each execute step's outcome against its `expect`, in order (the `executions` check). */
  readonly execResults: ExecOutcome[];
}

export function newRunState(
  def: ScenarioDef,
  o: ScenarioOptions,
  n: number,
  sim: Simulator,
): RunState {
  const proc = (i: number) => sim.node(i) as IcnSimProcess | undefined;
  const nodeOf = (i: number): IcnNode | undefined => proc(i)?.node;
  return {
    def,
    o,
    n,
    sim,
    nodeOf,
    contractsOf: (i) => proc(i)?.contracts,
    must: (i, what) => {
      const x = nodeOf(i);
      if (!x)
        throw new IcnError('SCENARIO_NODE_DOWN', `${what}: node ${i} is down at t=${sim.now}ms`);
      return x;
    },
    subst: (x, where) => substNodes(x, sim.ids, where),
    submitted: [],
    deployments: new Map(),
    executions: new Map(),
    published: [],
    decisions: new Map(),
    signedCalls: new Map(),
    execResults: [],
  };
}
