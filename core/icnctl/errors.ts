/**
 * icnctl's errors and exit codes (the same as icn-harness): 0 ok, 1 a definite negative result
 * (MISMATCH, a deployment the node refused), 2 usage or bad input (including what the node
 * refused as bad input, an unreachable or wrong node URL, a bad key file), 3 a fault.
 */
import { IcnError } from '../errors.js';

export const EXIT = { ok: 0, negative: 1, usage: 2, fault: 3 } as const;

export class CtlError extends IcnError {
  override readonly name = 'CtlError';
  constructor(
    code: string,
    message: string,
    /** The exit code this error ends icnctl with. */
    readonly exit: number = EXIT.usage,
    details: Record<string, unknown> = {},
  ) {
    super(code, message, details);
  }
}

/** The exit code for an error: its own (CtlError), 2 for other typed errors, 3 for a bug. */
export function exitFor(e: unknown): number {
  if (e instanceof CtlError) return e.exit;
  if (e instanceof IcnError) return EXIT.usage;
  return EXIT.fault;
}

/**
 * One line on stderr (a fault keeps its stack: it is a bug to report) and the exit code. With
 * --json, stdout also gets `{"error": {code, message}}`, so a script reading stdout sees the failure.
 */
export function reportError(verb: string, e: unknown, json = false): number {
  const code = exitFor(e);
  if (json) {
    const errCode = e instanceof IcnError ? e.code : 'FAULT';
    process.stdout.write(`${JSON.stringify({ error: { code: errCode, message: e instanceof Error ? e.message.split('\n')[0] : String(e) } }, null, 2)}\n`);
  }
  if (code === EXIT.fault) process.stderr.write(`icnctl ${verb}: fault: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  else process.stderr.write(`icnctl ${verb}: error: ${(e as Error).message.split('\n')[0]}\n`);
  return code;
}
