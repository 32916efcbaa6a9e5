/**
 * ContractActor: one node's contract service, with ICN's authorization (icn-ccl/src/actor.rs)
 * made sound.
 *
 *  - deploy: the local node deploys code it co-signs with the participants; no trust check for
 *    itself (ICN skips it for the local node); the message is verified exactly as a receiver would.
 *  - handleDeploymentMessage: verify everything (size, code, recomputed code hash, deployer
 *    signature, installation signatures and version chain), then the deployer's trust
 *    ≥ MIN_DEPLOYER_TRUST (0.4 = 400,000 ppm) unless it is this node, then the per-deployer rate
 *    limit; install. Every rejection has a named reason and is counted.
 *  - execute: participants always; non-participants only when the installation sets
 *    min_caller_trust and this node's trust in the caller reaches it.
 *
 * Trust comes from a TrustOracle (ppm integers); time for rate limiting from an injected Clock.
 */
import type { Capability } from '../ccl/index.js';
import type { Hash } from '../hash/index.js';
import { Did, type Keypair } from '../identity/index.js';
import { createContractMetrics, ppmLabel, type ContractMetrics } from '../metrics/index.js';
import type { Clock } from '../runtime/index.js';
import type { TrustOracle } from '../trust/oracle.js';
import { codeName, type ContractCode } from './code.js';
import { DEFAULT_MAX_CODE_BYTES, DeploymentMessage, verifyDeployment } from './deployment.js';
import { ContractError } from './errors.js';
import {
  installationBody,
  installationHash,
  signInstallation,
  withSignatures,
  type Installation,
  type InstallationBody,
  type InstallationSignature,
} from './installation.js';
import type { LedgerPort } from './ledger-port.js';
import type { RejectReason } from './reasons.js';
import type { ExecutionReceipt } from './receipt.js';
import {
  ContractRuntime,
  type ExecuteRequest,
  type Installed,
  type StagedExecution,
} from './runtime.js';

/** ICN's MIN_DEPLOYER_TRUST = 0.4, in parts per million. */
export const MIN_DEPLOYER_TRUST_PPM = 400_000;

export interface ContractConfig {
  /** Deployers (other than this node) need at least this trust, ppm. */
  readonly minDeployerTrustPpm: number;
  /** Limit on the canonical code size, bytes. */
  readonly maxCodeBytes: number;
  /** At most `maxDeployments` accepted deployments per deployer within any `windowMs`. */
  readonly rateLimit: { readonly maxDeployments: number; readonly windowMs: number };
  /** Witness bundles kept for replay. */
  readonly maxWitnesses: number;
}

export const DEFAULT_CONTRACT_CONFIG: ContractConfig = {
  minDeployerTrustPpm: MIN_DEPLOYER_TRUST_PPM,
  maxCodeBytes: DEFAULT_MAX_CODE_BYTES,
  rateLimit: { maxDeployments: 10, windowMs: 60_000 },
  maxWitnesses: 10_000,
};

export interface ContractActorOptions {
  /** The node's key: deployer of local deployments and executor signing receipts. */
  readonly identity: Keypair;
  readonly trust: TrustOracle;
  readonly ledger: LedgerPort;
  readonly clock: Clock;
  readonly metrics?: ContractMetrics;
  readonly config?: Partial<ContractConfig>;
}

export type HandleResult =
  | { readonly accepted: true; readonly codeHash: Hash; readonly duplicate: boolean }
  | { readonly accepted: false; readonly reason: RejectReason; readonly detail: string };

export interface DeployOptions {
  readonly capabilities: readonly Capability[];
  readonly minCallerTrustPpm?: number | null;
  /** u64 ms, chosen by the deployer and signed. */
  readonly installedAt: bigint;
  /** Signatures of the other participants over the installation body (see prepare()). */
  readonly signatures?: readonly InstallationSignature[];
  /** For an upgrade: the code hash of the version it replaces. */
  readonly previous?: Hash | null;
}

/** An execution staged by ContractActor.stageExecution, counted when committed. */
export interface StagedCall extends StagedExecution {
  readonly contractName: string;
  readonly stopTimer: () => void;
}

