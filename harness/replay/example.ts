/**
 * A sample replay bundle for auditors to try `replay` on: the Calculator contract
 * (contracts/calculator.json) deployed by a fixed-seed node and executed once, add(5, 3), with its
 * signed receipt and witness bundle. Deterministic: the same bytes on every machine.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseStrictJson } from '../../core/canonical/index.js';
import { loadContract, parseArgs, parseCapabilities } from '../../core/ccl/index.js';
import {
  ContractActor,
  InMemoryLedger,
  receiptToJson,
  type ContractCode,
} from '../../core/contracts/index.js';
import { keyFromByte, TableTrust } from '../../core/contracts/testkit.js';
import { ManualClock } from '../../core/runtime/index.js';
import { BUNDLE_FORMAT } from './replayers.js';

export async function calculatorBundle(repoRoot: string): Promise<Record<string, unknown>> {
  const alice = keyFromByte(1);
  const code: ContractCode = {
    engine: 'ccl',
    contract: loadContract(
      parseStrictJson(
        readFileSync(join(repoRoot, 'contracts', 'calculator.json'), 'utf8'),
        'contracts/calculator.json',
      ),
    ),
  };
  const actor = new ContractActor({
    identity: alice,
    trust: new TableTrust(),
    ledger: new InMemoryLedger(),
    clock: new ManualClock(1_000),
    config: {},
  });
  const opts = {
    capabilities: parseCapabilities([{ WriteLedger: { accounts: ['$caller'] } }]),
    minCallerTrustPpm: null,
    installedAt: 1_700_000_000_000n,
    previous: null,
  };
  actor.prepare(code, opts);
  const deployed = actor.deploy(code, { ...opts, signatures: [] });
  if (!deployed.result.accepted)
    throw new Error(`example deployment rejected: ${deployed.result.reason}`);
  const receipt = await actor.execute({
    codeHash: deployed.result.codeHash,
    rule: 'add',
    args: parseArgs([5, 3]),
    caller: alice.did.toString(),
    timestamp: 1_700_000_000_123n,
  });
  const witness = actor.runtime.witness(receipt.witness);
  if (!witness) throw new Error('example: the runtime kept no witness');
  return {
    format: BUNDLE_FORMAT,
    description: 'Calculator.add(5, 3) executed by did:icn (seed 0x01…): receipt and witness',
    receipt: receiptToJson(receipt),
    witness,
  };
}
