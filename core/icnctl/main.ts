/**
 * icnctl: the operator's and auditor's client for a running icn-node. Verbs register from
 * ./commands and load what they need only when they run, so `--help` stays fast. Calls are signed
 * here with the caller's key file (core/daemon/contract-call.ts builds and signs them); the key
 * never leaves this process. Exit codes: 0 ok, 1 negative result, 2 usage/bad input, 3 fault.
 */
import { Command, CommanderError } from 'commander';
import { DEFAULT_NODE } from './client.js';
import { EXIT } from './errors.js';
import { register as registerKey } from './commands/key.js';
import { register as registerNode } from './commands/node.js';
import { register as registerContract } from './commands/contract.js';
import { register as registerReceipt } from './commands/receipt.js';
import { register as registerLedger } from './commands/ledger.js';
import { NODE_VERSION } from '../daemon/version.js';

export function buildProgram(): Command {
  const program = new Command()
    .name('icnctl')
    .description(
      'Drive a running icn-node: keys, node status, contracts (deploy, list, execute), receipts and the ledger. Exit codes: 0 ok, 1 negative result, 2 usage or bad input, 3 fault.',
    )
    .version(NODE_VERSION)
    .option('--node <url>', `the node's HTTP API [ICN_NODE] (default ${DEFAULT_NODE})`)
    .option('--json', 'print one JSON document instead of lines')
    .option(
      '--timeout <ms>',
      'give up on a node that has not answered after this long (default 10000)',
    )
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  for (const register of [
    registerKey,
    registerNode,
    registerContract,
    registerReceipt,
    registerLedger,
  ])
    register(program);
  const override = (c: Command) => {
    c.exitOverride();
    c.commands.forEach(override);
  };
  override(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and version exit 0; a parse error is a usage error (2), never commander's 1.
      process.exitCode = e.exitCode === 0 ? EXIT.ok : EXIT.usage;
      // --json: a usage error is a JSON document on stdout too (commander wrote its line on stderr).
      if (e.exitCode !== 0 && argv.includes('--json'))
        process.stdout.write(
          `${JSON.stringify({ error: { code: 'CTL_USAGE', message: e.message.replace(/^error: /, '').split('\n')[0] } }, null, 2)}\n`,
        );
      return;
    }
    throw e;
  }
}