/** A local deployment signed and judged by ContractActor.stageDeploy, applied by commitDeploy. */
export interface StagedDeployment {
  readonly message: DeploymentMessage;
  /** What commitDeploy will do if nothing changes in between. */
  readonly result: HandleResult;
}

/** A deployment message judged (ContractActor.judge): what accepting it would do. */
type Judgement =
  | {
      kind: 'install';
      codeHash: Hash;
      code: ContractCode;
      installation: Installation;
      deployer: string;
      recent: number[];
    }
  | { kind: 'duplicate'; codeHash: Hash }
  | {
      kind: 'rejected';
      reason: RejectReason;
      detail: string;
      trust?: { deployer: string; score: number };
      recent?: { deployer: string; times: number[] };
    };

export class ContractActor {
  readonly runtime: ContractRuntime;
  readonly metrics: ContractMetrics;
  readonly config: ContractConfig;
  private readonly self: string;
  private readonly recentDeployments = new Map<string, number[]>();

  constructor(private readonly opts: ContractActorOptions) {
    this.config = {
      ...DEFAULT_CONTRACT_CONFIG,
      ...opts.config,
      rateLimit: { ...DEFAULT_CONTRACT_CONFIG.rateLimit, ...opts.config?.rateLimit },
    };
    this.metrics = opts.metrics ?? createContractMetrics();
    this.runtime = new ContractRuntime(opts.identity, opts.ledger, this.config.maxWitnesses);
    this.self = opts.identity.did.toString();
  }

  get did(): string {
    return this.self;
  }

  /** The installation body participants must sign for this deployment (version chain filled in). */
  prepare(code: ContractCode, o: Omit<DeployOptions, 'signatures'>): InstallationBody {
    const prev = o.previous ? this.runtime.get(o.previous) : undefined;
    if (o.previous && !prev)
      throw new ContractError(
        'CONTRACT_NOT_FOUND',
        `previous version ${o.previous} is not installed here`,
      );
    return installationBody({
      code,
      deployer: this.self,
      capabilities: o.capabilities,
      minCallerTrustPpm: o.minCallerTrustPpm ?? null,
      installedAt: o.installedAt,
      version: prev ? prev.installation.version + 1 : 1,
      previous: o.previous ?? null,
    });
  }

  /** Deploy from this node: sign, verify like any receiver (without the trust check for itself), install. */
  deploy(
    code: ContractCode,
    o: DeployOptions,
  ): { message: DeploymentMessage; result: HandleResult } {
    const staged = this.stageDeploy(code, o);
    return { message: staged.message, result: this.commitDeploy(staged) };
  }

  /**
   * deploy() up to the decision: sign the message and judge it as a receiver would, installing,
   * counting and remembering nothing. `result` is what commitDeploy will do if nothing changes in
   * between (a caller that must publish the message first: core/node NodeContracts.deploy).
   */
  stageDeploy(code: ContractCode, o: DeployOptions): StagedDeployment {
    const body = this.prepare(code, o);
    const inst = withSignatures(body, [
      ...(o.signatures ?? []),
      signInstallation(body, this.opts.identity),
    ]);
    const message = DeploymentMessage.create(code, inst, this.opts.identity);
    const j = this.judge(message, this.opts.clock.nowMs());
    return {
      message,
      result:
        j.kind === 'install'
          ? { accepted: true, codeHash: j.codeHash, duplicate: false }
          : j.kind === 'duplicate'
            ? { accepted: true, codeHash: j.codeHash, duplicate: true }
            : { accepted: false, reason: j.reason, detail: j.detail },
    };
  }

  /** Judge a staged deployment again and apply it: install and count (or count its rejection). */
  commitDeploy(s: StagedDeployment): HandleResult {
    const result = this.accept(s.message);
    if (result.accepted && !result.duplicate) this.metrics.deployments.inc();
    return result;
  }

  /** A deployment message from the network (gossip topic `contracts:deploy`). */
  handleDeploymentMessage(msg: DeploymentMessage): HandleResult {
    this.metrics.deploymentsReceived.inc();
    return this.accept(msg);
  }

