/**
 * Sandbox execution: run one rule of a contract document outside any node, as `icn-harness ccl
 * exec` and the ccl vectors do. The installation is local and unsigned (no participant keys are
 * at hand): installed_at 0, deployer = the first participant, version 1. Authorization follows
 * ICN (participants only). The receipt is signed by the given executor key and is reproducible
 * bit for bit from the same inputs.
 */
import {
  parseCapabilities,
  loadContract,
  parseArgs,
  valueFromJson,
  initialState,
  DEFAULT_FUEL,
  type Capability,
  type Value,
} from '../ccl/index.js';
import { dec } from '../canonical/index.js';
import type { IcnError } from '../errors.js';
import type { Keypair } from '../identity/index.js';
import { Did } from '../identity/index.js';
import type { ContractCode } from './code.js';
import { ContractError } from './errors.js';
import { runExecution, type WitnessBundle } from './execution.js';
import { installationBody, withSignatures } from './installation.js';
import { InMemoryLedger } from './ledger-port.js';
import { signReceipt, type ExecutionReceipt } from './receipt.js';

export interface SandboxRequest {
  /** The contract document (ICN JSON). */
  readonly contract: unknown;
  readonly rule: string;
  /** Arguments (JSON array: tagged values, or bare integers/booleans/strings). */
  readonly args: unknown;
  readonly caller: string;
  /** State overrides: `{name: value JSON}` on top of the initial state. */
  readonly state?: unknown;
  readonly fuel?: number;
  /** u64 ms (default 0). */
  readonly timestamp?: bigint;
  /** Capabilities JSON; default: read/write every declared state variable, write the caller's own ledger account. */
  readonly capabilities?: unknown;
  /** Ledger rows before the call: `[{account, currency, balance?, creditLimit?}]` (i64 decimal strings). */
  readonly ledger?: unknown;
  readonly executor: Keypair;
}

export interface SandboxResult {
  readonly receipt: ExecutionReceipt;
  readonly witness: WitnessBundle;
  readonly state: ReadonlyMap<string, Value>;
  readonly ledger: InMemoryLedger;
  /** The returned value (when the outcome is ok) — the receipt only carries its hash. */
  readonly value: Value | null;
  /** The typed error behind an error outcome (full message). */
  readonly error: IcnError | null;
}

export function defaultCapabilities(code: ContractCode): Capability[] {
  const keys = code.engine === 'ccl' ? code.contract.stateVars.map((v) => v.name) : [];
  return parseCapabilities([
    { ReadState: { keys } },
    { WriteState: { keys } },
    { ReadLedger: { accounts: ['$caller'] } },
    { WriteLedger: { accounts: ['$caller'] } },
  ]);
}

/**
 * Throws CclError (bad contract, args, state, capabilities) and ContractError CONTRACT_UNAUTHORIZED
 * / CONTRACT_ARGS before anything runs; every execution failure is an outcome in the receipt.
 */
export async function sandboxExecute(req: SandboxRequest): Promise<SandboxResult> {
  const contract = loadContract(req.contract);
  const code: ContractCode = { engine: 'ccl', contract };
  const args = parseArgs(req.args, '$.args');
  let caller: string;
  try {
    caller = Did.parse(req.caller).toString();
  } catch (e) {
    throw new ContractError('CONTRACT_ARGS', `caller: ${(e as Error).message}`);
  }
  if (!contract.participants.includes(caller))
    throw new ContractError(
      'CONTRACT_UNAUTHORIZED',
      `${caller} is not a participant of ${contract.name} (participants only)`,
      { caller },
    );
  const state = initialState(contract);
  if (req.state !== undefined) {
    if (typeof req.state !== 'object' || req.state === null || Array.isArray(req.state))
      throw new ContractError('CONTRACT_ARGS', 'state must be an object {name: value}');
    const o = req.state as Record<string, unknown>;
    for (const k of Object.keys(o).sort())
      state.set(k, valueFromJson(o[k], `$.state[${JSON.stringify(k)}]`));
  }
  const capabilities =
    req.capabilities === undefined
      ? defaultCapabilities(code)
      : parseCapabilities(req.capabilities, '$.capabilities');
  const ledger = new InMemoryLedger();
  if (req.ledger !== undefined) {
    if (!Array.isArray(req.ledger))
      throw new ContractError(
        'CONTRACT_ARGS',
        'ledger must be an array of {account, currency, balance?, creditLimit?}',
      );
    req.ledger.forEach((row: Record<string, unknown>, i: number) => {
      try {
        const account = Did.parse(row.account as string).toString();
        if (typeof row.currency !== 'string') throw new Error('currency must be a string');
        if (row.balance !== undefined)
          ledger.setBalance(account, row.currency, dec.i64(row.balance as string));
        if (row.creditLimit !== undefined)
          ledger.setCreditLimit(account, row.currency, dec.i64(row.creditLimit as string));
      } catch (e) {
        throw new ContractError('CONTRACT_ARGS', `ledger[${i}]: ${(e as Error).message}`);
      }
    });
  }
  const body = installationBody({
    code,
    deployer: contract.participants[0]!,
    capabilities,
    installedAt: 0n,
  });
  const installation = withSignatures(body, []);
  const fuelLimit = req.fuel ?? DEFAULT_FUEL;
  const out = await runExecution(
    {
      code,
      installation,
      rule: req.rule,
      args,
      caller,
      timestamp: req.timestamp ?? 0n,
      fuelLimit,
      state,
    },
    ledger,
    req.executor.did.toString(),
  );
  const receipt = signReceipt(out.body, req.executor);
  return {
    receipt,
    witness: out.witness,
    state: out.stateAfter,
    ledger,
    value: out.value,
    error: out.error,
  };
}
