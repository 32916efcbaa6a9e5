/**
 * Exit codes, the same for every verb:
 *   0  success (identical, passed, accepted, REPRODUCED)
 *   1  a definite negative result (different, failed, rejected, MISMATCH)
 *   2  usage or input error (missing file, invalid JSON, wrong schema, bad flag)
 *   3  harness fault (the harness itself broke; nothing about the input is known)
 */
import { IcnError } from '../../core/errors.js';
import { printable } from '../io/printable.js';

export const EXIT = { ok: 0, negative: 1, usage: 2, fault: 3 } as const;

/** Codes of errors that are the harness's own fault rather than bad input. */
const FAULT_CODES = new Set(['HARNESS_FAULT']);

export function reportError(verb: string, e: unknown): number {
  if (e instanceof IcnError && !FAULT_CODES.has(e.code)) {
    // one line, whatever the input held (messages quote artifact text)
    process.stderr.write(`icn-harness ${verb}: error: ${printable(e.message)}\n`);
    return EXIT.usage;
  }
  const msg = e instanceof Error ? (e.stack ?? e.message) : String(e);
  process.stderr.write(`icn-harness ${verb}: harness fault: ${msg}\n`);
  return EXIT.fault;
}

/** Wrap a command action: its return value is the exit code; errors become one line + code. */
export function action<A extends unknown[]>(verb: string, fn: (...args: A) => Promise<number> | number) {
  return async (...args: A): Promise<void> => {
    let code: number;
    try {
      code = await fn(...args);
    } catch (e) {
      code = reportError(verb, e);
    }
    process.exitCode = code;
  };
}
