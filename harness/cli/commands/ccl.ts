/**
 * `icn-harness ccl exec | replay | validate`: the commands and their options here; what each does
 * in ccl-actions.ts, loaded when one runs.
 */
import type { Command } from 'commander';
import { action } from '../exit.js';
import { DEFAULT_EXECUTOR_SEED, type ExecOptions } from './ccl-options.js';

export function register(program: Command): void {
  const ccl = program
    .command('ccl')
    .description(
      'CCL contracts (ICN JSON): validate a contract, execute a rule into a signed receipt',
    );
  registerExec(ccl);
  registerReplay(ccl);
  registerValidate(ccl);
}

function registerExec(ccl: Command): void {
  ccl
    .command('exec')
    .description(
      'run one rule of a contract in a local sandbox (unsigned local installation, participants-only callers) and print the signed execution receipt. Exit 0 ok, 1 a typed execution error or unauthorized caller, 2 bad files or arguments',
    )
    .argument('<contract>', 'contract JSON file (ICN externally tagged form)')
    .requiredOption('--rule <name>', 'rule to run')
    .option(
      '--args <json>',
      'JSON array of arguments: tagged values ({"Int":5}, {"Did":"did:icn:…"}, …) or bare integers, booleans, strings',
      '[]',
    )
    .requiredOption('--caller <did>', 'the calling DID (bound to `sender`)')
    .option('--state <file>', 'JSON object {name: value} overriding the initial state')
    .option('--fuel <n>', 'fuel limit, 1..1000000 (default 100000)')
    .option(
      '--timestamp <ms>',
      'the request timestamp (u64 ms) written into the receipt; never the clock',
      '0',
    )
    .option(
      '--capabilities <json>',
      "capabilities granted (default: read/write every declared state variable, write the caller's own ledger account)",
    )
    .option(
      '--ledger <file>',
      'JSON array of ledger rows before the call: [{account, currency, balance?, creditLimit?}] (i64 decimal strings)',
    )
    .option(
      '--executor-seed <hex>',
      'executor key seed, 64 hex characters (default: the well-known test seed 05…05)',
      DEFAULT_EXECUTOR_SEED,
    )
    .option('--json', 'print {receiptHash, value, error, receipt, witness} as JSON')
    .action(
      action('ccl exec', async (file: string, o: ExecOptions) =>
        (await import('./ccl-actions.js')).cclExec(file, o),
      ),
    );
}

function registerReplay(ccl: Command): void {
  ccl
    .command('replay')
    .description(
      'replay an execution for an auditor from its witness bundle alone and compare with the signed receipt. FILE is the output of `ccl exec --json` (or any {receipt, witness}). Exit 0 REPRODUCED, 1 MISMATCH (fields named), 2 unreadable or malformed',
    )
    .argument('<file>', 'JSON with receipt and witness')
    .option('--json', 'print the replay result as JSON')
    .action(
      action('ccl replay', async (file: string, o: { json?: boolean }) =>
        (await import('./ccl-actions.js')).cclReplay(file, o),
      ),
    );
}

function registerValidate(ccl: Command): void {
  ccl
    .command('validate')
    .description(
      "parse and validate a contract against ICN's limits; print its code hash v2 and ICN's legacy hash. Exit 0 valid, 1 invalid (path + reason), 2 unreadable file or not JSON",
    )
    .argument('<contract>', 'contract JSON file')
    .option('--json', 'print {ok, name, codeHash, legacyCodeHash, rules, error} as JSON')
    .action(
      action('ccl validate', async (file: string, o: { json?: boolean }) =>
        (await import('./ccl-actions.js')).cclValidate(file, o),
      ),
    );
}
