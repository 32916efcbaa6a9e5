/**
 * Contracts on a node: the ContractActor (core/contracts) fed by the `contracts:deploy` gossip
 * topic, with the node's trust graph as its oracle and metrics on the node's registry.
 *
 * Choices that keep installation a function of what a node has seen, not of when:
 *  - The actor's clock-based per-deployer limit is switched off here; the node relies on
 *    gossip's canonical per-author limit on `contracts:deploy` (core/gossip/store.ts), which
 *    every node applies to the same entries the same way.
 *  - A deployment refused for trust (`trust_too_low`) is kept and tried again whenever a trust
 *    attestation is applied, so the outcome does not depend on whether the deployment or the
 *    attestation arrived first. Installation is monotone: a later drop in trust does not uninstall.
 *  - An own deployment is publish or nothing (deploy): installed only once gossip has agreed to
 *    take its message, so no contract is installed here that no other node can get.
 *  - Contract ledger operations go to the node's journal (core/ledger JournalLedgerPort): a
 *    call's transfers become one journal entry signed by the node. Executions that change shared
 *    state are published and verified by replay on every node (executions.ts); proofs of
 *    misbehavior against wrong receipts travel on `governance:receipts`. A caller-supplied
 *    LedgerPort (tests) keeps executions local.
 *
 * State-root components (core/node/state-root.ts), computed here from the contract runtime:
 *  contracts = sorted code hashes; installations = sorted [code hash, installation hash];
 *  contract_states = sorted [code hash, stateRoot(code hash, state)].
 */
import { Counter } from 'prom-client';
import { canonicalString } from '../canonical/index.js';
import {
  CallError,
  ContractActor,
  DeploymentMessage,
  stateRoot,
  type ContractConfig,
  type DeployOptions,
  type ExecuteRequest,
  type HandleResult,
  type LedgerPort,
  type VerifiedCall,
} from '../contracts/index.js';
import type { ContractCode } from '../contracts/index.js';
import type { ExecutionReceipt } from '../contracts/index.js';
import type { GossipEntry } from '../gossip/index.js';
import { contentHash, DOMAIN, type Hash } from '../hash/index.js';
import { createContractMetrics, type ContractMetrics } from '../metrics/index.js';
import { JournalLedgerPort } from '../ledger/index.js';
import {
  ContractExecutions,
  EXECUTION_RECORD_FORMAT,
  POM_REPORT_FORMAT,
  type ExecutionRecord,
} from './executions.js';
import type { IcnNode } from './node.js';
import { requirePublication } from './publication.js';

export const CONTRACT_ROOTS_VERSION = 'icn-node-contract-roots/v1';

export interface NodeContractsOptions {
  config?: Partial<ContractConfig>;
  /** A LedgerPort other than the node's journal: executions then stay local (not published). */
  ledger?: LedgerPort;
}