  /** The same, from the wire form: a message that does not even parse is rejected as `malformed`. */
  handleDeploymentWire(text: string): HandleResult {
    // Refuse oversized input before parsing it (the code limit plus room for 100 participants' signatures).
    const maxWire = this.config.maxCodeBytes + 256 * 1024;
    if (text.length > maxWire) {
      this.metrics.deploymentsReceived.inc();
      return this.rejected(
        'too_large',
        `the message has ${text.length} characters, more than ${maxWire}`,
      );
    }
    let msg: DeploymentMessage;
    try {
      msg = DeploymentMessage.fromWire(text);
    } catch (e) {
      this.metrics.deploymentsReceived.inc();
      return this.rejected('malformed', (e as Error).message);
    }
    return this.handleDeploymentMessage(msg);
  }

  private rejected(reason: RejectReason, detail: string): HandleResult {
    this.metrics.deploymentsRejected.inc({ reason });
    return { accepted: false, reason, detail };
  }

  private accept(msg: DeploymentMessage): HandleResult {
    const now = this.opts.clock.nowMs();
    const j = this.judge(msg, now);
    if (j.kind === 'duplicate') return { accepted: true, codeHash: j.codeHash, duplicate: true };
    if (j.kind === 'rejected') {
      if (j.recent) this.recentDeployments.set(j.recent.deployer, j.recent.times);
      if (j.trust)
        this.metrics.deploymentsRejectedTrust.inc({
          deployer: j.trust.deployer,
          trust_score: ppmLabel(j.trust.score),
        });
      return this.rejected(j.reason, j.detail);
    }
    this.recentDeployments.set(j.deployer, [...j.recent, now]);
    this.runtime.install(j.code, j.installation);
    this.metrics.installed.set(this.runtime.size);
    return { accepted: true, codeHash: j.codeHash, duplicate: false };
  }

  /** What accept() would do with `msg` at `now`, changing nothing (no install, metric or rate-limit record). */
  private judge(msg: DeploymentMessage, now: number): Judgement {
    const v = verifyDeployment(msg, {
      maxCodeBytes: this.config.maxCodeBytes,
      previousOf: (h) => this.runtime.get(h)?.installation ?? null,
    });
    if (!v.ok) return { kind: 'rejected', reason: v.reason, detail: v.detail };
    const inst = v.installation;
    const existing = this.runtime.get(v.codeHash);
    if (existing) {
      if (existing.installationHash === installationHash(inst))
        return { kind: 'duplicate', codeHash: v.codeHash };
      return {
        kind: 'rejected',
        reason: 'already_installed',
        detail: `code ${v.codeHash} is already installed with another installation`,
      };
    }
    if (inst.previous !== null && this.runtime.get(inst.previous)?.successor != null) {
      return {
        kind: 'rejected',
        reason: 'version_invalid',
        detail: `version ${inst.version - 1} (${inst.previous}) already has a successor`,
      };
    }
    const deployer = inst.installedBy;
    if (deployer !== this.self) {
      const score = this.opts.trust.scorePpm(this.opts.identity.did, didOf(deployer));
      if (!(score >= this.config.minDeployerTrustPpm)) {
        return {
          kind: 'rejected',
          reason: 'trust_too_low',
          detail: `deployer ${deployer} has trust ${ppmLabel(score)}, below ${ppmLabel(this.config.minDeployerTrustPpm)}`,
          trust: { deployer, score },
        };
      }
    }
    const { maxDeployments, windowMs } = this.config.rateLimit;
    const recent = (this.recentDeployments.get(deployer) ?? []).filter((t) => t > now - windowMs);
    if (recent.length >= maxDeployments) {
      return {
        kind: 'rejected',
        reason: 'rate_limited',
        detail: `deployer ${deployer} already deployed ${recent.length} contracts in the last ${windowMs} ms (limit ${maxDeployments})`,
        recent: { deployer, times: recent },
      };
    }
    return {
      kind: 'install',
      codeHash: v.codeHash,
      code: v.code,
      installation: inst,
      deployer,
      recent,
    };
  }

