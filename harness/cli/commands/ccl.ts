import type { Command } from 'commander';
import { action, EXIT } from '../exit.js';

/** The executor key of `ccl exec` unless --executor-seed: seed 0x05 × 32, a well-known test key (receipts are reproducible, not trustworthy). */
const DEFAULT_EXECUTOR_SEED = '05'.repeat(32);

interface ExecOptions {
  rule: string;
  args: string;
  caller: string;
  state?: string;
  fuel?: string;
  timestamp: string;
  capabilities?: string;
  ledger?: string;
  executorSeed: string;
  json?: boolean;
}

export function register(program: Command): void {
  const ccl = program.command('ccl').description('CCL contracts (ICN JSON): validate a contract, execute a rule into a signed receipt');

  ccl
    .command('exec')
    .description(
      'run one rule of a contract in a local sandbox (unsigned local installation, participants-only callers) and print the signed execution receipt. Exit 0 ok, 1 a typed execution error or unauthorized caller, 2 bad files or arguments',
    )
    .argument('<contract>', 'contract JSON file (ICN externally tagged form)')
    .requiredOption('--rule <name>', 'rule to run')
    .option('--args <json>', 'JSON array of arguments: tagged values ({"Int":5}, {"Did":"did:icn:…"}, …) or bare integers, booleans, strings', '[]')
    .requiredOption('--caller <did>', 'the calling DID (bound to `sender`)')
    .option('--state <file>', 'JSON object {name: value} overriding the initial state')
    .option('--fuel <n>', 'fuel limit, 1..1000000 (default 100000)')
    .option('--timestamp <ms>', 'the request timestamp (u64 ms) written into the receipt; never the clock', '0')
    .option('--capabilities <json>', 'capabilities granted (default: read/write every declared state variable, write the caller\'s own ledger account)')
    .option('--ledger <file>', 'JSON array of ledger rows before the call: [{account, currency, balance?, creditLimit?}] (i64 decimal strings)')
    .option('--executor-seed <hex>', 'executor key seed, 64 hex characters (default: the well-known test seed 05…05)', DEFAULT_EXECUTOR_SEED)
    .option('--json', 'print {receiptHash, value, error, receipt, witness} as JSON')
    .action(
      action('ccl exec', async (file: string, o: ExecOptions) => {
        const { parseStrictJson, canonicalString, dec } = await import('../../../core/canonical/index.js');
        const { readJsonFile, UsageError } = await import('../../io/files.js');
        const { parsePositiveInt } = await import('../options.js');
        const { Keypair } = await import('../../../core/identity/index.js');
        const { CclError, MAX_FUEL, showValue, valueToJson } = await import('../../../core/ccl/index.js');
        const { sandboxExecute, receiptHash, receiptToJson, ContractError } = await import('../../../core/contracts/index.js');
        const { IcnError } = await import('../../../core/errors.js');
        const json = (flag: string, text: string): unknown => {
          try {
            return parseStrictJson(text, flag);
          } catch (e) {
            throw new UsageError('USAGE_JSON', `${flag}: ${(e as Error).message}`);
          }
        };
        const contract = readJsonFile(file);
        const args = json('--args', o.args);
        const state = o.state === undefined ? undefined : readJsonFile(o.state);
        const ledger = o.ledger === undefined ? undefined : readJsonFile(o.ledger);
        const capabilities = o.capabilities === undefined ? undefined : json('--capabilities', o.capabilities);
        const fuel = o.fuel === undefined ? undefined : parsePositiveInt('--fuel', o.fuel, MAX_FUEL);
        if (!/^(0|[1-9][0-9]*)$/.test(o.timestamp) || BigInt(o.timestamp) >= 1n << 64n) throw new UsageError('USAGE_INT', `--timestamp ${JSON.stringify(o.timestamp)}: a u64 decimal (milliseconds)`);
        let executor;
        try {
          executor = Keypair.fromSeed(dec.bytes(o.executorSeed));
        } catch (e) {
          throw new UsageError('USAGE_SEED', `--executor-seed: ${(e as Error).message} (64 lowercase hex characters)`);
        }
        let r;
        try {
          r = await sandboxExecute({ contract, rule: o.rule, args, caller: o.caller, state, fuel, timestamp: BigInt(o.timestamp), capabilities, ledger, executor });
        } catch (e) {
          if (e instanceof ContractError && e.code === 'CONTRACT_UNAUTHORIZED') {
            process.stderr.write(`icn-harness ccl exec: ${e.code}: ${e.message}\n`);
            return EXIT.negative;
          }
          // A contract, argument or state that does not parse is bad input (exit 2), with its path.
          if (e instanceof CclError || e instanceof IcnError) throw new UsageError(e.code, `${file}: ${e.message}`, e.details);
          throw e;
        }
        const rc = r.receipt;
        const hash = receiptHash(rc);
        const error = r.error ? { code: r.error.code, message: r.error.message, path: rc.outcome.status === 'error' ? rc.outcome.path : null } : null;
        if (o.json) {
          process.stdout.write(`${canonicalString({ receiptHash: hash, value: r.value ? valueToJson(r.value) : null, error, receipt: receiptToJson(rc), witness: r.witness as never })}\n`);
        } else {
          const name = (contract as { name?: unknown }).name;
          process.stdout.write(`${String(name)}.${o.rule} → ${r.value ? showValue(r.value) : rc.outcome.status === 'ok' ? 'None' : `error ${error?.code}`}\n`);
          if (error) process.stdout.write(`error     ${error.message}\n`);
          process.stdout.write(`fuel      ${rc.fuelUsed} / ${rc.fuelLimit}\n`);
          if (rc.ledgerOps.length > 0) process.stdout.write(`ledger    ${canonicalString(rc.ledgerOps)}\n`);
          process.stdout.write(`state     ${rc.stateRootBefore} → ${rc.stateRootAfter}\n`);
          process.stdout.write(`executor  ${rc.executor}${o.executorSeed === DEFAULT_EXECUTOR_SEED ? ' (well-known test key)' : ''}\n`);
          process.stdout.write(`receipt   ${hash}\n${canonicalString(receiptToJson(rc))}\n`);
        }
        return rc.outcome.status === 'ok' ? EXIT.ok : EXIT.negative;
      }),
    );

  ccl
    .command('replay')
    .description(
      'replay an execution for an auditor from its witness bundle alone and compare with the signed receipt. FILE is the output of `ccl exec --json` (or any {receipt, witness}). Exit 0 REPRODUCED, 1 MISMATCH (fields named), 2 unreadable or malformed',
    )
    .argument('<file>', 'JSON with receipt and witness')
    .option('--json', 'print the replay result as JSON')
    .action(
      action('ccl replay', async (file: string, o: { json?: boolean }) => {
        const { readJsonFile, UsageError } = await import('../../io/files.js');
        const { canonicalString } = await import('../../../core/canonical/index.js');
        const { receiptFromJson, receiptHash, replayReceipt, witnessFromJson } = await import('../../../core/contracts/index.js');
        const doc = readJsonFile(file) as Record<string, unknown> | null;
        if (typeof doc !== 'object' || doc === null || !('receipt' in doc) || !('witness' in doc)) throw new UsageError('USAGE_INPUT', `${file}: expected an object with "receipt" and "witness" (the output of ccl exec --json)`);
        // `ccl exec --json` output: its top-level fields are checked against the receipt first
        if (Object.keys(doc).some((k) => k !== 'receipt' && k !== 'witness')) await (await import('../../replay/replayers.js')).checkExecOutput(doc, file);
        const receipt = receiptFromJson(doc.receipt);
        const witness = witnessFromJson(doc.witness);
        const r = await replayReceipt(witness, receipt);
        const out = { result: r.ok ? 'REPRODUCED' : 'MISMATCH', receiptHash: receiptHash(receipt), signatureValid: r.signatureValid, witnessMatches: r.witnessMatches, mismatches: [...r.mismatches], error: r.error ?? null };
        if (o.json) process.stdout.write(`${canonicalString(out)}\n`);
        else {
          process.stdout.write(`${out.result} ${out.receiptHash}\nsignature ${r.signatureValid ? 'valid' : 'INVALID'} (executor ${receipt.executor})\nwitness   ${r.witnessMatches ? 'is the one the receipt names' : 'DOES NOT MATCH the receipt'}\n`);
          if (r.mismatches.length > 0) process.stdout.write(`differs   ${r.mismatches.join(', ')}\n`);
          if (r.error) process.stdout.write(`error     ${r.error}\n`);
        }
        return r.ok ? EXIT.ok : EXIT.negative;
      }),
    );

  ccl
    .command('validate')
    .description("parse and validate a contract against ICN's limits; print its code hash v2 and ICN's legacy hash. Exit 0 valid, 1 invalid (path + reason), 2 unreadable file or not JSON")
    .argument('<contract>', 'contract JSON file')
    .option('--json', 'print {ok, name, codeHash, legacyCodeHash, rules, error} as JSON')
    .action(
      action('ccl validate', async (file: string, o: { json?: boolean }) => {
        const { readJsonFile } = await import('../../io/files.js');
        const { canonicalString, canonicalize } = await import('../../../core/canonical/index.js');
        const { CclError, loadContract, contractToJson } = await import('../../../core/ccl/index.js');
        const { codeHash, legacyCodeHashOf } = await import('../../../core/contracts/index.js');
        const doc = readJsonFile(file);
        try {
          const c = loadContract(doc);
          const out = {
            ok: true,
            name: c.name,
            codeHash: codeHash({ engine: 'ccl', contract: c }),
            legacyCodeHash: legacyCodeHashOf(c),
            participants: c.participants.length,
            stateVars: c.stateVars.map((v) => v.name),
            rules: c.rules.map((r) => `${r.name}(${r.params.join(', ')})`),
            canonicalBytes: canonicalize(contractToJson(c)).length,
          };
          if (o.json) process.stdout.write(`${canonicalString(out)}\n`);
          else
            process.stdout.write(
              `valid     ${c.name}: ${c.rules.length} rule(s): ${out.rules.join(', ')}\ncodeHash  ${out.codeHash}\nlegacy    ${out.legacyCodeHash} (ICN's hash; ignores the rules)\nsize      ${out.canonicalBytes} canonical bytes\n`,
            );
          return EXIT.ok;
        } catch (e) {
          if (!(e instanceof CclError)) throw e;
          const error = { code: e.code, path: typeof e.details.path === 'string' ? e.details.path : null, message: e.message };
          if (o.json) process.stdout.write(`${canonicalString({ ok: false, error })}\n`);
          else process.stderr.write(`icn-harness ccl validate: ${file}: invalid: ${e.code}: ${e.message}\n`);
          return EXIT.negative;
        }
      }),
    );
}
