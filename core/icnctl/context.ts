/**
 * What every icnctl verb shares: the global flags (--node, --json, --timeout), the node client,
 * output (one JSON document with --json, else lines for a person) and the action wrapper that
 * turns a verb's result or error into its exit code.
 */
import type { Command } from 'commander';
import { NodeClient } from './client.js';
import { CtlError, EXIT, reportError } from './errors.js';

export interface Ctx {
  json: boolean;
  /** The node client (built on first use: verbs that talk to no node never parse --node). */
  node(): NodeClient;
  /** Print `human` lines, or `doc` as JSON with --json. */
  print(human: readonly string[], doc: unknown): void;
}

function context(cmd: Command): Ctx {
  const g = cmd.optsWithGlobals<{ node?: string; json?: boolean; timeout?: string }>();
  let client: NodeClient | undefined;
  const timeout = g.timeout === undefined ? undefined : Number(g.timeout);
  if (timeout !== undefined && (!Number.isInteger(timeout) || timeout < 1))
    throw new CtlError(
      'CTL_ARGS',
      `--timeout ${JSON.stringify(g.timeout)}: an integer number of milliseconds ≥ 1`,
    );
  return {
    json: g.json === true,
    node: () => (client ??= NodeClient.fromFlag(g.node, timeout)),
    print(human, doc) {
      process.stdout.write(
        g.json ? `${JSON.stringify(doc, null, 2)}\n` : human.length ? `${human.join('\n')}\n` : '',
      );
    },
  };
}

/** Wrap a verb: `fn(ctx, ...positional, opts)` returns the exit code; errors become one line. */
export function act<A extends unknown[]>(
  verb: string,
  fn: (ctx: Ctx, ...args: A) => Promise<number> | number,
) {
  return async (...args: unknown[]): Promise<void> => {
    const cmd = args[args.length - 1] as Command;
    let code: number;
    try {
      code = await fn(context(cmd), ...(args.slice(0, -1) as A));
    } catch (e) {
      code = reportError(verb, e, cmd.optsWithGlobals<{ json?: boolean }>().json === true);
    }
    process.exitCode = code;
  };
}

export { EXIT };
