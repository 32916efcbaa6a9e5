/**
 * ContractRuntime: a node's installed contracts, their states, their version chains and the
 * witness bundles of executions. Sans-IO and policy-free: it installs what it is given (the actor
 * decides what to accept) and runs executions (the actor decides who may call).
 */
import { initialState, type Value } from '../ccl/index.js';
import type { Hash } from '../hash/index.js';
import type { ContractCode } from './code.js';
import { ContractError } from './errors.js';
import { runExecution, witnessHash, type WitnessBundle } from './execution.js';
import { installationHash, type Installation } from './installation.js';
import type { LedgerPort } from './ledger-port.js';
import { signReceipt, type ExecutionReceipt } from './receipt.js';
import type { Keypair } from '../identity/index.js';
import { DEFAULT_FUEL, execute, type LedgerOp } from '../ccl/index.js';
import { InMemoryLedger } from './ledger-port.js';
import type { Outcome } from './receipt.js';

export interface Installed {
  readonly code: ContractCode;
  readonly installation: Installation;
  readonly installationHash: Hash;
  /** Code hash of the version that replaced this one, if any. */
  successor: Hash | null;
}

export interface ExecuteRequest {
  readonly codeHash: Hash;
  readonly rule: string;
  readonly args: readonly Value[];
  readonly caller: string;
  /** u64 ms, part of the request (it goes into the receipt; the clock never does). */
  readonly timestamp: bigint;
  readonly fuelLimit?: number;
  /** The id of the signed call this request carries out (core/contracts/call.ts); it goes into the receipt. */
  readonly callId?: Hash;
}

/** An execution run and signed, not yet committed (ContractRuntime.stage / commit). */
export interface StagedExecution {
  readonly receipt: ExecutionReceipt;
  readonly witness: WitnessBundle;
  /** The contract state the run leaves (its state before, on failure). */
  readonly stateAfter: ReadonlyMap<string, Value>;
  /** The state object the run started from: commit() checks it is still the contract's. */
  readonly base: ReadonlyMap<string, Value>;
}

export class ContractRuntime {
  private readonly installed = new Map<Hash, Installed>();
  private readonly states = new Map<Hash, Map<string, Value>>();
  private readonly witnesses = new Map<Hash, WitnessBundle>();

  constructor(
    /** Signs receipts. */
    private readonly executor: Keypair,
    private readonly ledger: LedgerPort,
    /** Keep at most this many witness bundles (oldest dropped first). */
    private readonly maxWitnesses = 10_000,
  ) {}

  get size(): number {
    return this.installed.size;
  }

  get(codeHash: Hash): Installed | undefined {
    return this.installed.get(codeHash);
  }

  /** Every installed code hash, sorted. */
  codeHashes(): Hash[] {
    return [...this.installed.keys()].sort();
  }

  install(code: ContractCode, installation: Installation): void {
    if (this.installed.has(installation.codeHash)) return;
    this.installed.set(installation.codeHash, {
      code,
      installation,
      installationHash: installationHash(installation),
      successor: null,
    });
    if (installation.previous !== null) {
      const prev = this.installed.get(installation.previous);
      if (prev) prev.successor = installation.codeHash;
    }
    this.states.set(
      installation.codeHash,
      code.engine === 'ccl' ? initialState(code.contract) : new Map(),
    );
  }

  /** The version chain containing `codeHash`, from version 1 to the latest. */
  versions(codeHash: Hash): Installed[] {
    let cur = this.installed.get(codeHash);
    if (!cur) return [];
    while (cur.installation.previous !== null) {
      const prev = this.installed.get(cur.installation.previous);
      if (!prev) break;
      cur = prev;
    }
    const out: Installed[] = [cur];
    while (cur.successor !== null) {
      const next = this.installed.get(cur.successor);
      if (!next) break;
      out.push(next);
      cur = next;
    }
    return out;
  }

  /** The latest version of the chain `codeHash` belongs to. */
  latest(codeHash: Hash): Installed | undefined {
    return this.versions(codeHash).at(-1);
  }

  state(codeHash: Hash): ReadonlyMap<string, Value> | undefined {
    return this.states.get(codeHash);
  }

  /**
   * Replace an installed contract's state (a node adopting the state of an execution it verified
   * by replay elsewhere). The runtime does not judge it; the caller has checked it.
   */
  setState(codeHash: Hash, state: ReadonlyMap<string, Value>): void {
    if (!this.installed.has(codeHash))
      throw new ContractError(
        'CONTRACT_NOT_FOUND',
        `no contract with code hash ${codeHash} is installed`,
      );
    this.states.set(codeHash, new Map(state));
  }

