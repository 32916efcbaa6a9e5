/**
 * icn-harness: the command line. Verbs register from ./commands; each loads its implementation
 * only when it runs, so `--help` stays fast.
 */
import { Command, CommanderError } from 'commander';
import { GENERATOR } from '../version.js';
import { EXIT } from './exit.js';
import { register as registerRun } from './commands/run.js';
import { register as registerList } from './commands/list.js';
import { register as registerDiff } from './commands/diff.js';
import { register as registerCanon } from './commands/canon.js';
import { register as registerMerge } from './commands/merge.js';
import { register as registerGate } from './commands/gate.js';
import { register as registerReplay } from './commands/replay.js';
import { register as registerReport } from './commands/report.js';
import { register as registerWast } from './commands/wast.js';
import { register as registerScenario } from './commands/scenario.js';
import { register as registerCheck } from './commands/check.js';
import { register as registerExec } from './commands/exec.js';
import { register as registerCcl } from './commands/ccl.js';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('icn-harness')
    .description(
      'Deterministic replay and conformance harness for ICN. Exit codes: 0 ok, 1 negative result, 2 usage/input error, 3 harness fault.',
    )
    .version(GENERATOR.version)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  for (const register of [
    registerRun,
    registerList,
    registerDiff,
    registerCanon,
    registerMerge,
    registerGate,
    registerReplay,
    registerReport,
    registerWast,
    registerCheck,
    registerExec,
    registerScenario,
    registerCcl,
  ])
    register(program);
  for (const c of program.commands) c.exitOverride();
  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and version exit 0; every parse error is a usage error (2), never commander's 1.
      process.exitCode = e.exitCode === 0 ? EXIT.ok : EXIT.usage;
      return;
    }
    throw e;
  }
}