export class NodeContracts {
  readonly actor: ContractActor;
  readonly ledger: LedgerPort;
  readonly metrics: ContractMetrics;
  /** Deployments refused for trust, by gossip entry hash: retried when trust changes. */
  private readonly waitingForTrust = new Map<Hash, GossipEntry>();
  /** Every deployment entry's outcome on this node, by gossip entry hash (observations). */
  readonly outcomes = new Map<Hash, HandleResult>();
  /** Executions shared over gossip and proofs of misbehavior (null with a caller-supplied ledger). */
  readonly executions: ContractExecutions | null;
  /** Own deployments refused because gossip would not publish them. */
  private readonly publishRefusals: Counter<'reason'>;
  /** Local executions run one at a time (each starts from the state the previous one left). */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly node: IcnNode,
    o: NodeContractsOptions = {},
  ) {
    this.metrics = createContractMetrics(node.metrics.registry);
    this.publishRefusals = new Counter({
      name: 'icn_contract_deployments_publish_refused_total',
      help: 'Deployments from this node not installed because gossip refused their message, by gossip reason (too_large, rate_limited, evicted)',
      labelNames: ['reason'] as const,
      registers: [node.metrics.registry],
    });
    const journal = o.ledger ? null : new JournalLedgerPort(node.ledger, node.keypair);
    this.ledger = o.ledger ?? journal!;
    this.actor = new ContractActor({
      identity: node.keypair,
      trust: node.trust,
      ledger: this.ledger,
      clock: node.clock,
      metrics: this.metrics,
      config: {
        ...o.config,
        rateLimit: { maxDeployments: Number.MAX_SAFE_INTEGER, windowMs: 1, ...o.config?.rateLimit },
      },
    });
    node.setComponent('contracts', () => this.contractsRoot());
    node.setComponent('installations', () => this.installationsRoot());
    node.setComponent('contract_states', () => this.statesRoot());
    node.onTrustApplied(() => this.retryWaiting());
    node.onTopic('contracts:deploy', (e) => this.handle(e));
    const x = (this.executions = journal
      ? new ContractExecutions(node, this.actor, journal)
      : null);
    if (x) {
      node.onRecord('ledger:entries', EXECUTION_RECORD_FORMAT, (e) => x.handleRecord(e));
      node.onRecord('governance:receipts', POM_REPORT_FORMAT, (e) => x.handlePom(e));
      node.onApplied(() => x.retry());
    }
  }

  /**
   * Deploy from this node, publish or nothing: sign and judge the deployment (installing nothing),
   * ask gossip whether it takes the message on `contracts:deploy` whole (planPublication: not too
   * large, within this node's per-author quota, displacing none of its earlier deployments), and
   * only then install it and publish. A deployment gossip will not take throws PublishRefused
   * (NODE_PUBLISH_REFUSED with gossip's reason, retryAfterMs for rate_limited; counted in
   * icn_contract_deployments_publish_refused_total) and changes nothing else: no installation,
   * root, storage, gossip entry or other metric. A deployment the actor rejects is returned
   * (result.accepted false) and published neither; an identical one already installed
   * (result.duplicate) is published again under the same rule.
   */
  deploy(
    code: ContractCode,
    o: DeployOptions,
  ): { message: DeploymentMessage; result: HandleResult; entry: GossipEntry | undefined } {
    const staged = this.actor.stageDeploy(code, o);
    const { message } = staged;
    if (!staged.result.accepted)
      return { message, result: this.actor.commitDeploy(staged), entry: undefined }; // counts the rejection
    const prepared = requirePublication(
      this.node,
      'contracts:deploy',
      message.toJson(),
      "this deployment's message",
      `the contract ${staged.result.codeHash} was not installed`,
      (reason) => this.publishRefusals.inc({ reason }),
    );
    // Everything agreed: install, then publish (delivering our own entry finds it installed).
    // Nothing in between touches gossip or the runtime, so the actor decides as it did staged.
    const result = this.actor.commitDeploy(staged);
    if (!result.accepted) return { message, result, entry: undefined }; // (cannot happen: judged the same way as staged)
    this.node.invalidateRoots();
    const entry = this.node.commitPublish(prepared);
    if (!result.duplicate) this.node.notifyApplied();
    return { message, result, entry };
  }

  /** Publish a deployment message as given (tests and byzantine scenarios: forged or tampered). */
  publishRaw(message: unknown): GossipEntry {
    return this.node.publish('contracts:deploy', message);
  }

  /**
   * Run a rule here (the actor authorizes the caller). An execution that changes contract state or
   * the ledger is published for every node to verify by replay and adopt, and applied here only
   * if its record is published: see ContractExecutions.execute (PublishRefused, NODE_EXECUTION_RACE).
   */
  execute(req: ExecuteRequest): Promise<ExecutionReceipt> {
    const run = this.queue.then(() => this.executeNow(req));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Execute a caller-signed call (core/contracts/call.ts; `v` from verifyCall) here, at most once
   * in the network: refused with CallError CALL_WRONG_EXECUTOR when the call names another node as
   * its executor, CALL_REPLAYED when an execution of it is adopted here (this node's or gossiped);
   * else as execute(), with the call id in the receipt and the signed call in the record.
   */
  async executeCall(v: VerifiedCall): Promise<ExecutionReceipt> {
    if (v.call.executor !== this.node.id)
      throw new CallError(
        'CALL_WRONG_EXECUTOR',
        `call ${v.id} names ${v.call.executor} as its executor, this node is ${this.node.id}; send it there`,
        { executor: v.call.executor },
      );
    this.executions?.refuseAdoptedCall(v.id);
    const req: ExecuteRequest = {
      codeHash: v.call.codeHash,
      rule: v.call.rule,
      args: v.args,
      caller: v.call.caller,
      timestamp: v.timestamp,
      callId: v.id,
      ...(v.fuelLimit !== undefined ? { fuelLimit: v.fuelLimit } : {}),
    };
    const run = this.queue.then(() => this.executeNow(req, v));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async executeNow(req: ExecuteRequest, signed?: VerifiedCall): Promise<ExecutionReceipt> {
    if (this.executions) return this.executions.execute(req, signed);
    try {
      return await this.actor.execute(req); // a caller-supplied ledger: local, nothing to publish
    } finally {
      this.node.invalidateRoots(); // contract state and the ledger may have changed
    }
  }

  /** Publish an execution record as given (byzantine scenarios: a wrong receipt, a forged entry). */
  publishExecutionRaw(record: ExecutionRecord | Record<string, unknown>): GossipEntry {
    return this.node.publish('ledger:entries', record);
  }

  private handle(e: GossipEntry): void {
    const already = this.outcomes.get(e.hash);
    if (already?.accepted) return;
    let r: HandleResult;
    let msg: DeploymentMessage | undefined;
    try {
      msg = DeploymentMessage.fromJson(e.data);
    } catch {
      msg = undefined;
    }
    if (msg && this.actor.runtime.get(msg.codeHash as Hash) && e.author === this.node.id) {
      r = { accepted: true, codeHash: msg.codeHash as Hash, duplicate: true }; // our own deployment, installed by deploy()
    } else if (msg) r = this.actor.handleDeploymentMessage(msg);
    else r = this.actor.handleDeploymentWire(canonicalString(e.data as never));
    this.outcomes.set(e.hash, r);
    if (!r.accepted && r.reason === 'trust_too_low') this.waitingForTrust.set(e.hash, e);
    else this.waitingForTrust.delete(e.hash);
    if (r.accepted && !r.duplicate) this.node.notifyApplied(); // executions may wait for this installation
  }

  private retryWaiting(): void {
    if (this.waitingForTrust.size === 0) return;
    // Canonical order: entry timestamp, then hash (never the Map's insertion order).
    const es = [...this.waitingForTrust.values()].sort(
      (a, b) => a.timestamp - b.timestamp || (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0),
    );
    for (const e of es) this.handle(e);
  }

  installedCodeHashes(): Hash[] {
    return this.actor.runtime.codeHashes().slice().sort();
  }

  contractsRoot(): Hash {
    return contentHash(DOMAIN.componentRoot, {
      version: CONTRACT_ROOTS_VERSION,
      name: 'contracts',
      code: this.installedCodeHashes(),
    });
  }

  installationsRoot(): Hash {
    return contentHash(DOMAIN.componentRoot, {
      version: CONTRACT_ROOTS_VERSION,
      name: 'installations',
      installations: this.installedCodeHashes().map((h) => [
        h,
        this.actor.runtime.get(h)!.installationHash,
      ]),
    });
  }

  statesRoot(): Hash {
    return contentHash(DOMAIN.componentRoot, {
      version: CONTRACT_ROOTS_VERSION,
      name: 'contract_states',
      states: this.installedCodeHashes().map((h) => [
        h,
        stateRoot(h, this.actor.runtime.state(h) ?? new Map()),
      ]),
    });
  }
}