  witness(hash: Hash): WitnessBundle | undefined {
    return this.witnesses.get(hash);
  }

  /**
   * ICN's dry run: execute against the current state and report what would happen (value, fuel,
   * state keys written, ledger ops), dropping every side effect: no state commit, no ledger
   * change, no receipt. Ledger ops are not checked against balances (nothing is applied).
   */
  async dryRun(req: ExecuteRequest): Promise<{
    outcome: Outcome;
    value: Value | null;
    fuelUsed: string;
    changedKeys: string[];
    ledgerOps: readonly LedgerOp[];
  }> {
    const inst = this.installed.get(req.codeHash);
    if (!inst)
      throw new ContractError(
        'CONTRACT_NOT_FOUND',
        `no contract with code hash ${req.codeHash} is installed`,
      );
    const state = this.states.get(req.codeHash)!;
    if (inst.code.engine === 'ccl') {
      const r = execute({
        contract: inst.code.contract,
        rule: req.rule,
        args: req.args,
        caller: req.caller,
        state,
        capabilities: inst.installation.capabilities,
        fuelLimit: req.fuelLimit ?? DEFAULT_FUEL,
      });
      if (!r.ok)
        return {
          outcome: {
            status: 'error',
            code: r.error.code,
            path: typeof r.error.details.path === 'string' ? r.error.details.path : null,
          },
          value: null,
          fuelUsed: String(r.fuelUsed),
          changedKeys: [],
          ledgerOps: [],
        };
      return {
        outcome: { status: 'ok' },
        value: r.value,
        fuelUsed: String(r.fuelUsed),
        changedKeys: [...r.changedKeys],
        ledgerOps: r.ledgerOps,
      };
    }
    const out = await runExecution(
      {
        code: inst.code,
        installation: inst.installation,
        rule: req.rule,
        args: req.args,
        caller: req.caller,
        timestamp: req.timestamp,
        fuelLimit: req.fuelLimit ?? DEFAULT_FUEL,
        state,
      },
      new InMemoryLedger(),
      this.executor.did.toString(),
    );
    return {
      outcome: out.body.outcome,
      value: out.value,
      fuelUsed: out.body.fuelUsed,
      changedKeys: [],
      ledgerOps: [],
    };
  }

  /** Execute a rule (no authorization here: see ContractActor). Commits state on success. */
  async execute(req: ExecuteRequest): Promise<ExecutionReceipt> {
    const run = await this.stage(req);
    this.commit(run);
    return run.receipt;
  }

  /**
   * Run a rule against `ledger` (default: the runtime's own) and sign its receipt, keeping
   * nothing: the contract state and the witness are kept by commit(). With a ledger that
   * prepares instead of applying (core/ledger StagedJournal) the run changes nothing at all, so a
   * caller can still refuse it (core/node: when its record cannot be published).
   */
  async stage(req: ExecuteRequest, ledger: LedgerPort = this.ledger): Promise<StagedExecution> {
    const inst = this.installed.get(req.codeHash);
    if (!inst)
      throw new ContractError(
        'CONTRACT_NOT_FOUND',
        `no contract with code hash ${req.codeHash} is installed`,
      );
    const base = this.states.get(req.codeHash)!;
    const out = await runExecution(
      {
        code: inst.code,
        installation: inst.installation,
        rule: req.rule,
        args: req.args,
        caller: req.caller,
        timestamp: req.timestamp,
        fuelLimit: req.fuelLimit ?? DEFAULT_FUEL,
        state: base,
        ...(req.callId !== undefined ? { callId: req.callId } : {}),
      },
      ledger,
      this.executor.did.toString(),
    );
    return {
      receipt: signReceipt(out.body, this.executor),
      witness: out.witness,
      stateAfter: out.stateAfter,
      base,
    };
  }

  /**
   * Keep a staged run: its state becomes the contract's, its witness is kept for replay. Throws
   * CONTRACT_STATE_RACE (nothing changed) when the contract's state is no longer the one the run
   * started from (an adoption or another commit in between).
   */
  commit(run: StagedExecution): void {
    const h = run.receipt.codeHash;
    if (this.states.get(h) !== run.base)
      throw new ContractError(
        'CONTRACT_STATE_RACE',
        `the state of ${h} changed while an execution from it ran; run it again`,
      );
    this.states.set(h, new Map(run.stateAfter));
    const w = witnessHash(run.witness);
    this.witnesses.set(w, run.witness);
    if (this.witnesses.size > this.maxWitnesses)
      this.witnesses.delete(this.witnesses.keys().next().value!);
  }
}