  /** May `caller` run rules of this installation? Participants always; others by min_caller_trust. */
  authorize(inst: Installed, caller: string): { ok: true } | { ok: false; why: string } {
    if (inst.installation.participants.includes(caller)) return { ok: true };
    const min = inst.installation.minCallerTrustPpm;
    if (min === null)
      return {
        ok: false,
        why: `${caller} is not a participant and the contract admits participants only`,
      };
    const score = this.opts.trust.scorePpm(this.opts.identity.did, didOf(caller));
    if (score >= min) return { ok: true };
    return {
      ok: false,
      why: `${caller} is not a participant and has trust ${ppmLabel(score)}, below the contract's min_caller_trust ${ppmLabel(min)}`,
    };
  }

  /** The name for execute(). */
  executeRule(req: ExecuteRequest): Promise<ExecutionReceipt> {
    return this.execute(req);
  }

  /** ICN's dry run (same authorization, no side effects, no receipt, not counted as an execution). */
  async dryRun(req: ExecuteRequest): ReturnType<ContractRuntime['dryRun']> {
    const inst = this.runtime.get(req.codeHash);
    if (!inst)
      throw new ContractError(
        'CONTRACT_NOT_FOUND',
        `no contract with code hash ${req.codeHash} is installed`,
      );
    const caller = didOf(req.caller).toString();
    const auth = this.authorize(inst, caller);
    if (!auth.ok) throw new ContractError('CONTRACT_UNAUTHORIZED', auth.why, { caller });
    return this.runtime.dryRun({ ...req, caller });
  }

  /**
   * Execute a rule: authorize, run, apply ledger ops atomically, commit state, sign the receipt.
   * Throws ContractError for a caller who may not call (counted), an unknown contract, or an
   * engine that cannot run here; every other failure is an outcome inside the receipt.
   */
  async execute(req: ExecuteRequest): Promise<ExecutionReceipt> {
    const call = await this.stageExecution(req);
    this.commitExecution(call);
    return call.receipt;
  }

  /**
   * execute() up to the commit: authorize (a refused caller is counted here) and run against
   * `ledger` (default: the actor's), keeping nothing and counting nothing else. With a ledger that
   * prepares instead of applying, nothing has changed until commitExecution().
   */
  async stageExecution(req: ExecuteRequest, ledger?: LedgerPort): Promise<StagedCall> {
    const inst = this.runtime.get(req.codeHash);
    if (!inst)
      throw new ContractError(
        'CONTRACT_NOT_FOUND',
        `no contract with code hash ${req.codeHash} is installed`,
      );
    let caller: string;
    try {
      caller = didOf(req.caller).toString();
    } catch (e) {
      throw new ContractError('CONTRACT_ARGS', `caller: ${(e as Error).message}`);
    }
    const auth = this.authorize(inst, caller);
    if (!auth.ok) {
      this.metrics.executionsRejectedUnauthorized.inc({ caller });
      throw new ContractError('CONTRACT_UNAUTHORIZED', auth.why, { caller });
    }
    // The duration observed at commit covers the run and whatever the caller checks before committing.
    const stopTimer = this.metrics.duration.startTimer();
    const run = await this.runtime.stage({ ...req, caller }, ledger);
    return { ...run, contractName: codeName(inst.code), stopTimer };
  }

  /** Commit a staged call (ContractRuntime.commit: CONTRACT_STATE_RACE if the state moved) and count it. */
  commitExecution(call: StagedCall): void {
    this.runtime.commit(call);
    const { receipt } = call;
    call.stopTimer();
    const labels = { contract_name: call.contractName, rule_name: receipt.rule };
    this.metrics.executions.inc(labels);
    this.metrics.fuelUsed.observe(Number(receipt.fuelUsed));
    if (receipt.outcome.status === 'error')
      this.metrics.executionsFailed.inc({ ...labels, error: receipt.outcome.code });
    if (receipt.ledgerOps.length > 0) this.metrics.ledgerOperations.inc(receipt.ledgerOps.length);
  }
}

function didOf(s: string): Did {
  return Did.parse(s);
}
